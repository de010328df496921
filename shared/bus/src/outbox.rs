//! The transactional outbox and its relay.
//!
//! A service calls [`enqueue`] inside the transaction that changes its state; after commit it
//! may call [`RelayHandle::wake`] so the relay publishes at once. The relay also polls every
//! [`POLL_INTERVAL`], so a replica that did not write the row (or a restarted process) still
//! publishes it. PostgreSQL `LISTEN/NOTIFY` is not used to wake it: `NOTIFY` takes a global lock
//! at commit, which would serialise the grouped commits intake relies on under load.
//!
//! One replica publishes at a time (a transaction-scoped advisory lock), so events leave in the
//! order they were committed; the others take over when it stops. A row is
//! deleted only after JetStream acknowledged it (the stream keeps the event; the table stays
//! small, so the claim is a plain primary-key scan). A crash between the ack and the delete
//! republishes the row, and JetStream drops it by its `Nats-Msg-Id` within the stream's
//! duplicate window: at-least-once delivery to the stream, exactly-once in it.

use crate::schema::outbox;
use async_nats::jetstream;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use doithoai_db::{PgPool, Prepared, column};
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
#[derive(Debug, Clone)]
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

/// The event `name` of `unit` on `stream` (a service's own) of namespace `ns`, ready for the
/// outbox: its envelope, its subject, and its trace — the one being served (the request's, or
/// the event's that caused it), else a new one — so every event carries `traceparent`. The one
/// way services build events.
pub fn event<T: Serialize>(
    ns: &str,
    stream: &str,
    name: &str,
    unit: &str,
    data: T,
) -> Result<NewMessage, serde_json::Error> {
    let envelope = doithoai_contracts::Envelope::new(name, unit, data);
    let trace =
        doithoai_telemetry::current_trace_id().unwrap_or_else(doithoai_telemetry::new_trace_id);
    NewMessage::new(
        doithoai_contracts::subjects::subject(ns, stream, name, unit),
        &envelope,
        Some(trace),
    )
}

/// Writes messages to the outbox on `conn`, which should be inside the caller's transaction.
pub async fn enqueue(conn: &mut AsyncPgConnection, messages: &[NewMessage]) -> QueryResult<usize> {
    if messages.is_empty() {
        return Ok(0);
    }
    // Arrays, not a multi-row VALUES: one statement text for every batch size, so PostgreSQL
    // keeps it prepared. `unnest` yields the rows in order, so `seq` follows the slice.
    use diesel::sql_types::{Array, Nullable, Text};
    Prepared(
        diesel::sql_query(
            "INSERT INTO outbox (id, subject, payload, trace_id) \
             SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[])",
        )
        .bind::<Array<diesel::sql_types::Uuid>, _>(column(messages, |m| m.id))
        .bind::<Array<Text>, _>(column(messages, |m| m.subject.as_str()))
        .bind::<Array<Text>, _>(column(messages, |m| m.payload.as_str()))
        .bind::<Array<Nullable<Text>>, _>(column(messages, |m| m.trace_id.as_deref())),
    )
    .execute(conn)
    .await
}

