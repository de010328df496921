//! reporting boots for real, follows the other services' events from JetStream into its read
//! model, and reports them — whatever order the streams deliver them in — as JSON, CSV and
//! XLSX; the running sums equal a rebuild from the facts; a replay rebuilds the same reports.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

use chrono::{DateTime, Duration, Utc};
use doithoai_auth::Role;
use doithoai_contracts::subjects::*;
use doithoai_testkit::{TestApp, TestEnv, token, token_in};
use serde_json::{Value, json};
use uuid::Uuid;

#[tokio::test]
async fn boots_with_its_own_database_and_serves_health_readiness_and_metrics() {
    TestApp::assert_boots("reporting", TestEnv::new(), reporting::build).await;
}

fn submitter() -> Value {
    json!({"kind": "individual", "name": "Nguyễn Văn An", "organization": null,
           "address": "Số 1 phố Láng", "phone": null, "email": null})
}

fn received(id: Uuid, unit: &str, field: &str, at: DateTime<Utc>) -> Value {
    json!({"petition_id": id, "tracking_code": format!("T-{id}"), "unit": unit,
           "kind": "feedback", "field": field, "procedure_code": null, "content_type": 2,
           "title": null, "content": "Nội dung", "submitter": submitter(),
           "consent_to_publish_identity": false, "channel": "web", "received_at": at,
           "conference_id": null})
}

fn routed(
    id: Uuid,
    unit: &str,
    field: &str,
    dept: &str,
    at: DateTime<Utc>,
    due: DateTime<Utc>,
) -> Value {
    json!({"petition_id": id, "tracking_code": format!("T-{id}"), "unit": unit,
           "unit_name": unit, "department": dept, "department_name": dept, "due_at": due,
           "reason_code": "initial", "reason": null, "actor": null,
           "petition": received(id, unit, field, at)})
}

fn answered(id: Uuid, unit: &str, dept: &str, at: DateTime<Utc>) -> Value {
    json!({"petition_id": id, "tracking_code": format!("T-{id}"), "unit": unit,
           "unit_name": unit, "department": dept, "official_number": "1/2026/TL-PAKN",
           "answer": "Trả lời", "signed_by": "leader", "answered_at": at,
           "submitter": submitter()})
}

fn rated(id: Uuid, unit: &str, score: i16, at: DateTime<Utc>) -> Value {
    json!({"petition_id": id, "tracking_code": format!("T-{id}"), "unit": unit,
           "score": score, "rated_at": at})
}

/// One petition's whole life, as (stream, event, payload): received 20 days ago, routed to
/// `dept` due in `due_in_days` after receipt, answered after `answer_days` (if any), rated.
fn life(
    unit: &str,
    dept: &str,
    due_in_days: i64,
    answer_days: Option<i64>,
    score: Option<i16>,
) -> Vec<(&'static str, &'static str, Value)> {
    let id = Uuid::new_v4();
    let at = Utc::now() - Duration::days(20);
    let due = at + Duration::days(due_in_days);
    let mut events = vec![
        (INTAKE, PETITION_RECEIVED, received(id, unit, "ho-tich", at)),
        (
            ROUTING,
            PETITION_ROUTED,
            routed(id, unit, "ho-tich", dept, at, due),
        ),
    ];
    if let Some(d) = answer_days {
        events.push((
            ANSWERING,
            PETITION_ANSWERED,
            answered(id, unit, dept, at + Duration::days(d)),
        ));
        if let Some(s) = score {
            events.push((
                ANSWERING,
                PETITION_RATED,
                rated(id, unit, s, at + Duration::days(d + 1)),
            ));
        }
    }
    events
}

async fn publish_all(app: &TestApp, events: &[(&'static str, &'static str, Value)]) {
    for (stream, event, data) in events {
        let unit = data["unit"].as_str().unwrap().to_owned();
        app.publish(stream, event, &unit, data.clone()).await;
    }
}

