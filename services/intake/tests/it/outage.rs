use crate::helpers::*;
use doithoai_testkit::{OwnNats, TestEnv, stream_messages_at};
use serde_json::Value;
use std::collections::HashSet;
use std::time::Duration;

#[tokio::test]
async fn submissions_are_accepted_while_nats_is_down_and_each_published_once_when_it_returns() {
    let mut nats = OwnNats::start().unwrap();
    let app = spawn_with(
        TestEnv::new()
            .set("NATS_URL", &nats.url())
            .set("INTAKE_SUBMIT_PER_MINUTE", "0"),
    )
    .await;
    assert_eq!(app.post(&valid_body()).await.status().as_u16(), 201);
    let before = stream_messages_at(
        &nats.url(),
        &app.env.namespace,
        "intake",
        ">",
        1,
        Duration::from_secs(10),
    )
    .await
    .unwrap();
    assert_eq!(before.len(), 1);

    nats.kill();
    let mut codes = HashSet::new();
    for _ in 0..20 {
        let res = app.post(&valid_body()).await;
        assert_eq!(res.status().as_u16(), 201, "accepted while NATS is down");
        codes.insert(
            res.json::<Value>().await.unwrap()["tracking_code"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    assert_eq!(codes.len(), 20);
    // Still ready: the outbox takes the work, so a load balancer must keep sending it. The body
    // and the metrics say NATS is away.
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status().as_u16(), 200, "ready while the database is");
    let body: Value = ready.json().await.unwrap();
    assert_eq!(body["checks"]["nats"], "down", "{body}");
    assert_eq!(body["checks"]["database"], "up", "{body}");
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains("intake_outbox_backlog_messages 20"),
        "{metrics}"
    );
    assert!(metrics.contains("intake_nats_connected 0"), "{metrics}");

    tokio::time::sleep(Duration::from_secs(2)).await;
    nats.restart().unwrap();
    let after = stream_messages_at(
        &nats.url(),
        &app.env.namespace,
        "intake",
        ">",
        21,
        Duration::from_secs(30),
    )
    .await
    .unwrap();
    assert_eq!(after.len(), 21, "every submission published, none twice");
    let published: HashSet<String> = after
        .iter()
        .map(|m| {
            serde_json::from_slice::<Value>(&m.payload).unwrap()["data"]["tracking_code"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(published.len(), 21);
    assert!(codes.is_subset(&published));
    // Nothing more arrives later (no republish of what was already acknowledged).
    tokio::time::sleep(Duration::from_secs(2)).await;
    let settled = stream_messages_at(
        &nats.url(),
        &app.env.namespace,
        "intake",
        ">",
        22,
        Duration::from_secs(1),
    )
    .await
    .unwrap();
    assert_eq!(settled.len(), 21);
}
