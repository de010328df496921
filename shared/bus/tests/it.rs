//! The bus plumbing against real PostgreSQL and NATS: the outbox relay publishes each row once
//! with its id as Nats-Msg-Id, and the inbox makes a redelivered event take effect once.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

use async_nats::jetstream;
use diesel::QueryableByName;
use diesel::sql_query;
use diesel::sql_types::BigInt;
use diesel_async::{AsyncConnection, RunQueryDsl};
use doithoai_bus::consumer::{ConsumerSpec, Outcome};
use doithoai_bus::outbox::{NewMessage, Relay, Round};
use doithoai_bus::{BusConfig, inbox, outbox};
use doithoai_contracts::Envelope;
use doithoai_testkit::TestEnv;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

async fn setup() -> (TestEnv, doithoai_db::PgPool, jetstream::Context, BusConfig) {
    let env = TestEnv::new();
    doithoai_db::ensure_database(&env.database_url)
        .await
        .unwrap();
    doithoai_db::run_migrations(&env.database_url, doithoai_bus::MIGRATIONS)
        .await
        .unwrap();
    let pool = doithoai_db::pool(&env.database_url, 4).unwrap();
    let cfg = BusConfig {
        url: doithoai_testkit::nats_url(),
        namespace: env.namespace.clone(),
        replicas: 1,
        auth: Default::default(),
    };
    let client = doithoai_bus::connect(&cfg, "bus-test").await.unwrap();
    let js = jetstream::new(client);
    doithoai_bus::ensure_stream(&js, &cfg, "test")
        .await
        .unwrap();
    (env, pool, js, cfg)
}

/// The `n` of a [`message`]'s payload.
fn n_of(payload: &[u8]) -> u64 {
    serde_json::from_slice::<serde_json::Value>(payload).unwrap()["data"]["n"]
        .as_u64()
        .unwrap()
}

fn message(cfg: &BusConfig, n: u32) -> NewMessage {
    let e = Envelope::new("thing.happened", "phuong-lang", serde_json::json!({"n": n}));
    NewMessage::new(
        format!("{}.test.thing.happened.phuong-lang", cfg.namespace),
        &e,
        Some("4bf92f3577b34da6a3ce929d0e0e4736".into()),
    )
    .unwrap()
}

#[tokio::test]
async fn relay_publishes_each_outbox_row_once_with_its_event_id_as_msg_id() {
    let (env, pool, js, cfg) = setup().await;
    let rows: Vec<NewMessage> = (0..10).map(|n| message(&cfg, n)).collect();
    let mut conn = pool.get().await.unwrap();
    outbox::enqueue(&mut conn, &rows).await.unwrap();
    drop(conn);
    let relay = Relay::new(
        pool.clone(),
        js.clone(),
        prometheus::IntCounter::new("x", "x").unwrap(),
    );
    assert_eq!(relay.publish_batch().await.unwrap(), Round::Published(10));
    assert_eq!(
        relay.publish_batch().await.unwrap(),
        Round::Published(0),
        "nothing is published twice"
    );
    assert_eq!(outbox::backlog(&pool).await, Some(0));
    let msgs =
        doithoai_testkit::stream_messages(&env.namespace, "test", ">", 10, Duration::from_secs(5))
            .await
            .unwrap();
    assert_eq!(msgs.len(), 10);
    for (m, row) in msgs.iter().zip(&rows) {
        let h = m.headers.as_ref().unwrap();
        assert_eq!(h.get("Nats-Msg-Id").unwrap().as_str(), row.id.to_string());
        assert!(
            h.get("traceparent")
                .unwrap()
                .as_str()
                .starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-")
        );
    }
}

