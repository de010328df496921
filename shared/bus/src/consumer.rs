//! Durable pull consumers: declared in code and reconciled at start-up, explicit ack,
//! `max_deliver` and backoff; a handler says whether a message is done, should be retried
//! later (`Nak` with delay), or is poison (`Term` and a log line).

use async_nats::jetstream::{self, AckKind, consumer::pull};
use futures_util::StreamExt;
use std::time::Duration;
use tokio::sync::watch;

/// What a handler made of a message.
#[derive(Debug)]
pub enum Outcome {
    /// Processed (or recognised as already processed): ack.
    Done,
    /// A transient failure (database away, say): redeliver after the delay.
    Retry(Duration),
    /// Can never be processed (undecodable payload): terminate, log the reason.
    Poison(String),
}

/// A durable consumer on a stream, filtered to some subjects.
#[derive(Debug, Clone)]
pub struct ConsumerSpec {
    pub stream: String,
    pub durable: String,
    pub filter_subjects: Vec<String>,
    pub max_deliver: i64,
    pub ack_wait: Duration,
}

impl ConsumerSpec {
    fn config(&self) -> pull::Config {
        pull::Config {
            durable_name: Some(self.durable.clone()),
            filter_subjects: self.filter_subjects.clone(),
            ack_policy: jetstream::consumer::AckPolicy::Explicit,
            max_deliver: self.max_deliver,
            ack_wait: self.ack_wait,
            backoff: vec![
                Duration::from_secs(1),
                Duration::from_secs(5),
                Duration::from_secs(30),
                Duration::from_secs(120),
            ],
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

/// Runs `handler` on every message until `stop` turns true; reconnects and re-reconciles with
/// backoff when NATS goes away.
pub async fn run<H, Fut>(
    js: jetstream::Context,
    spec: ConsumerSpec,
    handler: H,
    mut stop: watch::Receiver<bool>,
) where
    H: Fn(jetstream::Message) -> Fut + Send + Sync,
    Fut: std::future::Future<Output = (jetstream::Message, Outcome)> + Send,
{
    let mut backoff = Duration::from_millis(200);
    while !*stop.borrow() {
        let messages = match reconcile(&js, &spec).await {
            Ok(consumer) => consumer.messages().await.map_err(anyhow::Error::from),
            Err(e) => Err(e),
        };
        let mut messages = match messages {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(consumer = %spec.durable, error = %e, "consumer not ready: {e:#}");
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
            let msg = match next {
                Some(Ok(m)) => m,
                Some(Err(e)) => {
                    tracing::warn!(consumer = %spec.durable, error = %e, "consumer stream error: {e}");
                    break;
                }
                None => break,
            };
            let (msg, outcome) = handler(msg).await;
            let ack = match &outcome {
                Outcome::Done => msg.ack().await,
                Outcome::Retry(d) => msg.ack_with(AckKind::Nak(Some(*d))).await,
                Outcome::Poison(reason) => {
                    tracing::error!(consumer = %spec.durable, subject = %msg.subject, reason = %reason,
                        "terminating poison message on {}: {reason}", msg.subject);
                    msg.ack_with(AckKind::Term).await
                }
            };
            if let Err(e) = ack {
                tracing::warn!(consumer = %spec.durable, error = %e, "ack failed (message will be redelivered): {e}");
            }
        }
    }
}
