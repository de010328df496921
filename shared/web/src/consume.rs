//! Applying a consumer's messages: each batch in one transaction with the inbox, one message
//! at a time when the batch fails, dead letters for what can never apply (see
//! [`Core::consume`]).

use crate::Core;
use async_nats::jetstream;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use doithoai_bus::consumer::Outcome;
use futures_util::future::BoxFuture;
use tracing::Instrument;

/// Applies batches of one consumer's messages (see [`Core::consume`]).
pub(crate) struct Applier<T, A> {
    pub(crate) core: Core,
    pub(crate) durable: String,
    pub(crate) apply: A,
    /// Events for which this is false change nothing: acknowledged without a transaction.
    pub(crate) relevant: Option<Relevant<T>>,
    pub(crate) _t: std::marker::PhantomData<fn() -> T>,
}

tokio::task_local! {
    /// What a handler asked to run once its transaction commits ([`after_commit`]).
    static COMMITTED: std::cell::RefCell<Vec<Box<dyn FnOnce() + Send>>>;
}

/// Runs `f` once the consumer transaction the calling handler runs in has committed, and never
/// if it rolls back (a failed batch is applied again one event at a time, each with hooks of
/// its own). Outside a consumer's transaction, `f` runs at once. For work that must not start
/// before the handler's rows are durable: notification hands the messages a batch owes to its
/// sender this way.
pub fn after_commit(f: impl FnOnce() + Send + 'static) {
    let mut f = Some(f);
    let _ = COMMITTED.try_with(|hooks| {
        if let Some(f) = f.take() {
            hooks.borrow_mut().push(Box::new(f));
        }
    });
    if let Some(f) = f {
        f();
    }
}

/// Runs `tx` (a consumer's transaction) with room for [`after_commit`] hooks, then the hooks
/// when it succeeded.
async fn with_hooks<R, E>(tx: impl Future<Output = Result<R, E>>) -> Result<R, E> {
    let (result, hooks) = COMMITTED
        .scope(std::cell::RefCell::new(Vec::new()), async {
            let result = tx.await;
            (result, COMMITTED.with(|hooks| hooks.take()))
        })
        .await;
    if result.is_ok() {
        for hook in hooks {
            hook();
        }
    }
    result
}

/// Tells, from an event alone, whether its handler would change anything (see
/// [`Core::consume_if`]).
pub type Relevant<T> = fn(&doithoai_contracts::Envelope<T>) -> bool;

/// How a consumer's new events are applied inside the batch transaction.
pub(crate) trait Apply<T>: Send + Sync {
    fn apply<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        durable: &'a str,
        events: Vec<(String, doithoai_contracts::Envelope<T>)>,
    ) -> BoxFuture<'a, Result<(), ConsumeError>>;
}

/// A handler called once per event, each in a span with the event's trace id.
pub(crate) struct PerMessage<C, H> {
    pub(crate) ctx: C,
    pub(crate) handler: H,
}

impl<T, C, H> Apply<T> for PerMessage<C, H>
where
    T: Send + 'static,
    C: Send + Sync + 'static,
    H: for<'a> Fn(
            &'a mut AsyncPgConnection,
            &'a C,
            doithoai_contracts::Envelope<T>,
        ) -> BoxFuture<'a, Result<(), ConsumeError>>
        + Send
        + Sync
        + 'static,
{
    fn apply<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        durable: &'a str,
        events: Vec<(String, doithoai_contracts::Envelope<T>)>,
    ) -> BoxFuture<'a, Result<(), ConsumeError>> {
        Box::pin(async move {
            for (trace_id, envelope) in events {
                let span = tracing::info_span!("event", trace_id = %trace_id, event = %envelope.event, consumer = %durable);
                doithoai_telemetry::join_trace(&span, &trace_id, None);
                doithoai_telemetry::in_trace(
                    trace_id,
                    (self.handler)(&mut *conn, &self.ctx, envelope).instrument(span),
                )
                .await?;
            }
            Ok(())
        })
    }
}

/// A handler called once with every new event of the batch.
pub(crate) struct Batched<C, H> {
    pub(crate) ctx: C,
    pub(crate) handler: H,
}

