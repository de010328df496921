use async_nats::jetstream;
use chrono::{DateTime, Utc};
use doithoai_auth::Role;
use doithoai_contracts::subjects;
use doithoai_contracts::{Channel, Envelope, PetitionKind, PetitionReceivedV1, SubmitterV1};
use doithoai_testkit::{TestApp, TestEnv, token};
use serde_json::{Value, json};
use std::time::Duration;

async fn spawn() -> TestApp {
    TestApp::spawn(TestEnv::new(), routing::build).await
}

fn received(unit: &str, field: &str, at: &str) -> PetitionReceivedV1 {
    PetitionReceivedV1 {
        petition_id: uuid::Uuid::now_v7(),
        tracking_code: "AB12-CD34-EF5".into(),
        unit: unit.into(),
        kind: PetitionKind::Feedback,
        field: field.into(),
        procedure_code: None,
        content_type: Some(2),
        title: None,
        content: "Nội dung".into(),
        submitter: SubmitterV1 {
            kind: "individual".into(),
            name: "Nguyễn Văn An".into(),
            organization: None,
            address: "12 Láng".into(),
            phone: Some("+84912345678".into()),
            email: Some("an@example.vn".into()),
        },
        consent_to_publish_identity: false,
        channel: Channel::Web,
        received_at: DateTime::parse_from_rfc3339(at)
            .unwrap()
            .with_timezone(&Utc),
        conference_id: None,
        conference_starts_at: None,
        official_conduct: false,
    }
}

/// What these tests do with routing, on the shared [`TestApp`].
trait Flow {
    async fn receive(&self, p: &PetitionReceivedV1) -> Envelope<PetitionReceivedV1>;
    async fn routed(&self, at_least: usize) -> Vec<Value>;
    /// The due date of the first assignment, for a petition to phuong-lang received `at`.
    async fn first_due(&self, at: &str) -> Value;
    /// A public GET's JSON body.
    async fn public(&self, path: &str) -> Value;
}

impl Flow for TestApp {
    async fn first_due(&self, at: &str) -> Value {
        self.receive(&received("phuong-lang", "ho-tich", at)).await;
        self.routed(1).await[0]["data"]["due_at"].clone()
    }

    async fn public(&self, path: &str) -> Value {
        reqwest::get(format!("{}{path}", self.base))
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Publishes `p` as intake would.
    async fn receive(&self, p: &PetitionReceivedV1) -> Envelope<PetitionReceivedV1> {
        self.publish(
            subjects::INTAKE,
            subjects::PETITION_RECEIVED,
            &p.unit,
            p.clone(),
        )
        .await
    }

    async fn routed(&self, at_least: usize) -> Vec<Value> {
        doithoai_testkit::stream_messages(
            &self.env.namespace,
            subjects::ROUTING,
            ">",
            at_least,
            Duration::from_secs(15),
        )
        .await
        .unwrap()
        .iter()
        .map(|m| {
            let mut v: Value = serde_json::from_slice(&m.payload).unwrap();
            v["subject"] = json!(m.subject.to_string());
            v["traceparent"] = json!(
                m.headers
                    .as_ref()
                    .and_then(|h| h.get("traceparent"))
                    .map(|t| t.to_string())
            );
            v
        })
        .collect()
    }
}

#[tokio::test]
async fn received_petition_is_routed_to_the_rule_department_with_a_tet_aware_due_date() {
    let app = spawn().await;
    let p = received("phuong-lang", "dat-dai", "2026-02-13T10:00:00+07:00");
    app.receive(&p).await;
    let events = app.routed(1).await;
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!(e["event"], "petition.routed");
    assert_eq!(e["data"]["department"], "kinh-te-ha-tang-do-thi");
    assert_eq!(e["data"]["unit_name"], "Phường Láng");
    // 15 working days from Friday 13 February across Tết (16–20 February): Friday 13 March.
    assert_eq!(e["data"]["due_at"], "2026-03-13T10:00:00Z");
    // Routing never contacts the submitter: it forwards their name once, with the first
    // assignment, no phone or email ever, and keeps nothing of them.
    assert_eq!(e["data"]["petition"]["submitter"]["name"], "Nguyễn Văn An");
    assert!(e["data"]["petition"]["submitter"]["email"].is_null(), "{e}");
    assert!(e["data"]["petition"]["submitter"]["phone"].is_null(), "{e}");
    let stored: Vec<String> = {
        use diesel_async::RunQueryDsl;
        let mut conn = app.core.pool.get().await.unwrap();
        diesel::sql_query("SELECT petition FROM assignments")
            .load::<StoredPetition>(&mut conn)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.petition)
            .collect()
    };
    assert_eq!(stored.len(), 1);
    for gone in ["Nguyễn Văn An", "an@example.vn", "+84", "12 Láng"] {
        assert!(
            !stored[0].contains(gone),
            "routing keeps {gone:?}: {}",
            stored[0]
        );
    }
}

