//! Public endpoints: submit a PAKN without logging in, and follow it by its tracking code.

use super::accept::{self, Entry, IntakeState};
use crate::domain::submission::{Context, Origin, Submission};
use crate::domain::tracking_code::TrackingCode;
use crate::store::petitions;
use actix_web::{HttpRequest, HttpResponse, web};
use doithoai_web::input::Body;
use doithoai_web::{ApiError, Core, Lang, Problem};
use serde_json::json;

/// `POST /api/v1/petitions`
#[utoipa::path(post, path = "/api/v1/petitions",
    request_body(content = super::doc::PublicSubmission, content_type = "application/json"),
    params(("Idempotency-Key" = Option<String>, Header, description = "1–128 visible ASCII characters: a retry with the same key and body gets the first answer")),
    responses((status = 201, description = "Stored: the receipt with its tracking code", body = serde_json::Value),
        doithoai_web::openapi::Invalid,
        (status = 429, description = "Too many requests from this address", body = doithoai_web::Problem)))]
pub async fn submit(
    req: HttpRequest,
    body: Body<Submission>,
    state: web::Data<IntakeState>,
    core: web::Data<Core>,
    lang: Lang,
) -> Result<HttpResponse, ApiError> {
    let key = accept::idempotency_key(&req, lang)?;
    let sub = body.valid_in(&Context {
        origin: Origin::Public,
        reference: &state.reference,
        unit_scope: None,
        now: accept::now(),
    })?;
    let entry = Entry {
        recorded_by: None,
        // A public key is the client's own: two citizens who pick the same key never see each
        // other's answer.
        idempotency: key.map(|k| {
            let client = doithoai_web::limit::client_address(&req, &core.limits.proxies);
            (format!("public:{client}"), k)
        }),
        trace_id: Core::trace_id(&req),
        lang,
        core: &core,
    };
    accept::accept(&state, sub, entry).await
}

/// `GET /api/v1/petitions/{tracking_code}`: status without personal data. A malformed code, a
/// wrong check symbol and an unknown code all get the same 404.
#[utoipa::path(get, path = "/api/v1/petitions/{tracking_code}",
    params(("tracking_code" = String, Path, description = "Tracking code, any spelling")),
    responses((status = 200, description = "Status and timeline, without personal data", body = serde_json::Value),
        (status = 404, description = "Not found", body = doithoai_web::Problem),
        (status = 429, description = "Too many requests from this address", body = doithoai_web::Problem)))]
pub async fn track(
    path: web::Path<String>,
    state: web::Data<IntakeState>,
    core: web::Data<Core>,
    lang: Lang,
) -> Result<HttpResponse, ApiError> {
    let Some(code) = TrackingCode::parse(&path) else {
        return Err(Problem::not_found(lang).into());
    };
    let mut conn = core.public_pool.get().await?;
    let Some(p) = petitions::by_tracking_code(&mut conn, code.as_raw()).await? else {
        return Err(Problem::not_found(lang).into());
    };
    let timeline = petitions::timeline(&mut conn, &p).await?;
    drop(conn);
    let unit_name = state
        .reference
        .units
        .get(&p.unit_code)
        .map(|u| u.name_vi.clone());
    let field = state.reference.fields.get(&p.field_code);
    let mut body = json!({
        "tracking_code": code.to_string(),
        "status": p.status,
        "status_label": p.status.label(lang),
        "kind": p.kind,
        "unit": {"code": p.unit_code, "name": unit_name},
        "field": {"code": p.field_code, "name": field.map(|f| lang.pick(&f.name_vi, &f.name_en).to_owned())},
        "channel": p.channel,
        "received_at": doithoai_web::text::ts(p.received_at),
        "holder": {"code": p.holder_code, "name": p.holder_name},
        "due_at": p.due_at.map(doithoai_web::text::ts),
        "timeline": timeline.iter().map(|t| json!({
            "at": doithoai_web::text::ts(t.at),
            "status": t.status,
            "status_label": t.status.label(lang),
            "note": t.note,
        })).collect::<Vec<_>>(),
    });
    if let Some(reason) = p.not_accepted_reason.as_deref()
        && let Some(n) = crate::domain::complaint::NotPakn::from_kind(reason)
    {
        body["not_accepted"] = json!({
            "reason_code": n.code(),
            "reason": lang.pick(n.reason_vi(), n.reason_en()),
            "where_to_file": lang.pick(n.where_to_file_vi(), n.where_to_file_en()),
        });
    }
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(body))
}
