use crate::helpers::*;
use serde_json::{Value, json};

#[tokio::test]
async fn retried_post_with_the_same_key_returns_the_same_result_and_one_event() {
    let app = spawn_app().await;
    let first = app.post_with_key(&valid_body(), "retry-1").await;
    assert_eq!(first.status().as_u16(), 201);
    let first: Value = first.json().await.unwrap();
    for _ in 0..3 {
        let again = app.post_with_key(&valid_body(), "retry-1").await;
        assert_eq!(again.status().as_u16(), 201);
        assert_eq!(again.json::<Value>().await.unwrap(), first);
    }
    assert_eq!(app.petition_count().await, 1);
    // Give the relay time to publish anything it would, then count.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(app.events(1).await.len(), 1);
}

#[tokio::test]
async fn concurrent_retries_with_one_key_create_one_petition() {
    let app = spawn_app().await;
    let mut handles = Vec::new();
    for _ in 0..20 {
        let client = app.client.clone();
        let url = app.url("/api/v1/petitions");
        handles.push(tokio::spawn(async move {
            let res = client
                .post(url)
                .header("Idempotency-Key", "same")
                .json(&valid_body())
                .send()
                .await
                .unwrap();
            (
                res.status().as_u16(),
                res.json::<Value>().await.unwrap()["tracking_code"].clone(),
            )
        }));
    }
    let mut codes = std::collections::HashSet::new();
    for h in handles {
        let (status, code) = h.await.unwrap();
        assert_eq!(status, 201);
        codes.insert(code.to_string());
    }
    assert_eq!(codes.len(), 1, "every retry sees the one tracking code");
    assert_eq!(app.petition_count().await, 1);
}

#[tokio::test]
async fn same_key_with_a_different_body_is_422_and_creates_nothing() {
    let app = spawn_app().await;
    assert_eq!(
        app.post_with_key(&valid_body(), "k-2")
            .await
            .status()
            .as_u16(),
        201
    );
    let mut other = valid_body();
    other["content"] = json!("Một nội dung khác hẳn");
    let res = app.post_with_key(&other, "k-2").await;
    assert_problem(res, 422, "Idempotency-Key").await;
    assert_eq!(app.petition_count().await, 1);
}

#[tokio::test]
async fn different_keys_create_different_petitions() {
    let app = spawn_app().await;
    assert_eq!(
        app.post_with_key(&valid_body(), "a")
            .await
            .status()
            .as_u16(),
        201
    );
    assert_eq!(
        app.post_with_key(&valid_body(), "b")
            .await
            .status()
            .as_u16(),
        201
    );
    assert_eq!(app.petition_count().await, 2);
}

#[tokio::test]
async fn malformed_idempotency_key_is_400_naming_the_header() {
    let app = spawn_app().await;
    let res = app.post_with_key(&valid_body(), &"x".repeat(200)).await;
    assert_problem(res, 400, "Idempotency-Key").await;
    assert_eq!(app.petition_count().await, 0);
}

/// A public key belongs to its client: another citizen who happens to pick the same key gets a
/// submission of their own, never the first one's receipt.
#[tokio::test]
async fn two_clients_with_the_same_key_each_get_their_own_submission() {
    let app = spawn_with(
        doithoai_testkit::TestEnv::new()
            .set("INTAKE_WRITES_PER_MINUTE", "0")
            .set("TRUSTED_PROXIES", "127.0.0.1"),
    )
    .await;
    let post = |client: &'static str, body: Value| {
        app.client
            .post(app.url("/api/v1/petitions"))
            .header("X-Forwarded-For", client)
            .header("Idempotency-Key", "retry-1")
            .json(&body)
            .send()
    };
    let mut other = valid_body();
    other["content"] = json!("Một nội dung khác, của một người khác, về thủ tục khác.");
    let a = post("10.0.0.1", valid_body()).await.unwrap();
    let b = post("10.0.0.2", other).await.unwrap();
    assert_eq!(a.status().as_u16(), 201);
    assert_eq!(b.status().as_u16(), 201, "not a reused key");
    let a: Value = a.json().await.unwrap();
    let b: Value = b.json().await.unwrap();
    assert_ne!(a["tracking_code"], b["tracking_code"]);
}