/// The report at `path` once `ready` holds of it (the consumers are asynchronous).
async fn report_when(
    app: &TestApp,
    tok: &str,
    path: &str,
    ready: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let r = app.json_as(tok, path).await;
        if ready(&r) {
            return r;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "report never got there: {r:#}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

fn row<'a>(r: &'a Value, key: &str) -> &'a Value {
    r["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["key"] == key)
        .unwrap_or_else(|| panic!("no row {key} in {r:#}"))
}

#[tokio::test]
async fn the_events_of_every_stream_make_the_reports_whatever_order_they_arrive_in() {
    let app = TestApp::spawn(TestEnv::new(), reporting::build).await;
    let city = token(Role::CityAdmin, "hanoi");
    // Phường Láng: in order. Answered on time in 3 days (satisfied), late in 12 days (not
    // satisfied), and one open past its due date.
    let mut lang = life("phuong-lang", "van-phong", 5, Some(3), Some(5));
    lang.extend(life("phuong-lang", "van-phong", 5, Some(12), Some(2)));
    lang.extend(life("phuong-lang", "van-hoa-xa-hoi", 5, None, None));
    publish_all(&app, &lang).await;
    // Phường Cầu Giấy: the same lives, every petition's events in reverse order (the answer
    // and rating before the receipt and routing).
    let mut cau_giay = life("phuong-cau-giay", "van-phong", 5, Some(3), Some(5));
    cau_giay.extend(life("phuong-cau-giay", "van-phong", 5, Some(12), Some(2)));
    cau_giay.extend(life("phuong-cau-giay", "van-hoa-xa-hoi", 5, None, None));
    cau_giay.reverse();
    publish_all(&app, &cau_giay).await;
    // A refusal, a complaint not accepted, a transfer out of Phường Láng.
    let (refused, na, moved) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    let at = Utc::now() - Duration::days(2);
    app.publish(
        INTAKE,
        PETITION_RECEIVED,
        "phuong-lang",
        received(refused, "phuong-lang", "dat-dai", at),
    )
    .await;
    app.publish(
        ROUTING,
        PETITION_REFUSED,
        "phuong-lang",
        json!({"petition_id": refused,
        "tracking_code": "R", "unit": "phuong-lang", "unit_name": "Phường Láng", "reason": "trùng",
        "actor": "clerk", "refused_at": at, "submitter": submitter()}),
    )
    .await;
    app.publish(INTAKE, PETITION_NOT_ACCEPTED, "phuong-lang", json!({"petition_id": na,
        "tracking_code": "N", "unit": "phuong-lang", "reason_code": "complaint", "reason_vi": "khiếu nại",
        "where_to_file_vi": "UBND", "submitter": submitter(), "channel": "post", "received_at": at})).await;
    app.publish(
        INTAKE,
        PETITION_RECEIVED,
        "phuong-lang",
        received(moved, "phuong-lang", "dat-dai", at),
    )
    .await;
    app.publish(
        ROUTING,
        PETITION_TRANSFERRED,
        "phuong-lang",
        json!({"petition_id": moved,
        "tracking_code": "M", "from_unit": "phuong-lang", "to_unit": "phuong-cau-giay",
        "to_unit_name": "Phường Cầu Giấy", "reason": "thẩm quyền", "actor": "clerk",
        "transfer_due_at": at, "submitter": submitter()}),
    )
    .await;

    let from = (Utc::now() - Duration::days(40)).format("%Y-%m-%d");
    let to = (Utc::now() + Duration::days(2)).format("%Y-%m-%d");
    let path = format!("/api/v1/staff/reports?from={from}&to={to}&by=unit");
    let r = report_when(&app, &city, &path, |r| {
        r["rows"].as_array().is_some_and(|rows| {
            rows.iter().any(|g| {
                g["key"] == "phuong-lang"
                    && g["received"] == 6
                    && g["refused"] == 1
                    && g["not_accepted"] == 1
                    && g["answered"] == 2
                    && g["ratings"] == 2
                    && g["transferred"] == 1
                    && g["overdue_now"] == 1
            }) && rows.iter().any(|g| {
                g["key"] == "phuong-cau-giay"
                    && g["received"] == 3
                    && g["ratings"] == 2
                    && g["answered"] == 2
                    && g["overdue_now"] == 1
            })
        })
    })
    .await;
    let l = row(&r, "phuong-lang");
    assert_eq!(l["name"], "Phường Láng");
    assert_eq!(
        (
            l["accepted"].as_i64(),
            l["not_accepted"].as_i64(),
            l["refused"].as_i64()
        ),
        (Some(4), Some(1), Some(1)),
        "{l:#}"
    );
    assert_eq!(
        (l["answered_on_time"].as_i64(), l["answered_late"].as_i64()),
        (Some(1), Some(1))
    );
    assert_eq!(l["on_time_rate"], 50.0);
    assert_eq!(l["satisfaction_index"], 50.0);
    assert_eq!(l["meets_satisfaction_target"], false);
    assert_eq!(l["overdue_now"], 1);
    // Every measure of the reversed unit equals the in-order one's (but for what only Láng had).
    let c = row(&r, "phuong-cau-giay");
    for m in [
        "answered",
        "answered_on_time",
        "answered_late",
        "median_days_to_answer",
        "mean_days_to_answer",
        "overdue_now",
        "ratings",
        "satisfied",
        "satisfaction_index",
    ] {
        assert_eq!(c[m], l[m], "{m}: {c:#} against {l:#}");
    }
    assert_eq!(c["received"], 3);
    assert_eq!(r["totals"]["received"], 9);
    assert_eq!(r["totals"]["overdue_now"], 2);
    assert_eq!(r["satisfaction_target"], 86.0);
    assert_eq!(r["oldest_overdue"].as_array().unwrap().len(), 2);

    // The city's sums (by field, by department) count what the units' sums count.
    for by in ["field", "department", "month"] {
        let other = app
            .json_as(
                &city,
                &format!("/api/v1/staff/reports?from={from}&to={to}&by={by}"),
            )
            .await;
        for m in [
            "received",
            "accepted",
            "refused",
            "not_accepted",
            "transferred",
            "answered",
            "answered_late",
            "ratings",
            "satisfied",
            "median_days_to_answer",
        ] {
            assert_eq!(other["totals"][m], r["totals"][m], "{m} by {by}");
        }
    }

    // One unit by department; its staff see only it.
    let clerk = token(Role::Clerk, "phuong-lang");
    let mine = app
        .json_as(
            &clerk,
            &format!("/api/v1/staff/reports?from={from}&to={to}"),
        )
        .await;
    assert_eq!(mine["unit"], "phuong-lang");
    assert_eq!(mine["by"], "department");
    assert_eq!(row(&mine, "van-phong")["answered"], 2);
    assert_eq!(row(&mine, "van-phong")["name"], "Văn phòng HĐND và UBND");
    assert_eq!(row(&mine, "van-hoa-xa-hoi")["overdue_now"], 1);
    // The petitions never routed (refused, not accepted, transferred) are "not assigned";
    // a group every petition left (counted under its department now) shows no row of zeros.
    assert_eq!(row(&mine, "")["received"], 3);
    assert!(
        mine["rows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|g| g["received"] != 0 || g["answered"] != 0 || g["overdue_now"] != 0),
        "no row of zeros: {mine:#}"
    );
    let other = app
        .get_as(&clerk, "/api/v1/staff/reports?unit=phuong-cau-giay")
        .await;
    assert_eq!(other.status().as_u16(), 403);
    // An officer sees their own department's figures only.
    let officer = token_in(Role::Officer, "phuong-lang", "van-hoa-xa-hoi");
    let theirs = app
        .json_as(
            &officer,
            &format!("/api/v1/staff/reports?from={from}&to={to}&department=van-phong"),
        )
        .await;
    assert_eq!(theirs["department"], "van-hoa-xa-hoi");
    assert_eq!(theirs["totals"]["answered"], 0);
    assert_eq!(theirs["totals"]["overdue_now"], 1);

    // The running sums equal the sums rebuilt from the facts.
    let before = sums(&app).await;
    assert!(before.len() > 4, "{before:?}");
    {
        let mut conn = app.core.pool.get().await.unwrap();
        reporting::store::rebuild_sums(&mut conn).await.unwrap();
    }
    assert_eq!(sums(&app).await, before);
}

/// Every non-zero daily and monthly sum, as text, in order.
async fn sums(app: &TestApp) -> Vec<String> {
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName, Debug)]
    struct Line {
        #[diesel(sql_type = diesel::sql_types::Text)]
        line: String,
    }
    let mut conn = app.core.pool.get().await.unwrap();
    let lines: Vec<Line> = diesel::sql_query(
        "SELECT t::text AS line FROM (SELECT 'd' AS k, * FROM daily UNION ALL SELECT 'm', * FROM monthly) t \
         WHERE received <> 0 OR accepted <> 0 OR not_accepted <> 0 OR refused <> 0 OR transferred <> 0 \
            OR on_time <> 0 OR late <> 0 OR rated <> 0 ORDER BY 1",
    )
    .load(&mut conn)
    .await
    .unwrap();
    lines.into_iter().map(|l| l.line).collect()
}

