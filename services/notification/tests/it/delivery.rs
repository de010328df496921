use actix_web::{App, HttpResponse, HttpServer, web};
use async_nats::jetstream;
use doithoai_auth::Role;
use doithoai_contracts::subjects;
use doithoai_contracts::{Channel, Envelope, PetitionKind, PetitionReceivedV1, SubmitterV1};
use doithoai_testkit::{SmtpSink, TestApp, TestEnv, token};
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The SMS provider's stand-in: records each request; answers 503 to the first `fail_first`.
#[derive(Clone)]
struct Gateway {
    received: Arc<Mutex<Vec<Value>>>,
    fail_first: usize,
    calls: Arc<Mutex<usize>>,
}

async fn gateway_handler(g: web::Data<Gateway>, body: web::Json<Value>) -> HttpResponse {
    let mut calls = g.calls.lock().unwrap();
    *calls += 1;
    if *calls <= g.fail_first {
        return HttpResponse::ServiceUnavailable().finish();
    }
    g.received.lock().unwrap().push(body.into_inner());
    HttpResponse::Ok().json(serde_json::json!({"status": "queued"}))
}

fn start_gateway(fail_first: usize) -> (String, Gateway) {
    let g = Gateway {
        received: Arc::default(),
        fail_first,
        calls: Arc::default(),
    };
    let data = web::Data::new(g.clone());
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route("/sms", web::post().to(gateway_handler))
    })
    .workers(1)
    .bind(("127.0.0.1", 0))
    .unwrap();
    let port = server.addrs()[0].port();
    tokio::spawn(server.run());
    (format!("http://127.0.0.1:{port}/sms"), g)
}

/// The SMS provider's stand-in over HTTPS: a TLS server with the test certificate (chained to
/// `shared/testkit/tls/ca.pem`) answering each `POST` with 200 and recording its JSON body.
async fn start_tls_gateway() -> (String, Arc<Mutex<Vec<Value>>>) {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/testkit/tls");
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_file_iter(format!("{dir}/server.pem"))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
    let key = PrivateKeyDer::from_pem_file(format!("{dir}/server.key")).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let received: Arc<Mutex<Vec<Value>>> = Arc::default();
    let seen = received.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, seen) = (acceptor.clone(), seen.clone());
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                // One HTTP/1.1 request: headers, then a body of Content-Length bytes.
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                let (head_end, length) = loop {
                    let Ok(n) = tls.read(&mut chunk).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&buf[..i]).to_ascii_lowercase();
                        let length = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .and_then(|v| v.trim().parse::<usize>().ok())
                            .unwrap_or(0);
                        break (i + 4, length);
                    }
                };
                while buf.len() < head_end + length {
                    let Ok(n) = tls.read(&mut chunk).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                }
                if let Ok(v) = serde_json::from_slice(&buf[head_end..head_end + length]) {
                    seen.lock().unwrap().push(v);
                }
                let body = r#"{"status":"queued"}"#;
                let _ = tls
                    .write_all(
                        format!(
                            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                            body.len()
                        )
                        .as_bytes(),
                    )
                    .await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (format!("https://localhost:{port}/sms"), received)
}

/// notification on the shared [`TestApp`], with a real SMTP server of its own.
struct Rig {
    app: TestApp,
    smtp: SmtpSink,
}

impl std::ops::Deref for Rig {
    type Target = TestApp;
    fn deref(&self) -> &TestApp {
        &self.app
    }
}

async fn rig(gateway_url: &str) -> Rig {
    rig_with(gateway_url, TestEnv::new()).await
}

async fn rig_with(gateway_url: &str, env: TestEnv) -> Rig {
    let smtp = SmtpSink::start().unwrap();
    let env = env
        .set("NOTIFICATION_SMTP_URL", &smtp.url())
        .set("NOTIFICATION_SMS_GATEWAY_URL", gateway_url)
        .set("NOTIFICATION_RETRY_BASE_SECONDS", "1")
        .set("NOTIFICATION_MAX_ATTEMPTS", "3");
    let app = TestApp::spawn(env, notification::build).await;
    let bus = doithoai_bus::BusConfig {
        url: doithoai_testkit::nats_url(),
        namespace: app.env.namespace.clone(),
        replicas: 1,
        auth: Default::default(),
    };
    doithoai_bus::ensure_stream(&app.js, &bus, subjects::CONTACTS)
        .await
        .unwrap();
    Rig { app, smtp }
}

