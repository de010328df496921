//! A service's shared parts and its HTTP server.

use crate::middleware::telemetry;
use crate::{Lang, Problem, Settings, problem};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use async_nats::jetstream;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use diesel_migrations::EmbeddedMigrations;
use doithoai_auth::AuthConfig;
use doithoai_bus::BusConfig;
use doithoai_bus::consumer::{ConsumerSpec, Outcome};
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
use tracing::Instrument;

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
    pub nats: async_nats::Client,
    pub js: jetstream::Context,
    pub bus: BusConfig,
    pub metrics: Metrics,
    pub auth: AuthConfig,
    pub relay: RelayHandle,
    backlog: IntGauge,
    parked: IntGauge,
    dead_letters: IntGauge,
    dead_lettered: IntCounterVec,
    batch_messages: HistogramVec,
    batch_seconds: HistogramVec,
    batch_fallbacks: IntCounterVec,
    nats_up: IntGauge,
    lag: IntGaugeVec,
    /// Messages a consumer applies in one transaction, at most (`CONSUMER_BATCH`).
    pub consumer_batch: usize,
    /// Deliveries after which a failing event becomes a dead letter (`CONSUMER_DEAD_LETTER_AFTER`).
    pub dead_letter_after: i64,
    consumers: Arc<Mutex<Vec<ConsumerSpec>>>,
    consumed: Arc<tokio::sync::Notify>,
    scrape_hooks: Arc<Mutex<Vec<ScrapeHook>>>,
    stop_tx: Arc<watch::Sender<bool>>,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
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
        };
        anyhow::ensure!(
            bus.namespace
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "setting NATS_NAMESPACE must be letters, digits and underscores"
        );
        let auth = AuthConfig {
            secret: signing_secret(&settings)?,
            issuer: settings.string("JWT_ISSUER", "doithoai"),
            audience: settings.string("JWT_AUDIENCE", "doithoai-api"),
        };
        anyhow::ensure!(
            auth.secret.len() >= 32,
            "setting JWT_SECRET must be at least 32 bytes long"
        );

        doithoai_db::ensure_database(&db_url).await?;
        doithoai_db::run_migrations(&db_url, doithoai_bus::MIGRATIONS).await?;
        if let Some(m) = opts.migrations {
            doithoai_db::run_migrations(&db_url, m).await?;
        }
        let statement_timeout_ms: u64 =
            settings.parse("DB_STATEMENT_TIMEOUT_MS", doithoai_db::STATEMENT_TIMEOUT_MS)?;
        let pool = doithoai_db::pool_with_timeout(&db_url, pool_size, statement_timeout_ms)?;
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
        metrics.registry.register(Box::new(backlog.clone()))?;
        metrics.registry.register(Box::new(published.clone()))?;
        metrics.registry.register(Box::new(lag.clone()))?;

        let (stop_tx, stop_rx) = watch::channel(false);
        let relay = {
            let js = js.clone();
            let bus = bus.clone();
            Relay::new(pool.clone(), js.clone(), published).before_publish(move || {
                let js = js.clone();
                let bus = bus.clone();
                async move { doithoai_bus::ensure_stream(&js, &bus, service).await }
            })
        };
        let relay_handle = relay.handle();
        let relay_task = tokio::spawn(relay.run(stop_rx));

        Ok(Core {
            service,
            settings,
            default_port: opts.default_port,
            pool,
            nats,
            js,
            bus,
            metrics,
            auth,
            relay: relay_handle,
            backlog,
            parked,
            dead_letters,
            dead_lettered,
            batch_messages,
            batch_seconds,
            batch_fallbacks,
            nats_up,
            lag,
            consumer_batch,
            dead_letter_after,
            consumers: Arc::new(Mutex::new(Vec::new())),
            consumed: Arc::new(tokio::sync::Notify::new()),
            scrape_hooks: Arc::new(Mutex::new(Vec::new())),
            stop_tx: Arc::new(stop_tx),
            tasks: Arc::new(Mutex::new(vec![relay_task])),
        })
    }

    /// A receiver that turns true when the service stops.
    pub fn stopping(&self) -> watch::Receiver<bool> {
        self.stop_tx.subscribe()
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
        self.start_consumer::<T, _>(name, from_service, events, PerMessage { ctx, handler });
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
        self.start_consumer::<T, _>(name, from_service, events, Batched { ctx, handler });
    }

    /// Declares the durable consumer `<service>-<name>` on `from_service`'s stream, filtered to
    /// `events` for every unit, reports its lag, and runs it with `apply` until the service stops.
    fn start_consumer<T, A>(&self, name: &str, from_service: &str, events: &[&str], apply: A)
    where
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

