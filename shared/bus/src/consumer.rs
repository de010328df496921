//! Durable pull consumers: declared in code and reconciled at start-up, explicit ack, a long
//! `max_deliver` with growing delays, and messages handed over in batches.
//!
//! The runner takes whatever the server has ready (up to [`ConsumerSpec::batch`]) and gives the
//! batch to the handler, which says for each message whether it is done (ack), should be tried
//! again later (`Nak` with a delay that grows with the delivery count), or must be set aside
//! (`Term`: the handler has recorded it as a dead letter). Acks are sent only after the handler
//! returned, so a handler that commits before returning never acks uncommitted work.

use async_nats::jetstream::{self, AckKind, consumer::pull};
use futures_util::{FutureExt, StreamExt};
use std::time::Duration;
use tokio::sync::watch;

/// What a handler made of a message.
#[derive(Debug)]
pub enum Outcome {
    /// Processed (or recognised as already processed): ack.
    Done,
    /// A transient failure (database away, say): redeliver after [`retry_delay`].
    Retry,
    /// Set aside for good (recorded as a dead letter, or undecodable): terminate.
    Term,
}

/// A durable consumer on a stream, filtered to some subjects.
#[derive(Debug, Clone)]
pub struct ConsumerSpec {
    pub stream: String,
    pub durable: String,
    pub filter_subjects: Vec<String>,
    /// Deliveries before a message is set aside as a dead letter. With [`retry_delay`] the
    /// default ([`MAX_DELIVER`]) keeps retrying for about two days.
    pub max_deliver: i64,
    pub ack_wait: Duration,
    /// Messages handed to the handler at once, at most.
    pub batch: usize,
}

/// Deliveries before a message becomes a dead letter: 1 s, 2 s, 4 s … then every 5 minutes,
/// about two days in all, so a database outage of hours loses nothing.
pub const MAX_DELIVER: i64 = 600;

/// How long to wait before delivery `delivered + 1` after a transient failure: doubling from
/// 1 s, at most 5 minutes.
///
/// ```
/// use doithoai_bus::consumer::retry_delay;
/// use std::time::Duration;
/// assert_eq!(retry_delay(1), Duration::from_secs(1));
/// assert_eq!(retry_delay(4), Duration::from_secs(8));
/// assert_eq!(retry_delay(40), Duration::from_secs(300));
/// ```
pub fn retry_delay(delivered: i64) -> Duration {
    let exp = (delivered.max(1) - 1).min(16) as u32;
    Duration::from_secs(2u64.pow(exp).min(300))
}

impl ConsumerSpec {
    fn config(&self) -> pull::Config {
        // One subject goes in `filter_subject`, which every JetStream server honours; several
        // need `filter_subjects` (server 2.10 or later, checked by `crate::check_server`).
        let (filter_subject, filter_subjects) = match self.filter_subjects.as_slice() {
            [one] => (one.clone(), Vec::new()),
            many => (String::new(), many.to_vec()),
        };
        pull::Config {
            durable_name: Some(self.durable.clone()),
            filter_subject,
            filter_subjects,
            ack_policy: jetstream::consumer::AckPolicy::Explicit,
            max_deliver: self.max_deliver,
            ack_wait: self.ack_wait,
            max_ack_pending: (self.batch as i64 * 8).max(1000),
            ..Default::default()
        }
    }
}

/// Creates the consumer, or updates it when its configuration changed.
pub async fn reconcile(
    js: &jetstream::Context,
    spec: &ConsumerSpec,
) -> anyhow::Result<jetstream::consumer::Consumer<pull::Config>> {
    let stream = js.get_stream(&spec.stream).await?;
    match stream.create_consumer(spec.config()).await {
        Ok(c) => Ok(c),
        Err(_) => Ok(stream.update_consumer(spec.config()).await?),
    }
}

/// Messages waiting for this consumer (its lag), for the metrics endpoint.
pub async fn pending(js: &jetstream::Context, spec: &ConsumerSpec) -> Option<u64> {
    let stream = js.get_stream(&spec.stream).await.ok()?;
    let info = stream.consumer_info(&spec.durable).await.ok()?;
    Some(info.num_pending + info.num_ack_pending as u64)
}

/// How many times a message has been delivered (1 the first time).
pub fn delivered(msg: &jetstream::Message) -> i64 {
    msg.info().map(|i| i.delivered).unwrap_or(1)
}

/// Runs `handler` on batches of messages until `stop` turns true; reconnects and
/// re-reconciles with backoff when NATS goes away. The handler returns one outcome per
/// message, in the order given.
pub async fn run<H, Fut>(
    js: jetstream::Context,
    spec: ConsumerSpec,
    handler: H,
    mut stop: watch::Receiver<bool>,
) where
    H: Fn(Vec<jetstream::Message>) -> Fut + Send + Sync,
    Fut: std::future::Future<Output = Vec<(jetstream::Message, Outcome)>> + Send,
{
    let mut backoff = Duration::from_millis(200);
    let mut refused_logged = false;
    while !*stop.borrow() {
        let messages = match crate::check_server(&js.client()) {
            Err(crate::ServerCheck::Unsupported(why)) => Err(Some(why)),
            Err(crate::ServerCheck::NotConnected) => Err(None),
            Ok(()) => match reconcile(&js, &spec).await {
                Ok(consumer) => consumer
                    .stream()
                    .max_messages_per_batch(spec.batch.max(1))
                    .messages()
                    .await
                    .map_err(|e| {
                        tracing::warn!(consumer = %spec.durable, error = %e, "consumer not ready: {e}");
                        None
                    }),
                Err(e) => {
                    tracing::warn!(consumer = %spec.durable, error = %e, "consumer not ready: {e:#}");
                    Err(None)
                }
            },
        };
        let mut messages = match messages {
            Ok(m) => m,
            Err(why) => {
                if let Some(why) = why
                    && !refused_logged
                {
                    tracing::error!(consumer = %spec.durable, "{why}");
                    refused_logged = true;
                }
                tokio::select! {
                    _ = tokio::time::sleep(backoff) => {}
                    _ = stop.changed() => {}
                }
                backoff = (backoff * 2).min(Duration::from_secs(5));
                continue;
            }
        };
        backoff = Duration::from_millis(200);
        loop {
            let next = tokio::select! {
                next = messages.next() => next,
                _ = stop.changed() => break,
            };
            let first = match next {
                Some(Ok(m)) => m,
                Some(Err(e)) => {
                    tracing::warn!(consumer = %spec.durable, error = %e, "consumer stream error: {e}");
                    break;
                }
                None => break,
            };
            // Take what has already arrived, without waiting: big batches under load, no added
            // latency when idle.
            let mut batch = vec![first];
            while batch.len() < spec.batch {
                match messages.next().now_or_never() {
                    Some(Some(Ok(m))) => batch.push(m),
                    _ => break,
                }
            }
            for (msg, outcome) in handler(batch).await {
                let ack = match outcome {
                    Outcome::Done => msg.ack().await,
                    Outcome::Retry => {
                        msg.ack_with(AckKind::Nak(Some(retry_delay(delivered(&msg)))))
                            .await
                    }
                    Outcome::Term => msg.ack_with(AckKind::Term).await,
                };
                if let Err(e) = ack {
                    tracing::warn!(consumer = %spec.durable, error = %e, "ack failed (message will be redelivered): {e}");
                }
            }
        }
    }
}
