use actix_web::{App, HttpResponse, HttpServer, web};
use async_nats::jetstream;
use doithoai_auth::Role;
use doithoai_contracts::subjects;
use doithoai_contracts::{Channel, Envelope, PetitionKind, PetitionReceivedV1, SubmitterV1};
use doithoai_testkit::{SmtpSink, TestEnv, token};
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

struct Rig {
    base: String,
    env: TestEnv,
    smtp: SmtpSink,
    js: jetstream::Context,
}

async fn rig(gateway_url: &str) -> Rig {
    let smtp = SmtpSink::start().unwrap();
    let env = TestEnv::new()
        .set("NOTIFICATION_SMTP_URL", &smtp.url())
        .set("NOTIFICATION_SMS_GATEWAY_URL", gateway_url)
        .set("NOTIFICATION_RETRY_BASE_SECONDS", "1")
        .set("NOTIFICATION_MAX_ATTEMPTS", "3");
    let app = notification::build(env.overrides.clone())
        .await
        .expect("notification starts");
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    doithoai_testkit::wait_ready(&base).await;
    let js = jetstream::new(
        async_nats::connect(doithoai_testkit::nats_url())
            .await
            .unwrap(),
    );
    let bus = doithoai_bus::BusConfig {
        url: doithoai_testkit::nats_url(),
        namespace: env.namespace.clone(),
        replicas: 1,
    };
    doithoai_bus::ensure_stream(&js, &bus, subjects::INTAKE)
        .await
        .unwrap();
    Rig {
        base,
        env,
        smtp,
        js,
    }
}

fn received(code: &str) -> PetitionReceivedV1 {
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
    }
}

impl Rig {
    async fn publish(&self, env: &Envelope<PetitionReceivedV1>, msg_id: &str) {
        let subject = subjects::subject(
            &self.env.namespace,
            subjects::INTAKE,
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
        let v: Value = reqwest::Client::new()
            .get(format!("{}/api/v1/staff/messages{query}", self.base))
            .bearer_auth(t)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
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
        received("AB12-CD34-EF5"),
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
    let mut petition = received("LN12-CD34-EF5");
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
async fn a_failing_gateway_is_retried_with_backoff_until_it_answers() {
    let (url, gateway) = start_gateway(2);
    let rig = rig(&url).await;
    let env = Envelope::new(
        subjects::PETITION_RECEIVED,
        "phuong-lang",
        received("AB12-CD34-EF6"),
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
        received("AB12-CD34-EF7"),
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
