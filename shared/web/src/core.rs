//! A service's shared parts and its HTTP server.

use crate::Settings;
use crate::consume::{Applier, Apply, Batched, ConsumeError, PerMessage};
use crate::server::RunningServer;
use crate::staff_keys::StaffKeys;
use actix_web::HttpRequest;
use async_nats::jetstream;
use diesel_async::AsyncPgConnection;
use diesel_migrations::EmbeddedMigrations;
use doithoai_bus::BusConfig;
use doithoai_bus::consumer::ConsumerSpec;
use doithoai_bus::outbox::{Relay, RelayHandle};
use doithoai_db::PgPool;
use doithoai_telemetry::Metrics;
use futures_util::future::BoxFuture;
use prometheus::{
    HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts,
};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use crate::middleware::TraceId;

/// Work a service does when Prometheus scrapes (computing a gauge from its tables).
pub type ScrapeHook = Arc<dyn Fn() -> futures_util::future::BoxFuture<'static, ()> + Send + Sync>;

/// What a service is, for [`Core::start`].
pub struct CoreOptions {
    /// `intake`, `routing`, …: names its database, stream, metrics and settings prefix.
    pub service: &'static str,
    pub default_port: u16,
    /// The service's own migrations (run after the bus's `outbox`/`inbox`), if it has tables yet.
    pub migrations: Option<EmbeddedMigrations>,
    /// Settings that win over the environment (tests).
    pub overrides: HashMap<String, String>,
}

