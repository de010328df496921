use chrono::{DateTime, Duration as CDuration, SubsecRound, Utc};
use doithoai_auth::Role;
use doithoai_contracts::subjects;
use doithoai_contracts::{
    Channel, PetitionKind, PetitionReceivedV1, PetitionRoutedV1, SubmitterV1,
};
use doithoai_testkit::{TestApp, TestEnv, token, token_in};
use serde_json::{Value, json};
use std::time::Duration;

async fn spawn() -> TestApp {
    let env = TestEnv::new().set("ANSWERING_DEADLINE_CHECK_SECONDS", "1");
    TestApp::spawn(env, answering::build).await
}

fn routed(code: &str, due: DateTime<Utc>, consent: bool) -> PetitionRoutedV1 {
    PetitionRoutedV1 {
        petition_id: uuid::Uuid::now_v7(),
        tracking_code: code.into(),
        unit: "phuong-lang".into(),
        unit_name: "Phường Láng".into(),
        department: "van-phong".into(),
        department_name: "Văn phòng HĐND và UBND".into(),
        due_at: due,
        reason_code: "initial".into(),
        reason: None,
        actor: None,
        review_required: false,
        petition: PetitionReceivedV1 {
            petition_id: uuid::Uuid::nil(),
            tracking_code: code.into(),
            unit: "phuong-lang".into(),
            kind: PetitionKind::Feedback,
            field: "ho-tich".into(),
            procedure_code: None,
            content_type: Some(2),
            title: Some("Đăng ký khai sinh ở phường Láng".into()),
            content: "Tôi là Nguyễn Văn An, nhà ở số 12 ngõ 5 phố Láng, điện thoại 0912 345 678. Thủ tục đòi giấy tờ trùng lặp.".into(),
            submitter: SubmitterV1 {
                kind: "individual".into(),
                name: "Nguyễn Văn An".into(),
                organization: None,
                address: "số 12 ngõ 5 phố Láng".into(),
                phone: Some("+84912345678".into()),
                email: Some("an@example.vn".into()),
            },
            consent_to_publish_identity: consent,
            channel: Channel::Web,
            received_at: Utc::now(),
            conference_id: None,
            conference_starts_at: None,
            official_conduct: false,
        },
    }
}

/// What these tests do with answering, on the shared [`TestApp`].
trait Cases {
    async fn route(&self, r: PetitionRoutedV1) -> PetitionRoutedV1;
    fn post(&self, t: &str, path: &str, body: Value) -> reqwest::RequestBuilder;
    async fn events(&self, n: usize) -> Vec<Value>;
}