/// The staff tokens' signing key: `JWT_SECRET`, required. There is no built-in fallback: the
/// development secret is used only with `DOITHOAI_DEV_AUTH=1` on a service bound to loopback
/// (it is in the repository, so anyone could mint a city-admin token with it).
fn signing_secret(settings: &Settings) -> anyhow::Result<String> {
    if let Some(secret) = settings.raw("JWT_SECRET") {
        anyhow::ensure!(
            secret != doithoai_auth::DEV_SECRET || dev_auth_on_loopback(settings),
            "JWT_SECRET is the development secret, which only DOITHOAI_DEV_AUTH=1 on loopback may use"
        );
        return Ok(secret);
    }
    if settings.raw("DOITHOAI_DEV_AUTH").as_deref() == Some("1") {
        anyhow::ensure!(
            dev_auth_on_loopback(settings),
            "DOITHOAI_DEV_AUTH=1 is for a service bound to loopback (BIND_ADDR 127.0.0.1 or ::1)"
        );
        tracing::warn!("DOITHOAI_DEV_AUTH=1: staff tokens are checked with the development secret");
        return Ok(doithoai_auth::DEV_SECRET.to_owned());
    }
    anyhow::bail!(
        "setting JWT_SECRET is required (the staff tokens' signing key, at least 32 bytes); \
         for local development only, DOITHOAI_DEV_AUTH=1 with BIND_ADDR on loopback"
    )
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
    doithoai_telemetry::init(service);
    let app = build(HashMap::new()).await.inspect_err(|e| {
        tracing::error!(error = %format!("{e:#}"), "{service} could not start: {e:#}");
    })?;
    stop_on_signals(app.core());
    app.run_until_stopped().await
}

/// Applies batches of one consumer's messages (see [`Core::consume`]).
struct Applier<T, A> {
    core: Core,
    durable: String,
    apply: A,
    _t: std::marker::PhantomData<fn() -> T>,
}

/// How a consumer's new events are applied inside the batch transaction.
trait Apply<T>: Send + Sync {
    fn apply<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        durable: &'a str,
        events: Vec<(String, doithoai_contracts::Envelope<T>)>,
    ) -> BoxFuture<'a, Result<(), ConsumeError>>;
}

/// A handler called once per event, each in a span with the event's trace id.
struct PerMessage<C, H> {
    ctx: C,
    handler: H,
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
struct Batched<C, H> {
    ctx: C,
    handler: H,
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
        let by_event = events.iter().map(|(t, e)| (e.id, t.clone())).collect();
        let envelopes = events.into_iter().map(|(_, e)| e).collect();
        Box::pin(doithoai_telemetry::in_batch(
            by_event,
            (self.handler)(conn, &self.ctx, envelopes).instrument(span),
        ))
    }
}

/// How one message fared on its own.
enum Single {
    Done,
    Retry(String),
    Dead(String),
}