fn received_petition(code: &str) -> PetitionReceivedV1 {
    PetitionReceivedV1 {
        petition_id: uuid::Uuid::now_v7(),
        tracking_code: code.into(),
        unit: "phuong-lang".into(),
        kind: PetitionKind::Feedback,
        field: "ho-tich".into(),
        procedure_code: None,
        content_type: None,
        title: None,
        content: "Nội dung".into(),
        submitter: SubmitterV1 {
            kind: "individual".into(),
            name: "Nguyễn Văn An".into(),
            organization: None,
            address: "12 Láng".into(),
            phone: Some("+84912345678".into()),
            email: Some("an@example.vn".into()),
        },
        consent_to_publish_identity: false,
        channel: Channel::Web,
        received_at: chrono::Utc::now(),
        conference_id: None,
        conference_starts_at: None,
        official_conduct: false,
    }
}

impl Rig {
    async fn publish(&self, env: &Envelope<PetitionReceivedV1>, msg_id: &str) {
        let subject = subjects::subject(
            &self.env.namespace,
            subjects::CONTACTS,
            subjects::PETITION_RECEIVED,
            "phuong-lang",
        );
        self.js
            .send_publish(
                subject,
                jetstream::message::PublishMessage::build()
                    .payload(serde_json::to_vec(env).unwrap().into())
                    .message_id(msg_id),
            )
            .await
            .unwrap()
            .await
            .unwrap();
    }

    async fn messages(&self, query: &str) -> Vec<Value> {
        let t = token(Role::Clerk, "phuong-lang");
        let v = self
            .json_as(&t, &format!("/api/v1/staff/messages{query}"))
            .await;
        v["messages"].as_array().unwrap().clone()
    }
}