impl Cases for TestApp {
    async fn route(&self, mut r: PetitionRoutedV1) -> PetitionRoutedV1 {
        r.petition.petition_id = r.petition_id;
        self.publish(
            subjects::ROUTING,
            subjects::PETITION_ROUTED,
            &r.unit.clone(),
            r.clone(),
        )
        .await;
        let clerk = token(Role::Clerk, &r.unit);
        for _ in 0..100 {
            let res = self
                .client
                .get(format!(
                    "{}/api/v1/staff/cases/{}",
                    self.base, r.petition_id
                ))
                .bearer_auth(&clerk)
                .send()
                .await
                .unwrap();
            if res.status().as_u16() == 200 {
                return r;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("case never opened");
    }

    fn post(&self, t: &str, path: &str, body: Value) -> reqwest::RequestBuilder {
        self.client
            .post(format!("{}{path}", self.base))
            .bearer_auth(t)
            .json(&body)
    }

    async fn events(&self, n: usize) -> Vec<Value> {
        self.stream(subjects::ANSWERING, n).await
    }
}

#[tokio::test]
async fn a_case_is_drafted_approved_numbered_published_without_personal_data_and_rated() {
    let app = spawn().await;
    let r = app
        .route(routed(
            "AB12-CD34-EF5",
            Utc::now() + CDuration::days(10),
            false,
        ))
        .await;
    let case = format!("/api/v1/staff/cases/{}", r.petition_id);
    let officer = token(Role::Officer, "phuong-lang");
    let leader = token(Role::Leader, "phuong-lang");

    let inbox: Value = app
        .client
        .get(format!(
            "{}/api/v1/staff/cases?department=van-phong",
            app.base
        ))
        .bearer_auth(&officer)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(inbox["cases"].as_array().unwrap().len(), 1);
    assert_eq!(inbox["cases"][0]["overdue"], false);

    assert_eq!(
        app.post(&leader, &format!("{case}/approve"), json!({}))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        422,
        "nothing to approve yet"
    );
    assert_eq!(
        app.post(&officer, &format!("{case}/drafts"), json!({"answer": ""}))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        422
    );
    assert_eq!(
        app.post(&officer, &format!("{case}/drafts"), json!({"answer": 12}))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        422
    );
    let answer = "Kính gửi ông Nguyễn Văn An (0912 345 678): phường Láng đã bỏ yêu cầu nộp bản sao giấy khai sinh từ ngày 1/12/2026. Cán bộ tiếp nhận Lò Thị Mai, hàng xóm anh Tuấn.";
    assert_eq!(
        app.post(
            &officer,
            &format!("{case}/drafts"),
            json!({"answer": answer, "private_names": ["Lò Thị Mai"]})
        )
        .send()
        .await
        .unwrap()
        .status()
        .as_u16(),
        201
    );
    assert_eq!(
        app.post(&officer, &format!("{case}/approve"), json!({}))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        403,
        "an officer cannot approve"
    );
    let other_leader = token(Role::Leader, "phuong-ba-dinh");
    assert_eq!(
        app.post(&other_leader, &format!("{case}/approve"), json!({}))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        404,
        "another unit cannot see it"
    );

    let ok: Value = app
        .post(&leader, &format!("{case}/approve"), json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let year = Utc::now()
        .with_timezone(&doithoai_web::text::hanoi())
        .format("%Y")
        .to_string();
    assert_eq!(ok["official_number"], format!("1/{year}/TL-PAKN"));
    assert_eq!(
        app.post(&leader, &format!("{case}/approve"), json!({}))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        409
    );

    let events = app.events(2).await;
    assert_eq!(events[0]["event"], "petition.answered");
    assert_eq!(
        events[0]["data"]["answer"], answer,
        "the submitter gets the full answer"
    );
    assert_eq!(events[1]["event"], "petition.published");
    let rating_token = events[1]["data"]["rating_token"]
        .as_str()
        .expect("the submitter's one-time rating token")
        .to_owned();

    let public = app
        .client
        .get(format!("{}/api/v1/answers/AB12CD34EF5", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for leak in [
        "Nguyễn Văn An",
        "912",
        "345 678",
        "số 12 ngõ 5",
        "an@example",
        "Lò Thị Mai",
        "Tuấn",
    ] {
        assert!(
            !public.contains(leak),
            "public answer leaks {leak}: {public}"
        );
    }
    assert!(public.contains("bỏ yêu cầu nộp bản sao"));

    let found: Value = app
        .client
        .get(format!("{}/api/v1/answers?q=lang%20khai%20sinh", app.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        found["answers"].as_array().unwrap().len(),
        1,
        "'lang' finds 'Láng' without diacritics"
    );
    let none: Value = app
        .client
        .get(format!("{}/api/v1/answers?q=xay%20dung", app.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(none["answers"].as_array().unwrap().len(), 0);
    // Full-text search: the words found are marked as written, the last word may be partial,
    // and a search pages by number.
    let get = |q: &str| {
        let url = format!("{}/api/v1/answers?{q}", app.base);
        let c = app.client.clone();
        async move { c.get(url).send().await.unwrap() }
    };
    let marked: Value = get("q=ban%20sa").await.json().await.unwrap();
    let hits: Vec<&str> = marked["answers"][0]["matched"]
        .as_array()
        .expect("the matched text")
        .iter()
        .filter(|s| s["hit"] == true)
        .filter_map(|s| s["text"].as_str())
        .collect();
    assert!(
        hits.contains(&"bản") && hits.contains(&"sao"),
        "'ban sa' marks 'bản sao': {marked}"
    );
    assert_eq!(marked["next_page"], Value::Null);
    assert_eq!(get("q=ban&page=51").await.status().as_u16(), 422);
    assert_eq!(
        get("q=ban&before=2026-01-01T00:00:00.000Z_00000000-0000-0000-0000-000000000000")
            .await
            .status()
            .as_u16(),
        422
    );
    assert_eq!(get("page=2").await.status().as_u16(), 422);
    let bad = app
        .client
        .get(format!("{}/api/v1/answers?limit=1000", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status().as_u16(), 422);

    let rating = |body: Value| {
        app.client
            .post(format!("{}/api/v1/answers/AB12-CD34-EF5/rating", app.base))
            .json(&body)
            .send()
    };
    assert_eq!(
        rating(json!({"score": 5, "token": "0912 345 678"}))
            .await
            .unwrap()
            .status()
            .as_u16(),
        422,
        "a stranger cannot rate, even knowing the phone"
    );
    assert_eq!(
        rating(json!({"score": 6, "token": rating_token}))
            .await
            .unwrap()
            .status()
            .as_u16(),
        422
    );
    assert_eq!(
        rating(json!({"score": "5", "token": rating_token}))
            .await
            .unwrap()
            .status()
            .as_u16(),
        422
    );
    assert_eq!(
        rating(json!({"score": 4, "comment": "Nhanh", "token": rating_token}))
            .await
            .unwrap()
            .status()
            .as_u16(),
        201
    );
    assert_eq!(
        rating(json!({"score": 5, "token": rating_token}))
            .await
            .unwrap()
            .status()
            .as_u16(),
        422,
        "a token rates once"
    );
    let s: Value = app
        .client
        .get(format!("{}/api/v1/satisfaction?unit=phuong-lang", app.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(s["ratings"], 1);
    assert_eq!(s["satisfaction_index"], 100.0);

    let detail: Value = app
        .client
        .get(format!("{}{case}", app.base))
        .bearer_auth(&leader)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = detail["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["assigned:initial", "drafted", "approved", "rated"]
    );
}

#[tokio::test]
async fn a_head_must_review_when_the_unit_asks_for_it() {
    let app = spawn().await;
    let mut r = routed("AB12-CD34-EF6", Utc::now() + CDuration::days(10), false);
    r.review_required = true;
    let r = app.route(r).await;
    let case = format!("/api/v1/staff/cases/{}", r.petition_id);
    let officer = token(Role::Officer, "phuong-lang");
    let head = token(Role::Head, "phuong-lang");
    let leader = token(Role::Leader, "phuong-lang");
    app.post(
        &officer,
        &format!("{case}/drafts"),
        json!({"answer": "Dự thảo"}),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(
        app.post(&leader, &format!("{case}/approve"), json!({}))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        422
    );
    assert_eq!(
        app.post(
            &head,
            &format!("{case}/review"),
            json!({"decision": "maybe"})
        )
        .send()
        .await
        .unwrap()
        .status()
        .as_u16(),
        422
    );
    assert_eq!(
        app.post(
            &head,
            &format!("{case}/review"),
            json!({"decision": "approve"})
        )
        .send()
        .await
        .unwrap()
        .status()
        .as_u16(),
        200
    );
    assert_eq!(
        app.post(&leader, &format!("{case}/approve"), json!({}))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
}

#[tokio::test]
async fn overdue_cases_are_flagged_once_and_counted_per_unit() {
    let app = spawn().await;
    app.route(routed(
        "AB12-CD34-EF7",
        Utc::now() - CDuration::hours(1),
        false,
    ))
    .await;
    app.route(routed(
        "AB12-CD34-EF8",
        Utc::now() + CDuration::hours(3),
        false,
    ))
    .await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let events = app.events(2).await;
    let mut kinds: Vec<&str> = events
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    kinds.sort();
    assert_eq!(kinds, ["case.due_soon", "case.overdue"]);
    let metrics = app
        .client
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(r#"answering_overdue_cases{unit="phuong-lang"} 1"#),
        "{metrics}"
    );
    let inbox: Value = app
        .client
        .get(format!("{}/api/v1/staff/cases", app.base))
        .bearer_auth(token(Role::Head, "phuong-lang"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(inbox["overdue"], 1);
    assert_eq!(
        inbox["cases"][0]["overdue"], true,
        "soonest first, overdue marked"
    );
}

#[tokio::test]
async fn a_refused_case_past_its_date_is_not_overdue() {
    let app = spawn().await;
    let r = app
        .route(routed(
            "AB12-CD34-EF9",
            Utc::now() - CDuration::hours(1),
            false,
        ))
        .await;
    let refused = doithoai_contracts::PetitionRefusedV1 {
        petition_id: r.petition_id,
        tracking_code: r.tracking_code.clone(),
        unit: r.unit.clone(),
        unit_name: "Phường Láng".into(),
        reason: "Ngoài thẩm quyền".into(),
        actor: "clerk@phuong-lang".into(),
        refused_at: Utc::now(),
        submitter: r.petition.submitter.clone(),
    };
    app.publish(
        subjects::ROUTING,
        subjects::PETITION_REFUSED,
        &r.unit,
        refused,
    )
    .await;
    let head = token(Role::Head, "phuong-lang");
    let mut case = Value::Null;
    for _ in 0..100 {
        case = app
            .client
            .get(format!("{}/api/v1/staff/cases/{}", app.base, r.petition_id))
            .bearer_auth(&head)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if case["status"] == "refused" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(case["status"], "refused", "{case}");
    assert_eq!(case["overdue"], false, "a refused case is closed: {case}");
    let inbox: Value = app
        .client
        .get(format!(
            "{}/api/v1/staff/cases?include_answered=true",
            app.base
        ))
        .bearer_auth(&head)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(inbox["overdue"], 0, "{inbox}");
}

/// The same approval sent 20 times at once: one official number, one answer published, one
/// pair of events; every other request is told the case has just been handled.
#[tokio::test]
async fn twenty_simultaneous_approvals_give_one_number_and_one_answer() {
    let app = spawn().await;
    let r = app
        .route(routed(
            "AB12-CD34-EF9",
            Utc::now() + CDuration::days(10),
            false,
        ))
        .await;
    let case = format!("/api/v1/staff/cases/{}", r.petition_id);
    let officer = token(Role::Officer, "phuong-lang");
    let leader = token(Role::Leader, "phuong-lang");
    let drafted = app
        .post(
            &officer,
            &format!("{case}/drafts"),
            json!({"answer": "Đã sửa quy trình."}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(drafted.status().as_u16(), 201);
    let approvals = (0..20).map(|_| {
        app.post(&leader, &format!("{case}/approve"), json!({}))
            .send()
    });
    let answers = futures_util::future::join_all(approvals).await;
    let mut ok = 0;
    for a in answers {
        match a.unwrap().status().as_u16() {
            200 => ok += 1,
            409 => {}
            s => panic!("approval answered {s}"),
        }
    }
    assert_eq!(ok, 1, "one approval wins");
    // Give a wrongly doubled approval the time to show in the stream.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let events = app.events(2).await;
    let answered = events
        .iter()
        .filter(|e| e["event"] == "petition.answered")
        .count();
    assert_eq!(answered, 1, "one answer announced: {events:?}");
    let numbers: std::collections::HashSet<&str> = events
        .iter()
        .filter_map(|e| e["data"]["official_number"].as_str())
        .collect();
    assert_eq!(numbers.len(), 1);
}

/// Rating is no oracle: an unknown code, a wrong token and a used token all get the very same
/// answer, and one code takes at most RATING_TRIES_PER_CODE_HOUR attempts an hour, from any
/// client.
#[tokio::test]
async fn rating_failures_answer_alike_and_a_code_takes_few_attempts() {
    let app = spawn().await;
    let r = app
        .route(routed(
            "AB12-CD34-EF7",
            Utc::now() + CDuration::days(10),
            false,
        ))
        .await;
    let case = format!("/api/v1/staff/cases/{}", r.petition_id);
    let officer = token(Role::Officer, "phuong-lang");
    let leader = token(Role::Leader, "phuong-lang");
    let s = app
        .post(
            &officer,
            &format!("{case}/drafts"),
            json!({"answer": "Đã sửa."}),
        )
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(s.as_u16(), 201);
    let s = app
        .post(&leader, &format!("{case}/approve"), json!({}))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(s.as_u16(), 200);
    let events = app.events(2).await;
    let good = events[1]["data"]["rating_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let rate = |code: &str, token: &str| {
        app.client
            .post(format!("{}/api/v1/answers/{code}/rating", app.base))
            .json(&json!({"score": 5, "token": token}))
            .send()
    };
    let answer =
        |res: reqwest::Response| async move { (res.status().as_u16(), res.text().await.unwrap()) };
    let wrong = answer(rate("AB12-CD34-EF7", "0912345678").await.unwrap()).await;
    let unknown = answer(rate("ZZ99-ZZ99-ZZ9", &good).await.unwrap()).await;
    assert_eq!(wrong.0, 422);
    assert_eq!(
        wrong, unknown,
        "an unknown code is answered as a wrong token"
    );
    let rated = answer(rate("AB12-CD34-EF7", &good).await.unwrap()).await;
    assert_eq!(rated.0, 201, "{}", rated.1);
    let used = answer(rate("AB12-CD34-EF7", &good).await.unwrap()).await;
    assert_eq!(used, wrong, "a used token is answered as a wrong one");
    // Three attempts on this code so far; the limit is per code, whatever the token.
    let mut last = 0;
    for _ in 4..=answering::http::RATING_TRIES_PER_CODE_HOUR {
        last = rate("ab12cd34ef7", "x").await.unwrap().status().as_u16();
    }
    assert_eq!(last, 422);
    let over = rate("AB12-CD34-EF7", "x").await.unwrap();
    assert_eq!(over.status().as_u16(), 429);
    assert!(over.headers().contains_key("retry-after"));
}

/// The inbox pages by (due date, petition id): cases sharing a due date are neither skipped nor
/// repeated; the overdue count covers the whole inbox, not one page.
#[tokio::test]
async fn the_inbox_pages_without_skipping_cases_due_at_the_same_time() {
    let app = spawn().await;
    let due = Utc::now() - CDuration::days(1);
    for code in ["AB12-CD34-EF1", "AB12-CD34-EF2", "AB12-CD34-EF3"] {
        app.route(routed(code, due, false)).await;
    }
    let officer = token(Role::Officer, "phuong-lang");
    let page = |q: String| {
        let app = &app;
        let officer = officer.clone();
        async move {
            let res = app
                .get_as(&officer, &format!("/api/v1/staff/cases?limit=2{q}"))
                .await;
            (res.status().as_u16(), res.json::<Value>().await.unwrap())
        }
    };
    let (s, first) = page(String::new()).await;
    assert_eq!(s, 200, "{first}");
    assert_eq!(first["cases"].as_array().unwrap().len(), 2);
    assert_eq!(first["overdue"], 3, "over the whole inbox");
    let next = first["next_after"].as_str().unwrap().to_owned();
    let (_, second) = page(format!("&after={next}")).await;
    let second = second["cases"].as_array().unwrap().clone();
    assert_eq!(second.len(), 1);
    let mut codes: Vec<String> = first["cases"]
        .as_array()
        .unwrap()
        .iter()
        .chain(second.iter())
        .map(|c| c["tracking_code"].as_str().unwrap().to_owned())
        .collect();
    codes.sort();
    codes.dedup();
    assert_eq!(codes.len(), 3, "every case once: {codes:?}");
    let (s, bad) = page("&after=yesterday".into()).await;
    assert_eq!(s, 422);
    assert_eq!(bad["errors"][0]["field"], "after");
}

/// The other-unit and other-department columns of the authorization matrix on a real case of
/// phuong-lang's Văn phòng.
#[tokio::test]
async fn another_units_staff_and_another_departments_officers_find_no_case_of_this_one() {
    let app = spawn().await;
    let r = app
        .route(routed(
            "AB12-CD34-EF8",
            Utc::now() + CDuration::days(10),
            false,
        ))
        .await;
    let id = r.petition_id.to_string();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let officer = token(Role::Officer, "phuong-lang");
    while app
        .get_as(&officer, &format!("/api/v1/staff/cases/{id}"))
        .await
        .status()
        .as_u16()
        != 200
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the case never arrived"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.assert_record_scope_matrix(&[("case", &id)]).await;

    // The inbox of an officer or head is their department's: another department's officer
    // sees none of Văn phòng's cases and may not ask for them; the leader sees the unit's.
    let elsewhere = token_in(Role::Officer, "phuong-lang", "van-hoa-xa-hoi");
    let theirs = app.json_as(&elsewhere, "/api/v1/staff/cases").await;
    assert_eq!(theirs["cases"], json!([]), "{theirs}");
    let asked = app
        .get_as(&elsewhere, "/api/v1/staff/cases?department=van-phong")
        .await;
    assert_eq!(asked.status().as_u16(), 403);
    let own = app.json_as(&officer, "/api/v1/staff/cases").await;
    assert_eq!(own["cases"].as_array().unwrap().len(), 1);
    let leader = token(Role::Leader, "phuong-lang");
    let unit = app.json_as(&leader, "/api/v1/staff/cases").await;
    assert_eq!(unit["cases"].as_array().unwrap().len(), 1);
}

/// The leader sees the public version first: the preview is redacted; approving may edit it
/// (redacted again) or withhold it with a reason, and a withheld answer still goes to the
/// submitter but is not published.
#[tokio::test]
async fn the_leader_previews_edits_or_withholds_the_public_version() {
    let app = spawn().await;
    let officer = token(Role::Officer, "phuong-lang");
    let leader = token(Role::Leader, "phuong-lang");
    let mut cases = Vec::new();
    for code in ["AB12-CD34-EF4", "AB12-CD34-EF6"] {
        let r = app
            .route(routed(code, Utc::now() + CDuration::days(10), false))
            .await;
        let case = format!("/api/v1/staff/cases/{}", r.petition_id);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let s = app
                .post(
                    &officer,
                    &format!("{case}/drafts"),
                    json!({"answer": "Kính gửi ông Nguyễn Văn An: đã sửa. Gọi 0912 345 678."}),
                )
                .send()
                .await
                .unwrap()
                .status()
                .as_u16();
            if s == 201 {
                break;
            }
            assert!(tokio::time::Instant::now() < deadline, "draft refused: {s}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        cases.push((code, case));
    }
    let preview: Value = app
        .get_as(&leader, &format!("{}/preview", cases[0].1))
        .await
        .json()
        .await
        .unwrap();
    let shown = preview["answer"].as_str().unwrap();
    assert!(
        !shown.contains("Nguyễn Văn An") && !shown.contains("345"),
        "{preview}"
    );
    assert!(shown.contains("đã sửa"), "{preview}");

    // Withheld: numbered and sent to the submitter, not published.
    let res: Value = app
        .post(
            &leader,
            &format!("{}/approve", cases[0].1),
            json!({"withhold_reason": "Liên quan vụ việc đang điều tra"}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(res["published"], false, "{res}");
    let public = app
        .client
        .get(format!("{}/api/v1/answers/{}", app.base, cases[0].0))
        .send()
        .await
        .unwrap();
    assert_eq!(public.status().as_u16(), 404);
    let events = app.events(1).await;
    assert_eq!(events[0]["event"], "petition.answered");
    let shown: Value = app.get_as(&leader, &cases[0].1).await.json().await.unwrap();
    assert!(
        shown["history"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["action"] == "withheld" && h["note"] == "Liên quan vụ việc đang điều tra"),
        "{shown}"
    );

    // Edited: the leader's text is published, redacted all the same.
    let res: Value = app
        .post(
            &leader,
            &format!("{}/approve", cases[1].1),
            json!({"public_answer": "Phường đã sửa quy trình; hỏi thêm ông An qua 0912 345 678."}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(res["published"], true, "{res}");
    let public: Value = app
        .client
        .get(format!("{}/api/v1/answers/{}", app.base, cases[1].0))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let answer = public["answer"].as_str().unwrap();
    assert!(answer.starts_with("Phường đã sửa quy trình"), "{public}");
    assert!(
        !answer.contains("345") && !answer.contains("ông An"),
        "{public}"
    );
}

/// A registered question's answer is due when its conference starts; when the conference moves,
/// the due date moves with it — unless the case was due sooner anyway.
#[tokio::test]
async fn a_registered_question_follows_its_conference_to_the_new_date() {
    let app = spawn().await;
    let old = (Utc::now() + CDuration::days(10)).trunc_subsecs(0);
    let new = old + CDuration::days(14);
    let at_conference = app.route(routed("AB12-CD34-EF1", old, false)).await;
    let sooner = app
        .route(routed("AB12-CD34-EF2", old - CDuration::days(3), false))
        .await;
    // The one that must not move first: once the second has moved, the first was applied
    // (one consumer, in order).
    for r in [&sooner, &at_conference] {
        app.publish(
            subjects::SCHEDULING,
            subjects::CONFERENCE_RESCHEDULED,
            "phuong-lang",
            doithoai_contracts::ConferenceRescheduledV1 {
                conference_id: uuid::Uuid::now_v7(),
                unit: "phuong-lang".into(),
                title: "Đối thoại quý IV".into(),
                starts_at: new,
                previous_starts_at: old,
                venue: "Hội trường".into(),
                reason: "Trùng lịch".into(),
                registrant: doithoai_contracts::RegistrantV1 {
                    petition_id: r.petition_id,
                    tracking_code: r.tracking_code.clone(),
                    submitter: r.petition.submitter.without_contact(),
                },
            },
        )
        .await;
    }
    let leader = token(Role::Leader, "phuong-lang");
    let due_of = |id: uuid::Uuid| {
        let leader = leader.clone();
        let app = &app;
        async move {
            let c = app
                .json_as(&leader, &format!("/api/v1/staff/cases/{id}"))
                .await;
            c["due_at"]
                .as_str()
                .unwrap()
                .parse::<DateTime<Utc>>()
                .unwrap()
        }
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while due_of(at_conference.petition_id).await != new {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the due date never moved"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        due_of(sooner.petition_id).await,
        old - CDuration::days(3),
        "a case due sooner keeps its date"
    );
}
