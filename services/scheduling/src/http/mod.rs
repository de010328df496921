//! Scheduling's HTTP API: plan, notice, agenda, outcomes, attendance, minutes, results,
//! cancellation; public conference pages and iCalendar feeds; the city's compliance view.

use crate::commands::{Attendance, Cancel, Outcome, Plan, Publication, Reschedule};
use crate::domain::status::ConferenceStatus;
use crate::flow::{self, Conference, NOTICE_DAYS, RESULTS_DAYS, SharedCalendar};
use crate::reference::Organisers;
use actix_web::{HttpResponse, web};
use chrono::{Datelike, Duration, Utc};
use doithoai_auth::Role;
use doithoai_contracts::subjects;
use doithoai_contracts::{ConferenceCancelledV1, ConferenceNoticedV1, ConferenceOutcomeV1};
use doithoai_web::endpoint::ALL_STAFF;
use doithoai_web::input::Body;
use doithoai_web::text::ts;
use doithoai_web::{ApiError, Core, Endpoint, FieldError, Lang, Problem, Staff, Templates};
use icalendar::{Calendar, Component, EventLike};
use serde_json::{Value, json};
use uuid::Uuid;

mod agenda;
mod city;
mod groups;
mod public;
mod staff;

use agenda::agenda;
use city::compliance;
use public::{conference_ics, public_conference, unit_conferences, unit_ics};
use staff::{attendance, cancel, list_staff, minutes, notice, outcome, plan, reschedule, results};

/// The HTML pages scheduling serves.
pub fn templates() -> anyhow::Result<Templates> {
    Templates::new(&[("agenda.html", include_str!("../../templates/agenda.html"))])
}

/// Scheduling's OpenAPI document, from its handlers and their commands.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    staff::plan,
    staff::list_staff,
    staff::notice,
    agenda::agenda,
    agenda::history,
    staff::outcome,
    staff::attendance,
    staff::minutes,
    staff::results,
    staff::cancel,
    staff::reschedule,
    groups::public_groups,
    groups::staff_groups,
    groups::put_group,
    groups::delete_group,
    public::public_conference,
    public::unit_conferences,
    public::conference_ics,
    public::unit_ics,
    city::compliance
))]
struct ApiDoc;

static DOCUMENT: std::sync::LazyLock<serde_json::Value> = std::sync::LazyLock::new(|| {
    doithoai_web::openapi::document(<ApiDoc as utoipa::OpenApi>::openapi(), "scheduling")
});

/// `GET /openapi.json`.
async fn openapi() -> HttpResponse {
    doithoai_web::openapi::respond(&DOCUMENT)
}

/// Who organises a unit's dialogues: plans, notices, records and publishes them.
const ORGANISERS: &[Role] = &[Role::Leader, Role::Clerk];

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(Endpoint::new("/openapi.json").get(openapi))
        .service(
            Endpoint::new("/api/v1/staff/conferences")
                .post(plan)
                .roles(ORGANISERS)
                .get(list_staff)
                .roles(ALL_STAFF),
        )
        .service(
            Endpoint::new("/api/v1/staff/conferences/{id}/notice")
                .post(notice)
                .roles(ORGANISERS),
        )
        .service(
            Endpoint::new("/api/v1/staff/conferences/{id}/agenda")
                .get(agenda)
                .roles(ALL_STAFF),
        )
        .service(
            Endpoint::new("/api/v1/staff/conferences/{id}/history")
                .get(agenda::history)
                .roles(ALL_STAFF),
        )
        .service(
            Endpoint::new("/api/v1/staff/conferences/{id}/outcomes")
                .post(outcome)
                .roles(ORGANISERS),
        )
        .service(
            Endpoint::new("/api/v1/staff/conferences/{id}/attendance")
                .post(attendance)
                .roles(ORGANISERS),
        )
        .service(
            Endpoint::new("/api/v1/staff/conferences/{id}/minutes")
                .post(minutes)
                .roles(ORGANISERS),
        )
        .service(
            Endpoint::new("/api/v1/staff/conferences/{id}/results")
                .post(results)
                .roles(ORGANISERS),
        )
        .service(
            Endpoint::new("/api/v1/staff/conferences/{id}/cancel")
                .post(cancel)
                .roles(ORGANISERS),
        )
        .service(
            Endpoint::new("/api/v1/staff/conferences/{id}/reschedule")
                .post(reschedule)
                .roles(ORGANISERS),
        )
        .service(
            Endpoint::new("/api/v1/staff/compliance")
                .get(compliance)
                .roles(&[Role::CityAdmin, Role::Auditor]),
        )
        .service(
            Endpoint::new("/api/v1/staff/residential-groups")
                .get(groups::staff_groups)
                .roles(ALL_STAFF),
        )
        .service(
            Endpoint::new("/api/v1/staff/residential-groups/{code}")
                .put(groups::put_group)
                .roles(ORGANISERS)
                .delete(groups::delete_group)
                .roles(ORGANISERS),
        )
        .service(
            Endpoint::new("/api/v1/units/{unit}/residential-groups").get(groups::public_groups),
        )
        .service(Endpoint::new("/api/v1/conferences/{id}.ics").get(conference_ics))
        .service(Endpoint::new("/api/v1/conferences/{id}").get(public_conference))
        .service(Endpoint::new("/api/v1/units/{unit}/conferences").get(unit_conferences))
        .service(Endpoint::new("/api/v1/units/{unit}/calendar.ics").get(unit_ics));
}

type Res = Result<HttpResponse, ApiError>;

fn conflict(lang: Lang, field: &str, code: &str, vi: &str, en: &str) -> ApiError {
    Problem::conflict(lang, (vi, en), field, code, (vi, en)).into()
}

/// The leader or clerk of the conference's unit; others get a 404 (another unit's
/// conference) or a 403 (a role that may not organise).
async fn organised(
    core: &Core,
    staff: &Staff,
    id: &str,
    lang: Lang,
) -> Result<Conference, ApiError> {
    let id = Uuid::parse_str(id).map_err(|_| ApiError::NotFound)?;
    let c = flow::load(core, id).await?;
    let c = c
        .filter(|c| staff.0.can_read(&c.unit_code))
        .ok_or_else(|| Problem::not_found(lang))?;
    staff
        .require(&[Role::Leader, Role::Clerk], lang)?
        .of_unit(&c.unit_code, lang)?;
    Ok(c)
}

fn view(c: &Conference) -> Value {
    json!({
        "id": c.id, "unit": c.unit_code, "title": c.title, "starts_at": ts(c.starts_at), "venue": c.venue,
        "online_link": c.online_link, "chair": c.chair, "co_organisers": c.co_organisers, "fields": c.fields,
        "status": c.status, "notice_published_at": c.notice_published_at.map(ts),
        "registration_closes_at": c.registration_closes_at.map(ts), "attendance": c.attendance,
        "minutes": c.minutes, "minutes_published_at": c.minutes_published_at.map(ts),
        "results_notice": c.results_notice, "results_published_at": c.results_published_at.map(ts),
        "cancel_reason": c.cancel_reason, "written_answers_due_at": c.written_answers_due_at.map(ts),
    })
}
