//! Scale-out: a 3-node JetStream cluster (R3 streams) and 2 replicas of every service.

use doithoai_journeys::{SERVICES, Service, platform_env, submission};
use doithoai_testkit::{NatsCluster, SmtpSink, unique_name};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The tracking code after "Mã tra cứu: " in an acknowledgement email.
fn acknowledged_code(text: &str) -> Option<String> {
    if !text.contains("đã tiếp nhận phản ánh") {
        return None;
    }
    let after = text.split_once("Mã tra cứu: ")?.1;
    Some(after.chars().take(13).collect())
}

/// Load on both intakes; mid-load `kill -9` of one NATS node and of one replica of each
/// service, which stay dead. Every submission that got its 201 is stored, published once,
/// routed once, and acknowledged by exactly one email.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killing_a_nats_node_and_a_replica_of_each_service_under_load_loses_and_doubles_nothing() {
    let mut cluster = NatsCluster::start(3).await.unwrap();
    let smtp = SmtpSink::start().unwrap();
    let ns = unique_name();
    let mut replicas: Vec<Vec<Service>> = Vec::new();
    for name in SERVICES {
        let mut pair = Vec::new();
        for _ in 0..2 {
            let env = platform_env(&ns, name, &smtp.url())
                .set("NATS_URL", &cluster.url())
                .set("NATS_REPLICAS", "3")
                .set("NOTIFICATION_SEND_LEASE_SECONDS", "5");
            pair.push(Service::start(name, env).unwrap());
        }
        for s in &pair {
            s.ready(Duration::from_secs(90)).await.unwrap();
        }
        replicas.push(pair);
    }
    let intakes: Vec<String> = replicas[0].iter().map(Service::base).collect();
    let js = async_nats::jetstream::new(async_nats::connect(cluster.node_url(2)).await.unwrap());
    for name in SERVICES {
        let stream = doithoai_contracts::subjects::stream_name(&ns, name);
        // Ready means the database answers; each service declares its stream once NATS does.
        let mut found = None;
        for _ in 0..300 {
            if let Ok(mut s) = js.get_stream(&stream).await
                && let Ok(info) = s.info().await
            {
                found = Some(info.clone());
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let info = found.unwrap_or_else(|| panic!("{stream} was declared"));
        assert_eq!(
            info.config.num_replicas, 3,
            "{stream} is replicated on three nodes"
        );
    }

    // Eight clients submit without pause, each submission with its own Idempotency-Key; a
    // client whose intake dies sends the same submission (same key) to the other one.
    let acknowledged = Arc::new(Mutex::new(HashMap::<String, String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let mut workers = Vec::new();
    for w in 0..8usize {
        let (client, intakes) = (client.clone(), intakes.clone());
        let (acknowledged, stop) = (acknowledged.clone(), stop.clone());
        workers.push(tokio::spawn(async move {
            let mut i = 0usize;
            while !stop.load(Ordering::Relaxed) {
                let n = w * 100_000 + i;
                let email = format!("cum.{n}@example.vn");
                let mut body = submission(n);
                body["submitter"]["email"] = Value::from(email.clone());
                let key = format!("cluster-{n}");
                for attempt in 0..20 {
                    let base = &intakes[(w + i + attempt) % intakes.len()];
                    let res = client
                        .post(format!("{base}/api/v1/petitions"))
                        .header("Idempotency-Key", &key)
                        .json(&body)
                        .send()
                        .await;
                    if let Ok(r) = res
                        && r.status().is_success()
                        && let Ok(v) = r.json::<Value>().await
                        && let Some(code) = v["tracking_code"].as_str()
                    {
                        acknowledged.lock().unwrap().insert(code.to_owned(), email);
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                i += 1;
            }
        }));
    }

    tokio::time::sleep(Duration::from_secs(5)).await;
    let before_kill = acknowledged.lock().unwrap().len();
    cluster.kill(0);
    for pair in &mut replicas {
        pair[0].kill9();
    }
    tokio::time::sleep(Duration::from_secs(8)).await;
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.await.unwrap();
    }
    let acked = acknowledged.lock().unwrap().clone();
    assert!(
        before_kill >= 50 && acked.len() > before_kill + 20,
        "submissions were acknowledged before ({before_kill}) and after ({}) the kills",
        acked.len()
    );

    // Everything reaches its end with one replica of each service and two NATS nodes left.
    let nats = cluster.node_url(1);
    let routed_once = |msgs: &[async_nats::jetstream::Message]| {
        let mut per_code = HashMap::<String, usize>::new();
        for m in msgs {
            let v: Value = serde_json::from_slice(&m.payload).unwrap();
            *per_code
                .entry(v["data"]["tracking_code"].as_str().unwrap_or("").to_owned())
                .or_default() += 1;
        }
        per_code
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    let (received, routed, mails) = loop {
        let received = doithoai_testkit::stream_messages_at(
            &nats,
            &ns,
            "intake",
            &format!("{ns}.intake.petition.received.>"),
            acked.len(),
            Duration::from_secs(1),
        )
        .await;
        let routed = doithoai_testkit::stream_messages_at(
            &nats,
            &ns,
            "routing",
            &format!("{ns}.routing.petition.routed.>"),
            acked.len(),
            Duration::from_secs(1),
        )
        .await;
        // A read during the cluster's leader elections may time out: read again.
        let (Ok(received), Ok(routed)) = (received, routed) else {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the streams stay unreadable"
            );
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        };
        let mut mails = HashMap::<String, Vec<String>>::new();
        for text in smtp.decoded() {
            if let Some(code) = acknowledged_code(&text) {
                mails.entry(code).or_default().push(text);
            }
        }
        let routed = routed_once(&routed);
        let done = acked
            .keys()
            .all(|c| routed.contains_key(c) && mails.contains_key(c));
        if done || tokio::time::Instant::now() > deadline {
            break (routed_once(&received), routed, mails);
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    };

    eprintln!(
        "cluster: {} submissions acknowledged, {before_kill} of them before the kills",
        acked.len()
    );
    for (code, email) in &acked {
        assert_eq!(received.get(code), Some(&1), "{code} was published once");
        assert_eq!(routed.get(code), Some(&1), "{code} was routed once");
        let sent = mails.get(code).map(Vec::as_slice).unwrap_or_default();
        assert_eq!(
            sent.len(),
            1,
            "{code} was acknowledged by exactly one email"
        );
        assert!(sent[0].contains(email.as_str()), "to its submitter");
    }
    assert!(
        received.values().all(|n| *n == 1) && routed.values().all(|n| *n == 1),
        "no petition, acknowledged or not, was published or routed twice"
    );
    assert!(
        mails.values().all(|m| m.len() == 1),
        "no acknowledgement email was sent twice"
    );
}