/// A service's pool, bus, metrics and auth, shared by its handlers and background tasks.
#[derive(Clone)]
pub struct Core {
    pub service: &'static str,
    pub settings: Settings,
    pub default_port: u16,
    pub pool: PgPool,
    /// A smaller pool with a shorter statement timeout for anonymous reads (tracking, public
    /// answers and search, public conferences): a flood of costly public queries waits on its
    /// own connections and cannot starve staff work or the consumers.
    pub public_pool: PgPool,
    pub nats: async_nats::Client,
    pub js: jetstream::Context,
    pub bus: BusConfig,
    pub metrics: Metrics,
    /// How staff tokens are verified: public keys ([`crate::staff_keys`]), and the HS256
    /// secret only in tests and local tools.
    pub auth: StaffKeys,
    pub relay: RelayHandle,
    /// Revoked staff tokens, followed from NATS ([`doithoai_bus::revocation`]).
    pub revocations: Arc<doithoai_bus::revocation::Revocations>,
    /// The public rate limits ([`crate::limit`]).
    pub limits: Arc<crate::limit::PublicLimits>,
    pub(crate) rate_limited: IntCounterVec,
    pub(crate) backlog: IntGauge,
    pub(crate) parked: IntGauge,
    pub(crate) dead_letters: IntGauge,
    pub(crate) dead_lettered: IntCounterVec,
    pub(crate) batch_messages: HistogramVec,
    pub(crate) batch_seconds: HistogramVec,
    pub(crate) batch_fallbacks: IntCounterVec,
    pub(crate) nats_up: IntGauge,
    pub(crate) database_up: IntGauge,
    pub(crate) lag: IntGaugeVec,
    /// Messages a consumer applies in one transaction, at most (`CONSUMER_BATCH`).
    pub consumer_batch: usize,
    /// Deliveries after which a failing event becomes a dead letter (`CONSUMER_DEAD_LETTER_AFTER`).
    pub dead_letter_after: i64,
    pub(crate) consumers: Arc<Mutex<Vec<ConsumerSpec>>>,
    pub(crate) consumed: Arc<tokio::sync::Notify>,
    pub(crate) scrape_hooks: Arc<Mutex<Vec<ScrapeHook>>>,
    pub(crate) stop_tx: Arc<watch::Sender<bool>>,
    pub(crate) tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Core {
    /// Creates the service's database if missing, runs the bus and service migrations,
    /// connects to NATS (in the background if it is away), and starts the outbox relay, which
    /// declares the service's stream once NATS answers.
    pub async fn start(opts: CoreOptions) -> anyhow::Result<Core> {
        install_tls_provider();
        let service = opts.service;
        let settings = Settings::load(service)?.with_overrides(opts.overrides);
        let db_url = settings.string(
            "DATABASE_URL",
            &format!("postgres://postgres@127.0.0.1:5432/doithoai_{service}"),
        );
        let pool_size: usize = settings.parse("DB_POOL_SIZE", 16)?;
        anyhow::ensure!(
            (1..=512).contains(&pool_size),
            "setting DB_POOL_SIZE must be 1 to 512"
        );
        let bus = BusConfig {
            url: settings.string("NATS_URL", "nats://127.0.0.1:4222"),
            namespace: settings.string("NATS_NAMESPACE", "dt"),
            replicas: settings.parse("NATS_REPLICAS", 1)?,
            auth: doithoai_bus::NatsAuth {
                user: settings.raw("NATS_USER"),
                password: settings.raw("NATS_PASSWORD"),
                ca_file: settings.raw("NATS_CA_FILE"),
            },
        };
        anyhow::ensure!(
            bus.namespace
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "setting NATS_NAMESPACE must be letters, digits and underscores"
        );
        let auth = StaffKeys::from_settings(&settings, shared_secret(&settings)?)?;

        doithoai_db::ensure_database(&db_url).await?;
        doithoai_db::run_migrations(&db_url, doithoai_bus::MIGRATIONS).await?;
        if let Some(m) = opts.migrations {
            doithoai_db::run_migrations(&db_url, m).await?;
        }
        let statement_timeout_ms: u64 =
            settings.parse("DB_STATEMENT_TIMEOUT_MS", doithoai_db::STATEMENT_TIMEOUT_MS)?;
        let pool = doithoai_db::pool_with_timeout(&db_url, pool_size, statement_timeout_ms)?;
        let public_pool_size: usize = settings.parse("DB_PUBLIC_POOL_SIZE", 4)?;
        anyhow::ensure!(
            (1..=128).contains(&public_pool_size),
            "setting DB_PUBLIC_POOL_SIZE must be 1 to 128"
        );
        let public_timeout_ms: u64 = settings.parse("DB_PUBLIC_STATEMENT_TIMEOUT_MS", 2_000)?;
        let public_pool =
            doithoai_db::pool_with_timeout(&db_url, public_pool_size, public_timeout_ms)?;
        let consumer_batch: usize = settings.parse("CONSUMER_BATCH", 128)?;
        anyhow::ensure!(
            (1..=1000).contains(&consumer_batch),
            "setting CONSUMER_BATCH must be 1 to 1000"
        );
        let dead_letter_after: i64 = settings.parse(
            "CONSUMER_DEAD_LETTER_AFTER",
            doithoai_bus::consumer::MAX_DELIVER,
        )?;
        anyhow::ensure!(
            dead_letter_after >= 1,
            "setting CONSUMER_DEAD_LETTER_AFTER must be at least 1"
        );

        let nats = doithoai_bus::connect(&bus, service).await?;
        // A server too old for the consumers is refused now, with the reason; one that is not
        // reachable yet is checked again when it answers.
        doithoai_bus::check_server_at_start(&nats, Duration::from_secs(2)).await?;
        let js = jetstream::new(nats.clone());

        let metrics = Metrics::new(service)?;
        let backlog = IntGauge::new(
            format!("{service}_outbox_backlog_messages"),
            "Events written to the outbox and not yet acknowledged by JetStream",
        )?;
        let published = IntCounter::new(
            format!("{service}_outbox_published_total"),
            "Events published from the outbox and acknowledged by JetStream",
        )?;
        let lag = IntGaugeVec::new(
            Opts::new(
                format!("{service}_consumer_pending_messages"),
                "Messages waiting for or being processed by a consumer (its lag)",
            ),
            &["consumer"],
        )?;
        let parked = IntGauge::new(
            format!("{service}_outbox_parked_messages"),
            "Outbox rows set aside because they can never be published (too large, bad subject)",
        )?;
        let dead_letters = IntGauge::new(
            format!("{service}_dead_letter_messages"),
            "Events set aside by this service's consumers and not replayed yet",
        )?;
        let dead_lettered = IntCounterVec::new(
            Opts::new(
                format!("{service}_consumer_dead_lettered_total"),
                "Events a consumer set aside as dead letters (undecodable, poison, or failed on every delivery)",
            ),
            &["consumer"],
        )?;
        let batch_messages = HistogramVec::new(
            HistogramOpts::new(
                format!("{service}_consumer_batch_messages"),
                "Messages a consumer applied together (one transaction)",
            )
            .buckets(vec![
                1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0,
            ]),
            &["consumer"],
        )?;
        let batch_seconds = HistogramVec::new(
            HistogramOpts::new(
                format!("{service}_consumer_batch_seconds"),
                "Time a consumer took to apply a batch, commit included",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            ]),
            &["consumer"],
        )?;
        let batch_fallbacks = IntCounterVec::new(
            Opts::new(
                format!("{service}_consumer_batch_fallbacks_total"),
                "Batches rolled back and applied one message at a time",
            ),
            &["consumer"],
        )?;
        metrics
            .registry
            .register(Box::new(batch_messages.clone()))?;
        metrics.registry.register(Box::new(batch_seconds.clone()))?;
        metrics
            .registry
            .register(Box::new(batch_fallbacks.clone()))?;
        let nats_up = IntGauge::new(
            format!("{service}_nats_connected"),
            "1 while the service is connected to NATS (the outbox keeps accepting when 0)",
        )?;
        metrics.registry.register(Box::new(parked.clone()))?;
        metrics.registry.register(Box::new(dead_letters.clone()))?;
        metrics.registry.register(Box::new(dead_lettered.clone()))?;
        metrics.registry.register(Box::new(nats_up.clone()))?;
        let database_up = IntGauge::new(
            format!("{service}_database_up"),
            "1 while the service's database answers (read at each scrape and readiness check)",
        )?;
        metrics.registry.register(Box::new(database_up.clone()))?;
        metrics.registry.register(Box::new(backlog.clone()))?;
        metrics.registry.register(Box::new(published.clone()))?;
        metrics.registry.register(Box::new(lag.clone()))?;
        let rate_limited = IntCounterVec::new(
            Opts::new(
                format!("{service}_http_rate_limited_total"),
                "Public requests refused with 429, by limit",
            ),
            &["limit"],
        )?;
        metrics.registry.register(Box::new(rate_limited.clone()))?;
        let limits = Arc::new(crate::limit::PublicLimits::from_settings(&settings)?);

        let (stop_tx, stop_rx) = watch::channel(false);
        let relay = {
            let js = js.clone();
            let bus = bus.clone();
            Relay::new(pool.clone(), js.clone(), published).before_publish(move || {
                let js = js.clone();
                let bus = bus.clone();
                async move {
                    for stream in doithoai_bus::streams_of(service) {
                        doithoai_bus::ensure_stream(&js, &bus, stream).await?;
                    }
                    Ok(())
                }
            })
        };
        let relay_handle = relay.handle();
        let relay_task = tokio::spawn(relay.run(stop_rx));
        let inbox_days: i64 =
            settings.parse("INBOX_RETENTION_DAYS", doithoai_bus::inbox::RETENTION_DAYS)?;

        let core = Core {
            service,
            settings,
            default_port: opts.default_port,
            pool,
            public_pool,
            nats,
            js,
            bus,
            metrics,
            auth,
            relay: relay_handle,
            limits,
            rate_limited,
            revocations: Arc::new(doithoai_bus::revocation::Revocations::default()),
            backlog,
            parked,
            dead_letters,
            dead_lettered,
            batch_messages,
            batch_seconds,
            batch_fallbacks,
            nats_up,
            database_up,
            lag,
            consumer_batch,
            dead_letter_after,
            consumers: Arc::new(Mutex::new(Vec::new())),
            consumed: Arc::new(tokio::sync::Notify::new()),
            scrape_hooks: Arc::new(Mutex::new(Vec::new())),
            stop_tx: Arc::new(stop_tx),
            tasks: Arc::new(Mutex::new(vec![relay_task])),
        };
        core.spawn(doithoai_bus::revocation::follow(
            core.js.clone(),
            core.bus.clone(),
            core.revocations.clone(),
            core.stopping(),
        ));
        {
            let limits = core.limits.clone();
            let mut stop = core.stopping();
            core.spawn(async move {
                loop {
                    tokio::select! {
                        _ = tokio::time::sleep(Duration::from_secs(60)) => limits.shrink(),
                        _ = stop.changed() => return,
                    }
                }
            });
        }
        core.purge_hourly("inbox rows", move |conn| {
            Box::pin(doithoai_bus::inbox::purge(conn, inbox_days))
        });
        core.keep_staff_keys().await;
        Ok(core)
    }

