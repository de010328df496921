use crate::helpers::*;
use serde_json::{Value, json};

#[tokio::test]
async fn valid_submission_gets_201_with_a_tracking_code_that_the_lookup_shows() {
    let app = spawn_app().await;
    let res = app.post(&valid_body()).await;
    assert_eq!(res.status().as_u16(), 201);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let body: Value = res.json().await.unwrap();
    let code = body["tracking_code"].as_str().unwrap();
    assert_eq!(code.len(), 13);
    assert_eq!(body["status"], "received");
    assert_eq!(location, format!("/api/v1/petitions/{code}"));

    let res = app.get(&location).await;
    assert_eq!(res.status().as_u16(), 200);
    let view: Value = res.json().await.unwrap();
    assert_eq!(view["status"], "received");
    assert_eq!(view["unit"]["code"], "phuong-lang");
    assert_eq!(view["unit"]["name"], "Phường Láng");
    assert_eq!(view["field"]["code"], "ho-tich");
    assert_eq!(view["received_at"], body["received_at"]);
    assert!(
        view["holder"]["name"]
            .as_str()
            .unwrap()
            .contains("Phường Láng")
    );
    assert_eq!(view["timeline"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn accepted_submission_publishes_exactly_one_petition_received_event() {
    let app = spawn_app().await;
    let res = app.post(&valid_body()).await;
    assert_eq!(res.status().as_u16(), 201);
    let trace = res.headers()["x-trace-id"].to_str().unwrap().to_owned();
    let code = res.json::<Value>().await.unwrap()["tracking_code"]
        .as_str()
        .unwrap()
        .to_owned();
    let events = app.events(1).await;
    assert_eq!(events.len(), 1);
    let msg = &events[0];
    assert_eq!(
        msg.subject.as_str(),
        format!("{}.intake.petition.received.phuong-lang", app.env.namespace)
    );
    let envelope: Value = serde_json::from_slice(&msg.payload).unwrap();
    assert_eq!(envelope["event"], "petition.received");
    assert_eq!(envelope["data"]["tracking_code"], code.as_str());
    assert_eq!(
        envelope["data"]["submitter"]["phone"],
        Value::Null,
        "intake's stream carries no phone"
    );
    assert_eq!(envelope["data"]["submitter"]["email"], Value::Null);
    assert_eq!(envelope["data"]["submitter"]["name"], "Nguyễn Văn An");
    let headers = msg.headers.as_ref().unwrap();
    assert_eq!(
        headers.get("Nats-Msg-Id").unwrap().as_str(),
        envelope["id"].as_str().unwrap()
    );
    assert!(
        headers
            .get("traceparent")
            .unwrap()
            .as_str()
            .contains(&trace),
        "trace id follows the event"
    );

    // The same event, with the contacts, on the stream only notification may read.
    let contacts = doithoai_testkit::stream_messages(
        &app.env.namespace,
        "contacts",
        ">",
        1,
        std::time::Duration::from_secs(10),
    )
    .await
    .unwrap();
    assert_eq!(contacts.len(), 1);
    assert_eq!(
        contacts[0].subject.as_str(),
        format!(
            "{}.contacts.petition.received.phuong-lang",
            app.env.namespace
        )
    );
    let whole: Value = serde_json::from_slice(&contacts[0].payload).unwrap();
    assert_eq!(whole["data"]["tracking_code"], code.as_str());
    assert_eq!(whole["data"]["submitter"]["phone"], "+84912345678");
    assert_eq!(
        whole["data"]["petition_id"],
        envelope["data"]["petition_id"]
    );
}

#[tokio::test]
async fn public_lookup_shows_no_personal_data() {
    let app = spawn_app().await;
    let body: Value = app.post(&valid_body()).await.json().await.unwrap();
    let view = app
        .get(&format!(
            "/api/v1/petitions/{}",
            body["tracking_code"].as_str().unwrap()
        ))
        .await
        .text()
        .await
        .unwrap();
    for personal in [
        "Nguyễn Văn An",
        "912",
        "an.nguyen",
        "Số 12 phố Láng",
        "submitter",
    ] {
        assert!(
            !view.contains(personal),
            "public view leaks {personal}: {view}"
        );
    }
}

#[tokio::test]
async fn tracking_code_is_read_back_however_it_was_typed() {
    let app = spawn_app().await;
    let body: Value = app.post(&valid_body()).await.json().await.unwrap();
    let code = body["tracking_code"].as_str().unwrap();
    let typed = code.to_lowercase().replace('-', " ").replace(' ', "%20");
    assert_eq!(
        app.get(&format!("/api/v1/petitions/{typed}"))
            .await
            .status()
            .as_u16(),
        200
    );
}

#[tokio::test]
async fn unknown_or_mistyped_tracking_code_is_404_problem() {
    let app = spawn_app().await;
    let body: Value = app.post(&valid_body()).await.json().await.unwrap();
    let code = body["tracking_code"].as_str().unwrap();
    // Change one symbol: the check symbol no longer matches.
    let mut chars: Vec<char> = code.chars().collect();
    chars[0] = if chars[0] == 'A' { 'B' } else { 'A' };
    let typo: String = chars.into_iter().collect();
    for path in [
        format!("/api/v1/petitions/{typo}"),
        "/api/v1/petitions/0000-0000-000".into(),
        "/api/v1/petitions/x".into(),
    ] {
        let res = app.get(&path).await;
        assert_eq!(res.status().as_u16(), 404, "{path}");
        assert_eq!(res.headers()["content-type"], "application/problem+json");
    }
}

#[tokio::test]
async fn complaint_is_recorded_as_not_accepted_and_the_submitter_told_where_to_file() {
    let app = spawn_app().await;
    let mut body = valid_body();
    body["kind"] = json!("complaint");
    let res = app.post(&body).await;
    assert_eq!(res.status().as_u16(), 201);
    let receipt: Value = res.json().await.unwrap();
    assert_eq!(receipt["status"], "not_accepted");
    assert_eq!(receipt["not_accepted"]["reason_code"], "complaint");
    assert!(
        receipt["not_accepted"]["where_to_file"]
            .as_str()
            .unwrap()
            .contains("khiếu nại")
    );
    let view: Value = app
        .get(&format!(
            "/api/v1/petitions/{}",
            receipt["tracking_code"].as_str().unwrap()
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(view["status"], "not_accepted");
    let events = app.events(1).await;
    assert_eq!(events.len(), 1);
    assert!(
        events[0]
            .subject
            .as_str()
            .contains(".intake.petition.not_accepted.")
    );
}

#[tokio::test]
async fn denunciation_sent_as_feedback_is_not_accepted() {
    let app = spawn_app().await;
    let mut body = valid_body();
    body["title"] = json!("Đơn tố cáo cán bộ địa chính");
    let receipt: Value = app.post(&body).await.json().await.unwrap();
    assert_eq!(receipt["status"], "not_accepted");
    assert_eq!(receipt["not_accepted"]["reason_code"], "denunciation");
}

#[tokio::test]
async fn english_is_answered_when_preferred() {
    let app = spawn_app().await;
    let res = app
        .client
        .post(app.url("/api/v1/petitions"))
        .header("Accept-Language", "en-GB,en;q=0.9,vi;q=0.5")
        .json(&json!({"unit": "phuong-lang"}))
        .send()
        .await
        .unwrap();
    let body = assert_problem(res, 422, "content").await;
    assert_eq!(body["title"], "The submitted data is not valid");
}

#[tokio::test]
async fn text_is_stored_in_unicode_nfc() {
    let app = spawn_app().await;
    let mut body = valid_body();
    // "Láng" with a combining acute accent (NFD), as some phone keyboards send it.
    body["submitter"]["name"] = json!("Tra\u{300}n La\u{301}ng");
    let receipt: Value = app.post(&body).await.json().await.unwrap();
    let token = doithoai_testkit::token(doithoai_auth::Role::Clerk, "phuong-lang");
    let full: Value = app
        .staff_get(
            &token,
            &format!(
                "/api/v1/staff/petitions/{}",
                receipt["tracking_code"].as_str().unwrap()
            ),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(full["submitter"]["name"], "Tr\u{e0}n L\u{e1}ng");
    assert_eq!(full["submitter"]["phone"], "+84912345678");
}

#[tokio::test]
async fn health_readiness_metrics_and_openapi_are_served() {
    let app = spawn_app().await;
    assert_eq!(app.get("/healthz").await.status().as_u16(), 200);
    let ready: Value = app.get("/readyz").await.json().await.unwrap();
    assert_eq!(ready["checks"]["database"], "up");
    assert_eq!(ready["checks"]["nats"], "up");
    assert_eq!(app.post(&valid_body()).await.status().as_u16(), 201);
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains(
            r#"intake_http_requests_total{method="POST",route="/api/v1/petitions",status="201"} 1"#
        ),
        "{metrics}"
    );
    assert!(metrics.contains("intake_http_request_duration_seconds_bucket"));
    assert!(metrics.contains("intake_outbox_backlog_messages"));
    let doc: Value = app.get("/openapi.json").await.json().await.unwrap();
    assert!(doc["paths"]["/api/v1/petitions"]["post"].is_object());
    app.assert_openapi_matches_routes().await;
    app.assert_staff_routes_are_guarded().await;
}

#[tokio::test]
async fn submissions_over_the_rate_limit_get_429_with_retry_after() {
    let app =
        spawn_with(doithoai_testkit::TestEnv::new().set("INTAKE_WRITES_PER_MINUTE", "3")).await;
    for _ in 0..3 {
        assert_eq!(app.post(&valid_body()).await.status().as_u16(), 201);
    }
    let res = app.post(&valid_body()).await;
    assert!(res.headers().contains_key("retry-after"));
    assert_problem(res, 429, "client").await;
    assert_eq!(app.petition_count().await, 3);
}
