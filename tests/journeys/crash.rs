use diesel::prelude::*;
use diesel::sql_types::BigInt;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use doithoai_journeys::{Service, submission};
use doithoai_testkit::TestEnv;
use serde_json::Value;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Submissions in flight, `kill -9` of intake, restart: every submission that got a 201 is
/// stored and reaches JetStream exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_submission_survives_kill_9_and_is_published_once() {
    let env = TestEnv::new()
        .set("INTAKE_WRITES_PER_MINUTE", "0")
        .set("INTAKE_READS_PER_MINUTE", "0")
        .set("HTTP_WORKERS", "2");
    let mut intake = Service::start("intake", env).unwrap();
    intake.ready(Duration::from_secs(30)).await.unwrap();

    let acknowledged = Arc::new(Mutex::new(HashSet::<String>::new()));
    let client = reqwest::Client::new();
    let mut workers = Vec::new();
    for w in 0..16 {
        let client = client.clone();
        let acknowledged = acknowledged.clone();
        let url = format!("{}/api/v1/petitions", intake.base());
        workers.push(tokio::spawn(async move {
            for i in 0..1000 {
                match client
                    .post(&url)
                    .json(&submission(w * 1000 + i))
                    .send()
                    .await
                {
                    Ok(r) if r.status().as_u16() == 201 => {
                        if let Ok(v) = r.json::<Value>().await
                            && let Some(code) = v["tracking_code"].as_str()
                        {
                            acknowledged.lock().unwrap().insert(code.to_owned());
                        }
                    }
                    _ => break, // the server died under us
                }
            }
        }));
    }
    // Let some land, then kill -9 in the middle of the flow.
    for _ in 0..200 {
        if acknowledged.lock().unwrap().len() >= 150 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    intake.kill9();
    for w in workers {
        let _ = w.await;
    }
    let acked: HashSet<String> = acknowledged.lock().unwrap().clone();
    assert!(
        acked.len() >= 100,
        "enough submissions were acknowledged before the kill ({})",
        acked.len()
    );

    intake.restart().unwrap();
    intake.ready(Duration::from_secs(30)).await.unwrap();
    for code in &acked {
        let r = client
            .get(format!("{}/api/v1/petitions/{code}", intake.base()))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200, "acknowledged {code} is stored");
    }

    let mut conn = AsyncPgConnection::establish(&intake.env.database_url)
        .await
        .unwrap();
    let stored: Count = diesel::sql_query("SELECT count(*) AS n FROM petitions")
        .get_result(&mut conn)
        .await
        .unwrap();
    let stored = stored.n as usize;
    assert!(stored >= acked.len());
    let msgs = doithoai_testkit::stream_messages(
        &intake.env.namespace,
        "intake",
        ">",
        stored,
        Duration::from_secs(30),
    )
    .await
    .unwrap();
    let published: Vec<String> = msgs
        .iter()
        .map(|m| {
            serde_json::from_slice::<Value>(&m.payload).unwrap()["data"]["tracking_code"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let unique: HashSet<String> = published.iter().cloned().collect();
    assert_eq!(published.len(), stored, "one event per stored submission");
    assert_eq!(unique.len(), stored, "none published twice");
    assert!(
        acked.is_subset(&unique),
        "every acknowledged submission reached JetStream"
    );
    let unpublished: Count = diesel::sql_query("SELECT count(*) AS n FROM outbox")
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(unpublished.n, 0);
}

/// SIGTERM lets in-flight work finish and exits cleanly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_intake_gracefully() {
    let mut intake = Service::start("intake", TestEnv::new()).unwrap();
    intake.ready(Duration::from_secs(30)).await.unwrap();
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/petitions", intake.base()))
        .json(&submission(1))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let status = intake.terminate().unwrap();
    assert!(status.success(), "exit status {status}");
}