#[tokio::test]
async fn exports_are_csv_and_xlsx_with_vietnamese_headers_and_bad_input_is_named() {
    let app = TestApp::spawn(TestEnv::new(), reporting::build).await;
    publish_all(&app, &life("phuong-lang", "van-phong", 5, Some(3), Some(5))).await;
    let city = token(Role::CityAdmin, "hanoi");
    let from = (Utc::now() - Duration::days(40)).format("%Y-%m-%d");
    let to = Utc::now().format("%Y-%m-%d");
    let q = format!("/api/v1/staff/reports?from={from}&to={to}");
    // Every stream applied: the answer (which needs the routing's due date) and the rating.
    report_when(&app, &city, &q, |r| {
        r["totals"]["ratings"] == 1 && r["totals"]["answered"] == 1
    })
    .await;

    let csv = app.get_as(&city, &format!("{q}&format=csv")).await;
    assert_eq!(csv.status().as_u16(), 200);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        csv.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("bao-cao-pakn_ha-noi_")
    );
    let text = csv.text().await.unwrap();
    let mut lines = text.trim_start_matches('\u{feff}').lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("Đơn vị,Tiếp nhận,Thụ lý,Không tiếp nhận")
    );
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("Phường Láng,1,1,0,0,0,1,1,0,100"),
        "{text}"
    );
    assert!(lines.next().unwrap().starts_with("Tổng cộng,1,"), "{text}");

    let x = app.get_as(&city, &format!("{q}&format=xlsx")).await;
    assert_eq!(x.status().as_u16(), 200);
    let bytes = x.bytes().await.unwrap();
    let mut book = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut read = |name: &str| {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut book.by_name(name).unwrap(), &mut s).unwrap();
        s
    };
    let strings = read("xl/sharedStrings.xml");
    for s in [
        "Báo cáo tiếp nhận",
        "Tiếp nhận",
        "Chỉ số hài lòng (%)",
        "Phường Láng",
        "Tổng cộng",
        "Hội nghị gần nhất",
    ] {
        assert!(strings.contains(s), "{s} in the workbook");
    }
    let workbook = read("xl/workbook.xml");
    assert!(workbook.contains("Báo cáo PAKN") && workbook.contains("Đối thoại"));

    // English on request.
    let en = app
        .request_as(reqwest::Method::GET, &city, &format!("{q}&format=csv"))
        .header("Accept-Language", "en")
        .send()
        .await
        .unwrap();
    assert!(en.text().await.unwrap().contains("Unit,Received,Accepted"));

    for (query, field) in [
        ("from=2026-13-01", "from"),
        ("from=2026-05-01&to=2026-04-01", "to"),
        ("by=street", "by"),
        ("format=pdf", "format"),
        ("unit=nowhere", "unit"),
        ("month=2026-1x", "month"),
        ("from=2000-01-01&to=2026-01-01", "to"),
    ] {
        let res = app
            .get_as(&city, &format!("/api/v1/staff/reports?{query}"))
            .await;
        assert_eq!(res.status().as_u16(), 422, "{query}");
        assert_eq!(
            res.headers()["content-type"].to_str().unwrap(),
            "application/problem+json"
        );
        let body: Value = res.json().await.unwrap();
        assert!(
            body["errors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["field"] == field),
            "{query}: {body}"
        );
    }
    assert_eq!(
        app.get("/api/v1/staff/reports").await.status().as_u16(),
        401
    );
}

