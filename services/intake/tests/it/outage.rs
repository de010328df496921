use crate::helpers::*;
use doithoai_testkit::{OwnNats, TestEnv, stream_messages_at};
use serde_json::Value;
use std::collections::HashSet;
use std::time::Duration;

/// The messages on `service`'s stream, waiting up to `secs` for `at_least` of them.
async fn on_stream(
    url: &str,
    ns: &str,
    service: &str,
    at_least: usize,
    secs: u64,
) -> Vec<async_nats::jetstream::Message> {
    stream_messages_at(url, ns, service, ">", at_least, Duration::from_secs(secs))
        .await
        .unwrap()
}

#[tokio::test]
async fn submissions_are_accepted_while_nats_is_down_and_each_published_once_when_it_returns() {
    let mut nats = OwnNats::start().unwrap();
    let app = spawn_with(
        TestEnv::new()
            .set("NATS_URL", &nats.url())
            .set("INTAKE_WRITES_PER_MINUTE", "0"),
    )
    .await;
    assert_eq!(app.post(&valid_body()).await.status().as_u16(), 201);
    let before = on_stream(&nats.url(), &app.env.namespace, "intake", 1, 10).await;
    assert_eq!(before.len(), 1);
    let contacts_before = on_stream(&nats.url(), &app.env.namespace, "contacts", 1, 10).await;
    assert_eq!(contacts_before.len(), 1);

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
    // Two events each: on intake's stream and on the contacts stream.
    assert!(
        metrics.contains("intake_outbox_backlog_messages 40"),
        "{metrics}"
    );
    assert!(metrics.contains("intake_nats_connected 0"), "{metrics}");

    tokio::time::sleep(Duration::from_secs(2)).await;
    nats.restart().unwrap();
    let after = on_stream(&nats.url(), &app.env.namespace, "intake", 21, 30).await;
    assert_eq!(after.len(), 21, "every submission published, none twice");
    let contacts = on_stream(&nats.url(), &app.env.namespace, "contacts", 21, 30).await;
    assert_eq!(contacts.len(), 21, "and its contacts, once each");
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
    let settled = on_stream(&nats.url(), &app.env.namespace, "intake", 22, 1).await;
    assert_eq!(settled.len(), 21);
}

/// PostgreSQL of the test's own is restarted (immediate mode: every connection cut) while 16
/// clients keep submitting. Every answer is a 201 or a 503 with `Retry-After` — never a 500 —
/// every 201 is stored and published once, and intake recovers without a restart.
#[tokio::test]
async fn a_postgres_restart_under_load_costs_no_acknowledged_submission_and_no_500() {
    use doithoai_testkit::OwnPostgres;
    use std::sync::{Arc, Mutex};
    let pg = OwnPostgres::start().unwrap();
    let env = TestEnv::new()
        .set("INTAKE_WRITES_PER_MINUTE", "0")
        .set("INTAKE_READS_PER_MINUTE", "0");
    let db = format!("{}/{}", pg.url(), env.name);
    let app = Arc::new(spawn_with(env.set("DATABASE_URL", &db)).await);
    let accepted = Arc::new(Mutex::new(Vec::<String>::new()));
    let statuses = Arc::new(Mutex::new(Vec::<u16>::new()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut writers = Vec::new();
    for _ in 0..16 {
        let (app, accepted, statuses, stop) = (
            app.clone(),
            accepted.clone(),
            statuses.clone(),
            stop.clone(),
        );
        writers.push(tokio::spawn(async move {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let Ok(res) = app
                    .client
                    .post(app.url("/api/v1/petitions"))
                    .json(&valid_body())
                    .send()
                    .await
                else {
                    continue;
                };
                let status = res.status().as_u16();
                if status == 503 {
                    assert!(
                        res.headers().contains_key("retry-after"),
                        "503 without Retry-After"
                    );
                }
                if status == 201 {
                    let v: Value = res.json().await.unwrap();
                    accepted
                        .lock()
                        .unwrap()
                        .push(v["tracking_code"].as_str().unwrap().to_owned());
                }
                statuses.lock().unwrap().push(status);
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    pg.restart_immediate().unwrap();
    tokio::time::sleep(Duration::from_secs(4)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for w in writers {
        w.await.unwrap();
    }
    let statuses = statuses.lock().unwrap().clone();
    let count = |code: u16| statuses.iter().filter(|s| **s == code).count();
    eprintln!(
        "during the restart: {} x 201, {} x 503, {} in all",
        count(201),
        count(503),
        statuses.len()
    );
    assert_eq!(
        statuses.iter().filter(|s| **s != 201 && **s != 503).count(),
        0,
        "only 201 and 503: {} x 500, {} in all",
        count(500),
        statuses.len()
    );
    // Recovered by itself: a submission after the restart is accepted.
    assert_eq!(app.post(&valid_body()).await.status().as_u16(), 201);
    assert_eq!(app.get("/readyz").await.status().as_u16(), 200);

    // Every acknowledged submission is stored and reaches the stream exactly once.
    let accepted = accepted.lock().unwrap().clone();
    assert!(
        accepted.len() > 100,
        "load ran: {} accepted",
        accepted.len()
    );
    // A submission whose commit the restart cut off may be stored although its client got a
    // 503 (it retries with its key): so the stream may hold more than was acknowledged, and
    // we read it until every acknowledged one is there.
    let mut at_least = accepted.len() + 1;
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let (published, codes) = loop {
        let published = doithoai_testkit::stream_messages(
            &app.env.namespace,
            "intake",
            ">",
            at_least,
            Duration::from_secs(20),
        )
        .await
        .unwrap();
        let codes: HashSet<String> = published
            .iter()
            .map(|m| {
                serde_json::from_slice::<Value>(&m.payload).unwrap()["data"]["tracking_code"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        if accepted.iter().all(|c| codes.contains(c)) || std::time::Instant::now() > deadline {
            break (published, codes);
        }
        at_least = published.len() + 1;
    };
    assert_eq!(published.len(), codes.len(), "nothing published twice");
    for code in &accepted {
        assert!(codes.contains(code), "acknowledged {code} was lost");
        let view = app.get(&format!("/api/v1/petitions/{code}")).await;
        assert_eq!(view.status().as_u16(), 200, "acknowledged {code} is stored");
    }
}
