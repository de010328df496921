//! NATS with TLS and one user per service (`doithoai_bus::permissions`): the services do their
//! work with only their own rights, and a service's credentials cannot forge another service's
//! events, read another stream directly, or be used without TLS.

use async_nats::jetstream;
use doithoai_bus::permissions::authorization;
use doithoai_contracts::subjects;
use doithoai_journeys::{Service, submission};
use doithoai_testkit::{OwnNats, TestEnv, test_ca_file};
use std::time::Duration;

const ADMIN: &str = "admin-password-of-this-test";

fn password(service: &str) -> String {
    format!("{service}-password-of-this-test")
}

async fn connect(
    url: &str,
    user: &str,
    name: &str,
) -> (
    async_nats::Client,
    tokio::sync::mpsc::UnboundedReceiver<String>,
) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let client = async_nats::ConnectOptions::with_user_and_password(user.into(), password(user))
        .custom_inbox_prefix(doithoai_bus::permissions::inbox_prefix(user))
        .add_root_certificates(test_ca_file().into())
        .require_tls(true)
        .name(name)
        .event_callback(move |e| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(e.to_string());
            }
        })
        .connect(url)
        .await
        .unwrap();
    (client, rx)
}

async fn stream_messages(js: &jetstream::Context, stream: &str) -> u64 {
    match js.get_stream(stream).await {
        Ok(mut s) => s.info().await.map(|i| i.state.messages).unwrap_or(0),
        Err(_) => 0,
    }
}

#[tokio::test]
async fn services_work_with_their_own_nats_user_and_cannot_forge_another_services_events() {
    let ns = TestEnv::new().namespace;
    let services = [
        "intake",
        "routing",
        "answering",
        "scheduling",
        "notification",
        "reporting",
    ];
    let passwords: Vec<(String, String)> = services
        .iter()
        .map(|s| ((*s).to_owned(), password(s)))
        .collect();
    let pairs: Vec<(&str, &str)> = passwords
        .iter()
        .map(|(s, p)| (s.as_str(), p.as_str()))
        .collect();
    let nats = OwnNats::start_with(&format!(
        "{}{}",
        OwnNats::test_tls_block(),
        authorization(&ns, &pairs, ADMIN)
    ))
    .unwrap();
    let url = format!("tls://127.0.0.1:{}", nats.port);
    let env = |name: &str| {
        TestEnv::with_name(&format!("{ns}_{name}"))
            .set("NATS_NAMESPACE", &ns)
            .set("NATS_URL", &url)
            .set("NATS_USER", name)
            .set("NATS_PASSWORD", &password(name))
            .set("NATS_CA_FILE", &test_ca_file())
    };
    let mut running = Vec::new();
    for s in services {
        let mut e = env(s);
        if s == "notification" {
            let dir = std::env::temp_dir().join(format!("{ns}-messages"));
            e = e
                .set("NOTIFICATION_MAIL_DIR", &dir.join("mail").to_string_lossy())
                .set("NOTIFICATION_SMS_DIR", &dir.join("sms").to_string_lossy());
        }
        running.push(Service::start(s, e).unwrap());
    }
    for s in &running {
        s.ready(Duration::from_secs(60)).await.unwrap();
    }
    let intake = &running[0];

    let admin = async_nats::ConnectOptions::with_user_and_password("admin".into(), ADMIN.into())
        .add_root_certificates(test_ca_file().into())
        .require_tls(true)
        .connect(url.as_str())
        .await
        .unwrap();
    let admin_js = jetstream::new(admin);
    let routing_stream = subjects::stream_name(&ns, "routing");

    // A submission goes through intake's and routing's users: stream, consumer, acks, events.
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/petitions", intake.base()))
        .json(&submission(1))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while stream_messages(&admin_js, &routing_stream).await == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "routing never published the routed event (server log in {})",
            nats.dir.display()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let routed = stream_messages(&admin_js, &routing_stream).await;

    // Intake's credentials: a forged routing event is refused, and so is reading answering's
    // subjects without a consumer.
    let (forger, mut violations) = connect(&url, "intake", "forger").await;
    let forged = jetstream::new(forger.clone())
        .publish(
            subjects::subject(&ns, "routing", subjects::PETITION_ROUTED, "phuong-lang"),
            "{}".into(),
        )
        .await;
    let acked = match forged {
        Ok(ack) => tokio::time::timeout(Duration::from_secs(3), ack)
            .await
            .is_ok_and(|a| a.is_ok()),
        Err(_) => false,
    };
    assert!(
        !acked,
        "JetStream stored an event forged by another service's user"
    );
    let _sub = forger.subscribe(format!("{ns}.answering.>")).await.unwrap();
    forger.flush().await.unwrap();
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while seen.len() < 2 && tokio::time::Instant::now() < deadline {
        if let Ok(Some(e)) =
            tokio::time::timeout(Duration::from_millis(200), violations.recv()).await
            && e.to_lowercase().contains("permissions violation")
        {
            seen.push(e);
        }
    }
    assert_eq!(
        seen.len(),
        2,
        "publish and subscribe both refused: {seen:?}"
    );
    assert_eq!(
        stream_messages(&admin_js, &routing_stream).await,
        routed,
        "routing's stream holds only routing's events"
    );

    // The submitter's phone is on the contacts stream, which routing's credentials cannot
    // read, and notification (which can) sends the acknowledgement there.
    let contacts = subjects::stream_name(&ns, subjects::CONTACTS);
    assert_eq!(stream_messages(&admin_js, &contacts).await, 1);
    let (snoop, _) = connect(&url, "routing", "snoop").await;
    let snooped = tokio::time::timeout(
        Duration::from_secs(5),
        jetstream::new(snoop).create_consumer_on_stream(
            jetstream::consumer::pull::Config::default(),
            contacts.as_str(),
        ),
    )
    .await;
    assert!(
        !matches!(snooped, Ok(Ok(_))),
        "routing's user opened a consumer on the contacts stream"
    );
    let sms = std::env::temp_dir()
        .join(format!("{ns}-messages"))
        .join("sms");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while std::fs::read_dir(&sms).map_or(0, |d| d.count()) == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "notification sent no acknowledgement from the contacts stream"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Without the CA (so without verified TLS) the credentials get nowhere.
    let plain =
        async_nats::ConnectOptions::with_user_and_password("intake".into(), password("intake"))
            .connection_timeout(Duration::from_secs(2))
            .connect(format!("nats://127.0.0.1:{}", nats.port))
            .await;
    assert!(
        plain.is_err(),
        "connected without trusting the server's certificate"
    );

    // The services themselves never ran into their permissions (every consumer of every
    // service is up by now: the routed event went through two of them).
    tokio::time::sleep(Duration::from_secs(2)).await;
    let log = std::fs::read_to_string(nats.dir.join("server.log")).unwrap_or_default();
    let theirs: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("Violation") && !l.contains("forger") && !l.contains("snoop"))
        .collect();
    assert!(
        theirs.is_empty(),
        "services hit their permissions: {theirs:#?}"
    );
}
