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
    let rig = Rig { app, smtp };
    rig.stream(subjects::CONTACTS).await;
    rig
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
    /// Creates another service's stream in this test's namespace, to publish its events.
    async fn stream(&self, name: &str) {
        let bus = doithoai_bus::BusConfig {
            url: doithoai_testkit::nats_url(),
            namespace: self.env.namespace.clone(),
            replicas: 1,
            auth: Default::default(),
        };
        doithoai_bus::ensure_stream(&self.js, &bus, name)
            .await
            .unwrap();
    }

    /// Publishes an event on `stream` of this namespace, as its service would.
    async fn publish_on<T: serde::Serialize>(&self, stream: &str, env: &Envelope<T>) {
        self.js
            .publish(
                subjects::subject(&self.env.namespace, stream, &env.event, "phuong-lang"),
                serde_json::to_vec(env).unwrap().into(),
            )
            .await
            .unwrap()
            .await
            .unwrap();
    }

    /// Publishes a received petition whose SMS the gateway keeps refusing, and waits until
    /// its delivery failed for good.
    async fn undeliverable(&self, petition: PetitionReceivedV1) {
        let env = Envelope::new(subjects::PETITION_RECEIVED, "phuong-lang", petition);
        self.publish(&env, &env.id.to_string()).await;
        for _ in 0..150 {
            if !self.messages("?status=failed").await.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The acknowledgement sent by `channel`, once the notice watch has set `field` on it.
    async fn acknowledgement_with(&self, channel: &str, field: &str) -> Value {
        let mut found = Value::Null;
        for _ in 0..100 {
            found = self
                .messages("")
                .await
                .into_iter()
                .find(|m| m["channel"] == channel && m["kind"] == "acknowledgement")
                .unwrap_or(Value::Null);
            if found[field].is_string() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(found[field].is_string(), "{field} never set: {found}");
        found
    }

    /// What notification announced over several watch rounds: exactly one event.
    async fn announced_once(&self) -> Value {
        tokio::time::sleep(Duration::from_secs(3)).await;
        let announced = doithoai_testkit::stream_messages(
            &self.env.namespace,
            "notification",
            ">",
            1,
            Duration::from_secs(5),
        )
        .await
        .unwrap();
        assert_eq!(announced.len(), 1, "announced once over several rounds");
        serde_json::from_slice(&announced[0].payload).unwrap()
    }

    /// The one email to the unit's reception about a notice's deadline, whose subject begins
    /// with `subject`.
    async fn reception_told(&self, subject: &str) {
        let all = self.messages("").await;
        let told: Vec<&Value> = all
            .iter()
            .filter(|m| m["kind"] == "notice_deadline")
            .collect();
        assert_eq!(told.len(), 1, "the reception is told once: {all:?}");
        assert_eq!(told[0]["recipient"], "tiep-nhan.phuong-lang@hanoi.gov.vn");
        assert!(
            told[0]["subject"].as_str().unwrap().starts_with(subject),
            "{}",
            told[0]
        );
    }

    async fn metrics(&self) -> String {
        self.get("/metrics").await.text().await.unwrap()
    }

    /// The unit's letters to post, once there are some.
    async fn letters(&self) -> Vec<Value> {
        let clerk = token(Role::Clerk, "phuong-lang");
        let mut letters = Vec::new();
        for _ in 0..100 {
            letters = self.json_as(&clerk, "/api/v1/staff/letters").await["letters"]
                .as_array()
                .unwrap()
                .clone();
            if !letters.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        letters
    }

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
    rig.stream(subjects::ANSWERING).await;
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
    rig.publish_on(subjects::ANSWERING, &answered).await;
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
/// list shows `overdue_at`), announces `citizen_notice.overdue`, emails the unit's reception
/// and counts it on `/metrics`. The email, delivered, is not overdue.
#[tokio::test]
async fn an_acknowledgement_not_delivered_within_8_working_hours_is_reported_once() {
    use diesel_async::RunQueryDsl;
    let (url, _gateway) = start_gateway(usize::MAX);
    let rig = rig_with(&url, TestEnv::new().set("NOTIFICATION_WATCH_SECONDS", "1")).await;
    rig.undeliverable(received_petition("OD12-CD34-EF7")).await;
    // Owed three weeks ago: far past 8 working hours whatever the calendar.
    let mut conn = rig.core.pool.get().await.unwrap();
    diesel::sql_query("UPDATE messages SET created_at = created_at - interval '21 days'")
        .execute(&mut conn)
        .await
        .unwrap();
    let sms = rig.acknowledgement_with("sms", "overdue_at").await;
    assert!(
        sms["due_soon_at"].is_null(),
        "found past its deadline at once: only the overdue step"
    );
    let email = rig.acknowledgement_with("email", "created_at").await;
    assert!(
        email["overdue_at"].is_null(),
        "a delivered notice is not overdue"
    );
    let e = rig.announced_once().await;
    assert_eq!(e["event"], "citizen_notice.overdue");
    assert_eq!(e["data"]["kind"], "acknowledgement");
    assert_eq!(e["data"]["tracking_code"], "OD12-CD34-EF7");
    rig.reception_told("Quá hạn thông báo").await;
    let metrics = rig.metrics().await;
    for series in [
        "notification_citizen_notices_overdue{kind=\"acknowledgement\"} 1",
        // The other kinds' series exist at zero, so an alert on them has something to read.
        "notification_citizen_notices_overdue{kind=\"refusal\"} 0",
        "notification_citizen_notices_due_soon{kind=\"acknowledgement\"} 0",
    ] {
        assert!(metrics.contains(series), "{series}: {metrics}");
    }
}

/// When an undelivered notice of `kind` for phuong-lang is due soon but not yet due, by the
/// calendar notification holds when routing is not there to answer (weekdays, the city's
/// office hours): the latest owed time, to the minute, at which the warning has passed.
fn owed_when_due_soon(kind: &str) -> chrono::DateTime<chrono::Utc> {
    let cal = doithoai_calendar::Calendar::default();
    let now = chrono::Utc::now();
    let mut owed = now;
    loop {
        let (soon, due) = notification::watch::deadline(&cal, "phuong-lang", kind, owed).unwrap();
        if soon <= now {
            assert!(due > now, "between the warning and the deadline");
            return owed;
        }
        owed -= chrono::Duration::minutes(1);
    }
}

/// BRIEF (iHanoi: acknowledged within 8 working hours): with a quarter of the time left, an
/// acknowledgement the gateway has not taken is announced as due soon once
/// (`citizen_notice.due_soon`), the reception is emailed, and the gauge counts it; it is not
/// overdue.
#[tokio::test]
async fn an_acknowledgement_near_its_deadline_is_announced_due_soon_once() {
    use diesel_async::RunQueryDsl;
    let (url, _gateway) = start_gateway(usize::MAX);
    let rig = rig_with(&url, TestEnv::new().set("NOTIFICATION_WATCH_SECONDS", "1")).await;
    let mut petition = received_petition("DS12-CD34-EF7");
    petition.submitter.email = None;
    rig.undeliverable(petition).await;
    let mut conn = rig.core.pool.get().await.unwrap();
    diesel::sql_query("UPDATE messages SET created_at = $1")
        .bind::<diesel::sql_types::Timestamptz, _>(owed_when_due_soon("acknowledgement"))
        .execute(&mut conn)
        .await
        .unwrap();
    let sms = rig.acknowledgement_with("sms", "due_soon_at").await;
    assert!(sms["overdue_at"].is_null(), "{sms}");
    let e = rig.announced_once().await;
    assert_eq!(e["event"], "citizen_notice.due_soon");
    assert_eq!(e["data"]["kind"], "acknowledgement");
    assert_eq!(e["data"]["channel"], "sms");
    rig.reception_told("Sắp đến hạn thông báo").await;
    let metrics = rig.metrics().await;
    for series in [
        "notification_citizen_notices_due_soon{kind=\"acknowledgement\"} 1",
        "notification_citizen_notices_overdue{kind=\"acknowledgement\"} 0",
    ] {
        assert!(metrics.contains(series), "{series}: {metrics}");
    }
}

/// Decree 20, Art. 7: a mailing address may be the only contact. The acknowledgement to such
/// a citizen is a letter: nothing is emailed or texted, the reception's list shows it with
/// its envelope, text and deadline, and once marked posted it counts as delivered (who
/// posted it kept; marking it again is 409; another unit's clerk finds no such letter).
/// Its later notices (a refusal) go by post too, from the address kept for it alone.
#[tokio::test]
async fn a_citizen_reachable_only_by_post_gets_letters_the_reception_marks_posted() {
    let (url, gateway) = start_gateway(0);
    let rig = rig(&url).await;
    let mut petition = received_petition("PO12-CD34-EF7");
    petition.channel = Channel::Post;
    petition.submitter.email = None;
    petition.submitter.phone = None;
    petition.submitter.address = "Số 12 ngõ 5 Láng, Đống Đa, Hà Nội".into();
    let (petition_id, submitter) = (petition.petition_id, petition.submitter.clone());
    let env = Envelope::new(subjects::PETITION_RECEIVED, "phuong-lang", petition);
    rig.publish(&env, &env.id.to_string()).await;
    let letters = rig.letters().await;
    assert_eq!(letters.len(), 1, "{letters:?}");
    let letter = &letters[0];
    assert_eq!(letter["kind"], "acknowledgement");
    assert_eq!(
        letter["recipient"],
        "Nguyễn Văn An\nSố 12 ngõ 5 Láng, Đống Đa, Hà Nội"
    );
    assert!(letter["body"].as_str().unwrap().contains("PO12-CD34-EF7"));
    assert!(letter["due_at"].is_string(), "{letter}");
    assert_eq!(letter["overdue"], false);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(rig.smtp.messages().is_empty(), "nothing emailed");
    assert!(
        gateway.received.lock().unwrap().is_empty(),
        "nothing texted"
    );
    let path = format!(
        "/api/v1/staff/letters/{}/posted",
        letter["id"].as_str().unwrap()
    );
    let post = async |role: Role, unit: &str| {
        rig.post_as(&token(role, unit), &path, &serde_json::json!({}))
            .await
    };
    assert_eq!(post(Role::Clerk, "phuong-ba-dinh").await.status(), 404);
    assert_eq!(
        post(Role::Auditor, doithoai_auth::CITY_SCOPE)
            .await
            .status(),
        403
    );
    assert_eq!(post(Role::Clerk, "phuong-lang").await.status(), 200);
    let again = post(Role::Clerk, "phuong-lang").await;
    assert_eq!(again.status(), 409);
    let body: Value = again.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "already_posted");
    let listed = rig
        .json_as(&token(Role::Clerk, "phuong-lang"), "/api/v1/staff/letters")
        .await;
    assert!(listed["letters"].as_array().unwrap().is_empty());
    let sent = rig.messages("?status=sent").await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["channel"], "post");
    assert_eq!(sent[0]["posted_by"], "clerk@phuong-lang");

    // A refusal later: its event carries no contacts; the letter goes to the kept address.
    rig.stream(subjects::ROUTING).await;
    let refused = Envelope::new(
        subjects::PETITION_REFUSED,
        "phuong-lang",
        doithoai_contracts::PetitionRefusedV1 {
            petition_id,
            tracking_code: "PO12-CD34-EF7".into(),
            unit: "phuong-lang".into(),
            unit_name: "Phường Láng".into(),
            reason: "Nội dung không thuộc phạm vi phản ánh, kiến nghị".into(),
            actor: "clerk@phuong-lang".into(),
            refused_at: chrono::Utc::now(),
            submitter: submitter.without_contact(),
        },
    );
    rig.publish_on(subjects::ROUTING, &refused).await;
    let letters = rig.letters().await;
    assert_eq!(letters.len(), 1, "{letters:?}");
    assert_eq!(letters[0]["kind"], "refusal");
    assert_eq!(
        letters[0]["recipient"],
        "Nguyễn Văn An\nSố 12 ngõ 5 Láng, Đống Đa, Hà Nội"
    );
    rig.app
        .assert_record_scope_matrix(&[("letter", letters[0]["id"].as_str().unwrap())])
        .await;
}