impl<T, A> Applier<T, A>
where
    T: serde::de::DeserializeOwned + Send + 'static,
    A: Apply<T>,
{
    async fn apply(&self, batch: Vec<jetstream::Message>) -> Vec<(jetstream::Message, Outcome)> {
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
        let mut conn = self.core.pool.get().await?;
        conn.transaction::<(), anyhow::Error, _>(async |conn| {
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
        })
        .await
    }

    async fn apply_one(&self, msg: &jetstream::Message) -> Single {
        let envelope = match serde_json::from_slice::<doithoai_contracts::Envelope<T>>(&msg.payload)
        {
            Ok(e) => e,
            Err(e) => return Single::Dead(format!("undecodable payload: {e}")),
        };
        let trace_id = message_trace_id(msg);
        let mut conn = match self.core.pool.get().await {
            Ok(c) => c,
            Err(e) => return Single::Retry(format!("database unavailable: {e}")),
        };
        let result = conn
            .transaction::<(), ConsumeError, _>(async |conn| {
                if !doithoai_bus::inbox::record(conn, &self.durable, envelope.id).await? {
                    return Ok(());
                }
                self.apply
                    .apply(conn, &self.durable, vec![(trace_id, envelope)])
                    .await
            })
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

impl<E: Into<anyhow::Error>> From<E> for ConsumeError {
    fn from(e: E) -> Self {
        ConsumeError::Transient(e.into())
    }
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

/// A bound server, ready to run: what each service's `build` returns as its `Application`.
pub struct RunningServer {
    pub port: u16,
    server: actix_web::dev::Server,
    core: Core,
}

impl RunningServer {
    /// The port it listens on (useful with `PORT=0`).
    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn core(&self) -> &Core {
        &self.core
    }

    /// Serves until the core is stopped (signal or [`Core::stop`]), lets in-flight requests
    /// finish, then stops background tasks.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        tracing::info!(
            service = self.core.service,
            port = self.port,
            "{} listening on port {}",
            self.core.service,
            self.port
        );
        self.server.await?;
        self.core.shutdown().await;
        tracing::info!(service = self.core.service, "{} stopped", self.core.service);
        Ok(())
    }
}

/// Binds the service's HTTP server (`BIND_ADDR`, default `127.0.0.1`; `PORT`, default the
/// service's own; `0` picks a free port) with the shared middleware, error handlers,
/// `/healthz`, `/readyz`, `/metrics`, and the routes `configure` adds. JSON bodies are limited to
/// `json_limit` bytes.
pub fn serve<F>(core: Core, json_limit: usize, configure: F) -> anyhow::Result<RunningServer>
where
    F: Fn(&mut web::ServiceConfig) + Clone + Send + 'static,
{
    let bind = core.settings.string("BIND_ADDR", "127.0.0.1");
    let port: u16 = core.settings.parse("PORT", core.default_port)?;
    let workers: usize = core.settings.parse(
        "HTTP_WORKERS",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2),
    )?;
    let data = web::Data::new(core.clone());
    let mut stop = core.stopping();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .app_data(
                web::JsonConfig::default()
                    .limit(json_limit)
                    .error_handler(problem::json_error),
            )
            .app_data(web::PathConfig::default().error_handler(|e, req| {
                Problem::bad_request(Lang::of(req), "path", "invalid", e.to_string()).into()
            }))
            .app_data(web::QueryConfig::default().error_handler(|e, req| {
                Problem::bad_request(Lang::of(req), "query", "invalid", e.to_string()).into()
            }))
            .wrap(actix_web::middleware::from_fn(
                crate::middleware::reject_nul,
            ))
            .wrap(actix_web::middleware::from_fn(telemetry))
            .service(crate::Endpoint::new("/healthz").get(healthz))
            .service(crate::Endpoint::new("/readyz").get(readyz))
            .service(crate::Endpoint::new("/metrics").get(metrics))
            .configure(configure.clone())
            .default_service(web::to(unknown_route))
    })
    .workers(workers)
    .shutdown_timeout(20)
    .shutdown_signal(async move {
        while !*stop.borrow() {
            if stop.changed().await.is_err() {
                break;
            }
        }
    })
    .bind((bind.as_str(), port))
    .map_err(|e| anyhow::anyhow!("binding {bind}:{port} (setting PORT / BIND_ADDR): {e}"))?;
    let port = server
        .addrs()
        .first()
        .map(|a| a.port())
        .ok_or_else(|| anyhow::anyhow!("server bound no address"))?;
    Ok(RunningServer {
        port,
        server: server.run(),
        core,
    })
}