/// Messages not yet acknowledged by JetStream: the `<service>_outbox_backlog_messages` gauge,
/// computed when Prometheus scrapes.
pub async fn backlog(pool: &PgPool) -> Option<i64> {
    let mut conn = pool.get().await.ok()?;
    outbox::table
        .filter(outbox::parked_at.is_null())
        .count()
        .get_result(&mut conn)
        .await
        .ok()
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
                Ok(Round::Busy) => {
                    // Another replica holds the lock: look again soon, so rows this replica
                    // wrote are not left for a whole poll interval.
                    if sleep_or_stop(&mut stop, Duration::from_millis(25)).await {
                        break;
                    }
                }
                Ok(Round::Published(0)) => {
                    backoff = Duration::from_millis(100);
                    tokio::select! {
                        _ = self.handle.notify.notified() => {}
                        _ = tokio::time::sleep(POLL_INTERVAL) => {}
                        _ = stop.changed() => {}
                    }
                }
                Ok(Round::Published(n)) => {
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

    /// Publishes the oldest unpublished rows (up to [`BATCH`]) in order and deletes those
    /// JetStream acknowledged, all in one transaction. One replica publishes at a time (an
    /// advisory lock), so events leave in the order they were committed. A row that can never
    /// be published (larger than the server takes, a subject NATS refuses) is parked with the
    /// reason and the rows after it go on. Returns what happened.
    pub async fn publish_batch(&self) -> anyhow::Result<Round> {
        let mut conn = self.pool.get().await?;
        let js = self.js.clone();
        let max_payload = js.client().server_info().max_payload;
        let round = conn
            .transaction::<Round, anyhow::Error, _>(async |conn| {
                // The relay's own commit need not wait for the WAL to reach the disk: if a crash
                // loses it, its rows come back and are published again under the same message
                // ids, which the streams drop as duplicates (30-minute window). The rows it
                // relays were committed durably by the transactions that wrote them.
                // Its statements stay prepared, and their plans read the outbox by its index
                // whatever the statistics say: the outbox is a queue, empty most of the time
                // and holding a backlog after an outage or under a burst. A plan made while it
                // was empty (a sequential scan) would read the whole backlog for every batch
                // and leave the relay ever further behind.
                let locked: Locked = Prepared(
                    diesel::sql_query(
                        "SELECT pg_try_advisory_xact_lock($1) AS locked \
                         FROM (SELECT set_config('synchronous_commit', 'off', true), \
                                      set_config('enable_seqscan', 'off', true)) AS s",
                    )
                    .bind::<diesel::sql_types::BigInt, _>(RELAY_LOCK),
                )
                .get_result(conn)
                .await?;
                if !locked.locked {
                    return Ok(Round::Busy);
                }
                // No row locks: the advisory lock already makes this the only relay, and
                // writers only insert. (Locking each row would write it once more.)
                let rows: Vec<Row> = outbox::table
                    .filter(outbox::parked_at.is_null())
                    .order(outbox::seq)
                    .limit(BATCH)
                    .select((
                        outbox::seq,
                        outbox::id,
                        outbox::subject,
                        outbox::payload,
                        outbox::trace_id,
                    ))
                    .load(conn)
                    .await?;
                if rows.is_empty() {
                    return Ok(Round::Published(0));
                }
                let mut parked: Vec<(i64, String)> = Vec::new();
                let mut sent = Vec::with_capacity(rows.len());
                let mut failure: Option<anyhow::Error> = None;
                for row in &rows {
                    if let Err(reason) = publishable(row, max_payload) {
                        parked.push((row.seq, reason));
                        continue;
                    }
                    let mut msg = jetstream::message::PublishMessage::build()
                        .payload(bytes::Bytes::from(row.payload.clone()))
                        .message_id(row.id.to_string());
                    if let Some(trace) = &row.trace_id {
                        msg = msg.header(
                            "traceparent",
                            doithoai_telemetry::traceparent(trace).as_str(),
                        );
                    }
                    match js.send_publish(row.subject.clone(), msg).await {
                        Ok(ack) => sent.push((row.seq, ack)),
                        Err(e) => {
                            failure = Some(e.into());
                            break;
                        }
                    }
                }
                let mut done: Vec<i64> = Vec::with_capacity(sent.len());
                for (seq, ack) in sent {
                    match ack.await {
                        Ok(_) => done.push(seq),
                        Err(e) if permanent(&e) => parked.push((seq, e.to_string())),
                        Err(e) => {
                            failure.get_or_insert_with(|| e.into());
                        }
                    }
                }
                // Acknowledged rows leave the outbox: JetStream holds them now.
                diesel::delete(outbox::table.filter(outbox::seq.eq_any(&done)))
                    .execute(conn)
                    .await?;
                for (seq, reason) in &parked {
                    tracing::error!(outbox.seq = seq, reason = %reason,
                        "outbox row {seq} can never be published and is set aside: {reason}");
                    diesel::update(outbox::table.filter(outbox::seq.eq(seq)))
                        .set((
                            outbox::parked_at.eq(diesel::dsl::now),
                            outbox::park_reason.eq(reason),
                        ))
                        .execute(conn)
                        .await?;
                }
                self.published.inc_by(done.len() as u64);
                match failure {
                    // Keep what was done; the rest is retried by the caller after a pause.
                    Some(e) if done.is_empty() && parked.is_empty() => Err(e),
                    Some(e) => {
                        tracing::warn!(error = %e, "outbox relay: part of a batch failed, retrying: {e}");
                        Ok(Round::Published(done.len() + parked.len()))
                    }
                    None => Ok(Round::Published(done.len() + parked.len())),
                }
            })
            .await?;
        Ok(round)
    }
}

/// What one relay round did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Round {
    /// Rows published (or set aside); 0 when the outbox was empty.
    Published(usize),
    /// Another replica is publishing.
    Busy,
}

/// The advisory lock key that makes one replica of a service publish at a time (each service
/// has a database of its own, so one key serves all).
const RELAY_LOCK: i64 = 0x000D_0171_10A1;

#[derive(diesel::QueryableByName)]
struct Locked {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    locked: bool,
}

/// Whether a row can ever be published: its subject must be valid and it must fit the server's
/// largest message.
fn publishable(row: &Row, max_payload: usize) -> Result<(), String> {
    let subject_ok = !row.subject.is_empty()
        && row.subject.split('.').all(|t| {
            !t.is_empty() && t != "*" && t != ">" && t.chars().all(|c| c.is_ascii_graphic())
        });
    if !subject_ok {
        return Err(format!("invalid subject {:?}", row.subject));
    }
    // Headers (message id, traceparent) take a few hundred bytes besides the payload.
    if max_payload > 0 && row.payload.len() + 512 > max_payload {
        return Err(format!(
            "payload of {} bytes exceeds the server's limit of {max_payload}",
            row.payload.len()
        ));
    }
    Ok(())
}

/// Whether JetStream refused a message for good (as opposed to a timeout or a lost connection).
fn permanent(e: &jetstream::context::PublishError) -> bool {
    use jetstream::context::PublishErrorKind;
    matches!(
        e.kind(),
        PublishErrorKind::MaxPayloadExceeded
            | PublishErrorKind::WrongLastMessageId
            | PublishErrorKind::WrongLastSequence
    )
}

/// Rows set aside because they can never be published: `<service>_outbox_parked_messages`.
pub async fn parked(pool: &PgPool) -> Option<i64> {
    let mut conn = pool.get().await.ok()?;
    outbox::table
        .filter(outbox::parked_at.is_not_null())
        .count()
        .get_result(&mut conn)
        .await
        .ok()
}

/// Sleeps for `d`; returns true when `stop` turned true meanwhile.
async fn sleep_or_stop(stop: &mut watch::Receiver<bool>, d: Duration) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(d) => false,
        _ = stop.changed() => *stop.borrow(),
    }
}