#[derive(diesel::QueryableByName)]
struct StoredPetition {
    #[diesel(sql_type = diesel::sql_types::Text)]
    petition: String,
}

#[tokio::test]
async fn a_commune_gets_its_own_default_department() {
    let app = spawn().await;
    let commune = reqwest::get(format!("{}/api/v1/units", app.base))
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["kind"] == "commune")
        .unwrap()["code"]
        .as_str()
        .unwrap()
        .to_owned();
    app.receive(&received(&commune, "dat-dai", "2026-03-02T09:00:00+07:00"))
        .await;
    let events = app.routed(1).await;
    assert_eq!(events[0]["data"]["department"], "kinh-te");
}

#[tokio::test]
async fn a_redelivered_event_is_routed_once() {
    let app = spawn().await;
    let p = received("phuong-lang", "ho-tich", "2026-03-02T09:00:00+07:00");
    let env = app.receive(&p).await;
    // The same event again under another message id (as after a crash before the ack).
    let subject = subjects::subject(
        &app.env.namespace,
        subjects::INTAKE,
        subjects::PETITION_RECEIVED,
        "phuong-lang",
    );
    app.js
        .send_publish(
            subject,
            jetstream::message::PublishMessage::build()
                .payload(serde_json::to_vec(&env).unwrap().into())
                .message_id("another-id"),
        )
        .await
        .unwrap()
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(app.routed(2).await.len(), 1);
}