#[tokio::test]
async fn acknowledgement_reaches_the_citizen_by_email_and_sms_once_even_when_redelivered() {
    let (url, gateway) = start_gateway(0);
    let rig = rig(&url).await;
    let env = Envelope::new(
        subjects::PETITION_RECEIVED,
        "phuong-lang",
        received_petition("AB12-CD34-EF5"),
    );
    rig.publish(&env, &env.id.to_string()).await;
    let mail = rig.smtp.wait_for(1, Duration::from_secs(15)).await;
    assert_eq!(mail.len(), 1);
    let decoded = rig.smtp.decoded();
    assert!(decoded[0].contains("AB12-CD34-EF5"), "{}", decoded[0]);
    assert!(decoded[0].contains("Kính gửi ông/bà Nguyễn Văn An"));
    assert!(
        decoded[0]
            .to_ascii_lowercase()
            .contains("to: an@example.vn")
    );
    for _ in 0..50 {
        if !gateway.received.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(gateway.received.lock().unwrap()[0]["to"], "+84912345678");

    // The same event again (as after a crash before the ack): nothing is sent twice.
    rig.publish(&env, "a-second-message-id").await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(rig.smtp.messages().len(), 1);
    assert_eq!(gateway.received.lock().unwrap().len(), 1);
    let sent = rig.messages("?status=sent").await;
    assert_eq!(sent.len(), 2);
}

#[tokio::test]
async fn a_fixed_line_gets_no_sms_and_the_email_still_goes() {
    let (url, gateway) = start_gateway(0);
    let rig = rig(&url).await;
    let mut petition = received_petition("LN12-CD34-EF5");
    petition.submitter.phone = Some("+842438253536".into()); // a Hà Nội fixed line
    let env = Envelope::new(subjects::PETITION_RECEIVED, "phuong-lang", petition);
    rig.publish(&env, &env.id.to_string()).await;
    let mail = rig.smtp.wait_for(1, Duration::from_secs(15)).await;
    assert_eq!(mail.len(), 1, "the email goes");
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(
        gateway.received.lock().unwrap().is_empty(),
        "no SMS to a fixed line"
    );
    let owed = rig.messages("").await;
    assert!(
        owed.iter().all(|m| m["channel"] == "email"),
        "no SMS is even owed: {owed:?}"
    );
}

#[tokio::test]
async fn sms_reaches_an_https_gateway_whose_certificate_chains_to_the_configured_ca() {
    let (url, received) = start_tls_gateway().await;
    let ca = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/testkit/tls/ca.pem"
    );
    let rig = rig_with(&url, TestEnv::new().set("NOTIFICATION_SMS_GATEWAY_CA", ca)).await;
    let env = Envelope::new(
        subjects::PETITION_RECEIVED,
        "phuong-lang",
        received_petition("TL12-CD34-EF5"),
    );
    rig.publish(&env, &env.id.to_string()).await;
    for _ in 0..100 {
        if !received.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let got = received.lock().unwrap().clone();
    assert_eq!(got.len(), 1, "the SMS went over HTTPS");
    assert_eq!(got[0]["to"], "+84912345678");
}

#[tokio::test]
async fn an_https_gateway_with_an_untrusted_certificate_gets_nothing() {
    let (url, received) = start_tls_gateway().await;
    let rig = rig(&url).await; // no NOTIFICATION_SMS_GATEWAY_CA: only the public roots
    let env = Envelope::new(
        subjects::PETITION_RECEIVED,
        "phuong-lang",
        received_petition("TL12-CD34-EF6"),
    );
    rig.publish(&env, &env.id.to_string()).await;
    rig.smtp.wait_for(1, Duration::from_secs(15)).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(
        received.lock().unwrap().is_empty(),
        "nothing sent to an untrusted server"
    );
    let sms: Vec<Value> = rig
        .messages("")
        .await
        .into_iter()
        .filter(|m| m["channel"] == "sms")
        .collect();
    assert_eq!(sms.len(), 1);
    assert_ne!(
        sms[0]["status"], "sent",
        "the SMS waits for a retry: {sms:?}"
    );
}

#[tokio::test]
async fn a_failing_gateway_is_retried_with_backoff_until_it_answers() {
    let (url, gateway) = start_gateway(2);
    let rig = rig(&url).await;
    let env = Envelope::new(
        subjects::PETITION_RECEIVED,
        "phuong-lang",
        received_petition("AB12-CD34-EF6"),
    );
    rig.publish(&env, &env.id.to_string()).await;
    for _ in 0..100 {
        if !gateway.received.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(gateway.received.lock().unwrap().len(), 1);
    assert_eq!(*gateway.calls.lock().unwrap(), 3);
    let sms: Vec<Value> = rig
        .messages("?status=sent")
        .await
        .into_iter()
        .filter(|m| m["channel"] == "sms")
        .collect();
    assert_eq!(sms[0]["attempts"], 3);
}

#[tokio::test]
async fn a_message_that_keeps_failing_is_marked_failed_for_staff() {
    let (url, _gateway) = start_gateway(usize::MAX);
    let rig = rig(&url).await;
    let env = Envelope::new(
        subjects::PETITION_RECEIVED,
        "phuong-lang",
        received_petition("AB12-CD34-EF7"),
    );
    rig.publish(&env, &env.id.to_string()).await;
    let mut failed = Vec::new();
    for _ in 0..150 {
        failed = rig.messages("?status=failed").await;
        if !failed.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["channel"], "sms");
    assert_eq!(failed[0]["attempts"], 3);
    assert!(failed[0]["last_error"].as_str().unwrap().contains("503"));
    // Another unit's staff do not see it.
    let other: Value = reqwest::Client::new()
        .get(format!("{}/api/v1/staff/messages?status=failed", rig.base))
        .bearer_auth(token(Role::Clerk, "phuong-ba-dinh"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(other["messages"].as_array().unwrap().len(), 0);
    let bad = reqwest::Client::new()
        .get(format!("{}/api/v1/staff/messages?status=lost", rig.base))
        .bearer_auth(token(Role::Clerk, "phuong-lang"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status().as_u16(), 422);
}

/// Only `petition.received` on the contacts stream carries the citizen's phone and email;
/// notification keeps them and sends every later message (here the answer, which arrives first
/// and carries none) there.
#[tokio::test]
async fn later_messages_reach_the_contacts_kept_from_the_received_event() {
    let (url, _gateway) = start_gateway(0);
    let rig = rig(&url).await;
    let bus = doithoai_bus::BusConfig {
        url: doithoai_testkit::nats_url(),
        namespace: rig.env.namespace.clone(),
        replicas: 1,
        auth: Default::default(),
    };
    doithoai_bus::ensure_stream(&rig.js, &bus, subjects::ANSWERING)
        .await
        .unwrap();
    let petition = received_petition("AB12-CD34-EF9");
    let answered = Envelope::new(
        subjects::PETITION_ANSWERED,
        "phuong-lang",
        doithoai_contracts::PetitionAnsweredV1 {
            petition_id: petition.petition_id,
            tracking_code: petition.tracking_code.clone(),
            unit: "phuong-lang".into(),
            unit_name: "Phường Láng".into(),
            department: "van-phong".into(),
            official_number: "7/2026/TL-PAKN".into(),
            answer: "Đã giải quyết.".into(),
            signed_by: "leader@phuong-lang".into(),
            answered_at: chrono::Utc::now(),
            submitter: petition.submitter.without_contact(),
        },
    );
    rig.js
        .publish(
            subjects::subject(
                &rig.env.namespace,
                subjects::ANSWERING,
                subjects::PETITION_ANSWERED,
                "phuong-lang",
            ),
            serde_json::to_vec(&answered).unwrap().into(),
        )
        .await
        .unwrap()
        .await
        .unwrap();
    // The answer waits (and is retried) until the contacts are known.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(
        rig.messages("?tracking_code=AB12-CD34-EF9")
            .await
            .is_empty()
    );
    let received = Envelope::new(subjects::PETITION_RECEIVED, "phuong-lang", petition);
    rig.publish(&received, &received.id.to_string()).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let answers: Vec<Value> = rig
            .messages("?tracking_code=AB12-CD34-EF9")
            .await
            .into_iter()
            .filter(|m| m["kind"] == "answer")
            .collect();
        if answers.len() == 2 {
            let mut to: Vec<&str> = answers
                .iter()
                .map(|m| m["recipient"].as_str().unwrap())
                .collect();
            to.sort();
            assert_eq!(to, ["+84912345678", "an@example.vn"]);
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the answer never reached the kept contacts"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// BRIEF (iHanoi): the citizen is acknowledged within 8 working hours. An acknowledgement the
/// gateway keeps refusing goes overdue by the calendar: the watch records it once (the staff
/// list shows `overdue_at`), announces `citizen_notice.overdue`, and counts it on `/metrics`.
/// The email, delivered, is not overdue.
#[tokio::test]
async fn an_acknowledgement_not_delivered_within_8_working_hours_is_reported_once() {
    use diesel_async::RunQueryDsl;
    let (url, _gateway) = start_gateway(usize::MAX);
    let rig = rig_with(&url, TestEnv::new().set("NOTIFICATION_WATCH_SECONDS", "1")).await;
    let env = Envelope::new(
        subjects::PETITION_RECEIVED,
        "phuong-lang",
        received_petition("OD12-CD34-EF7"),
    );
    rig.publish(&env, &env.id.to_string()).await;
    for _ in 0..150 {
        if !rig.messages("?status=failed").await.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Owed three weeks ago: far past 8 working hours whatever the calendar.
    let mut conn = rig.core.pool.get().await.unwrap();
    diesel::sql_query("UPDATE messages SET created_at = created_at - interval '21 days'")
        .execute(&mut conn)
        .await
        .unwrap();
    let mut sms = Value::Null;
    for _ in 0..100 {
        let all = rig.messages("").await;
        sms = all
            .iter()
            .find(|m| m["channel"] == "sms")
            .cloned()
            .unwrap_or(Value::Null);
        if sms["overdue_at"].is_string() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(sms["overdue_at"].is_string(), "{sms}");
    let email = rig
        .messages("")
        .await
        .into_iter()
        .find(|m| m["channel"] == "email")
        .unwrap();
    assert!(
        email["overdue_at"].is_null(),
        "a delivered notice is not overdue"
    );
    // Several rounds later, still announced once.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let announced = doithoai_testkit::stream_messages(
        &rig.env.namespace,
        "notification",
        ">",
        1,
        Duration::from_secs(5),
    )
    .await
    .unwrap();
    assert_eq!(announced.len(), 1);
    let e: Value = serde_json::from_slice(&announced[0].payload).unwrap();
    assert_eq!(e["event"], "citizen_notice.overdue");
    assert_eq!(e["data"]["kind"], "acknowledgement");
    assert_eq!(e["data"]["tracking_code"], "OD12-CD34-EF7");
    let metrics = reqwest::get(format!("{}/metrics", rig.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("notification_citizen_notices_overdue{kind=\"acknowledgement\"} 1"),
        "{metrics}"
    );
}
