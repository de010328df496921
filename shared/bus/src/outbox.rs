//! The transactional outbox and its relay.
//!
//! A service calls [`enqueue`] inside the transaction that changes its state; after commit it
//! may call [`RelayHandle::wake`] so the relay publishes at once. The relay also polls every
//! [`POLL_INTERVAL`], so a replica that did not write the row (or a restarted process) still
//! publishes it. PostgreSQL `LISTEN/NOTIFY` is not used to wake it: `NOTIFY` takes a global lock
//! at commit, which would serialise the grouped commits intake relies on under load.
//!
//! Rows are claimed with `FOR UPDATE SKIP LOCKED`, so several replicas share the work; a row is
//! deleted only after JetStream acknowledged it (the stream keeps the event; the table stays
//! small, so the claim is a plain primary-key scan). A crash between the ack and the delete
//! republishes the row, and JetStream drops it by its `Nats-Msg-Id` within the stream's
//! duplicate window: at-least-once delivery to the stream, exactly-once in it.

use crate::schema::outbox;
use async_nats::jetstream;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use doithoai_db::PgPool;
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, watch};
use uuid::Uuid;

/// How often the relay looks for rows when nobody woke it.
pub const POLL_INTERVAL: Duration = Duration::from_millis(500);
/// Rows claimed per relay transaction.
pub const BATCH: i64 = 256;

/// An event ready to be written to the outbox.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = outbox)]
pub struct NewMessage {
    pub id: Uuid,
    pub subject: String,
    pub payload: String,
    pub trace_id: Option<String>,
}

impl NewMessage {
    /// Serialises `envelope` for `subject`; the envelope's id becomes the message id.
    pub fn new<T: Serialize>(
        subject: String,
        envelope: &doithoai_contracts::Envelope<T>,
        trace_id: Option<String>,
    ) -> Result<Self, serde_json::Error> {
        Ok(Self {
            id: envelope.id,
            subject,
            payload: serde_json::to_string(envelope)?,
            trace_id,
        })
    }
}

/// Writes messages to the outbox on `conn`, which should be inside the caller's transaction.
pub async fn enqueue(conn: &mut AsyncPgConnection, messages: &[NewMessage]) -> QueryResult<usize> {
    if messages.is_empty() {
        return Ok(0);
    }
    diesel::insert_into(outbox::table)
        .values(messages)
        .execute(conn)
        .await
}

/// Messages not yet acknowledged by JetStream: the `<service>_outbox_backlog_messages` gauge,
/// computed when Prometheus scrapes.
pub async fn backlog(pool: &PgPool) -> Option<i64> {
    let mut conn = pool.get().await.ok()?;
    outbox::table.count().get_result(&mut conn).await.ok()
}

/// Wakes the relay after a commit.
#[derive(Clone, Default)]
pub struct RelayHandle {
    notify: Arc<Notify>,
}

impl RelayHandle {
    pub fn wake(&self) {
        self.notify.notify_one();
    }
}

/// Publishes outbox rows to JetStream.
pub struct Relay {
    pool: PgPool,
    js: jetstream::Context,
    handle: RelayHandle,
    published: prometheus::IntCounter,
    before_publish: Option<
        Box<dyn Fn() -> futures_util::future::BoxFuture<'static, anyhow::Result<()>> + Send + Sync>,
    >,
}

#[derive(Queryable)]
struct Row {
    seq: i64,
    id: Uuid,
    subject: String,
    payload: String,
    trace_id: Option<String>,
}

impl Relay {
    /// `published` counts messages JetStream acknowledged
    /// (`<service>_outbox_published_total`).
    pub fn new(pool: PgPool, js: jetstream::Context, published: prometheus::IntCounter) -> Self {
        Self {
            pool,
            js,
            handle: RelayHandle::default(),
            published,
            before_publish: None,
        }
    }