#[tokio::test]
async fn clerk_reroutes_and_transfers_and_other_units_cannot_see_it() {
    let app = TestApp::spawn(
        TestEnv::new().set("ROUTING_WATCH_SECONDS", "1"),
        routing::build,
    )
    .await;
    let p = received("phuong-lang", "ho-tich", "2026-03-02T09:00:00+07:00");
    app.receive(&p).await;
    app.routed(1).await;
    let clerk = token(Role::Clerk, "phuong-lang");
    let url = |s: &str| format!("{}/api/v1/staff/routing/{}{s}", app.base, p.petition_id);

    let other = token(Role::Leader, "phuong-ba-dinh");
    assert_eq!(
        app.client
            .get(url(""))
            .bearer_auth(&other)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        404
    );
    let officer = token(Role::Officer, "phuong-lang");
    let r = app
        .client
        .post(url("/reroute"))
        .bearer_auth(&officer)
        .json(&json!({"department": "van-hoa-xa-hoi", "reason": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);

    for (body, field) in [
        (
            json!({"department": "phong-khong-co", "reason": "x"}),
            "department",
        ),
        (json!({"department": "van-hoa-xa-hoi"}), "reason"),
        (json!({"department": 5, "reason": "x"}), "department"),
    ] {
        let r = app
            .client
            .post(url("/reroute"))
            .bearer_auth(&clerk)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 422, "{body}");
        let p: Value = r.json().await.unwrap();
        assert_eq!(p["errors"][0]["field"], field);
    }
    let r = app
        .client
        .post(url("/reroute"))
        .bearer_auth(&clerk)
        .json(&json!({"department": "van-hoa-xa-hoi", "reason": "Thuộc lĩnh vực văn hóa"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);

    let r = app
        .client
        .post(url("/transfer"))
        .bearer_auth(&clerk)
        .json(&json!({"to": "so-tu-phap", "reason": "Ngoài thẩm quyền của phường"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let t: Value = r.json().await.unwrap();
    assert_eq!(t["unit"], "so-tu-phap");
    assert_eq!(t["transfer_due_at"], "2026-03-09T10:00:00.000Z");
    // Received in February, transferred now: past the 5 working days of Decree 20, Art. 9 —
    // made all the same, and recorded as late.
    assert_eq!(t["transfer_on_time"], false);

    let events = app.routed(4).await;
    let names: Vec<&str> = events
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "petition.routed",
            "petition.routed",
            "petition.transferred",
            "petition.routed"
        ]
    );
    assert_eq!(events[2]["data"]["late"], true);
    assert_eq!(events[3]["data"]["unit"], "so-tu-phap");
    assert_eq!(events[3]["data"]["reason_code"], "transfer");
    assert!(
        events[3]["subject"]
            .as_str()
            .unwrap()
            .ends_with(".routing.petition.routed.so-tu-phap")
    );

    // The receiving body sees it; the history keeps every decision.
    let body_staff = token(Role::Clerk, "so-tu-phap");
    let h: Value = app
        .client
        .get(url(""))
        .bearer_auth(&body_staff)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = h["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["initial", "reroute", "transfer", "late_transfer"]);
    // ... and counted, for the unit that transferred late.
    let counted = "routing_late_transfers{unit=\"phuong-lang\"} 1";
    let mut metrics = String::new();
    for _ in 0..50 {
        metrics = app.get("/metrics").await.text().await.unwrap();
        if metrics.contains(counted) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(metrics.contains(counted), "{metrics}");
    assert!(metrics.contains("routing_late_transfers{unit=\"phuong-ba-dinh\"} 0"));
}

#[tokio::test]
async fn city_admin_edits_holidays_and_the_calendar_follows() {
    let app = spawn().await;
    let admin = token(Role::CityAdmin, "hanoi");
    let clerk = token(Role::Clerk, "phuong-lang");
    let put = |t: &str, date: &str, body: Value| {
        app.client
            .put(format!("{}/api/v1/staff/holidays/{date}", app.base))
            .bearer_auth(t)
            .json(&body)
            .send()
    };
    assert_eq!(
        put(&clerk, "2026-09-01", json!({"name_vi": "Nghỉ Quốc khánh"}))
            .await
            .unwrap()
            .status()
            .as_u16(),
        403
    );
    assert_eq!(
        put(&admin, "01-09-2026", json!({"name_vi": "x"}))
            .await
            .unwrap()
            .status()
            .as_u16(),
        400
    );
    assert_eq!(
        put(&admin, "2026-09-01", json!({}))
            .await
            .unwrap()
            .status()
            .as_u16(),
        422
    );
    assert_eq!(
        put(
            &admin,
            "2026-09-01",
            json!({"name_vi": "Nghỉ Quốc khánh", "name_en": "National Day"})
        )
        .await
        .unwrap()
        .status()
        .as_u16(),
        200
    );
    // Monday 31 August + 15 working days, with Tue 1 (added) and Wed 2 September off:
    // Wednesday 23 September (it would be Tuesday 22 without the new holiday).
    assert_eq!(
        app.first_due("2026-08-31T09:00:00+07:00").await,
        "2026-09-23T10:00:00Z"
    );
    let hol = app.public("/api/v1/holidays").await;
    assert!(
        hol["holidays"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["date"] == "2026-09-01")
    );
}

/// Decree 20, Art. 9: a petition about an official's conduct goes to the department that
/// manages the unit's officials (internal affairs: Phòng Văn hóa – Xã hội), whatever its field.
#[tokio::test]
async fn a_petition_about_an_officials_conduct_goes_to_the_department_managing_officials() {
    let app = spawn().await;
    let mut p = received("phuong-lang", "dat-dai", "2026-03-02T09:00:00+07:00");
    p.official_conduct = true;
    app.receive(&p).await;
    let events = app.routed(1).await;
    assert_eq!(events[0]["data"]["department"], "van-hoa-xa-hoi");
    assert_eq!(events[0]["data"]["petition"]["official_conduct"], true);
}

/// BRIEF (iHanoi's rules): urgent items are handled within 4 working hours. A clerk marks one
/// urgent: its due date comes to 4 working hours from then by the calendar, the department is
/// told (`petition.routed`, `urgent`), and marking it again is refused (it is due sooner).
#[tokio::test]
async fn an_urgent_petition_is_due_within_4_working_hours() {
    let app = spawn().await;
    let p = received("phuong-lang", "ho-tich", &Utc::now().to_rfc3339());
    app.receive(&p).await;
    let first = app.routed(1).await;
    let was_due = first[0]["data"]["due_at"].as_str().unwrap().to_owned();
    let clerk = token(Role::Clerk, "phuong-lang");
    let path = format!("/api/v1/staff/routing/{}/urgent", p.petition_id);
    let officer = token(Role::Officer, "phuong-lang");
    let denied = app.post_as(&officer, &path, &json!({"reason": "x"})).await;
    assert_eq!(denied.status().as_u16(), 403);
    let empty = app.post_as(&clerk, &path, &json!({"reason": ""})).await;
    assert_eq!(empty.status().as_u16(), 422);

    let before = Utc::now();
    let res = app
        .post_as(
            &clerk,
            &path,
            &json!({"reason": "Cây đổ chắn lối vào trường học"}),
        )
        .await;
    let after = Utc::now();
    assert_eq!(res.status().as_u16(), 200);
    let body: Value = res.json().await.unwrap();
    let due: DateTime<Utc> = body["due_at"].as_str().unwrap().parse().unwrap();
    // The calendar as routing keeps it, from the holidays it serves.
    let days = app.public("/api/v1/holidays").await;
    let holidays = days["holidays"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["kind"] == "holiday")
        .map(|d| d["date"].as_str().unwrap().parse().unwrap());
    let cal = doithoai_calendar::Calendar::new(holidays, Default::default());
    let span = doithoai_calendar::Span::WorkingHours(4);
    let second = chrono::Duration::seconds(1);
    assert!(
        cal.due(before, span) - second <= due && due <= cal.due(after, span),
        "{due} is 4 working hours from the mark"
    );
    assert!(due < was_due.parse::<DateTime<Utc>>().unwrap());
    let events = app.routed(2).await;
    let urgent = &events[1]["data"];
    assert_eq!(urgent["reason_code"], "urgent");
    assert_eq!(urgent["department"], first[0]["data"]["department"]);
    let announced: DateTime<Utc> = urgent["due_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(announced, due);

    let again = app
        .post_as(&clerk, &path, &json!({"reason": "Nhắc lại"}))
        .await;
    assert_eq!(again.status().as_u16(), 409);
    let problem: Value = again.json().await.unwrap();
    assert_eq!(problem["errors"][0]["code"], "due_sooner", "{problem}");
}

/// Decree 20, Art. 9: what a unit receives is classified (and transferred if need be) within
/// its transfer deadline. A petition nobody has triaged is announced once when that deadline
/// has passed, flagged in its routing view and counted on `/metrics`; one a clerk accepted as
/// within the unit's competence is not.
#[tokio::test]
async fn a_petition_nobody_triaged_by_the_deadline_is_announced_once_and_flagged() {
    let app = TestApp::spawn(
        TestEnv::new().set("ROUTING_WATCH_SECONDS", "1"),
        routing::build,
    )
    .await;
    let old = received(
        "phuong-lang",
        "ho-tich",
        &(Utc::now() - chrono::Duration::days(14)).to_rfc3339(),
    );
    app.receive(&old).await;
    let mut fresh = received("phuong-lang", "ho-tich", &Utc::now().to_rfc3339());
    fresh.tracking_code = "AB12-CD34-EF6".into();
    app.receive(&fresh).await;
    app.routed(2).await;
    let clerk = token(Role::Clerk, "phuong-lang");
    let accepted = app
        .post_as(
            &clerk,
            &format!("/api/v1/staff/routing/{}/accept", fresh.petition_id),
            &json!({"note": "Thuộc thẩm quyền"}),
        )
        .await;
    assert_eq!(accepted.status().as_u16(), 200);

    let triage_events = || async {
        app.routed(2)
            .await
            .into_iter()
            .filter(|e| {
                e["event"]
                    .as_str()
                    .is_some_and(|n| n.starts_with("petition.triage_"))
            })
            .collect::<Vec<Value>>()
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    let announced = loop {
        let found = triage_events().await;
        if !found.is_empty() || tokio::time::Instant::now() >= deadline {
            break found;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    // Several rounds later: still once, and nothing for the accepted one.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let all = triage_events().await;
    assert_eq!(announced.len(), 1, "{announced:?}");
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(all[0]["event"], "petition.triage_overdue");
    assert_eq!(all[0]["data"]["petition_id"], json!(old.petition_id));

    let view = app
        .json_as(
            &clerk,
            &format!("/api/v1/staff/routing/{}", old.petition_id),
        )
        .await;
    assert_eq!(view["triage_overdue"], true, "{view}");
    let done = app
        .json_as(
            &clerk,
            &format!("/api/v1/staff/routing/{}", fresh.petition_id),
        )
        .await;
    assert!(done["triaged_at"].is_string(), "{done}");
    assert_eq!(done["triage_overdue"], false);
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains("routing_untriaged_past_deadline{unit=\"phuong-lang\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("routing_untriaged_past_deadline{unit=\"phuong-ba-dinh\"} 0"),
        "every unit's series exists, at zero when nothing is late: {metrics}"
    );
}

/// A make-up working Saturday (the Government's yearly decision) and a unit's own office hours
/// (city IT) both count: received Friday 2 October 2026 at 16:45 in a unit that closes at
/// 16:30, the day of receipt is the make-up Saturday 3 October, and 15 working days fall due
/// on Friday 23 October at 16:30 (Thursday 22 at 17:00 with neither; Monday 26 with the hours
/// alone).
#[tokio::test]
async fn a_make_up_saturday_and_a_units_own_office_hours_move_the_due_date() {
    let app = spawn().await;
    let admin = token(Role::CityAdmin, "hanoi");
    let put = |path: String, body: Value| {
        app.client
            .put(format!("{}{path}", app.base))
            .bearer_auth(&admin)
            .json(&body)
            .send()
    };
    let status = |r: reqwest::Response| r.status().as_u16();
    let saturday = json!({"name_vi": "Làm bù", "kind": "working_day", "provisional": true});
    let friday = put("/api/v1/staff/holidays/2026-10-02".into(), saturday.clone())
        .await
        .unwrap();
    assert_eq!(status(friday), 422, "a make-up day is a weekend day");
    let odd = put(
        "/api/v1/staff/holidays/2026-10-03".into(),
        json!({"name_vi": "Làm bù", "kind": "half_day"}),
    )
    .await
    .unwrap();
    assert_eq!(status(odd), 422);
    let set = put("/api/v1/staff/holidays/2026-10-03".into(), saturday)
        .await
        .unwrap();
    assert_eq!(status(set), 200);
    for bad in ["16:30-13:30", "08:00-12:00,11:00-17:00", "8h-12h", ""] {
        let r = put(
            "/api/v1/staff/office-hours/phuong-lang".into(),
            json!({ "sessions": bad }),
        )
        .await
        .unwrap();
        assert_eq!(status(r), 422, "{bad}");
    }
    let unknown = put(
        "/api/v1/staff/office-hours/phuong-khong-co".into(),
        json!({"sessions": "07:30-11:30,13:30-16:30"}),
    )
    .await
    .unwrap();
    assert_eq!(status(unknown), 422);
    let hours = put(
        "/api/v1/staff/office-hours/phuong-lang".into(),
        json!({"sessions": "07:30-11:30, 13:30-16:30"}),
    )
    .await
    .unwrap();
    assert_eq!(status(hours), 200);
    let listed = app.public("/api/v1/office-hours").await;
    assert_eq!(listed["default"], "08:00-12:00,13:00-17:00");
    assert_eq!(
        listed["units"],
        json!([{"unit": "phuong-lang", "sessions": "07:30-11:30,13:30-16:30"}])
    );

    assert_eq!(
        app.first_due("2026-10-02T16:45:00+07:00").await,
        "2026-10-23T09:30:00Z"
    );
    let days = app.public("/api/v1/holidays").await;
    let made_up = days["holidays"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["date"] == "2026-10-03")
        .unwrap();
    assert_eq!(made_up["kind"], "working_day");
    assert_eq!(made_up["provisional"], true);
    let back = app
        .client
        .delete(format!(
            "{}/api/v1/staff/office-hours/phuong-lang",
            app.base
        ))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(status(back), 204);
}

/// The 2027 calendar is seeded (Labour Code 2019, Art. 112), its Tết and other days the
/// Government has not fixed yet marked provisional: a December deadline skips 1 January 2027.
#[tokio::test]
async fn the_2027_calendar_is_there_with_its_unfixed_days_marked_provisional() {
    let app = spawn().await;
    let days = app.public("/api/v1/holidays").await;
    let day = |d: &str| {
        days["holidays"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["date"] == d)
            .cloned()
            .unwrap_or(Value::Null)
    };
    assert_eq!(day("2027-01-01")["provisional"], false);
    assert_eq!(day("2027-02-08")["provisional"], true, "Tết 2027");
    assert_eq!(day("2027-09-02")["kind"], "holiday");
    // Thursday 31 December 2026 + 15 working days, 1 January off: Friday 22 January 2027.
    assert_eq!(
        app.first_due("2026-12-31T09:00:00+07:00").await,
        "2027-01-22T10:00:00Z"
    );
}

#[tokio::test]
async fn clerk_refuses_on_triage_once_and_the_refusal_is_announced() {
    let app = spawn().await;
    let p = received("phuong-lang", "ho-tich", "2026-03-02T09:00:00+07:00");
    app.receive(&p).await;
    app.routed(1).await;
    let clerk = token(Role::Clerk, "phuong-lang");
    let url = format!("{}/api/v1/staff/routing/{}/refuse", app.base, p.petition_id);
    let r = app
        .client
        .post(&url)
        .bearer_auth(&clerk)
        .json(&json!({"reason": ""}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    let r = app
        .client
        .post(&url)
        .bearer_auth(&clerk)
        .json(&json!({"reason": "Nội dung không liên quan đến thủ tục hành chính"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let r = app
        .client
        .post(&url)
        .bearer_auth(&clerk)
        .json(&json!({"reason": "again"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 409);
    let events = app.routed(2).await;
    assert_eq!(events[1]["event"], "petition.refused");
    assert!(
        events[1]["data"]["submitter"]["phone"].is_null(),
        "the refusal carries no contact: notification keeps them"
    );
}

#[tokio::test]
async fn city_admin_sets_a_units_answer_policy_and_it_applies_to_new_petitions() {
    let app = spawn().await;
    let admin = token(Role::CityAdmin, "hanoi");
    let put = |path: &str, body: Value| {
        app.client
            .put(format!("{}/api/v1/staff/policies/{path}", app.base))
            .bearer_auth(&admin)
            .json(&body)
            .send()
    };
    assert_eq!(
        put(
            "phuong-lang/answer",
            json!({"working_days": 5, "working_hours": 4})
        )
        .await
        .unwrap()
        .status()
        .as_u16(),
        422
    );
    assert_eq!(
        put("phuong-lang/answer", json!({"working_days": 0}))
            .await
            .unwrap()
            .status()
            .as_u16(),
        422
    );
    assert_eq!(
        put("phuong-lang/forever", json!({"working_days": 5}))
            .await
            .unwrap()
            .status()
            .as_u16(),
        422
    );
    assert_eq!(
        put("phuong-atlantis/answer", json!({"working_days": 5}))
            .await
            .unwrap()
            .status()
            .as_u16(),
        422
    );
    assert_eq!(
        put(
            "phuong-lang/answer",
            json!({"working_days": 5, "review_required": true})
        )
        .await
        .unwrap()
        .status()
        .as_u16(),
        200
    );
    app.receive(&received(
        "phuong-lang",
        "ho-tich",
        "2026-02-13T10:00:00+07:00",
    ))
    .await;
    let events = app.routed(1).await;
    assert_eq!(
        events[0]["data"]["due_at"], "2026-02-27T10:00:00Z",
        "5 working days across Tết"
    );
    assert_eq!(events[0]["data"]["review_required"], true);

    // The lengths travel with the calendar routing answers (`{ns}.routing.holidays.get`), so
    // notification's notice watch counts a unit's acknowledgement by the unit's policy.
    assert_eq!(
        put("phuong-lang/acknowledgement", json!({"working_hours": 4}))
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    let cal: doithoai_calendar::SharedCalendar = Default::default();
    doithoai_web::calendar::refresh(&app.core, &cal)
        .await
        .unwrap();
    let cal = doithoai_web::calendar::now(&cal);
    let fallback = doithoai_calendar::Span::WorkingHours(99);
    assert_eq!(
        cal.for_unit("phuong-lang")
            .deadline("acknowledgement", fallback),
        doithoai_calendar::Span::WorkingHours(4)
    );
    assert_eq!(
        cal.for_unit("phuong-ba-dinh")
            .deadline("acknowledgement", fallback),
        doithoai_calendar::Span::WorkingHours(8),
        "the city's default policy"
    );
    assert_eq!(
        cal.for_unit("phuong-lang").deadline("answer", fallback),
        doithoai_calendar::Span::WorkingDays(5)
    );
    // A unit that is not a string is refused, naming the field — not taken for "every unit".
    let wrong = app
        .client
        .put(format!("{}/api/v1/staff/rules", app.base))
        .bearer_auth(&admin)
        .json(&json!({"unit": 5, "field": "ho-tich", "department": "van-hoa-xa-hoi"}))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status().as_u16(), 422);
    let problem: Value = wrong.json().await.unwrap();
    assert_eq!(problem["errors"][0]["field"], "unit", "{problem}");
    assert_eq!(problem["errors"][0]["code"], "wrong_type");
    let rules: Value = app
        .client
        .get(format!("{}/api/v1/staff/rules", app.base))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        rules["rules"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["department"] != "van-hoa-xa-hoi"),
        "nothing was stored: {rules}"
    );
    let rule = app
        .client
        .put(format!("{}/api/v1/staff/rules", app.base))
        .bearer_auth(&admin)
        .json(&json!({"unit": "phuong-lang", "field": "ho-tich", "department": "van-hoa-xa-hoi"}))
        .send()
        .await
        .unwrap();
    assert_eq!(rule.status().as_u16(), 200);
    let mut p = received("phuong-lang", "ho-tich", "2026-03-02T09:00:00+07:00");
    p.petition_id = uuid::Uuid::now_v7();
    app.receive(&p).await;
    let events = app.routed(2).await;
    assert_eq!(events[1]["data"]["department"], "van-hoa-xa-hoi");
}

/// Every event carries the trace of what caused it: a routed event the trace of the received
/// event it follows (batch consumer), a refusal the trace of the staff request.
#[tokio::test]
async fn every_event_carries_the_trace_of_what_caused_it() {
    let app = spawn().await;
    let first = received("phuong-lang", "ho-tich", "2026-03-02T09:00:00+07:00");
    let second = received("phuong-lang", "dat-dai", "2026-03-02T09:00:00+07:00");
    let (t1, t2) = (
        doithoai_telemetry::new_trace_id(),
        doithoai_telemetry::new_trace_id(),
    );
    for (p, t) in [(&first, &t1), (&second, &t2)] {
        app.publish_traced(
            subjects::INTAKE,
            subjects::PETITION_RECEIVED,
            &p.unit,
            p.clone(),
            t,
        )
        .await;
    }
    let routed = app.routed(2).await;
    assert_eq!(routed.len(), 2);
    for (p, t) in [(&first, &t1), (&second, &t2)] {
        let e = routed
            .iter()
            .find(|e| e["data"]["petition_id"] == json!(p.petition_id))
            .unwrap();
        let tp = e["traceparent"].as_str().unwrap_or_default();
        assert!(tp.contains(t.as_str()), "{tp} carries {t}");
    }
    let t3 = doithoai_telemetry::new_trace_id();
    let r = app
        .request_as(
            reqwest::Method::POST,
            &token(Role::Clerk, "phuong-lang"),
            &format!("/api/v1/staff/routing/{}/refuse", first.petition_id),
        )
        .header("traceparent", doithoai_telemetry::traceparent(&t3))
        .json(&json!({"reason": "Không thuộc phạm vi"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let events = app.routed(3).await;
    let refused = events
        .iter()
        .find(|e| e["event"] == "petition.refused")
        .unwrap();
    assert!(
        refused["traceparent"]
            .as_str()
            .unwrap()
            .contains(t3.as_str())
    );
}

/// A method a path does not take is a 405 naming the ones it does, not a 404.
#[tokio::test]
async fn an_undeclared_method_is_405_with_allow() {
    let app = spawn().await;
    let admin = token(Role::CityAdmin, "hanoi");
    let r = app
        .request_as(reqwest::Method::DELETE, &admin, "/api/v1/staff/rules")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 405);
    assert_eq!(r.headers()["allow"], "GET, PUT");
    let r = app
        .request_as(
            reqwest::Method::GET,
            &admin,
            "/api/v1/staff/holidays/2026-09-02",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 405);
    assert_eq!(r.headers()["allow"], "PUT, DELETE");
}

/// Once answering has answered a petition, routing neither refuses nor moves it: a refusal
/// cannot arrive after the answer.
#[tokio::test]
async fn an_answered_petition_is_no_longer_refused_or_moved() {
    let app = spawn().await;
    let p = received("phuong-lang", "ho-tich", "2026-03-02T09:00:00+07:00");
    app.receive(&p).await;
    app.routed(1).await;
    app.publish(
        subjects::ANSWERING,
        subjects::PETITION_ANSWERED,
        "phuong-lang",
        doithoai_contracts::PetitionAnsweredV1 {
            petition_id: p.petition_id,
            tracking_code: p.tracking_code.clone(),
            unit: "phuong-lang".into(),
            unit_name: "Phường Láng".into(),
            department: "van-phong".into(),
            official_number: "1/2026/TL-PAKN".into(),
            answer: "Trả lời".into(),
            signed_by: "leader@phuong-lang".into(),
            answered_at: Utc::now(),
            submitter: p.submitter.clone(),
        },
    )
    .await;
    let clerk = token(Role::Clerk, "phuong-lang");
    let show = format!("/api/v1/staff/routing/{}", p.petition_id);
    let mut status = Value::Null;
    for _ in 0..100 {
        status = app.json_as(&clerk, &show).await["status"].clone();
        if status == "answered" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status, "answered");
    let refused = app
        .post_as(
            &clerk,
            &format!("{show}/refuse"),
            &json!({"reason": "Không thuộc phạm vi"}),
        )
        .await;
    assert_eq!(refused.status().as_u16(), 409);
    let problem = doithoai_testkit::body(refused).await;
    assert_eq!(problem["errors"][0]["code"], "already_answered");
    let moved = app
        .post_as(
            &clerk,
            &format!("{show}/reroute"),
            &json!({"department": "kinh-te-ha-tang-do-thi", "reason": "Lĩnh vực khác"}),
        )
        .await;
    assert_eq!(moved.status().as_u16(), 409);
}

/// The same refusal sent 20 times at once: one applies and is announced once; every other
/// request is told the petition has just been handled.
#[tokio::test]
async fn twenty_simultaneous_refusals_refuse_once() {
    let app = spawn().await;
    let p = received("phuong-lang", "ho-tich", "2026-03-02T09:00:00+07:00");
    app.receive(&p).await;
    app.routed(1).await;
    let clerk = token(Role::Clerk, "phuong-lang");
    let path = format!("/api/v1/staff/routing/{}/refuse", p.petition_id);
    let body = json!({"reason": "Không thuộc phạm vi"});
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let request = app
            .request_as(reqwest::Method::POST, &clerk, &path)
            .json(&body)
            .send();
        tasks.spawn(request);
    }
    let mut statuses = Vec::new();
    while let Some(done) = tasks.join_next().await {
        statuses.push(done.unwrap().unwrap().status().as_u16());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 409),
        "{statuses:?}"
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    let refused = app
        .routed(2)
        .await
        .iter()
        .filter(|e| e["event"] == "petition.refused")
        .count();
    assert_eq!(refused, 1);
}

/// The other-unit column of the authorization matrix on a real assignment of phuong-lang.
#[tokio::test]
async fn another_units_staff_find_no_petition_of_this_unit() {
    let app = spawn().await;
    let p = received("phuong-lang", "dat-dai", "2026-02-13T10:00:00+07:00");
    app.receive(&p).await;
    app.routed(1).await;
    let id = p.petition_id.to_string();
    app.assert_record_scope_matrix(&[("petition", &id)]).await;
}
