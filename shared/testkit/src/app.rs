//! [`TestApp`]: one service running in the test process, on its own database and NATS
//! namespace ([`TestEnv`]), with the requests and stream reads every service's tests make.
//!
//! ```ignore
//! let app = TestApp::spawn(TestEnv::new(), answering::build).await;
//! let res = app.post_as(&token(Role::Officer, "phuong-lang"), "/api/v1/staff/cases/x/drafts", &json!({})).await;
//! ```

use crate::{TestEnv, nats_url, stream_messages, wait_ready};
use async_nats::jetstream;
use doithoai_contracts::Envelope;
use doithoai_web::{Core, RunningServer};
use reqwest::{Method, RequestBuilder, Response};
use serde_json::Value;
use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;

/// A service under test: its base URL, its env, an HTTP client, its [`Core`] (pool, bus) and a
/// JetStream context on the test's NATS.
pub struct TestApp {
    pub base: String,
    pub env: TestEnv,
    pub client: reqwest::Client,
    pub core: Core,
    pub js: jetstream::Context,
    running: tokio::task::JoinHandle<anyhow::Result<()>>,
}

/// A department of `phuong-lang` other than [`crate::TEST_DEPARTMENT`].
const OTHER_DEPARTMENT: &str = "van-hoa-xa-hoi";

