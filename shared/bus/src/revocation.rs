//! Revoked staff tokens, by their `jti`: city IT revokes with `doithoai-revoke`, which publishes
//! to the `{NS}_AUTH` stream (`{ns}.auth.revoked`); every replica of every service reads the
//! whole stream on start and follows it, and refuses those tokens from then on. The stream keeps
//! a revocation for [`KEEP`], longer than any token lives, so the list stays small.
//!
//! While NATS is away a replica that has just started knows no revocation: revocation takes
//! effect within seconds while NATS is up, and a token expires within 8 hours regardless.

use crate::BusConfig;
use async_nats::jetstream;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::RwLock;
use std::time::Duration;

/// The pseudo-service whose stream carries revocations.
pub const AUTH: &str = "auth";
/// How long a revocation is kept: longer than the longest token (8 hours).
pub const KEEP: Duration = Duration::from_secs(9 * 3600);

/// One revocation: the token's id and when it would have expired (Unix seconds).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Revoked {
    pub jti: String,
    pub exp: i64,
}

/// The revoked token ids a replica knows.
#[derive(Debug, Default)]
pub struct Revocations {
    ids: RwLock<HashMap<String, i64>>,
}

impl Revocations {
    pub fn is_revoked(&self, jti: &str) -> bool {
        self.ids.read().is_ok_and(|ids| ids.contains_key(jti))
    }

    pub fn add(&self, r: Revoked) {
        if let Ok(mut ids) = self.ids.write() {
            let now = chrono::Utc::now().timestamp();
            ids.retain(|_, exp| *exp + 60 > now);
            ids.insert(r.jti, r.exp);
        }
    }

    pub fn len(&self) -> usize {
        self.ids.read().map_or(0, |ids| ids.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn stream_config(cfg: &BusConfig) -> jetstream::stream::Config {
    jetstream::stream::Config {
        name: doithoai_contracts::subjects::stream_name(&cfg.namespace, AUTH),
        subjects: vec![doithoai_contracts::subjects::service_wildcard(
            &cfg.namespace,
            AUTH,
        )],
        storage: jetstream::stream::StorageType::File,
        num_replicas: cfg.replicas,
        max_age: KEEP,
        duplicate_window: Duration::from_secs(30 * 60),
        ..Default::default()
    }
}

/// The subject revocations are published on.
pub fn subject(ns: &str) -> String {
    format!("{ns}.{AUTH}.revoked")
}

/// Publishes a revocation and waits for JetStream to store it.
pub async fn revoke(js: &jetstream::Context, cfg: &BusConfig, r: &Revoked) -> anyhow::Result<()> {
    js.create_or_update_stream(stream_config(cfg)).await?;
    let mut headers = async_nats::HeaderMap::new();
    headers.insert("Nats-Msg-Id", r.jti.as_str());
    js.publish_with_headers(
        subject(&cfg.namespace),
        headers,
        serde_json::to_vec(r)?.into(),
    )
    .await?
    .await?;
    Ok(())
}

/// Reads every revocation kept and follows new ones into `into`, until `stop` turns true;
/// starts over (reading everything again) after any error.
pub async fn follow(
    js: jetstream::Context,
    cfg: BusConfig,
    into: std::sync::Arc<Revocations>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            r = follow_once(&js, &cfg, &into) => {
                if let Err(e) = r {
                    tracing::info!(error = %e, "following token revocations: {e}; again in 2 s");
                }
            }
            _ = stop.changed() => return,
        }
        if *stop.borrow() {
            return;
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(2)) => {}
            _ = stop.changed() => return,
        }
    }
}

async fn follow_once(
    js: &jetstream::Context,
    cfg: &BusConfig,
    into: &Revocations,
) -> anyhow::Result<()> {
    let stream = js.get_or_create_stream(stream_config(cfg)).await?;
    let consumer = stream
        .create_consumer(jetstream::consumer::pull::Config {
            deliver_policy: jetstream::consumer::DeliverPolicy::All,
            ack_policy: jetstream::consumer::AckPolicy::None,
            inactive_threshold: Duration::from_secs(300),
            ..Default::default()
        })
        .await?;
    let mut messages = consumer.messages().await?;
    while let Some(m) = messages.next().await {
        let m = m?;
        match serde_json::from_slice::<Revoked>(&m.payload) {
            Ok(r) => into.add(r),
            Err(e) => tracing::warn!(error = %e, "an undecodable token revocation was skipped"),
        }
    }
    anyhow::bail!("the revocation stream ended")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expired_revocations_are_forgotten_when_another_arrives() {
        let r = Revocations::default();
        let now = chrono::Utc::now().timestamp();
        r.add(Revoked {
            jti: "old".into(),
            exp: now - 3600,
        });
        r.add(Revoked {
            jti: "new".into(),
            exp: now + 3600,
        });
        assert!(r.is_revoked("new"));
        assert!(!r.is_revoked("old"));
        assert!(!r.is_revoked("other"));
        assert_eq!(r.len(), 1);
    }
}