    /// Reads the staff-token key set now (a source not reachable yet is logged and read again
    /// every 10 s until it answers), then keeps it fresh every `AUTH_JWKS_REFRESH_SECONDS`.
    async fn keep_staff_keys(&self) {
        if !self.auth.refreshes() {
            return;
        }
        let mut loaded = match self.auth.reload().await {
            Ok(n) => {
                tracing::info!(keys = n, "staff-token key set read: {n} keys");
                true
            }
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), "staff-token key set not read yet (staff tokens are refused until it is): {e:#}");
                false
            }
        };
        let keys = self.auth.clone();
        let mut stop = self.stopping();
        self.spawn(async move {
            loop {
                let wait = if loaded {
                    keys.refresh_every()
                } else {
                    Duration::from_secs(10)
                };
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = stop.changed() => return,
                }
                match keys.reload().await {
                    Ok(n) => {
                        if !loaded {
                            tracing::info!(keys = n, "staff-token key set read: {n} keys");
                        }
                        loaded = true;
                    }
                    Err(e) => tracing::warn!(error = %format!("{e:#}"), "staff-token key set not read again (the keys held are kept): {e:#}"),
                }
            }
        });
    }

    /// A receiver that turns true when the service stops.
    pub fn stopping(&self) -> watch::Receiver<bool> {
        self.stop_tx.subscribe()
    }

    /// Runs `purge` once an hour on a pooled connection until the service stops, logging what
    /// it removed (`what`): how each service keeps a table from growing without end.
    pub fn purge_hourly<F>(&self, what: &'static str, purge: F)
    where
        F: for<'a> Fn(&'a mut AsyncPgConnection) -> BoxFuture<'a, diesel::QueryResult<usize>>
            + Send
            + 'static,
    {
        let core = self.clone();
        self.spawn(async move {
            let mut stop = core.stopping();
            loop {
                if let Ok(mut conn) = core.pool.get().await {
                    match purge(&mut conn).await {
                        Ok(n) if n > 0 => tracing::info!(count = n, "purged {n} {what}"),
                        Ok(_) => {}
                        Err(e) => tracing::warn!(error = %e, "purging {what} failed: {e}"),
                    }
                }
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(3600)) => {}
                    _ = stop.changed() => return,
                }
            }
        });
    }

    /// Runs `round` now and then every `every` until the service stops, logging a failed round
    /// as a warning naming `what`: how a service runs its watches and timers.
    pub fn every<F>(&self, what: &'static str, every: Duration, round: F)
    where
        F: Fn(Core) -> BoxFuture<'static, anyhow::Result<()>> + Send + 'static,
    {
        let core = self.clone();
        self.spawn(async move {
            let mut stop = core.stopping();
            loop {
                if let Err(e) = round(core.clone()).await {
                    tracing::warn!(error = %format!("{e:#}"), "{what} failed: {e:#}");
                }
                tokio::select! {
                    _ = tokio::time::sleep(every) => {}
                    _ = stop.changed() => return,
                }
            }
        });
    }

    /// Runs a background task until the service stops; [`Core::shutdown`] waits for it.
    pub fn spawn<F>(&self, fut: F)
    where
        F: std::future::Future<Output = ()> + Send + 'static,
    {
        let handle = tokio::spawn(fut);
        if let Ok(mut tasks) = self.tasks.lock() {
            tasks.push(handle);
        }
    }

    /// Notified after a consumer committed events (e.g. notification wakes its delivery).
    pub fn consumed(&self) -> &tokio::sync::Notify {
        &self.consumed
    }

    /// Reports this consumer's lag on `/metrics`.
    pub fn watch_consumer(&self, spec: ConsumerSpec) {
        if let Ok(mut c) = self.consumers.lock() {
            c.push(spec);
        }
    }

    /// Consumes events `events` (e.g. `petition.received`) from the stream of `from_service`,
    /// for every unit, with the durable consumer `<service>-<name>`. Several events in one
    /// consumer arrive in the order they were published (dispatch on `envelope.event`).
    ///
    /// Messages come in batches: each decoded envelope goes to `handler` with a connection
    /// inside one transaction for the whole batch, after its event id is recorded in the inbox
    /// (a recorded id is skipped, so redelivery never doubles an effect). The batch commits,
    /// then every message is acked and the outbox relay woken. When any handler fails, the
    /// batch is rolled back and each message is applied on its own, so one bad event never
    /// fails its neighbours: a transient error ([`ConsumeError::Transient`]) is retried after a
    /// growing delay; an undecodable payload, a [`ConsumeError::Poison`], or an event that
    /// failed on every delivery is stored as a dead letter with the reason and terminated.
    ///
    /// `ctx` is handed to every call of `handler` (the service's namespace, calendar, …), so a
    /// handler can be written `|conn, cx, env| Box::pin(flow::on_received(conn, cx, env))`.
    pub fn consume<T, C, H>(
        &self,
        name: &str,
        from_service: &str,
        events: &[&str],
        ctx: C,
        handler: H,
    ) where
        T: serde::de::DeserializeOwned + Send + 'static,
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
        self.start_consumer::<T, _>(
            name,
            from_service,
            events,
            None,
            PerMessage { ctx, handler },
        );
    }

    /// Like [`Core::consume`], but an event for which `relevant` is false is acknowledged
    /// without a transaction or an inbox row: its handler would change nothing. For a consumer
    /// that follows every petition for the few its service keeps (scheduling: those registered
    /// for a conference), this spares the database a transaction per batch of the others.
    pub fn consume_if<T, C, H>(
        &self,
        name: &str,
        from_service: &str,
        events: &[&str],
        relevant: crate::consume::Relevant<T>,
        ctx: C,
        handler: H,
    ) where
        T: serde::de::DeserializeOwned + Send + 'static,
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
        self.start_consumer::<T, _>(
            name,
            from_service,
            events,
            Some(relevant),
            PerMessage { ctx, handler },
        );
    }

    /// Like [`Core::consume`], but `handler` receives the whole batch of new events at once
    /// (their ids already in the inbox), so it can apply them with a few set-based statements
    /// instead of several per event. On failure the batch is rolled back and the handler is
    /// called again with one event at a time.
    pub fn consume_batch<T, C, H>(
        &self,
        name: &str,
        from_service: &str,
        events: &[&str],
        ctx: C,
        handler: H,
    ) where
        T: serde::de::DeserializeOwned + Send + 'static,
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
        self.start_consumer::<T, _>(name, from_service, events, None, Batched { ctx, handler });
    }

    /// Declares the durable consumer `<service>-<name>` on `from_service`'s stream, filtered to
    /// `events` for every unit, reports its lag, and runs it with `apply` until the service stops.
    fn start_consumer<T, A>(
        &self,
        name: &str,
        from_service: &str,
        events: &[&str],
        relevant: Option<crate::consume::Relevant<T>>,
        apply: A,
    ) where
        T: serde::de::DeserializeOwned + Send + 'static,
        A: Apply<T> + 'static,
    {
        let spec = ConsumerSpec {
            stream: doithoai_contracts::subjects::stream_name(&self.bus.namespace, from_service),
            durable: format!("{}-{name}", self.service),
            filter_subjects: events
                .iter()
                .map(|e| {
                    doithoai_contracts::subjects::event_wildcard(
                        &self.bus.namespace,
                        from_service,
                        e,
                    )
                })
                .collect(),
            // Never dropped by the server: the consumer sets an event aside itself, as a dead
            // letter, after `dead_letter_after` deliveries.
            max_deliver: -1,
            ack_wait: Duration::from_secs(30),
            batch: self.consumer_batch,
        };
        self.watch_consumer(spec.clone());
        let applier = Arc::new(Applier {
            core: self.clone(),
            durable: spec.durable.clone(),
            apply,
            relevant,
            _t: std::marker::PhantomData::<fn() -> T>,
        });
        let run = doithoai_bus::consumer::run(
            self.js.clone(),
            spec,
            move |batch: Vec<jetstream::Message>| {
                let applier = applier.clone();
                async move { applier.apply(batch).await }
            },
            self.stopping(),
        );
        self.spawn(run);
    }

    /// Runs `hook` (bounded to 2 s) on every `/metrics` scrape, before rendering: how a service
    /// computes gauges such as overdue counts at scrape time.
    pub fn on_scrape<F, Fut>(&self, hook: F)
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let hook: ScrapeHook = Arc::new(move || Box::pin(hook()));
        if let Ok(mut h) = self.scrape_hooks.lock() {
            h.push(hook);
        }
    }

    /// Tells background tasks to stop.
    pub fn stop(&self) {
        let _ = self.stop_tx.send(true);
    }

    /// Stops background tasks and waits (up to 10 s) for them to finish their current work.
    pub async fn shutdown(&self) {
        self.stop();
        let tasks: Vec<JoinHandle<()>> = self
            .tasks
            .lock()
            .map(|mut t| t.drain(..).collect())
            .unwrap_or_default();
        for t in tasks {
            let _ = tokio::time::timeout(Duration::from_secs(10), t).await;
        }
        // NATS may be away: do not wait for it to come back just to flush.
        let _ = tokio::time::timeout(Duration::from_secs(2), self.nats.flush()).await;
    }

    /// The event `name` of `unit` on this service's stream, for the outbox, carrying the
    /// current trace ([`doithoai_bus::outbox::event`]).
    pub fn event<T: serde::Serialize>(
        &self,
        name: &str,
        unit: &str,
        data: T,
    ) -> Result<doithoai_bus::outbox::NewMessage, serde_json::Error> {
        doithoai_bus::outbox::event(&self.bus.namespace, self.service, name, unit, data)
    }

    /// The trace id of a request, for carrying into the outbox.
    pub fn trace_id(req: &HttpRequest) -> Option<String> {
        use actix_web::HttpMessage;
        req.extensions().get::<TraceId>().map(|t| t.0.clone())
    }
}