impl<T, C, H> Apply<T> for Batched<C, H>
where
    T: Send + 'static,
    C: Send + Sync + 'static,
    H: for<'a> Fn(
            &'a mut AsyncPgConnection,
            &'a C,
            Vec<doithoai_contracts::Envelope<T>>,
        ) -> BoxFuture<'a, Result<(), ConsumeError>>
        + Send
        + Sync
        + 'static,
{
    fn apply<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        durable: &'a str,
        events: Vec<(String, doithoai_contracts::Envelope<T>)>,
    ) -> BoxFuture<'a, Result<(), ConsumeError>> {
        let traces: Vec<String> = events.iter().map(|(t, _)| t.clone()).collect();
        let span = tracing::info_span!("events", count = events.len(), trace_ids = %traces.join(","), consumer = %durable);
        // For the trace export (only then): one span per event, in its own trace, lasting as
        // long as the batch that applied it.
        let count = events.len();
        let each: Vec<tracing::Span> = if doithoai_telemetry::exporting() {
            events
                .iter()
                .map(|(t, e)| {
                    let s = tracing::info_span!("event", trace_id = %t, event = %e.event, consumer = %durable, batch = count);
                    doithoai_telemetry::join_trace(&s, t, None);
                    s
                })
                .collect()
        } else {
            Vec::new()
        };
        let by_event = events.iter().map(|(t, e)| (e.id, t.clone())).collect();
        let envelopes = events.into_iter().map(|(_, e)| e).collect();
        Box::pin(async move {
            let done = doithoai_telemetry::in_batch(
                by_event,
                (self.handler)(conn, &self.ctx, envelopes).instrument(span),
            )
            .await;
            drop(each);
            done
        })
    }
}

/// How one message fared on its own.
pub(crate) enum Single {
    Done,
    Retry(String),
    Dead(String),
}

