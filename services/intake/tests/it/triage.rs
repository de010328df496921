//! Decree 20, Art. 9 (triage): a text that reads like a complaint, a denunciation or a text
//! about an official, without certainty, waits for a clerk; the clerk decides once.

use crate::helpers::*;
use doithoai_auth::Role;
use doithoai_testkit::token;
use serde_json::{Value, json};
use std::time::Duration;

fn unsure_body() -> Value {
    let mut body = valid_body();
    body["title"] = json!("Kinh phí sửa đường ngõ 12");
    body["content"] = json!(
        "Đề nghị thanh tra việc sử dụng kinh phí sửa đường ngõ 12 vì khối lượng thực tế ít hơn nhiều so với nghiệm thu."
    );
    body
}

async fn intake_events(app: &TestApp) -> Vec<Value> {
    doithoai_testkit::stream_messages(&app.env.namespace, "intake", ">", 0, Duration::from_secs(1))
        .await
        .unwrap()
        .iter()
        .map(|m| serde_json::from_slice(&m.payload).unwrap())
        .collect()
}

#[tokio::test]
async fn a_text_that_may_be_a_denunciation_waits_for_a_clerk_who_decides_it_once() {
    let app = spawn_app().await;
    let res = app.post(&unsure_body()).await;
    assert_eq!(res.status().as_u16(), 201);
    let receipt: Value = res.json().await.unwrap();
    assert_eq!(receipt["status"], "awaiting_triage", "{receipt}");
    let code = receipt["tracking_code"].as_str().unwrap().to_owned();
    // Held: nothing goes to routing or notification yet.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(intake_events(&app).await.is_empty());

    let clerk = token(Role::Clerk, "phuong-lang");
    let queue = app
        .json_as(&clerk, "/api/v1/staff/petitions?status=awaiting_triage")
        .await;
    let items = queue["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{queue}");
    assert_eq!(items[0]["triage_suspect"], "denunciation");

    let path = format!("/api/v1/staff/petitions/{code}/triage");
    let officer = token(Role::Officer, "phuong-lang");
    let forbidden = app
        .post_as(&officer, &path, &json!({"class": "denunciation"}))
        .await;
    assert_eq!(forbidden.status().as_u16(), 403);
    let other = token(Role::Clerk, "phuong-ba-dinh");
    let hidden = app
        .post_as(&other, &path, &json!({"class": "denunciation"}))
        .await;
    assert_eq!(hidden.status().as_u16(), 404);
    assert_problem(
        app.post_as(&clerk, &path, &json!({"class": "maybe"})).await,
        422,
        "class",
    )
    .await;

    let decided = app
        .post_as(
            &clerk,
            &path,
            &json!({"class": "denunciation", "note": "Tố cáo sai phạm trong nghiệm thu"}),
        )
        .await;
    assert_eq!(decided.status().as_u16(), 200);
    let now: Value = decided.json().await.unwrap();
    assert_eq!(now["status"], "not_accepted");
    assert_eq!(now["not_accepted_reason"], "denunciation");
    assert_problem(
        app.post_as(&clerk, &path, &json!({"class": "feedback"}))
            .await,
        409,
        "class",
    )
    .await;

    // Announced once, to notification with the contacts, without them on intake's stream.
    let events = app.events(1).await;
    assert_eq!(events.len(), 1);
    assert!(events[0].subject.contains(".intake.petition.not_accepted."));
    let contacts = doithoai_testkit::stream_messages(
        &app.env.namespace,
        "contacts",
        ">",
        1,
        Duration::from_secs(10),
    )
    .await
    .unwrap();
    assert_eq!(contacts.len(), 1);

    // The citizen's timeline: received and held, then the clerk's decision.
    let track: Value = app
        .get(&format!("/api/v1/petitions/{code}"))
        .await
        .json()
        .await
        .unwrap();
    let steps: Vec<&Value> = track["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["status"])
        .collect();
    assert_eq!(steps, ["awaiting_triage", "not_accepted"], "{track}");
}

#[tokio::test]
async fn a_held_text_the_clerk_finds_to_be_feedback_goes_on_as_feedback() {
    let app = spawn_app().await;
    let receipt: Value = app.post(&unsure_body()).await.json().await.unwrap();
    let code = receipt["tracking_code"].as_str().unwrap();
    let clerk = token(Role::Clerk, "phuong-lang");
    let decided = app
        .post_as(
            &clerk,
            &format!("/api/v1/staff/petitions/{code}/triage"),
            &json!({"class": "recommendation"}),
        )
        .await;
    assert_eq!(decided.status().as_u16(), 200);
    let events = app.events(1).await;
    assert_eq!(events.len(), 1);
    let e: Value = serde_json::from_slice(&events[0].payload).unwrap();
    assert_eq!(e["event"], "petition.received");
    assert_eq!(e["data"]["kind"], "recommendation");
    assert_eq!(e["data"]["official_conduct"], false);
}

/// Decree 20, Art. 9: a text plainly about an official's behaviour is accepted and flagged, so
/// routing sends it to the department that manages the unit's officials.
#[tokio::test]
async fn a_text_about_an_officials_behaviour_is_flagged_for_routing() {
    let app = spawn_app().await;
    let mut body = valid_body();
    body["title"] = json!("Thái độ cán bộ một cửa");
    body["content"] =
        json!("Cán bộ một cửa có thái độ hách dịch và quát mắng người dân khi nộp hồ sơ.");
    let receipt: Value = app.post(&body).await.json().await.unwrap();
    assert_eq!(receipt["status"], "received", "{receipt}");
    let events = app.events(1).await;
    let e: Value = serde_json::from_slice(&events[0].payload).unwrap();
    assert_eq!(e["data"]["official_conduct"], true);
}