#[tokio::test]
async fn dialogue_compliance_follows_the_latest_record_of_each_conference() {
    let app = TestApp::spawn(TestEnv::new(), reporting::build).await;
    let id = Uuid::new_v4();
    let starts = Utc::now() - Duration::days(20);
    let record = |status: &str, minutes: Option<DateTime<Utc>>, at: DateTime<Utc>| {
        json!({"conference_id": id, "unit": "phuong-lang", "title": "Đối thoại quý IV",
               "status": status, "starts_at": starts, "notice_published_at": starts - Duration::days(10),
               "minutes_published_at": minutes, "results_published_at": minutes, "recorded_at": at})
    };
    let now = Utc::now();
    // The newer record (minutes out) arrives first; the older one after it changes nothing.
    app.publish(
        SCHEDULING,
        CONFERENCE_RECORDED,
        "phuong-lang",
        record("held", Some(starts + Duration::days(1)), now),
    )
    .await;
    app.publish(
        SCHEDULING,
        CONFERENCE_RECORDED,
        "phuong-lang",
        record("noticed", None, now - Duration::days(30)),
    )
    .await;
    let leader = token(Role::Leader, "phuong-lang");
    let from = (Utc::now() - Duration::days(60)).format("%Y-%m-%d");
    let to = Utc::now().format("%Y-%m-%d");
    let r = report_when(
        &app,
        &leader,
        &format!("/api/v1/staff/reports?from={from}&to={to}"),
        |r| r["dialogue"]["held_in_period"] == 1,
    )
    .await;
    let d = &r["dialogue"];
    assert_eq!(d["units"], 1);
    let u = &d["per_unit"][0];
    assert_eq!(u["unit"], "phuong-lang");
    assert_eq!(u["held_in_period"], 1);
    assert!(u["last"].is_string());
    // Nothing planned next: off track for that reason only if the rule says so.
    assert_eq!(u["on_track"], u["reasons"].as_array().unwrap().is_empty());
    // City-wide, every one of the 126 units is judged.
    let city = token(Role::Auditor, "hanoi");
    let all = app
        .json_as(&city, &format!("/api/v1/staff/reports?from={from}&to={to}"))
        .await;
    assert_eq!(all["dialogue"]["units"], 126);
    assert_eq!(all["dialogue"]["held_in_period"], 1);
}