impl<T, A> Applier<T, A>
where
    T: serde::de::DeserializeOwned + Send + 'static,
    A: Apply<T>,
{
    pub(crate) async fn apply(
        &self,
        batch: Vec<jetstream::Message>,
    ) -> Vec<(jetstream::Message, Outcome)> {
        let started = std::time::Instant::now();
        let label = [self.durable.as_str()];
        self.core
            .batch_messages
            .with_label_values(&label)
            .observe(batch.len() as f64);
        let out = self.apply_batch(batch).await;
        self.core
            .batch_seconds
            .with_label_values(&label)
            .observe(started.elapsed().as_secs_f64());
        out
    }

    async fn apply_batch(
        &self,
        batch: Vec<jetstream::Message>,
    ) -> Vec<(jetstream::Message, Outcome)> {
        if batch.len() > 1 {
            match self.apply_together(&batch).await {
                Ok(()) => {
                    self.core.relay.wake();
                    self.core.consumed.notify_one();
                    return batch.into_iter().map(|m| (m, Outcome::Done)).collect();
                }
                Err(e) => {
                    self.core
                        .batch_fallbacks
                        .with_label_values(&[self.durable.as_str()])
                        .inc();
                    tracing::debug!(consumer = %self.durable, error = %format!("{e:#}"),
                        "batch of {} failed, applying one at a time: {e:#}", batch.len());
                }
            }
        }
        let mut out = Vec::with_capacity(batch.len());
        let mut woke = false;
        for msg in batch {
            let outcome = match self.apply_one(&msg).await {
                Single::Done => {
                    woke = true;
                    Outcome::Done
                }
                Single::Retry(why) => {
                    let delivered = doithoai_bus::consumer::delivered(&msg);
                    if delivered >= self.core.dead_letter_after {
                        self.set_aside(&msg, &format!("failed on {delivered} deliveries: {why}"))
                            .await
                    } else {
                        let trace = message_trace_id(&msg);
                        let why = crate::text::log_safe(&why);
                        tracing::warn!(consumer = %self.durable, subject = %msg.subject, trace_id = %trace,
                            delivered, error = %why, "event handling failed (delivery {delivered}), will retry: {why}");
                        Outcome::Retry
                    }
                }
                Single::Dead(why) => self.set_aside(&msg, &why).await,
            };
            out.push((msg, outcome));
        }
        if woke {
            self.core.relay.wake();
            self.core.consumed.notify_one();
        }
        out
    }

    /// Every decodable message in one transaction. Any failure (including an undecodable
    /// message) rolls the batch back.
    async fn apply_together(&self, batch: &[jetstream::Message]) -> anyhow::Result<()> {
        let mut envelopes = Vec::with_capacity(batch.len());
        for msg in batch {
            envelopes.push((
                message_trace_id(msg),
                serde_json::from_slice::<doithoai_contracts::Envelope<T>>(&msg.payload)?,
            ));
        }
        if let Some(relevant) = self.relevant {
            envelopes.retain(|(_, e)| relevant(e));
            if envelopes.is_empty() {
                return Ok(());
            }
        }
        let mut conn = self.core.pool.get().await?;
        with_hooks(conn.transaction::<(), anyhow::Error, _>(async |conn| {
            let ids: Vec<uuid::Uuid> = envelopes.iter().map(|(_, e)| e.id).collect();
            let mut fresh = doithoai_bus::inbox::record_many(conn, &self.durable, &ids).await?;
            // Processed before (or twice in this batch): skipped.
            let new: Vec<_> = envelopes
                .into_iter()
                .filter(|(_, e)| fresh.remove(&e.id))
                .collect();
            if new.is_empty() {
                return Ok(());
            }
            match self.apply.apply(conn, &self.durable, new).await {
                Ok(()) => Ok(()),
                Err(ConsumeError::Transient(e)) => Err(e),
                Err(ConsumeError::Poison(p)) => anyhow::bail!("poison: {p}"),
            }
        }))
        .await
    }

    async fn apply_one(&self, msg: &jetstream::Message) -> Single {
        let envelope = match serde_json::from_slice::<doithoai_contracts::Envelope<T>>(&msg.payload)
        {
            Ok(e) => e,
            Err(e) => return Single::Dead(format!("undecodable payload: {e}")),
        };
        if self.relevant.is_some_and(|relevant| !relevant(&envelope)) {
            return Single::Done;
        }
        let trace_id = message_trace_id(msg);
        let mut conn = match self.core.pool.get().await {
            Ok(c) => c,
            Err(e) => return Single::Retry(format!("database unavailable: {e}")),
        };
        let result = with_hooks(conn.transaction::<(), ConsumeError, _>(async |conn| {
            if !doithoai_bus::inbox::record(conn, &self.durable, envelope.id).await? {
                return Ok(());
            }
            self.apply
                .apply(conn, &self.durable, vec![(trace_id, envelope)])
                .await
        }))
        .await;
        match result {
            Ok(()) => Single::Done,
            Err(ConsumeError::Transient(e)) => Single::Retry(format!("{e:#}")),
            Err(ConsumeError::Poison(p)) => Single::Dead(p),
        }
    }

    /// Stores the message as a dead letter and terminates it; when even that cannot be stored
    /// (database away), it is retried instead, so nothing is dropped.
    async fn set_aside(&self, msg: &jetstream::Message, reason: &str) -> Outcome {
        let letter = doithoai_bus::dead_letter::NewDeadLetter {
            consumer: self.durable.clone(),
            subject: msg.subject.to_string(),
            event_id: serde_json::from_slice::<serde_json::Value>(&msg.payload)
                .ok()
                .and_then(|v| v.get("id")?.as_str()?.parse().ok()),
            payload: String::from_utf8_lossy(&msg.payload).into_owned(),
            reason: reason.to_owned(),
            deliveries: doithoai_bus::consumer::delivered(msg),
        };
        let stored = match self.core.pool.get().await {
            Ok(mut conn) => doithoai_bus::dead_letter::record(&mut conn, &letter)
                .await
                .map_err(anyhow::Error::from),
            Err(e) => Err(e.into()),
        };
        match stored {
            Ok(()) => {
                self.core
                    .dead_lettered
                    .with_label_values(&[self.durable.as_str()])
                    .inc();
                let reason = crate::text::log_safe(reason);
                tracing::error!(consumer = %self.durable, subject = %msg.subject, reason = %reason,
                    "event set aside as a dead letter: {reason}");
                Outcome::Term
            }
            Err(e) => {
                tracing::warn!(consumer = %self.durable, error = %format!("{e:#}"),
                    "could not store a dead letter, will retry the event: {e:#}");
                Outcome::Retry
            }
        }
    }
}

/// The trace id a message carries in its `traceparent` header (or a new one).
fn message_trace_id(msg: &jetstream::Message) -> String {
    msg.headers
        .as_ref()
        .and_then(|h| h.get("traceparent"))
        .and_then(|v| doithoai_telemetry::trace_id_from_traceparent(v.as_str()))
        .unwrap_or_else(doithoai_telemetry::new_trace_id)
}

/// Why an event handler did not finish.
#[derive(Debug)]
pub enum ConsumeError {
    /// Try again later (database away, …).
    Transient(anyhow::Error),
    /// Never processable: terminate it.
    Poison(String),
}

/// The envelope of a consumer that follows several events, with its payload decoded as `T`
/// once the handler knows which event it is (an undecodable one is poison).
pub fn typed<T: serde::de::DeserializeOwned>(
    env: doithoai_contracts::Envelope<serde_json::Value>,
) -> Result<doithoai_contracts::Envelope<T>, ConsumeError> {
    let event = env.event.clone();
    env.into_typed()
        .map_err(|e| ConsumeError::Poison(format!("undecodable {event}: {e}")))
}

impl<E: Into<anyhow::Error>> From<E> for ConsumeError {
    fn from(e: E) -> Self {
        ConsumeError::Transient(e.into())
    }
}
