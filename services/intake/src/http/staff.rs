//! Staff endpoints (JWT): record what arrived by phone, in person, by post or email; read a
//! petition with its submitter's data; page through the unit's receipt book.
//!
//! Architecture invariant: a token sees only its unit. Another unit's petition is a 404 and
//! another unit's code in a body is "unknown unit", exactly as if it did not exist.

use super::accept::{self, Entry, IntakeState};
use crate::domain::complaint::NotPakn;
use crate::domain::status::PetitionStatus;
use crate::domain::submission::{Classified, Context, Origin, Submission};
use crate::domain::tracking_code::TrackingCode;
use crate::store::petitions::{self, NewPetition, Petition};
use actix_web::{HttpRequest, HttpResponse, web};
use diesel_async::AsyncConnection;
use doithoai_auth::Role;
use doithoai_contracts::PetitionKind;
use doithoai_web::cursor::{self, Cursor, Page};
use doithoai_web::input::{Body, Command, Fields};
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
    body: Body<Submission>,
    state: web::Data<IntakeState>,
    core: web::Data<Core>,
    lang: Lang,
) -> Result<HttpResponse, ApiError> {
    let claims = staff.0;
    if !matches!(claims.role, Role::Clerk | Role::Leader) {
        return Err(Problem::forbidden(lang).into());
    }
    let key = accept::idempotency_key(&req, lang)?;
    let sub = body.valid_in(&Context {
        origin: Origin::Staff,
        reference: &state.reference,
        unit_scope: Some(&claims.unit),
        now: accept::now(),
    })?;
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
    let mut conn = core.pool.get().await?;
    let p = petition_at(&mut conn, &path, lang, |unit| staff.0.can_read(unit)).await?;
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

/// What a clerk decides a held petition is (Decree 20, Art. 9: the classes at triage).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TriageClass {
    Feedback,
    Recommendation,
    /// Feedback about an official's conduct: routed to the department managing officials.
    OfficialConduct,
    Complaint,
    Denunciation,
}

/// `POST /api/v1/staff/petitions/{tracking_code}/triage`.
#[derive(Debug, utoipa::ToSchema)]
pub struct TriageDecision {
    /// `feedback`, `recommendation`, `official_conduct`, `complaint` or `denunciation`.
    #[schema(value_type = String, example = "feedback")]
    pub class: TriageClass,
    /// Why, for the timeline (optional).
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

impl Command for TriageDecision {
    fn parse(f: &mut Fields<'_>) -> Option<Self> {
        let class = f.choice(
            "class",
            &[
                ("feedback", TriageClass::Feedback),
                ("recommendation", TriageClass::Recommendation),
                ("official_conduct", TriageClass::OfficialConduct),
                ("complaint", TriageClass::Complaint),
                ("denunciation", TriageClass::Denunciation),
            ],
            true,
        );
        let note = f.text("note", 2000, false);
        Some(TriageDecision {
            class: class?,
            note,
        })
    }
}

/// `POST /api/v1/staff/petitions/{tracking_code}/triage` `{class, note?}` (clerk or leader): a
/// petition held at receipt (status `awaiting_triage`, the triage queue is the receipt book's
/// `?status=awaiting_triage`) is decided. Feedback goes on to routing as any other; a complaint
/// or denunciation is not accepted, and the submitter is told where to file it. Only once: the
/// second clerk gets 409.
#[utoipa::path(post, path = "/api/v1/staff/petitions/{tracking_code}/triage", security(("bearer" = [])),
    request_body(content = TriageDecision, content_type = "application/json"),
    params(("tracking_code" = String, Path, description = "Tracking code, any spelling")),
    responses((status = 200, description = "Decided: the record as it is now", body = serde_json::Value),
        doithoai_web::openapi::StaffErrors,
        doithoai_web::openapi::Conflict,
        doithoai_web::openapi::Invalid))]
pub async fn triage(
    staff: Staff,
    path: web::Path<String>,
    body: Body<TriageDecision>,
    core: web::Data<Core>,
    lang: Lang,
) -> Result<HttpResponse, ApiError> {
    let mut conn = core.pool.get().await?;
    // Another unit's petition is not there, whatever the body says.
    let p = petition_at(&mut conn, &path, lang, |unit| staff.0.can_write(unit)).await?;
    let decision = body.valid()?;
    let held_kind = PetitionKind::parse(&p.kind).unwrap_or(PetitionKind::Feedback);
    let (class, kind, official_conduct) = match decision.class {
        TriageClass::Feedback => (Classified::Pakn(PetitionKind::Feedback), "feedback", false),
        TriageClass::Recommendation => (
            Classified::Pakn(PetitionKind::Recommendation),
            "recommendation",
            false,
        ),
        TriageClass::OfficialConduct => (Classified::Pakn(held_kind), held_kind.as_str(), true),
        TriageClass::Complaint => (
            Classified::NotAccepted(NotPakn::Complaint),
            "complaint",
            false,
        ),
        TriageClass::Denunciation => (
            Classified::NotAccepted(NotPakn::Denunciation),
            "denunciation",
            false,
        ),
    };
    let (status, reason, said) = match class {
        Classified::NotAccepted(n) => (PetitionStatus::NotAccepted, Some(n.code()), n.reason_vi()),
        Classified::Pakn(_) if official_conduct => (
            PetitionStatus::Received,
            None,
            "Phân loại: phản ánh về hành vi, thái độ của cán bộ (Nghị định 20, Điều 9)",
        ),
        Classified::Pakn(_) => (
            PetitionStatus::Received,
            None,
            "Phân loại: phản ánh, kiến nghị về quy định hành chính",
        ),
    };
    let note = match &decision.note {
        Some(n) => format!("{said}. {n}"),
        None => said.to_owned(),
    };
    let actor = staff.0.sub.clone();
    let decided = conn
        .transaction::<Option<Petition>, anyhow::Error, _>(async |conn| {
            let Some(now) = petitions::triage(
                conn,
                p.id,
                petitions::Triage {
                    kind,
                    status,
                    official_conduct,
                    not_accepted_reason: reason,
                    actor: &actor,
                    note,
                },
            )
            .await?
            else {
                return Ok(None);
            };
            let events = accept::events_of(&core, &NewPetition::from(&now), class, None)?;
            doithoai_bus::outbox::enqueue(conn, &events).await?;
            Ok(Some(now))
        })
        .await
        .map_err(ApiError::failure)?;
    let Some(now) = decided else {
        return Err(Problem::conflict(
            lang,
            ("Đã phân loại", "Already triaged"),
            "class",
            "already_triaged",
            (
                "Đơn này không chờ phân loại (đã được phân loại)",
                "This petition is not awaiting triage (it was triaged already)",
            ),
        )
        .into());
    };
    core.relay.wake();
    tracing::info!(actor = %actor, class = kind, "petition triaged");
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(staff_view(&now, lang)))
}

/// The petition whose tracking code is `code` (any spelling), if the token may act on its unit
/// (`allowed`); 404 otherwise, as if it did not exist.
async fn petition_at(
    conn: &mut diesel_async::AsyncPgConnection,
    code: &str,
    lang: Lang,
    allowed: impl Fn(&str) -> bool,
) -> Result<Petition, ApiError> {
    let Some(code) = TrackingCode::parse(code) else {
        return Err(Problem::not_found(lang).into());
    };
    let found = petitions::by_tracking_code(conn, code.as_raw()).await?;
    found
        .filter(|p| allowed(&p.unit_code))
        .ok_or_else(|| Problem::not_found(lang).into())
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
        "triage_suspect": p.triage_suspect,
        "official_conduct": p.official_conduct,
    })
}
