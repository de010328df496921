//! OpenTelemetry export: the platform started with `OTEL_EXPORTER_OTLP_ENDPOINT` sends its
//! spans over OTLP/HTTP (JSON here) to a receiver of the test's own — a real HTTP server that
//! keeps what it is sent (an OpenTelemetry collector is a third party that cannot run here) —
//! and one submission's trace, begun by the caller's `traceparent`, holds spans of intake,
//! routing, notification and reporting.

use crate::platform::Platform;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

/// An OTLP/HTTP receiver: every body posted to it, parsed as JSON.
struct Receiver {
    url: String,
    bodies: Arc<Mutex<Vec<Value>>>,
}

impl Receiver {
    async fn start() -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let kept = bodies.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let kept = kept.clone();
                tokio::spawn(async move {
                    let (read, mut write) = stream.into_split();
                    let mut read = BufReader::new(read);
                    // One request after another on the connection (keep-alive).
                    loop {
                        let mut length = 0usize;
                        let mut line = String::new();
                        let mut first = true;
                        loop {
                            line.clear();
                            if read.read_line(&mut line).await.unwrap_or(0) == 0 {
                                return;
                            }
                            if first {
                                assert!(line.starts_with("POST /v1/traces "), "{line}");
                                first = false;
                            }
                            let l = line.to_ascii_lowercase();
                            if let Some(v) = l.strip_prefix("content-length:") {
                                length = v.trim().parse().unwrap_or(0);
                            }
                            if line == "\r\n" {
                                break;
                            }
                        }
                        let mut body = vec![0; length];
                        if read.read_exact(&mut body).await.is_err() {
                            return;
                        }
                        if let Ok(v) = serde_json::from_slice::<Value>(&body) {
                            kept.lock().unwrap().push(v);
                        }
                        let reply = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}";
                        if write.write_all(reply.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        Receiver { url, bodies }
    }

    /// (service, span name, parent span id) of every span received in trace `trace_id`.
    fn spans_of(&self, trace_id: &str) -> Vec<(String, String, String)> {
        let mut found = Vec::new();
        for body in self.bodies.lock().unwrap().iter() {
            for rs in body["resourceSpans"].as_array().into_iter().flatten() {
                let service = rs["resource"]["attributes"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|a| a["key"] == "service.name")
                    .and_then(|a| a["value"]["stringValue"].as_str())
                    .unwrap_or_default()
                    .to_owned();
                for ss in rs["scopeSpans"].as_array().into_iter().flatten() {
                    for span in ss["spans"].as_array().into_iter().flatten() {
                        if span["traceId"]
                            .as_str()
                            .map(str::to_ascii_lowercase)
                            .as_deref()
                            == Some(trace_id)
                        {
                            found.push((
                                service.clone(),
                                span["name"].as_str().unwrap_or_default().to_owned(),
                                span["parentSpanId"].as_str().unwrap_or_default().to_owned(),
                            ));
                        }
                    }
                }
            }
        }
        found
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_submissions_trace_spans_every_service_in_the_otlp_export() {
    let receiver = Receiver::start().await;
    let p = Platform::start_with(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.url.as_str()),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"),
        ("OTEL_BSP_SCHEDULE_DELAY", "200"),
    ])
    .await;
    let trace = doithoai_telemetry::new_trace_id();
    let parent = "00f067aa0ba902b7";
    let res = p
        .client
        .post(p.url("intake", "/api/v1/petitions"))
        .header("traceparent", format!("00-{trace}-{parent}-01"))
        .json(&json!({
            "unit": "phuong-lang", "kind": "feedback", "field": "ho-tich", "content_type": 2,
            "title": "Phản ánh có dấu vết",
            "content": "Bộ phận một cửa yêu cầu nộp lại bản sao giấy khai sinh đã có trong cơ sở dữ liệu.",
            "submitter": {"name": "Lê Văn Bình", "address": "Số 3 phố Láng", "email": "binh.trace@example.vn"}
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);

    let wanted = ["intake", "routing", "notification", "reporting"];
    let mut spans = Vec::new();
    for _ in 0..150 {
        spans = receiver.spans_of(&trace);
        if wanted.iter().all(|w| spans.iter().any(|(s, _, _)| s == w)) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for w in wanted {
        assert!(
            spans.iter().any(|(s, _, _)| s == w),
            "no span of {w} in trace {trace}: {spans:#?}"
        );
    }
    // Intake's request span is the child of the caller's span; the consumers' spans handle the
    // events it caused.
    assert!(
        spans
            .iter()
            .any(|(s, name, parent_id)| s == "intake" && name == "request" && parent_id == parent),
        "{spans:#?}"
    );
    for w in ["routing", "notification", "reporting"] {
        assert!(
            spans.iter().any(|(s, name, _)| s == w && name == "event"),
            "{w} handled the event in the trace: {spans:#?}"
        );
    }
}
