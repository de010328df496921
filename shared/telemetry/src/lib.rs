//! Telemetry shared by every service: JSON logs through `tracing`, W3C-style trace ids that
//! follow a submission across HTTP and NATS headers, and a per-service Prometheus registry.
//!
//! Metrics are named `<service>_<thing>_<unit>`; backlog-style gauges are computed at scrape
//! time by the service (see `doithoai-web`'s metrics endpoint), not by background timers.

use prometheus::{HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Installs the global subscriber: JSON lines on stdout with the current span's fields (so a
/// `trace_id` set on a request span shows on every line), filtered by `RUST_LOG` (default
/// `info`). Calling it twice is harmless (the second call does nothing), which tests rely on.
pub fn init(service: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let json = std::env::var("LOG_FORMAT")
        .map(|v| v != "pretty")
        .unwrap_or(true);
    let registry = tracing_subscriber::registry().with(filter);
    let result = if json {
        registry
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .with_current_span(true)
                    .with_span_list(false)
                    .flatten_event(true),
            )
            .try_init()
    } else {
        registry.with(tracing_subscriber::fmt::layer()).try_init()
    };
    if result.is_ok() {
        tracing::info!(service, "telemetry ready for {service}");
    }
}

/// A 32-hex-digit trace id (the W3C trace-context `trace-id`).
///
/// ```
/// let id = doithoai_telemetry::new_trace_id();
/// assert_eq!(id.len(), 32);
/// assert!(doithoai_telemetry::is_trace_id(&id));
/// ```
pub fn new_trace_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Whether `s` is a valid, non-zero trace id.
pub fn is_trace_id(s: &str) -> bool {
    s.len() == 32
        && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        && s.bytes().any(|b| b != b'0')
}

/// Reads the trace id from a `traceparent` header value (`00-<trace>-<span>-<flags>`).
///
/// ```
/// let t = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
/// assert_eq!(doithoai_telemetry::trace_id_from_traceparent(t).as_deref(),
///            Some("4bf92f3577b34da6a3ce929d0e0e4736"));
/// ```
pub fn trace_id_from_traceparent(value: &str) -> Option<String> {
    let mut parts = value.trim().split('-');
    let _version = parts.next()?;
    let trace = parts.next()?.to_ascii_lowercase();
    is_trace_id(&trace).then_some(trace)
}

tokio::task_local! {
    static TRACE: String;
    static BATCH: std::collections::HashMap<uuid::Uuid, String>;
}

/// Runs `f` as part of trace `trace_id`: what it publishes carries that trace (the HTTP
/// middleware runs every request in its trace; the consumers run every event in the trace its
/// message carried).
pub async fn in_trace<F: std::future::Future>(trace_id: String, f: F) -> F::Output {
    TRACE.scope(trace_id, f).await
}

/// The trace being served, if any.
pub fn current_trace_id() -> Option<String> {
    TRACE.try_with(Clone::clone).ok()
}

/// Runs a batch handler `f` knowing each event's trace, for [`caused_by`].
pub async fn in_batch<F: std::future::Future>(
    traces: std::collections::HashMap<uuid::Uuid, String>,
    f: F,
) -> F::Output {
    BATCH.scope(traces, f).await
}

/// Runs `f` in the trace of the batch's event `event_id` (else in the current trace): the
/// events a batch handler writes for one incoming event carry that event's trace.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use doithoai_telemetry::{caused_by, current_trace_id, in_batch};
/// let id = uuid::Uuid::new_v4();
/// let traces = [(id, "4bf92f3577b34da6a3ce929d0e0e4736".to_owned())].into();
/// let seen = in_batch(traces, async { caused_by(id, current_trace_id) }).await;
/// assert_eq!(seen.as_deref(), Some("4bf92f3577b34da6a3ce929d0e0e4736"));
/// assert_eq!(current_trace_id(), None);
/// # });
/// ```
pub fn caused_by<R>(event_id: uuid::Uuid, f: impl FnOnce() -> R) -> R {
    match BATCH.try_with(|m| m.get(&event_id).cloned()).ok().flatten() {
        Some(trace) => TRACE.sync_scope(trace, f),
        None => f(),
    }
}

/// A `traceparent` header value for `trace_id` with a fresh span id.
pub fn traceparent(trace_id: &str) -> String {
    let span = uuid::Uuid::new_v4().simple().to_string();
    format!("00-{trace_id}-{}-01", &span[..16])
}

/// Request metrics every HTTP service exposes.
#[derive(Clone)]
pub struct HttpMetrics {
    pub requests: IntCounterVec,
    pub latency: HistogramVec,
}

/// The service's registry and its standard metrics.
#[derive(Clone)]
pub struct Metrics {
    pub service: String,
    pub registry: Registry,
    pub http: HttpMetrics,
}

impl Metrics {
    /// Registers `<service>_http_requests_total` and `<service>_http_request_duration_seconds`,
    /// both labelled by `method`, `route` (the matched pattern, never the raw path) and `status`.
    pub fn new(service: &str) -> Result<Self, prometheus::Error> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                format!("{service}_http_requests_total"),
                "HTTP requests served, by route and status",
            ),
            &["method", "route", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                format!("{service}_http_request_duration_seconds"),
                "HTTP request latency, by route and status",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ]),
            &["method", "route", "status"],
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        Ok(Self {
            service: service.to_owned(),
            registry,
            http: HttpMetrics { requests, latency },
        })
    }

    /// The registry's metrics in the Prometheus text format.
    pub fn render(&self) -> String {
        let encoder = prometheus::TextEncoder::new();
        encoder
            .encode_to_string(&self.registry.gather())
            .unwrap_or_else(|e| format!("# encoding failed: {e}\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traceparent_carries_the_trace_id_it_was_made_from() {
        let id = new_trace_id();
        assert_eq!(trace_id_from_traceparent(&traceparent(&id)), Some(id));
    }

    #[test]
    fn all_zero_trace_id_is_invalid() {
        assert!(!is_trace_id("00000000000000000000000000000000"));
        assert_eq!(trace_id_from_traceparent("00-zz-11-01"), None);
    }

    #[test]
    fn metrics_render_in_text_format_with_service_prefix() {
        let m = Metrics::new("intake").unwrap();
        m.http
            .requests
            .with_label_values(&["GET", "/healthz", "200"])
            .inc();
        let text = m.render();
        assert!(text.contains(
            "intake_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1"
        ));
    }
}
