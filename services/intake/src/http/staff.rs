//! Staff endpoints (JWT): record what arrived by phone, in person, by post or email; read a
//! petition with its submitter's data; page through the unit's receipt book.
//!
//! Architecture invariant: a token sees only its unit. Another unit's petition is a 404 and
//! another unit's code in a body is "unknown unit", exactly as if it did not exist.

use super::accept::{self, Entry, IntakeState};
use crate::domain::status::PetitionStatus;
use crate::domain::submission::{self, Origin};
use crate::domain::tracking_code::TrackingCode;
use crate::store::petitions::{self, Petition};
use actix_web::{HttpRequest, HttpResponse, web};
use doithoai_auth::Role;
use doithoai_web::cursor::{self, Cursor, Page};
use doithoai_web::{ApiError, Core, FieldError, Lang, Problem, Staff};
use serde::Deserialize;
use serde_json::{Value, json};

/// `POST /api/v1/staff/petitions` (clerk or leader of the unit).
#[utoipa::path(post, path = "/api/v1/staff/petitions", security(("bearer" = [])),
    request_body(content = super::doc::StaffSubmission, content_type = "application/json"),
    params(("Idempotency-Key" = Option<String>, Header, description = "1–128 visible ASCII characters: a retry with the same key and body gets the first answer")),
    responses((status = 201, description = "Stored: the receipt", body = serde_json::Value),
        doithoai_web::openapi::StaffErrors,
        doithoai_web::openapi::Invalid))]
pub async fn record(
    req: HttpRequest,
    staff: Staff,
    body: web::Json<Value>,
    state: web::Data<IntakeState>,
    core: web::Data<Core>,
    lang: Lang,
) -> Result<HttpResponse, ApiError> {
    let claims = staff.0;
    if !matches!(claims.role, Role::Clerk | Role::Leader) {
        return Err(Problem::forbidden(lang).into());
    }
    let key = accept::idempotency_key(&req, lang)?;
    let sub = submission::parse(
        &body,
        Origin::Staff,
        &state.reference,
        Some(&claims.unit),
        lang,
        accept::now(),
    )?;
    let entry = Entry {
        recorded_by: Some(claims.sub.clone()),
        idempotency: key.map(|k| (format!("staff:{}", claims.sub), k)),
        trace_id: Core::trace_id(&req),
        lang,
        core: &core,
    };
    accept::accept(&state, sub, entry).await
}

/// `GET /api/v1/staff/petitions/{tracking_code}`: the full record and timeline.
#[utoipa::path(get, path = "/api/v1/staff/petitions/{tracking_code}", security(("bearer" = [])),
    params(("tracking_code" = String, Path, description = "Tracking code, any spelling")),
    responses((status = 200, description = "The full record and timeline", body = serde_json::Value),
        doithoai_web::openapi::StaffErrors))]
pub async fn show(
    staff: Staff,
    path: web::Path<String>,
    core: web::Data<Core>,
    lang: Lang,
) -> Result<HttpResponse, ApiError> {
    let Some(code) = TrackingCode::parse(&path) else {
        return Err(Problem::not_found(lang).into());
    };
    let mut conn = core.pool.get().await?;
    let found = petitions::by_tracking_code(&mut conn, code.as_raw()).await?;
    let Some(p) = found.filter(|p| staff.0.can_read(&p.unit_code)) else {
        return Err(Problem::not_found(lang).into());
    };
    let timeline = petitions::timeline(&mut conn, &p).await?;
    drop(conn);
    staff
        .audit_read(&core, "petition", &p.id.to_string())
        .await?;
    let mut body = staff_view(&p, lang);
    body["timeline"] = json!(
        timeline
            .iter()
            .map(|t| json!({
                "at": doithoai_web::text::ts(t.at),
                "status": t.status,
                "status_label": t.status.label(lang),
                "actor": t.actor,
                "note": t.note,
            }))
            .collect::<Vec<_>>()
    );
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(body))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BookQuery {
    unit: Option<String>,
    status: Option<String>,
    before: Option<String>,
    limit: Option<i64>,
}

/// `GET /api/v1/staff/petitions?unit=&status=&before=&limit=`: the receipt book, newest first.
/// Ward staff see their unit (naming another is "unknown unit"); city-wide roles name one.
#[utoipa::path(get, path = "/api/v1/staff/petitions", security(("bearer" = [])),
    params(BookQuery),
    responses((status = 200, description = "The receipt book, newest first", body = serde_json::Value),
        doithoai_web::openapi::StaffErrors,
        doithoai_web::openapi::Invalid))]
pub async fn receipt_book(
    staff: Staff,
    query: web::Query<BookQuery>,
    state: web::Data<IntakeState>,
    core: web::Data<Core>,
    lang: Lang,
) -> Result<HttpResponse, ApiError> {
    let mut errors = Vec::new();
    // A unit the reference data does not know is as unknown as another unit's.
    let requested = query.unit.as_deref();
    let unit = match requested {
        Some(u) if !state.reference.units.contains_key(u) => Err(Staff::unknown_unit(lang)),
        _ => staff.unit_scope(requested, lang),
    }
    .map_err(|e| errors.push(e))
    .ok();
    // The cursor `next_before` gave (keyset on time of receipt and petition id).
    let Page {
        limit,
        cursor: before,
    } = Page::read(
        query.limit,
        (50, 200),
        ("before", query.before.as_deref()),
        lang,
        &mut errors,
    );
    let status = query.status.as_deref().map(PetitionStatus::parse);
    if status == Some(None) {
        errors.push(FieldError::new(
            "status",
            "unknown_value",
            lang.pick("Trạng thái không hợp lệ", "Unknown status"),
        ));
    }
    let Some(unit) = unit.filter(|_| errors.is_empty()) else {
        return Err(Problem::validation(lang, errors).into());
    };
    let mut conn = core.pool.get().await?;
    let rows = petitions::receipt_book(&mut conn, &unit, before, status.flatten(), limit).await?;
    drop(conn);
    staff
        .audit_read(
            &core,
            "receipt_book",
            &format!("unit={unit} rows={}", rows.len()),
        )
        .await?;
    let next = cursor::next(&rows, limit, |p| Cursor::new(p.received_at, p.id));
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(json!({
            "unit": unit,
            "items": rows.iter().map(|p| staff_view(p, lang)).collect::<Vec<_>>(),
            "next_before": next,
        })))
}

fn staff_view(p: &Petition, lang: Lang) -> Value {
    let code = TrackingCode::from_raw(p.tracking_code.clone()).to_string();
    json!({
        "petition_id": p.id,
        "tracking_code": code,
        "status": p.status,
        "status_label": p.status.label(lang),
        "not_accepted_reason": p.not_accepted_reason,
        "unit": p.unit_code,
        "kind": p.kind,
        "field": p.field_code,
        "procedure_code": p.procedure_code,
        "content_type": p.content_type,
        "title": p.title,
        "content": p.content,
        "submitter": {
            "kind": p.submitter_kind,
            "name": p.submitter_name,
            "organization": p.submitter_organization,
            "address": p.submitter_address,
            "phone": p.submitter_phone,
            "email": p.submitter_email,
        },
        "consent_to_publish_identity": p.consent_to_publish_identity,
        "conference_id": p.conference_id,
        "channel": p.channel,
        "received_at": doithoai_web::text::ts(p.received_at),
        "recorded_at": doithoai_web::text::ts(p.recorded_at),
        "recorded_by": p.recorded_by,
        "holder": {"code": p.holder_code, "name": p.holder_name},
        "due_at": p.due_at.map(doithoai_web::text::ts),
    })
}