/// The HS256 shared secret staff tokens may also be signed with, if any: `JWT_SECRET` (at
/// least 32 bytes), for the test suites and local tools; the development secret only with
/// `DOITHOAI_DEV_AUTH=1` on a service bound to loopback (it is in the repository, so anyone
/// could mint a city-admin token with it).
fn shared_secret(settings: &Settings) -> anyhow::Result<Option<String>> {
    if let Some(secret) = settings.raw("JWT_SECRET") {
        anyhow::ensure!(
            secret != doithoai_auth::DEV_SECRET || dev_auth_on_loopback(settings),
            "JWT_SECRET is the development secret, which only DOITHOAI_DEV_AUTH=1 on loopback may use"
        );
        anyhow::ensure!(
            secret.len() >= 32,
            "setting JWT_SECRET must be at least 32 bytes long"
        );
        return Ok(Some(secret));
    }
    if settings.raw("DOITHOAI_DEV_AUTH").as_deref() == Some("1") {
        anyhow::ensure!(
            dev_auth_on_loopback(settings),
            "DOITHOAI_DEV_AUTH=1 is for a service bound to loopback (BIND_ADDR 127.0.0.1 or ::1)"
        );
        tracing::warn!("DOITHOAI_DEV_AUTH=1: staff tokens are checked with the development secret");
        return Ok(Some(doithoai_auth::DEV_SECRET.to_owned()));
    }
    Ok(None)
}

