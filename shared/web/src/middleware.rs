//! Request telemetry: a trace id per request (taken from `traceparent` or `X-Trace-Id` when
//! the caller sent one), a span carrying it, a log line, and the request metrics by matched
//! route and status.

use crate::Core;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, web};
use tracing::Instrument;

/// The request's trace id, in its extensions for handlers to carry into the outbox.
#[derive(Debug, Clone)]
pub struct TraceId(pub String);

pub async fn telemetry(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let headers = req.headers();
    let parent = headers
        .get("traceparent")
        .and_then(|v| v.to_str().ok())
        .and_then(doithoai_telemetry::span_id_from_traceparent)
        .map(str::to_owned);
    let trace_id = headers
        .get("traceparent")
        .and_then(|v| v.to_str().ok())
        .and_then(doithoai_telemetry::trace_id_from_traceparent)
        .or_else(|| {
            headers
                .get("x-trace-id")
                .and_then(|v| v.to_str().ok())
                .map(|s| s.to_ascii_lowercase())
                .filter(|s| doithoai_telemetry::is_trace_id(s))
        })
        .unwrap_or_else(doithoai_telemetry::new_trace_id);
    req.extensions_mut().insert(TraceId(trace_id.clone()));
    let metrics = req
        .app_data::<web::Data<Core>>()
        .map(|c| c.metrics.http.clone());
    let method = req.method().to_string();
    let route = req
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let quiet = matches!(route.as_str(), "/healthz" | "/readyz" | "/metrics");
    let span =
        tracing::info_span!("request", trace_id = %trace_id, method = %method, route = %route);
    doithoai_telemetry::join_trace(&span, &trace_id, parent.as_deref());
    let started = std::time::Instant::now();
    let lang = crate::Lang::of(req.request());
    let result = doithoai_telemetry::in_trace(
        trace_id.clone(),
        crate::error::with_lang(lang, next.call(req).instrument(span.clone())),
    )
    .await;
    let elapsed = started.elapsed();
    let status = match &result {
        Ok(res) => res.status().as_u16(),
        Err(e) => e.as_response_error().status_code().as_u16(),
    };
    if let Some(m) = metrics {
        let labels = [method.as_str(), route.as_str(), &status.to_string()];
        m.requests.with_label_values(&labels).inc();
        m.latency
            .with_label_values(&labels)
            .observe(elapsed.as_secs_f64());
    }
    span.in_scope(|| {
        let ms = elapsed.as_secs_f64() * 1000.0;
        if quiet {
            tracing::debug!(status, elapsed_ms = ms, "{method} {route} -> {status}");
        } else if status >= 500 {
            tracing::error!(status, elapsed_ms = ms, "{method} {route} -> {status}");
        } else {
            tracing::info!(status, elapsed_ms = ms, "{method} {route} -> {status}");
        }
    });
    let mut res = result?;
    if let Ok(v) = HeaderValue::from_str(&trace_id) {
        res.headers_mut()
            .insert(HeaderName::from_static("x-trace-id"), v);
    }
    Ok(res)
}

/// Refuses a path or query holding a NUL character (`%00`) with a 400 naming it: PostgreSQL
/// text cannot hold one, so it would otherwise fail deep in a query as a 500.
pub async fn reject_nul(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let has_nul = |s: &str| {
        s.as_bytes()
            .windows(3)
            .any(|w| w.eq_ignore_ascii_case(b"%00"))
    };
    let field = if has_nul(req.uri().path()) {
        Some("path")
    } else if has_nul(req.query_string()) {
        Some("query")
    } else {
        None
    };
    if let Some(field) = field {
        let lang = crate::Lang::of(req.request());
        return Err(crate::Problem::bad_request(
            lang,
            field,
            "control_character",
            lang.pick(
                "Chứa ký tự NUL không được phép",
                "Contains a NUL character, which is not allowed",
            )
            .to_owned(),
        )
        .into());
    }
    next.call(req).await
}
