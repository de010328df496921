//! The HTTP server every service runs: shared middleware and error handlers, `/healthz`,
//! `/readyz`, `/metrics`, a problem+json 404 for unknown routes.

use crate::core::{Core, ScrapeHook};
use crate::middleware::telemetry;
use crate::{Lang, Problem, problem};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use doithoai_bus::consumer::ConsumerSpec;
use std::time::Duration;

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
            .wrap(actix_web::middleware::from_fn(crate::endpoint::guard_roles))
            .wrap(actix_web::middleware::from_fn(crate::limit::limit_public))
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
    core.database_up.set(i64::from(db));
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
    core.database_up.set(i64::from(
        doithoai_db::ping(&core.pool, Duration::from_secs(1)).await,
    ));
    core.nats_up
        .set(i64::from(doithoai_bus::is_connected(&core.nats)));
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