fn dev_auth_on_loopback(settings: &Settings) -> bool {
    settings.raw("DOITHOAI_DEV_AUTH").as_deref() == Some("1")
        && settings
            .string("BIND_ADDR", "127.0.0.1")
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// A service's `main`: JSON telemetry, `build` from the environment, stop on SIGTERM/SIGINT,
/// serve until stopped.
pub async fn run_service<F, Fut>(service: &'static str, build: F) -> anyhow::Result<()>
where
    F: FnOnce(HashMap<String, String>) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<RunningServer>>,
{
    // Before telemetry: the trace exporter's HTTP client needs the TLS provider.
    install_tls_provider();
    doithoai_telemetry::init(service);
    let app = build(HashMap::new()).await.inspect_err(|e| {
        tracing::error!(error = %format!("{e:#}"), "{service} could not start: {e:#}");
    })?;
    stop_on_signals(app.core());
    let stopped = app.run_until_stopped().await;
    doithoai_telemetry::shutdown();
    stopped
}

/// Sets the core's stop flag on SIGTERM or SIGINT (Ctrl-C).
pub fn stop_on_signals(core: &Core) {
    let core = core.clone();
    tokio::spawn(async move {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let (Ok(mut term), Ok(mut int)) = (
                signal(SignalKind::terminate()),
                signal(SignalKind::interrupt()),
            ) else {
                return;
            };
            tokio::select! {
                _ = term.recv() => tracing::info!("SIGTERM: stopping gracefully"),
                _ = int.recv() => tracing::info!("SIGINT: stopping gracefully"),
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
        core.stop();
    });
}

/// Makes ring the process's TLS crypto provider (rustls, as async-nats, lettre and reqwest use
/// it). reqwest is built without a provider of its own (aws-lc-rs is a long C build), so a
/// client needs one installed. Idempotent.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
