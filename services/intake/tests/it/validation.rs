use crate::helpers::*;
use serde_json::{Value, json};

/// A body with one change applied by `f`.
fn with(f: impl FnOnce(&mut Value)) -> Value {
    let mut v = valid_body();
    f(&mut v);
    v
}

#[tokio::test]
async fn each_kind_of_bad_input_is_a_422_naming_its_field_and_nothing_is_stored_or_published() {
    let app = spawn_app().await;
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "missing content",
            with(|v| {
                v.as_object_mut().unwrap().remove("content");
            }),
            "content",
        ),
        (
            "empty content",
            with(|v| v["content"] = json!("   ")),
            "content",
        ),
        (
            "content of wrong type",
            with(|v| v["content"] = json!(["a"])),
            "content",
        ),
        (
            "content too long",
            with(|v| v["content"] = json!("a".repeat(10_001))),
            "content",
        ),
        (
            "control character",
            with(|v| v["content"] = json!("abc\u{0007}def")),
            "content",
        ),
        (
            "NUL in name",
            with(|v| v["submitter"]["name"] = json!("An\u{0}")),
            "submitter.name",
        ),
        (
            "newline in name",
            with(|v| v["submitter"]["name"] = json!("An\nB")),
            "submitter.name",
        ),
        (
            "missing unit",
            with(|v| {
                v.as_object_mut().unwrap().remove("unit");
            }),
            "unit",
        ),
        (
            "unknown unit",
            with(|v| v["unit"] = json!("phuong-atlantis")),
            "unit",
        ),
        (
            "unit of wrong type",
            with(|v| v["unit"] = json!(12)),
            "unit",
        ),
        (
            "unknown field",
            with(|v| v["field"] = json!("thue-vu-tru")),
            "field",
        ),
        (
            "unknown kind",
            with(|v| v["kind"] = json!("praise")),
            "kind",
        ),
        (
            "content type 0",
            with(|v| v["content_type"] = json!(0)),
            "content_type",
        ),
        (
            "content type 2.5",
            with(|v| v["content_type"] = json!(2.5)),
            "content_type",
        ),
        (
            "content type as text",
            with(|v| v["content_type"] = json!("2")),
            "content_type",
        ),
        (
            "no submitter",
            with(|v| {
                v.as_object_mut().unwrap().remove("submitter");
            }),
            "submitter",
        ),
        (
            "submitter not an object",
            with(|v| v["submitter"] = json!("An")),
            "submitter",
        ),
        (
            "missing name",
            with(|v| {
                v["submitter"].as_object_mut().unwrap().remove("name");
            }),
            "submitter.name",
        ),
        (
            "empty address",
            with(|v| v["submitter"]["address"] = json!("")),
            "submitter.address",
        ),
        (
            "no phone nor email",
            with(|v| {
                let s = v["submitter"].as_object_mut().unwrap();
                s.remove("phone");
                s.remove("email");
            }),
            "submitter.phone",
        ),
        (
            "invalid phone",
            with(|v| v["submitter"]["phone"] = json!("12345")),
            "submitter.phone",
        ),
        (
            "foreign phone",
            with(|v| v["submitter"]["phone"] = json!("+1 202 555 0100")),
            "submitter.phone",
        ),
        (
            "invalid email",
            with(|v| v["submitter"]["email"] = json!("an@")),
            "submitter.email",
        ),
        (
            "organization without its name",
            with(|v| v["submitter"]["kind"] = json!("organization")),
            "submitter.organization",
        ),
        (
            "unknown submitter kind",
            with(|v| v["submitter"]["kind"] = json!("robot")),
            "submitter.kind",
        ),
        (
            "consent of wrong type",
            with(|v| v["consent_to_publish_identity"] = json!("yes")),
            "consent_to_publish_identity",
        ),
        (
            "title too long",
            with(|v| v["title"] = json!("t".repeat(251))),
            "title",
        ),
        (
            "unknown property",
            with(|v| v["attachment"] = json!("x")),
            "attachment",
        ),
        (
            "public sets received_at",
            with(|v| v["received_at"] = json!("2026-01-01T00:00:00Z")),
            "received_at",
        ),
        (
            "bad procedure code",
            with(|v| v["procedure_code"] = json!("1.00 <script>")),
            "procedure_code",
        ),
        (
            "conference on a feedback",
            with(|v| v["conference_id"] = json!("7f1c2a8e-0000-4000-8000-000000000000")),
            "conference_id",
        ),
        ("body is an array", json!([valid_body()]), "body"),
        ("body is null", Value::Null, "body"),
    ];
    for (name, body, field) in cases {
        let res = app.post(&body).await;
        assert!(res.status().is_client_error(), "{name}: {}", res.status());
        let status = res.status().as_u16();
        let problem = assert_problem(res, status, field).await;
        assert_eq!(status, 422, "{name}: {problem}");
    }
    assert_eq!(app.petition_count().await, 0);
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    assert_eq!(app.events(0).await.len(), 0);
}

#[tokio::test]
async fn malformed_json_is_a_400_naming_the_body() {
    let app = spawn_app().await;
    for raw in ["{", "{\"unit\": }", "not json", "{\"a\":1}}", ""] {
        let res = app
            .client
            .post(app.url("/api/v1/petitions"))
            .header("content-type", "application/json")
            .body(raw)
            .send()
            .await
            .unwrap();
        assert_problem(res, 400, "body").await;
    }
    assert_eq!(app.petition_count().await, 0);
}

#[tokio::test]
async fn oversize_body_is_a_413_naming_the_body() {
    let app = spawn_app().await;
    let body = with(|v| v["content"] = json!("a".repeat(70_000)));
    let res = app.post(&body).await;
    assert_problem(res, 413, "body").await;
    assert_eq!(app.petition_count().await, 0);
}

#[tokio::test]
async fn non_json_content_type_is_a_415() {
    let app = spawn_app().await;
    let res = app
        .client
        .post(app.url("/api/v1/petitions"))
        .header("content-type", "text/plain")
        .body(valid_body().to_string())
        .send()
        .await
        .unwrap();
    assert_problem(res, 415, "Content-Type").await;
}

#[tokio::test]
async fn unknown_route_is_a_404_problem() {
    let app = spawn_app().await;
    let res = app.get("/api/v1/nothing-here").await;
    assert_problem(res, 404, "path").await;
}
