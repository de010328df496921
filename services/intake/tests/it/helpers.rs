use doithoai_testkit::TestEnv;
use serde_json::{Value, json};
use std::time::Duration;

pub use doithoai_testkit::TestApp;

pub async fn spawn_app() -> TestApp {
    spawn_with(TestEnv::new().set("INTAKE_WRITES_PER_MINUTE", "0")).await
}

pub async fn spawn_with(env: TestEnv) -> TestApp {
    doithoai_telemetry::init("intake-test");
    TestApp::spawn(env, intake::build).await
}

pub fn valid_body() -> Value {
    json!({
        "unit": "phuong-lang",
        "kind": "feedback",
        "field": "ho-tich",
        "content_type": 2,
        "title": "Giấy tờ trùng lặp khi đăng ký khai sinh",
        "content": "Khi đăng ký khai sinh, bộ phận một cửa yêu cầu nộp bản sao giấy tờ đã có trong cơ sở dữ liệu dân cư.",
        "submitter": {
            "kind": "individual",
            "name": "Nguyễn Văn An",
            "address": "Số 12 phố Láng, phường Láng",
            "phone": "0912 345 678",
            "email": "an.nguyen@example.vn"
        }
    })
}

/// What intake's tests do, on the shared [`TestApp`].
#[allow(async_fn_in_trait)] // used by these tests only
pub trait Intake {
    async fn post(&self, body: &Value) -> reqwest::Response;
    async fn post_with_key(&self, body: &Value, key: &str) -> reqwest::Response;
    async fn staff_post(&self, token: &str, body: &Value) -> reqwest::Response;
    async fn staff_get(&self, token: &str, path: &str) -> reqwest::Response;
    async fn events(&self, at_least: usize) -> Vec<async_nats::jetstream::Message>;
    async fn petition_count(&self) -> i64;
}

impl Intake for TestApp {
    async fn post(&self, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/petitions"))
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    async fn post_with_key(&self, body: &Value, key: &str) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/petitions"))
            .header("Idempotency-Key", key)
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    async fn staff_post(&self, token: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/staff/petitions"))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    async fn staff_get(&self, token: &str, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request sent")
    }

    /// Messages on intake's stream for this app's namespace, waiting up to 10 s for `at_least`.
    async fn events(&self, at_least: usize) -> Vec<async_nats::jetstream::Message> {
        doithoai_testkit::stream_messages(
            &self.env.namespace,
            "intake",
            ">",
            at_least,
            Duration::from_secs(10),
        )
        .await
        .expect("stream readable")
    }

    /// Rows in the petitions table (through the app's own pool).
    async fn petition_count(&self) -> i64 {
        use diesel::prelude::*;
        use diesel_async::RunQueryDsl;
        let mut conn = self.core.pool.get().await.expect("db");
        intake::store::schema::petitions::table
            .count()
            .get_result(&mut conn)
            .await
            .expect("count")
    }
}

/// Asserts `res` is a problem+json with `status` naming `field`; returns the body.
pub async fn assert_problem(res: reqwest::Response, status: u16, field: &str) -> Value {
    assert_eq!(res.status().as_u16(), status, "status");
    let ct = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    assert_eq!(ct, "application/problem+json");
    let body: Value = res.json().await.expect("problem body");
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["field"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        fields.contains(&field),
        "expected an error naming {field}, got {body}"
    );
    body
}
