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
///
/// With `OTEL_EXPORTER_OTLP_ENDPOINT` set (e.g. `http://otel-collector:4318`), spans are also
/// exported to that OpenTelemetry collector over OTLP/HTTP — protobuf, or JSON with
/// `OTEL_EXPORTER_OTLP_PROTOCOL=http/json` — in batches (`OTEL_BSP_SCHEDULE_DELAY`, 5000 ms),
/// as service `service`; each request's and event's span joins the trace its `traceparent`
/// carried ([`join_trace`]), so one petition's trace spans every service.
pub fn init(service: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let json = std::env::var("LOG_FORMAT")
        .map(|v| v != "pretty")
        .unwrap_or(true);
    let otlp = match otlp::layer(service) {
        Ok(layer) => layer,
        Err(e) => {
            eprintln!("OpenTelemetry export not started: {e}");
            None
        }
    };
    let registry = tracing_subscriber::registry().with(filter).with(otlp);
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

/// Makes `span` (not entered yet) part of trace `trace_id` in the OpenTelemetry export, as
/// the child of the remote span `parent` (a 16-hex-digit span id from a `traceparent`) or of a
/// new one. Without an export it does nothing.
pub fn join_trace(span: &tracing::Span, trace_id: &str, parent: Option<&str>) {
    otlp::join(span, trace_id, parent);
}

/// Whether spans are exported (`OTEL_EXPORTER_OTLP_ENDPOINT`): spans made for the export alone
/// need not be made otherwise.
pub fn exporting() -> bool {
    otlp::PROVIDER.get().is_some()
}

/// The parent span id of a `traceparent` header value, if valid.
///
/// ```
/// let t = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
/// assert_eq!(doithoai_telemetry::span_id_from_traceparent(t), Some("00f067aa0ba902b7"));
/// ```
pub fn span_id_from_traceparent(value: &str) -> Option<&str> {
    let span = value.trim().split('-').nth(2)?;
    (span.len() == 16
        && span.bytes().all(|b| b.is_ascii_hexdigit())
        && span.bytes().any(|b| b != b'0'))
    .then_some(span)
}

/// Sends the spans not exported yet (a service calls it when it stops).
pub fn shutdown() {
    otlp::shutdown();
}

mod otlp {
    use opentelemetry::trace::{
        SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState, TracerProvider,
    };
    use opentelemetry_sdk::trace::SdkTracerProvider;
    use std::sync::OnceLock;
    use tracing_opentelemetry::OpenTelemetrySpanExt;

    pub(super) static PROVIDER: OnceLock<SdkTracerProvider> = OnceLock::new();

    pub(super) type Layer<S> =
        tracing_opentelemetry::OpenTelemetryLayer<S, opentelemetry_sdk::trace::SdkTracer>;

    /// The export layer when `OTEL_EXPORTER_OTLP_ENDPOINT` is set.
    pub(super) fn layer<S>(service: &str) -> Result<Option<Layer<S>>, String>
    where
        S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    {
        if std::env::var("OTEL_EXPORTER_OTLP_ENDPOINT").map_or(true, |v| v.trim().is_empty()) {
            return Ok(None);
        }
        let protocol = match std::env::var("OTEL_EXPORTER_OTLP_PROTOCOL").as_deref() {
            Ok("http/json") => opentelemetry_otlp::Protocol::HttpJson,
            Ok("http/protobuf") | Err(_) => opentelemetry_otlp::Protocol::HttpBinary,
            Ok(other) => {
                return Err(format!(
                    "OTEL_EXPORTER_OTLP_PROTOCOL {other} is not served: http/protobuf or http/json"
                ));
            }
        };
        use opentelemetry_otlp::{WithExportConfig, WithHttpConfig};
        // reqwest's blocking client runs a runtime of its own, which may be neither made nor
        // dropped on a thread of the service's runtime: made on a thread apart, used by the
        // batch exporter's own thread, shut down on a thread apart ([`shutdown`]).
        let exporter = std::thread::spawn(move || {
            let client = reqwest::blocking::Client::builder()
                .timeout(std::time::Duration::from_secs(10))
                .build()
                .map_err(|e| e.to_string())?;
            opentelemetry_otlp::SpanExporter::builder()
                .with_http()
                .with_protocol(protocol)
                .with_http_client(client)
                .build()
                .map_err(|e| e.to_string())
        })
        .join()
        .map_err(|_| "the exporter could not be made".to_owned())??;
        let provider = SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_resource(
                opentelemetry_sdk::Resource::builder()
                    .with_service_name(service.to_owned())
                    .build(),
            )
            .build();
        let tracer = provider.tracer(service.to_owned());
        let _ = PROVIDER.set(provider);
        Ok(Some(tracing_opentelemetry::layer().with_tracer(tracer)))
    }

    pub(super) fn join(span: &tracing::Span, trace_id: &str, parent: Option<&str>) {
        if !super::exporting() {
            return;
        }
        let Ok(trace) = TraceId::from_hex(trace_id) else {
            return;
        };
        let parent = parent
            .and_then(|p| SpanId::from_hex(p).ok())
            .filter(|p| *p != SpanId::INVALID)
            .unwrap_or_else(|| {
                let bytes = uuid::Uuid::new_v4().into_bytes();
                let mut id = [0u8; 8];
                id.copy_from_slice(&bytes[..8]);
                id[0] |= 1;
                SpanId::from_bytes(id)
            });
        let remote = SpanContext::new(
            trace,
            parent,
            TraceFlags::SAMPLED,
            true,
            TraceState::default(),
        );
        let _ = span.set_parent(opentelemetry::Context::new().with_remote_span_context(remote));
    }

    pub(super) fn shutdown() {
        if let Some(p) = PROVIDER.get() {
            let p = p.clone();
            let _ = std::thread::spawn(move || p.shutdown()).join();
        }
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
