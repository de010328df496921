use crate::helpers::*;
use async_nats::jetstream;
use doithoai_contracts::{ConferenceNoticedV1, Envelope, subjects};
use serde_json::{Value, json};
use std::time::Duration;

async fn notice(app: &TestApp, closes_in: chrono::Duration) -> uuid::Uuid {
    let js = jetstream::new(
        async_nats::connect(doithoai_testkit::nats_url())
            .await
            .unwrap(),
    );
    let bus = doithoai_bus::BusConfig {
        url: doithoai_testkit::nats_url(),
        namespace: app.env.namespace.clone(),
        replicas: 1,
        auth: Default::default(),
    };
    doithoai_bus::ensure_stream(&js, &bus, subjects::SCHEDULING)
        .await
        .unwrap();
    let id = uuid::Uuid::now_v7();
    let now = chrono::Utc::now();
    let env = Envelope::new(
        subjects::CONFERENCE_NOTICED,
        "phuong-lang",
        ConferenceNoticedV1 {
            conference_id: id,
            unit: "phuong-lang".into(),
            title: "Đối thoại quý IV".into(),
            starts_at: now + closes_in + chrono::Duration::days(7),
            venue: "Hội trường UBND phường Láng".into(),
            online_link: None,
            fields: vec![],
            registration_opens_at: now - chrono::Duration::days(10),
            registration_closes_at: now + closes_in,
        },
    );
    js.send_publish(
        subjects::subject(
            &app.env.namespace,
            subjects::SCHEDULING,
            subjects::CONFERENCE_NOTICED,
            "phuong-lang",
        ),
        jetstream::message::PublishMessage::build()
            .payload(serde_json::to_vec(&env).unwrap().into())
            .message_id(env.id.to_string()),
    )
    .await
    .unwrap()
    .await
    .unwrap();
    id
}

fn question(conference: uuid::Uuid) -> Value {
    let mut v = valid_body();
    v["kind"] = json!("dialogue_question");
    v["conference_id"] = json!(conference.to_string());
    v
}

async fn post_when_known(app: &TestApp, body: &Value) -> reqwest::Response {
    for _ in 0..100 {
        let res = app.post(body).await;
        if res.status().as_u16() != 422 {
            return res;
        }
        let p: Value = res.json().await.unwrap();
        if p["errors"][0]["code"] != "unknown_conference" {
            return app.post(body).await;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the conference never reached intake");
}

#[tokio::test]
async fn a_question_registered_in_time_is_accepted_and_carries_the_conference_date() {
    let app = spawn_app().await;
    let id = notice(&app, chrono::Duration::days(3)).await;
    let res = post_when_known(&app, &question(id)).await;
    assert_eq!(res.status().as_u16(), 201);
    let events = app.events(1).await;
    let env: Value = serde_json::from_slice(&events[0].payload).unwrap();
    assert_eq!(env["data"]["conference_id"], id.to_string());
    assert!(env["data"]["conference_starts_at"].is_string());
}

#[tokio::test]
async fn a_late_question_is_refused_with_the_reason_and_the_offer_to_file_it_as_feedback() {
    let app = spawn_app().await;
    let id = notice(&app, chrono::Duration::hours(-1)).await;
    let res = post_when_known(&app, &question(id)).await;
    let p = assert_problem(res, 422, "conference_id").await;
    assert_eq!(p["errors"][0]["code"], "registration_closed");
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("phản ánh, kiến nghị thông thường")
    );
    let mut as_feedback = question(id);
    as_feedback["kind"] = json!("feedback");
    as_feedback.as_object_mut().unwrap().remove("conference_id");
    assert_eq!(app.post(&as_feedback).await.status().as_u16(), 201);
}

#[tokio::test]
async fn a_dialogue_question_without_a_known_conference_is_refused() {
    let app = spawn_app().await;
    let mut v = valid_body();
    v["kind"] = json!("dialogue_question");
    assert_problem(app.post(&v).await, 422, "conference_id").await;
    let res = app.post(&question(uuid::Uuid::now_v7())).await;
    assert_problem(res, 422, "conference_id").await;
    assert_eq!(app.petition_count().await, 0);
}