    /// Runs `f` before each publishing round until it succeeds (used to reconcile the stream
    /// once NATS is reachable, so a service can start while NATS is down).
    pub fn before_publish<F, Fut>(mut self, f: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = anyhow::Result<()>> + Send + 'static,
    {
        self.before_publish = Some(Box::new(move || Box::pin(f())));
        self
    }

    pub fn handle(&self) -> RelayHandle {
        self.handle.clone()
    }

    /// Publishes until `stop` turns true. Errors (NATS or PostgreSQL away) are logged and
    /// retried with backoff up to 5 s; nothing is lost, since rows stay until acknowledged.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        let mut ready = self.before_publish.is_none();
        let mut backoff = Duration::from_millis(100);
        loop {
            if *stop.borrow() {
                break;
            }
            if !ready && let Some(f) = &self.before_publish {
                match f().await {
                    Ok(()) => ready = true,
                    Err(e) => {
                        tracing::warn!(error = %e, "outbox relay not ready: {e:#}");
                        if sleep_or_stop(&mut stop, backoff).await {
                            break;
                        }
                        backoff = (backoff * 2).min(Duration::from_secs(5));
                        continue;
                    }
                }
            }
            match self.publish_batch().await {
                Ok(0) => {
                    backoff = Duration::from_millis(100);
                    tokio::select! {
                        _ = self.handle.notify.notified() => {}
                        _ = tokio::time::sleep(POLL_INTERVAL) => {}
                        _ = stop.changed() => {}
                    }
                }
                Ok(n) => {
                    backoff = Duration::from_millis(100);
                    tracing::debug!(count = n, "published {n} outbox messages");
                }
                Err(e) => {
                    tracing::warn!(error = %e, retry_in_ms = backoff.as_millis() as u64,
                        "outbox relay could not publish: {e:#}");
                    if sleep_or_stop(&mut stop, backoff).await {
                        break;
                    }
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                }
            }
        }
        tracing::info!("outbox relay stopped");
    }

    /// Claims up to [`BATCH`] rows, publishes them in order, waits for every ack, and deletes
    /// them, all in one transaction. Returns how many were published.
    pub async fn publish_batch(&self) -> anyhow::Result<usize> {
        let mut conn = self.pool.get().await?;
        let js = self.js.clone();
        let published = conn
            .transaction::<usize, anyhow::Error, _>(async |conn| {
                let rows: Vec<Row> = outbox::table
                    .order(outbox::seq)
                    .limit(BATCH)
                    .select((
                        outbox::seq,
                        outbox::id,
                        outbox::subject,
                        outbox::payload,
                        outbox::trace_id,
                    ))
                    .for_update()
                    .skip_locked()
                    .load(conn)
                    .await?;
                if rows.is_empty() {
                    return Ok(0);
                }
                let mut acks = Vec::with_capacity(rows.len());
                for row in &rows {
                    let mut msg = jetstream::message::PublishMessage::build()
                        .payload(bytes::Bytes::from(row.payload.clone()))
                        .message_id(row.id.to_string());
                    if let Some(trace) = &row.trace_id {
                        msg = msg.header(
                            "traceparent",
                            doithoai_telemetry::traceparent(trace).as_str(),
                        );
                    }
                    acks.push(js.send_publish(row.subject.clone(), msg).await?);
                }
                for ack in acks {
                    ack.await?;
                }
                // Acknowledged rows leave the outbox: JetStream holds them now.
                let seqs: Vec<i64> = rows.iter().map(|r| r.seq).collect();
                diesel::delete(outbox::table.filter(outbox::seq.eq_any(&seqs)))
                    .execute(conn)
                    .await?;
                Ok(rows.len())
            })
            .await?;
        self.published.inc_by(published as u64);
        Ok(published)
    }
}

/// Sleeps for `d`; returns true when `stop` turned true meanwhile.
async fn sleep_or_stop(stop: &mut watch::Receiver<bool>, d: Duration) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(d) => false,
        _ = stop.changed() => *stop.borrow(),
    }
}