impl TestApp {
    /// Builds the service with `build` (a service's `build(overrides)`) on `env`, runs it, and
    /// waits until it is ready. Panics when it does not start: the test cannot go on.
    pub async fn spawn<F, Fut>(env: TestEnv, build: F) -> TestApp
    where
        F: FnOnce(HashMap<String, String>) -> Fut,
        Fut: Future<Output = anyhow::Result<RunningServer>>,
    {
        let app = match build(env.overrides.clone()).await {
            Ok(app) => app,
            Err(e) => panic!("the service starts: {e:#}"),
        };
        let base = format!("http://127.0.0.1:{}", app.port());
        let core = app.core().clone();
        let running = tokio::spawn(app.run_until_stopped());
        wait_ready(&base).await;
        let nats = match async_nats::connect(nats_url()).await {
            Ok(c) => c,
            Err(e) => panic!("the test reaches NATS at {}: {e}", nats_url()),
        };
        TestApp {
            base,
            env,
            client: reqwest::Client::new(),
            core,
            js: jetstream::new(nats),
            running,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A request to `path`, to finish and send.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client.request(method, self.url(path))
    }

    /// A request to `path` with a staff token.
    pub fn request_as(&self, method: Method, token: &str, path: &str) -> RequestBuilder {
        self.request(method, path).bearer_auth(token)
    }

    pub async fn get(&self, path: &str) -> Response {
        send(self.request(Method::GET, path)).await
    }

    pub async fn get_as(&self, token: &str, path: &str) -> Response {
        send(self.request_as(Method::GET, token, path)).await
    }

    /// `GET` with a staff token, expecting 200 and a JSON body.
    pub async fn json_as(&self, token: &str, path: &str) -> Value {
        let res = self.get_as(token, path).await;
        assert_eq!(res.status().as_u16(), 200, "GET {path}");
        body(res).await
    }

    pub async fn post_json(&self, path: &str, json: &Value) -> Response {
        send(self.request(Method::POST, path).json(json)).await
    }

    pub async fn post_as(&self, token: &str, path: &str, json: &Value) -> Response {
        send(self.request_as(Method::POST, token, path).json(json)).await
    }

    pub async fn put_as(&self, token: &str, path: &str, json: &Value) -> Response {
        send(self.request_as(Method::PUT, token, path).json(json)).await
    }

    pub async fn delete_as(&self, token: &str, path: &str) -> Response {
        send(self.request_as(Method::DELETE, token, path)).await
    }

    /// Publishes `data` as the event `event` of `unit` on `service`'s stream of this test's
    /// namespace, as that service's outbox would (the stream is declared first; the envelope id
    /// is the message id). Returns the envelope.
    pub async fn publish<T: serde::Serialize>(
        &self,
        service: &str,
        event: &str,
        unit: &str,
        data: T,
    ) -> Envelope<T> {
        self.declare(service).await;
        let envelope = Envelope::new(event, unit, data);
        self.publish_envelope(service, &envelope, None).await;
        envelope
    }

    /// Declares `service`'s stream of this test's namespace, as that service would.
    pub async fn declare(&self, service: &str) {
        let bus = doithoai_bus::BusConfig {
            url: nats_url(),
            namespace: self.env.namespace.clone(),
            replicas: 1,
            auth: Default::default(),
        };
        if let Err(e) = doithoai_bus::ensure_stream(&self.js, &bus, service).await {
            panic!("stream {service} declared: {e:#}");
        }
    }

    /// [`TestApp::publish`] in trace `trace_id` (a `traceparent` header, as the outbox sends).
    pub async fn publish_traced<T: serde::Serialize>(
        &self,
        service: &str,
        event: &str,
        unit: &str,
        data: T,
        trace_id: &str,
    ) -> Envelope<T> {
        self.declare(service).await;
        let envelope = Envelope::new(event, unit, data);
        self.publish_envelope(service, &envelope, Some(trace_id))
            .await;
        envelope
    }

    /// Publishes an envelope as it is (a redelivery keeps its id), in trace `trace_id` when
    /// given.
    pub async fn publish_envelope<T: serde::Serialize>(
        &self,
        service: &str,
        envelope: &Envelope<T>,
        trace_id: Option<&str>,
    ) {
        let subject = doithoai_contracts::subjects::subject(
            &self.env.namespace,
            service,
            &envelope.event,
            &envelope.unit,
        );
        let payload = match serde_json::to_vec(envelope) {
            Ok(p) => p,
            Err(e) => panic!("envelope serialises: {e}"),
        };
        let mut message = jetstream::message::PublishMessage::build()
            .payload(payload.into())
            .message_id(envelope.id.to_string());
        if let Some(t) = trace_id {
            message = message.header("traceparent", doithoai_telemetry::traceparent(t).as_str());
        }
        let ack = self.js.send_publish(subject, message).await;
        match ack {
            Ok(ack) => {
                if let Err(e) = ack.await {
                    panic!("JetStream stored the event: {e}");
                }
            }
            Err(e) => panic!("event published: {e}"),
        }
    }

    /// The JSON payloads on `service`'s stream of this test, waiting up to 10 s for at least
    /// `at_least` of them.
    pub async fn stream(&self, service: &str, at_least: usize) -> Vec<Value> {
        match stream_messages(
            &self.env.namespace,
            service,
            ">",
            at_least,
            Duration::from_secs(10),
        )
        .await
        {
            Ok(msgs) => msgs
                .iter()
                .filter_map(|m| serde_json::from_slice(&m.payload).ok())
                .collect(),
            Err(e) => panic!("stream {service} readable: {e:#}"),
        }
    }

    /// Asserts that the service's `/openapi.json` documents exactly what its endpoints serve:
    /// every route documented, every documented route served (by method and path).
    pub async fn assert_openapi_matches_routes(&self) {
        let doc = body(self.get("/openapi.json").await).await;
        let mut documented = std::collections::BTreeSet::new();
        for (path, item) in doc["paths"].as_object().into_iter().flatten() {
            for method in ["get", "post", "put", "delete", "patch"] {
                if item.get(method).is_some() {
                    documented.insert((method.to_ascii_uppercase(), path.clone()));
                }
            }
        }
        let served: std::collections::BTreeSet<(String, String)> =
            doithoai_web::endpoint::served().into_iter().collect();
        let undocumented: Vec<_> = served.difference(&documented).collect();
        let unserved: Vec<_> = documented.difference(&served).collect();
        assert!(
            undocumented.is_empty() && unserved.is_empty(),
            "routes without documentation: {undocumented:?}; documented but not served: {unserved:?}"
        );
        assert!(
            documented.len() > 4,
            "a document with the service's own API"
        );
    }

    /// Walks every staff route this service serves (from its `Endpoint`s, so a new route is
    /// walked without being listed): without a token each is a 401; with an auditor's token
    /// (reads only) every write is refused (403, or 404 for what it cannot see) — never a 2xx
    /// or a 5xx.
    pub async fn assert_staff_routes_are_guarded(&self) {
        let auditor = crate::token(doithoai_auth::Role::Auditor, doithoai_auth::CITY_SCOPE);
        let staff: Vec<(String, String)> = doithoai_web::endpoint::served()
            .into_iter()
            .filter(|(_, path)| doithoai_web::endpoint::is_staff(path))
            .collect();
        assert!(!staff.is_empty(), "staff routes to walk");
        // The authorization matrix: every staff route declares its roles (`Endpoint::roles`);
        // a role it names is let through to the handler, any other gets 403 before it.
        let missing: Vec<&(String, String)> = staff
            .iter()
            .filter(|(m, p)| doithoai_web::endpoint::roles(m, p).is_none())
            .collect();
        assert!(
            missing.is_empty(),
            "staff routes missing from the authorization matrix (declare them with Endpoint::roles): {missing:?}"
        );
        for (method, pattern) in &staff {
            let allowed = doithoai_web::endpoint::roles(method, pattern).unwrap_or_default();
            let m = Method::from_bytes(method.as_bytes()).unwrap_or(Method::GET);
            for role in doithoai_auth::Role::ALL {
                let unit = if role.is_city_wide() {
                    doithoai_auth::CITY_SCOPE
                } else {
                    "phuong-lang"
                };
                let status = send(
                    self.request_as(m.clone(), &crate::token(role, unit), &fill(pattern))
                        .json(&serde_json::json!({})),
                )
                .await
                .status()
                .as_u16();
                if allowed.contains(&role) {
                    assert!(
                        status != 401 && status != 403,
                        "{method} {pattern}: {} is in the matrix but got {status}",
                        role.as_str()
                    );
                } else {
                    assert_eq!(
                        status,
                        403,
                        "{method} {pattern}: {} is not in the matrix",
                        role.as_str()
                    );
                }
            }
        }
        for (method, pattern) in staff {
            let path = fill(&pattern);
            let m = Method::from_bytes(method.as_bytes()).unwrap_or(Method::GET);
            let anonymous = send(self.request(m.clone(), &path).json(&serde_json::json!({}))).await;
            assert_eq!(
                anonymous.status().as_u16(),
                401,
                "{method} {pattern} without a token"
            );
            if m != Method::GET {
                let status = send(
                    self.request_as(m, &auditor, &path)
                        .json(&serde_json::json!({})),
                )
                .await
                .status()
                .as_u16();
                assert!(
                    status == 403 || status == 404,
                    "{method} {pattern} by the auditor gave {status}"
                );
            }
        }
    }

    /// The unit and department columns of the authorization matrix, walked from the route
    /// table: every staff route that names a record (`fills`: a placeholder and the id of a
    /// record of `phuong-lang`, in [`crate::TEST_DEPARTMENT`] where it has a department)
    /// answers 404 to each ward role it allows when the token is of another unit — the record
    /// does not exist for them — and, on a route marked departmental, to an officer or head of
    /// another department of the same unit; a token of the record's own unit (and department)
    /// finds it (anything but 401, 403 or 404), and so does an officer or head of another
    /// department where the route is not departmental.
    pub async fn assert_record_scope_matrix(&self, fills: &[(&str, &str)]) {
        let routes: Vec<(String, String)> = doithoai_web::endpoint::served()
            .into_iter()
            .filter(|(_, p)| doithoai_web::endpoint::is_staff(p))
            .filter(|(_, p)| fills.iter().any(|(k, _)| p.contains(&format!("{{{k}}}"))))
            .collect();
        assert!(!routes.is_empty(), "routes naming a record to walk");
        for (method, pattern) in routes {
            let mut path = pattern.clone();
            for (k, v) in fills {
                path = path.replace(&format!("{{{k}}}"), v);
            }
            let m = Method::from_bytes(method.as_bytes()).unwrap_or(Method::GET);
            let allowed = doithoai_web::endpoint::roles(&method, &pattern).unwrap_or_default();
            let departmental = doithoai_web::endpoint::departmental(&method, &pattern);
            for role in allowed.iter().filter(|r| !r.is_city_wide()) {
                let call = |unit: &'static str, department: &'static str| {
                    send(
                        self.request_as(
                            m.clone(),
                            &crate::token_in(*role, unit, department),
                            &path,
                        )
                        .json(&serde_json::json!({})),
                    )
                };
                let other = call("phuong-ba-dinh", crate::TEST_DEPARTMENT)
                    .await
                    .status()
                    .as_u16();
                assert_eq!(
                    other,
                    404,
                    "{method} {path}: a {} of another unit",
                    role.as_str()
                );
                if role.is_department_scoped() {
                    let elsewhere = call("phuong-lang", OTHER_DEPARTMENT)
                        .await
                        .status()
                        .as_u16();
                    if departmental {
                        assert_eq!(
                            elsewhere,
                            404,
                            "{method} {path}: a {} of another department",
                            role.as_str()
                        );
                    } else {
                        assert!(
                            !matches!(elsewhere, 401 | 403 | 404),
                            "{method} {path}: a {} of another department got {elsewhere} on a route not marked departmental",
                            role.as_str()
                        );
                    }
                }
                let own = call("phuong-lang", crate::TEST_DEPARTMENT)
                    .await
                    .status()
                    .as_u16();
                assert!(
                    !matches!(own, 401 | 403 | 404),
                    "{method} {path}: a {} of the record's unit got {own}",
                    role.as_str()
                );
            }
        }
    }

    /// What every service's boot test asserts: it starts on `env` with `build`, serves the
    /// basics ([`crate::assert_service_basics`]) and an OpenAPI document that matches its
    /// routes, stops on request, and answers no more once stopped.
    pub async fn assert_boots<F, Fut>(service: &str, env: TestEnv, build: F)
    where
        F: FnOnce(HashMap<String, String>) -> Fut,
        Fut: Future<Output = anyhow::Result<RunningServer>>,
    {
        let app = TestApp::spawn(env, build).await;
        let base = app.base.clone();
        if let Err(e) = crate::assert_service_basics(&base, service).await {
            panic!("{service} serves the basics: {e:#}");
        }
        app.assert_openapi_matches_routes().await;
        app.assert_staff_routes_are_guarded().await;
        if let Err(e) = app.stop().await {
            panic!("{service} stops: {e:#}");
        }
        assert!(
            reqwest::get(format!("{base}/healthz")).await.is_err(),
            "stopped service no longer answers"
        );
    }

    /// Stops the service as a signal would, and waits until it has.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.core.stop();
        self.running.await?
    }
}

/// A route pattern with each `{param}` filled with a value that names nothing.
fn fill(pattern: &str) -> String {
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find('}').map_or(rest.len(), |c| open + c + 1);
        out.push_str("00000000-0000-0000-0000-000000000000");
        rest = &rest[close..];
    }
    out.push_str(rest);
    out
}

async fn send(req: RequestBuilder) -> Response {
    match req.send().await {
        Ok(r) => r,
        Err(e) => panic!("request sent: {e}"),
    }
}

/// The JSON body of a response.
pub async fn body(res: Response) -> Value {
    match res.json().await {
        Ok(v) => v,
        Err(e) => panic!("a JSON body: {e}"),
    }
}