/// Alive: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "`{status: alive, service}`", body = serde_json::Value)))]
async fn healthz(core: web::Data<Core>) -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "alive", "service": core.service}))
}

/// Ready while the database answers. NATS being away does not take a service out of traffic:
/// writes go to the outbox and are published when it is back. The body reports both.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses((status = 200, description = "Ready: `{checks: {database, nats}}`", body = serde_json::Value),
              (status = 503, description = "The database does not answer", body = crate::Problem)))]
async fn readyz(core: web::Data<Core>, lang: Lang) -> HttpResponse {
    let db = doithoai_db::ping(&core.pool, Duration::from_secs(2)).await;
    let nats = doithoai_bus::is_connected(&core.nats);
    core.nats_up.set(i64::from(nats));
    let checks = serde_json::json!({
        "database": if db { "up" } else { "down" },
        "nats": if nats { "up" } else { "down" },
    });
    if db {
        HttpResponse::Ok()
            .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
            .json(serde_json::json!({
                "status": if nats { "ready" } else { "ready_nats_down" },
                "service": core.service,
                "checks": checks,
            }))
    } else {
        let mut res = Problem::unavailable(lang, "unreachable: database").response();
        res.headers_mut().insert(
            actix_web::http::header::CACHE_CONTROL,
            actix_web::http::header::HeaderValue::from_static("no-store"),
        );
        res
    }
}

/// Prometheus metrics, in the text format.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain")))]
async fn metrics(core: web::Data<Core>) -> HttpResponse {
    if let Some(n) = doithoai_bus::outbox::backlog(&core.pool).await {
        core.backlog.set(n);
    }
    if let Some(n) = doithoai_bus::outbox::parked(&core.pool).await {
        core.parked.set(n);
    }
    if let Ok(mut conn) = core.pool.get().await
        && let Ok(n) = doithoai_bus::dead_letter::waiting(&mut conn).await
    {
        core.dead_letters.set(n);
    }
    core.nats_up
        .set(i64::from(doithoai_bus::is_connected(&core.nats)));
    // Consumer lag needs NATS: skipped while it is away, and bounded, so a scrape never hangs
    // during an outage.
    if doithoai_bus::is_connected(&core.nats) {
        let specs: Vec<ConsumerSpec> = core.consumers.lock().map(|c| c.clone()).unwrap_or_default();
        let lags = futures_util::future::join_all(specs.iter().map(|spec| {
            tokio::time::timeout(
                Duration::from_millis(500),
                doithoai_bus::consumer::pending(&core.js, spec),
            )
        }))
        .await;
        for (spec, lag) in specs.iter().zip(lags) {
            if let Ok(Some(n)) = lag {
                core.lag
                    .with_label_values(&[spec.durable.as_str()])
                    .set(n as i64);
            }
        }
    }
    let hooks: Vec<ScrapeHook> = core
        .scrape_hooks
        .lock()
        .map(|h| h.clone())
        .unwrap_or_default();
    for hook in hooks {
        let _ = tokio::time::timeout(Duration::from_secs(2), hook()).await;
    }
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(core.metrics.render())
}

/// What every service serves besides its own API.
#[derive(utoipa::OpenApi)]
#[openapi(paths(healthz, readyz, metrics))]
pub(crate) struct Operations;

async fn unknown_route(req: HttpRequest) -> HttpResponse {
    let lang = Lang::of(&req);
    Problem::not_found(lang)
        .with_error(problem::FieldError::new(
            "path",
            "unknown_route",
            format!("{} {}", req.method(), req.path()),
        ))
        .response()
}

/// Makes ring the process's TLS crypto provider (rustls, as async-nats, lettre and reqwest use
/// it). reqwest is built without a provider of its own (aws-lc-rs is a long C build), so a
/// client needs one installed. Idempotent.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
