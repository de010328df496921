use crate::helpers::*;
use async_nats::jetstream;
use doithoai_auth::Role;
use doithoai_contracts::subjects;
use doithoai_contracts::{Envelope, PetitionAnsweredV1, PetitionReceivedV1, PetitionRoutedV1};
use serde_json::Value;
use std::time::Duration;

async fn publish<T: serde::Serialize>(
    app: &TestApp,
    service: &str,
    event: &str,
    unit: &str,
    data: T,
) {
    let client = async_nats::connect(doithoai_testkit::nats_url())
        .await
        .unwrap();
    let js = jetstream::new(client);
    let bus = doithoai_bus::BusConfig {
        url: doithoai_testkit::nats_url(),
        namespace: app.env.namespace.clone(),
        replicas: 1,
        auth: Default::default(),
    };
    doithoai_bus::ensure_stream(&js, &bus, service)
        .await
        .unwrap();
    let env = Envelope::new(event, unit, data);
    js.send_publish(
        subjects::subject(&app.env.namespace, service, event, unit),
        jetstream::message::PublishMessage::build()
            .payload(serde_json::to_vec(&env).unwrap().into())
            .message_id(env.id.to_string()),
    )
    .await
    .unwrap()
    .await
    .unwrap();
}

async fn view_until(app: &TestApp, code: &str, status: &str) -> Value {
    for _ in 0..100 {
        let v: Value = app
            .get(&format!("/api/v1/petitions/{code}"))
            .await
            .json()
            .await
            .unwrap();
        if v["status"] == status {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{code} never reached {status}");
}

#[tokio::test]
async fn tracking_view_follows_routing_and_answering_events_and_keeps_an_append_only_history() {
    let app = spawn_app().await;
    let receipt: Value = app.post(&valid_body()).await.json().await.unwrap();
    let code = receipt["tracking_code"].as_str().unwrap().to_owned();
    let received: PetitionReceivedV1 = serde_json::from_slice(&app.events(1).await[0].payload)
        .map(|e: Envelope<PetitionReceivedV1>| e.data)
        .unwrap();
    let due = chrono::DateTime::parse_from_rfc3339("2026-12-14T10:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    publish(
        &app,
        subjects::ROUTING,
        subjects::PETITION_ROUTED,
        "phuong-lang",
        PetitionRoutedV1 {
            petition_id: received.petition_id,
            tracking_code: code.clone(),
            unit: "phuong-lang".into(),
            unit_name: "Phường Láng".into(),
            department: "van-phong".into(),
            department_name: "Văn phòng HĐND và UBND".into(),
            due_at: due,
            reason_code: "initial".into(),
            reason: None,
            actor: None,
            review_required: false,
            petition: received.clone(),
        },
    )
    .await;
    let v = view_until(&app, &code, "routed").await;
    assert_eq!(v["holder"]["name"], "Văn phòng HĐND và UBND – Phường Láng");
    assert_eq!(v["due_at"], "2026-12-14T10:00:00.000Z");
    assert!(
        v["timeline"][1]["note"]
            .as_str()
            .unwrap()
            .contains("14/12/2026")
    );

    publish(
        &app,
        subjects::ANSWERING,
        subjects::PETITION_ANSWERED,
        "phuong-lang",
        PetitionAnsweredV1 {
            petition_id: received.petition_id,
            tracking_code: code.clone(),
            unit: "phuong-lang".into(),
            unit_name: "Phường Láng".into(),
            department: "van-phong".into(),
            official_number: "1/2026/TL-PAKN".into(),
            answer: "Trả lời".into(),
            signed_by: "leader@phuong-lang".into(),
            answered_at: chrono::Utc::now(),
            submitter: received.submitter.clone(),
        },
    )
    .await;
    let v = view_until(&app, &code, "answered").await;
    let steps: Vec<&str> = v["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["status"].as_str().unwrap())
        .collect();
    assert_eq!(steps, ["received", "routed", "answered"]);
    assert!(
        !v.to_string().contains("leader@"),
        "the public view names no staff member"
    );

    // Staff see who did what; nobody can edit the history.
    let clerk = doithoai_testkit::token(Role::Clerk, "phuong-lang");
    let full: Value = app
        .staff_get(&clerk, &format!("/api/v1/staff/petitions/{code}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(full["timeline"][2]["actor"], "leader@phuong-lang");
    use diesel_async::RunQueryDsl;
    let mut conn = app.core.pool.get().await.unwrap();
    let edit = diesel::sql_query("UPDATE petition_timeline SET note = 'changed'")
        .execute(&mut conn)
        .await;
    assert!(edit.is_err(), "the timeline is append-only");
}

/// An event that can never be read is set aside as a dead letter (with the reason, counted,
/// not retried forever) and does not hold up the events after it; a replay sends it back
/// through the outbox.
#[tokio::test]
async fn an_undecodable_event_becomes_a_dead_letter_and_its_neighbours_are_applied() {
    let app = spawn_app().await;
    let receipt: Value = app.post(&valid_body()).await.json().await.unwrap();
    let code = receipt["tracking_code"].as_str().unwrap().to_owned();
    let received: PetitionReceivedV1 = serde_json::from_slice(&app.events(1).await[0].payload)
        .map(|e: Envelope<PetitionReceivedV1>| e.data)
        .unwrap();
    // A routed event whose payload is not what routing publishes.
    publish(
        &app,
        subjects::ROUTING,
        subjects::PETITION_ROUTED,
        "phuong-lang",
        serde_json::json!({"petition_id": "not-a-uuid"}),
    )
    .await;
    publish(
        &app,
        subjects::ROUTING,
        subjects::PETITION_ROUTED,
        "phuong-lang",
        PetitionRoutedV1 {
            petition_id: received.petition_id,
            tracking_code: code.clone(),
            unit: "phuong-lang".into(),
            unit_name: "Phường Láng".into(),
            department: "van-phong".into(),
            department_name: "Văn phòng HĐND và UBND".into(),
            due_at: chrono::Utc::now() + chrono::Duration::days(10),
            reason_code: "initial".into(),
            reason: None,
            actor: None,
            review_required: false,
            petition: received.clone(),
        },
    )
    .await;
    view_until(&app, &code, "routed").await;

    let mut conn = app.core.pool.get().await.unwrap();
    let mut letters = Vec::new();
    for _ in 0..50 {
        letters = doithoai_bus::dead_letter::list(&mut conn, false)
            .await
            .unwrap();
        if !letters.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(letters.len(), 1, "{letters:?}");
    assert_eq!(letters[0].consumer, "intake-routing-steps");
    assert!(
        letters[0].reason.contains("petition.routed"),
        "{}",
        letters[0].reason
    );
    assert!(
        letters[0]
            .subject
            .ends_with(".routing.petition.routed.phuong-lang")
    );
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains("intake_dead_letter_messages 1"),
        "{metrics}"
    );
    assert!(
        metrics
            .contains(r#"intake_consumer_dead_lettered_total{consumer="intake-routing-steps"} 1"#),
        "{metrics}"
    );

    // Replayed: marked, and back in the outbox under a fresh message id.
    assert_eq!(
        doithoai_bus::dead_letter::replay(&mut conn, None)
            .await
            .unwrap(),
        1
    );
    assert!(
        doithoai_bus::dead_letter::list(&mut conn, false)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        doithoai_bus::dead_letter::list(&mut conn, true)
            .await
            .unwrap()
            .len(),
        1
    );
}