#[tokio::test]
async fn republishing_a_row_after_a_crash_is_dropped_by_jetstream() {
    let (env, pool, js, cfg) = setup().await;
    let row = message(&cfg, 1);
    let mut conn = pool.get().await.unwrap();
    outbox::enqueue(&mut conn, std::slice::from_ref(&row))
        .await
        .unwrap();
    let relay = Relay::new(
        pool.clone(),
        js.clone(),
        prometheus::IntCounter::new("x", "x").unwrap(),
    );
    assert_eq!(relay.publish_batch().await.unwrap(), Round::Published(1));
    // As if the process died after the ack but before deleting the row: the row is there again.
    outbox::enqueue(&mut conn, std::slice::from_ref(&row))
        .await
        .unwrap();
    assert_eq!(relay.publish_batch().await.unwrap(), Round::Published(1));
    let msgs =
        doithoai_testkit::stream_messages(&env.namespace, "test", ">", 2, Duration::from_secs(2))
            .await
            .unwrap();
    assert_eq!(msgs.len(), 1);
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[tokio::test]
async fn redelivered_event_takes_effect_once_thanks_to_the_inbox() {
    let (env, pool, js, cfg) = setup().await;
    let mut conn = pool.get().await.unwrap();
    sql_query("CREATE TABLE effects (event_id UUID NOT NULL)")
        .execute(&mut conn)
        .await
        .unwrap();
    outbox::enqueue(&mut conn, &[message(&cfg, 7)])
        .await
        .unwrap();
    drop(conn);
    let relay = Relay::new(
        pool.clone(),
        js.clone(),
        prometheus::IntCounter::new("x", "x").unwrap(),
    );
    relay.publish_batch().await.unwrap();

    let spec = ConsumerSpec {
        stream: doithoai_contracts::subjects::stream_name(&env.namespace, "test"),
        durable: "effects".into(),
        filter_subjects: vec![format!("{}.test.>", env.namespace)],
        max_deliver: 5,
        ack_wait: Duration::from_secs(5),
        batch: 16,
    };
    let deliveries = Arc::new(AtomicUsize::new(0));
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let handler = {
        let pool = pool.clone();
        let deliveries = deliveries.clone();
        move |batch: Vec<jetstream::Message>| {
            let pool = pool.clone();
            let deliveries = deliveries.clone();
            async move {
                let mut out = Vec::new();
                for msg in batch {
                    let n = deliveries.fetch_add(1, Ordering::SeqCst);
                    let envelope: Envelope<serde_json::Value> =
                        match serde_json::from_slice(&msg.payload) {
                            Ok(e) => e,
                            Err(_) => {
                                out.push((msg, Outcome::Term));
                                continue;
                            }
                        };
                    let mut conn = pool.get().await.unwrap();
                    conn.transaction::<_, diesel::result::Error, _>(async |c| {
                        if inbox::record(c, "effects", envelope.id).await? {
                            sql_query("INSERT INTO effects VALUES ($1)")
                                .bind::<diesel::sql_types::Uuid, _>(envelope.id)
                                .execute(c)
                                .await?;
                        }
                        Ok(())
                    })
                    .await
                    .unwrap();
                    // The first delivery "loses" its ack after committing, so it comes again.
                    let outcome = if n == 0 {
                        Outcome::Retry
                    } else {
                        Outcome::Done
                    };
                    out.push((msg, outcome));
                }
                out
            }
        }
    };
    let task = tokio::spawn(doithoai_bus::consumer::run(
        js.clone(),
        spec,
        handler,
        stop_rx,
    ));
    for _ in 0..100 {
        if AtomicUsize::load(&deliveries, Ordering::SeqCst) >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop_tx.send(true).unwrap();
    task.await.unwrap();
    assert!(
        AtomicUsize::load(&deliveries, Ordering::SeqCst) >= 2,
        "the event was redelivered"
    );
    let mut conn = pool.get().await.unwrap();
    let c: Count = sql_query("SELECT count(*) AS n FROM effects")
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(c.n, 1);
}

#[tokio::test]
async fn a_row_that_can_never_be_published_is_set_aside_and_the_rows_after_it_go_on() {
    let (env, pool, js, cfg) = setup().await;
    let mut too_big = message(&cfg, 1);
    // Larger than the server's largest message (1 MiB by default).
    too_big.payload = format!("{{\"pad\":\"{}\"}}", "x".repeat(2 * 1024 * 1024));
    let mut bad_subject = message(&cfg, 2);
    bad_subject.subject = format!("{}.test.thing.happened.phuong lang", cfg.namespace);
    let after: Vec<NewMessage> = (3..6).map(|n| message(&cfg, n)).collect();
    let mut conn = pool.get().await.unwrap();
    outbox::enqueue(&mut conn, &[too_big, bad_subject])
        .await
        .unwrap();
    outbox::enqueue(&mut conn, &after).await.unwrap();
    drop(conn);
    let relay = Relay::new(
        pool.clone(),
        js.clone(),
        prometheus::IntCounter::new("x", "x").unwrap(),
    );
    assert_eq!(relay.publish_batch().await.unwrap(), Round::Published(5));
    assert_eq!(
        outbox::backlog(&pool).await,
        Some(0),
        "nothing left to publish"
    );
    assert_eq!(outbox::parked(&pool).await, Some(2), "both set aside");
    let msgs =
        doithoai_testkit::stream_messages(&env.namespace, "test", ">", 4, Duration::from_secs(3))
            .await
            .unwrap();
    assert_eq!(msgs.len(), 3, "the rows after them were published");
    // Still set aside on the next round (not retried forever, not blocking).
    assert_eq!(relay.publish_batch().await.unwrap(), Round::Published(0));
    assert_eq!(outbox::parked(&pool).await, Some(2));
}

#[tokio::test]
async fn two_replicas_publish_one_at_a_time_in_commit_order() {
    let (env, pool, js, cfg) = setup().await;
    let rows: Vec<NewMessage> = (0..600).map(|n| message(&cfg, n)).collect();
    let mut conn = pool.get().await.unwrap();
    outbox::enqueue(&mut conn, &rows).await.unwrap();
    drop(conn);
    let relay = |_: u8| {
        Relay::new(
            pool.clone(),
            js.clone(),
            prometheus::IntCounter::new("x", "x").unwrap(),
        )
    };
    let (a, b) = (relay(1), relay(2));
    // Both replicas publish at once until the outbox is empty.
    let drain = |r: Relay| {
        let pool = pool.clone();
        async move {
            for _ in 0..200 {
                if outbox::backlog(&pool).await == Some(0) {
                    break;
                }
                let _ = r.publish_batch().await.unwrap();
            }
        }
    };
    tokio::join!(drain(a), drain(b));
    let msgs = doithoai_testkit::stream_messages(
        &env.namespace,
        "test",
        ">",
        600,
        Duration::from_secs(10),
    )
    .await
    .unwrap();
    assert_eq!(msgs.len(), 600);
    let order: Vec<u64> = msgs.iter().map(|m| n_of(&m.payload)).collect();
    assert_eq!(
        order,
        (0..600).collect::<Vec<u64>>(),
        "the stream holds them in commit order"
    );
}

/// The inbox keeps a row longer than a stream keeps its event, and no longer.
#[tokio::test]
async fn inbox_rows_older_than_the_retention_are_purged_and_younger_ones_kept() {
    use diesel_async::RunQueryDsl;
    let (_env, pool, _js, _cfg) = setup().await;
    let mut conn = pool.get().await.unwrap();
    let (old, recent, edge) = (
        uuid::Uuid::now_v7(),
        uuid::Uuid::now_v7(),
        uuid::Uuid::now_v7(),
    );
    diesel::sql_query(
        "INSERT INTO inbox (consumer, event_id, processed_at) VALUES \
         ('c', $1, now() - interval '200 days'), ('c', $2, now() - interval '1 day'), \
         ('c', $3, now() - interval '60 days')",
    )
    .bind::<diesel::sql_types::Uuid, _>(old)
    .bind::<diesel::sql_types::Uuid, _>(recent)
    .bind::<diesel::sql_types::Uuid, _>(edge)
    .execute(&mut conn)
    .await
    .unwrap();
    // A retention shorter than the streams' is raised to it: the 60-day row stays.
    assert_eq!(doithoai_bus::inbox::purge(&mut conn, 30).await.unwrap(), 1);
    assert_eq!(
        doithoai_bus::inbox::purge(&mut conn, doithoai_bus::inbox::RETENTION_DAYS)
            .await
            .unwrap(),
        0
    );
    assert!(
        !doithoai_bus::inbox::record(&mut conn, "c", recent)
            .await
            .unwrap()
    );
    assert!(
        !doithoai_bus::inbox::record(&mut conn, "c", edge)
            .await
            .unwrap()
    );
    assert!(
        doithoai_bus::inbox::record(&mut conn, "c", old)
            .await
            .unwrap()
    );
}

/// Batches of any size write the outbox and the inbox with one prepared statement each (arrays,
/// not a `VALUES` list per size), and the outbox keeps the order of the slice.
#[tokio::test]
async fn outbox_and_inbox_batches_of_any_size_reuse_one_prepared_statement_in_order() {
    let (_env, pool, _js, cfg) = setup().await;
    let mut conn = pool.get().await.unwrap();
    for n in [1u32, 3, 7] {
        let rows: Vec<NewMessage> = (0..n).map(|i| message(&cfg, i)).collect();
        outbox::enqueue(&mut conn, &rows).await.unwrap();
        let ids: Vec<uuid::Uuid> = rows.iter().map(|m| m.id).collect();
        let fresh = inbox::record_many(&mut conn, "prepared-test", &ids)
            .await
            .unwrap();
        assert_eq!(fresh.len(), n as usize);
        // Recorded before: nothing is fresh the second time.
        let again = inbox::record_many(&mut conn, "prepared-test", &ids)
            .await
            .unwrap();
        assert!(again.is_empty());
    }
    for table in ["outbox", "inbox"] {
        let prepared: Count = sql_query(format!(
            "SELECT count(*) AS n FROM pg_prepared_statements \
             WHERE statement LIKE 'INSERT INTO {table} %'"
        ))
        .get_result(&mut conn)
        .await
        .unwrap();
        assert_eq!(prepared.n, 1, "prepared inserts into {table}");
    }
    #[derive(QueryableByName)]
    struct Payload {
        #[diesel(sql_type = diesel::sql_types::Text)]
        payload: String,
    }
    let rows: Vec<Payload> = sql_query("SELECT payload FROM outbox ORDER BY seq")
        .load(&mut conn)
        .await
        .unwrap();
    let order: Vec<u64> = rows.iter().map(|r| n_of(r.payload.as_bytes())).collect();
    assert_eq!(order, [0, 0, 1, 2, 0, 1, 2, 3, 4, 5, 6]);
}