#[tokio::test]
async fn a_replay_empties_the_read_model_and_rebuilds_the_same_reports_from_the_streams() {
    let env = TestEnv::new();
    let (name, overrides) = (env.name.clone(), env.overrides.clone());
    let app = TestApp::spawn(env, reporting::build).await;
    let mut events = life("phuong-lang", "van-phong", 5, Some(3), Some(5));
    events.extend(life(
        "phuong-lang",
        "kinh-te-ha-tang-do-thi",
        5,
        Some(8),
        Some(4),
    ));
    events.extend(life("phuong-ba-dinh", "van-phong", 5, None, None));
    publish_all(&app, &events).await;
    let city = token(Role::CityAdmin, "hanoi");
    let from = (Utc::now() - Duration::days(40)).format("%Y-%m-%d");
    let to = Utc::now().format("%Y-%m-%d");
    let q = format!("/api/v1/staff/reports?from={from}&to={to}");
    // The whole of it, whatever order the four consumers ran in.
    let whole = |r: &Value| {
        r["totals"]["ratings"] == 2
            && r["totals"]["received"] == 3
            && r["totals"]["answered"] == 2
            && r["totals"]["overdue_now"] == 1
    };
    let before = report_when(&app, &city, &q, whole).await;
    app.stop().await.unwrap();

    reporting::replay(overrides).await.unwrap();
    let again = TestApp::spawn(TestEnv::with_name(&name), reporting::build).await;
    let after = report_when(&again, &city, &q, whole).await;
    assert_eq!(after["rows"], before["rows"]);
    assert_eq!(after["totals"], before["totals"]);
}
