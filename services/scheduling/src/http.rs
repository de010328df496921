//! Scheduling's HTTP API: plan, notice, agenda, outcomes, attendance, minutes, results,
//! cancellation; public conference pages and iCalendar feeds; the city's compliance view.

use crate::commands::{Attendance, Cancel, Outcome, Plan, Publication};
use crate::domain::compliance::{self, Dialogue};
use crate::domain::status::{ConferenceStatus, OutcomeKind};
use crate::flow::{self, Conference, NOTICE_DAYS, RESULTS_DAYS, SharedCalendar};
use crate::reference::Units;
use crate::store::schema::{conferences, registrations};
use actix_web::{HttpResponse, web};
use chrono::{DateTime, Datelike, Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use doithoai_auth::Role;
use doithoai_contracts::subjects;
use doithoai_contracts::{ConferenceCancelledV1, ConferenceNoticedV1, ConferenceOutcomeV1};
use doithoai_web::input::Body;
use doithoai_web::text::ts;
use doithoai_web::{ApiError, Core, Endpoint, FieldError, Lang, Problem, Staff, Templates};
use icalendar::{Calendar, Component, EventLike};
use serde_json::{Value, json};
use uuid::Uuid;

/// The HTML pages scheduling serves.
pub fn templates() -> anyhow::Result<Templates> {
    Templates::new(&[("agenda.html", include_str!("../templates/agenda.html"))])
}

/// Scheduling's OpenAPI document, from its handlers and their commands.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    plan,
    list_staff,
    notice,
    agenda,
    outcome,
    attendance,
    minutes,
    results,
    cancel,
    public_conference,
    unit_conferences,
    conference_ics,
    unit_ics,
    compliance
))]
struct ApiDoc;

static DOCUMENT: std::sync::LazyLock<serde_json::Value> = std::sync::LazyLock::new(|| {
    doithoai_web::openapi::document(<ApiDoc as utoipa::OpenApi>::openapi(), "scheduling")
});

/// `GET /openapi.json`.
async fn openapi() -> HttpResponse {
    doithoai_web::openapi::respond(&DOCUMENT)
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(Endpoint::new("/openapi.json").get(openapi))
        .service(
            Endpoint::new("/api/v1/staff/conferences")
                .post(plan)
                .get(list_staff),
        )
        .service(Endpoint::new("/api/v1/staff/conferences/{id}/notice").post(notice))
        .service(Endpoint::new("/api/v1/staff/conferences/{id}/agenda").get(agenda))
        .service(Endpoint::new("/api/v1/staff/conferences/{id}/outcomes").post(outcome))
        .service(Endpoint::new("/api/v1/staff/conferences/{id}/attendance").post(attendance))
        .service(Endpoint::new("/api/v1/staff/conferences/{id}/minutes").post(minutes))
        .service(Endpoint::new("/api/v1/staff/conferences/{id}/results").post(results))
        .service(Endpoint::new("/api/v1/staff/conferences/{id}/cancel").post(cancel))
        .service(Endpoint::new("/api/v1/staff/compliance").get(compliance))
        .service(Endpoint::new("/api/v1/conferences/{id}.ics").get(conference_ics))
        .service(Endpoint::new("/api/v1/conferences/{id}").get(public_conference))
        .service(Endpoint::new("/api/v1/units/{unit}/conferences").get(unit_conferences))
        .service(Endpoint::new("/api/v1/units/{unit}/calendar.ics").get(unit_ics));
}

type Res = Result<HttpResponse, ApiError>;

fn invalid(_lang: Lang, errors: Vec<FieldError>) -> ApiError {
    ApiError::Invalid(errors)
}

fn conflict(lang: Lang, field: &str, code: &str, vi: &str, en: &str) -> ApiError {
    Problem::new(
        actix_web::http::StatusCode::CONFLICT,
        "conflict",
        lang.pick(vi, en),
    )
    .with_error(FieldError::new(field, code, lang.pick(vi, en)))
    .into()
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

/// `POST /api/v1/staff/conferences` (leader or clerk): plan a conference of the token's unit.
#[utoipa::path(post, path = "/api/v1/staff/conferences", security(("bearer" = [])),
    request_body(content = Plan, content_type = "application/json"),
    responses((status = 201, description = "Planned", body = serde_json::Value),
        (status = 401, description = "No valid staff token", body = doithoai_web::Problem),
        (status = 403, description = "The role may not do this", body = doithoai_web::Problem),
        (status = 404, description = "No such record in the token's unit", body = doithoai_web::Problem),
        (status = 422, description = "Fields at fault, all of them", body = doithoai_web::Problem)))]
async fn plan(core: web::Data<Core>, staff: Staff, body: Body<Plan>, lang: Lang) -> Res {
    // Leaders and clerks hold a unit's token, never a city-wide one.
    staff.require(&[Role::Leader, Role::Clerk], lang)?;
    let Plan {
        title,
        starts_at,
        venue,
        online_link,
        chair,
        co_organisers: co,
        fields,
    } = body.valid()?;
    let id = Uuid::now_v7();
    let mut conn = core.pool.get().await?;
    diesel::insert_into(conferences::table)
        .values((
            conferences::id.eq(id),
            conferences::unit_code.eq(&staff.0.unit),
            conferences::title.eq(&title),
            conferences::starts_at.eq(starts_at),
            conferences::venue.eq(&venue),
            conferences::online_link.eq(&online_link),
            conferences::chair.eq(&chair),
            conferences::co_organisers.eq(&co),
            conferences::fields.eq(&fields),
            conferences::created_by.eq(&staff.0.sub),
        ))
        .execute(&mut conn)
        .await?;
    let c = flow::load(&core, id)
        .await?
        .ok_or_else(|| ApiError::failure(anyhow::anyhow!("vanished")))?;
    Ok(HttpResponse::Created().json(view(&c)))
}

/// `GET /api/v1/staff/conferences`: the unit's conferences.
#[utoipa::path(get, path = "/api/v1/staff/conferences", security(("bearer" = [])),
    responses((status = 200, description = "The unit's conferences", body = serde_json::Value),
        (status = 401, description = "No valid staff token", body = doithoai_web::Problem),
        (status = 403, description = "The role may not do this", body = doithoai_web::Problem),
        (status = 404, description = "No such record in the token's unit", body = doithoai_web::Problem)))]
async fn list_staff(core: web::Data<Core>, staff: Staff) -> Res {
    let mut conn = core.pool.get().await?;
    let rows: Vec<Conference> = conferences::table
        .filter(conferences::unit_code.eq(&staff.0.unit))
        .order(conferences::starts_at.desc())
        .select(Conference::as_select())
        .load(&mut conn)
        .await?;
    Ok(HttpResponse::Ok().json(json!({"conferences": rows.iter().map(view).collect::<Vec<_>>()})))
}

/// `POST /api/v1/staff/conferences/{id}/notice`: publishes the notice, at least 7 days before;
/// registration closes at the end of office hours of the last working day at least 7 days
/// before the conference.
#[utoipa::path(post, path = "/api/v1/staff/conferences/{id}/notice", security(("bearer" = [])),
    params(("id" = String, Path, description = "The conference id")),
    responses((status = 200, description = "The notice is out; registration closes at the cutoff", body = serde_json::Value),
        (status = 401, description = "No valid staff token", body = doithoai_web::Problem),
        (status = 403, description = "The role may not do this", body = doithoai_web::Problem),
        (status = 404, description = "No such record in the token's unit", body = doithoai_web::Problem),
        (status = 409, description = "Not in a state that allows it", body = doithoai_web::Problem),
        (status = 422, description = "Fields at fault, all of them", body = doithoai_web::Problem)))]
async fn notice(
    core: web::Data<Core>,
    cal: web::Data<SharedCalendar>,
    staff: Staff,
    path: web::Path<String>,
    lang: Lang,
) -> Res {
    let c = organised(&core, &staff, &path, lang).await?;
    if !c.status.can_notice() {
        return Err(conflict(
            lang,
            "status",
            "already_noticed",
            "Thông báo đã được đăng hoặc hội nghị đã kết thúc",
            "The notice is already out or the conference is over",
        ));
    }
    let now = Utc::now();
    if c.starts_at - now < Duration::days(NOTICE_DAYS) {
        return Err(invalid(
            lang,
            vec![FieldError::new("starts_at", "notice_too_late", lang.pick(
            "Thông báo phải đăng trước hội nghị ít nhất 7 ngày: hãy dời ngày hội nghị",
            "The notice must be out at least 7 days before the conference: move the conference",
        ))],
        ));
    }
    let _ = flow::refresh_holidays(&core, &cal).await;
    let closes = flow::calendar_now(&cal).registration_cutoff(c.starts_at, NOTICE_DAYS);
    let event = flow::event(
        &core,
        subjects::CONFERENCE_NOTICED,
        &c.unit_code,
        ConferenceNoticedV1 {
            conference_id: c.id,
            unit: c.unit_code.clone(),
            title: c.title.clone(),
            starts_at: c.starts_at,
            venue: c.venue.clone(),
            online_link: c.online_link.clone(),
            fields: c.fields.clone(),
            registration_opens_at: now,
            registration_closes_at: closes,
        },
    )?;
    let mut conn = core.pool.get().await?;
    conn.transaction::<(), anyhow::Error, _>(async |conn| {
        diesel::update(conferences::table.find(c.id))
            .set((
                conferences::status.eq(ConferenceStatus::Noticed),
                conferences::notice_published_at.eq(now),
                conferences::registration_closes_at.eq(closes),
            ))
            .execute(conn)
            .await?;
        doithoai_bus::outbox::enqueue(conn, &[event]).await?;
        Ok(())
    })
    .await?;
    core.relay.wake();
    let c = flow::load(&core, c.id)
        .await?
        .ok_or_else(|| ApiError::failure(anyhow::anyhow!("vanished")))?;
    Ok(HttpResponse::Ok().json(view(&c)))
}

/// `GET /api/v1/staff/conferences/{id}/agenda[?format=html]`: registered questions grouped by
/// field and department, with their outcomes; `format=html` is printable.
#[utoipa::path(get, path = "/api/v1/staff/conferences/{id}/agenda", security(("bearer" = [])),
    params(("id" = String, Path, description = "The conference id"), ("format" = Option<String>, Query, description = "`html` for a printable page")),
    responses((status = 200, description = "Registered questions by field and department (JSON, or a printable page with format=html)",
        content((serde_json::Value = "application/json"), (String = "text/html"))),
        (status = 401, description = "No valid staff token", body = doithoai_web::Problem),
        (status = 403, description = "The role may not do this", body = doithoai_web::Problem),
        (status = 404, description = "No such record in the token's unit", body = doithoai_web::Problem)))]
async fn agenda(
    core: web::Data<Core>,
    templates: web::Data<Templates>,
    staff: Staff,
    path: web::Path<String>,
    q: web::Query<std::collections::HashMap<String, String>>,
    lang: Lang,
) -> Res {
    let id = Uuid::parse_str(&path).map_err(|_| ApiError::NotFound)?;
    let c = flow::load(&core, id)
        .await?
        .filter(|c| staff.0.can_read(&c.unit_code))
        .ok_or_else(|| Problem::not_found(lang))?;
    let regs = flow::registrations_of(&core, id).await?;
    let mut groups: Vec<(String, String, Vec<Value>)> = Vec::new();
    for r in &regs {
        let dept = r
            .department_name
            .clone()
            .or(r.department.clone())
            .unwrap_or_else(|| "Chưa giao phòng".to_owned());
        let item = json!({"tracking_code": r.tracking_code, "question": r.question, "prepared_answer": r.prepared_answer, "outcome": r.outcome, "answer": r.outcome_answer});
        match groups
            .iter_mut()
            .find(|g| g.0 == r.field_code && g.1 == dept)
        {
            Some(g) => g.2.push(item),
            None => groups.push((r.field_code.clone(), dept, vec![item])),
        }
    }
    let groups: Vec<Value> = groups
        .into_iter()
        .map(|(f, d, items)| json!({"field": f, "department": d, "questions": items}))
        .collect();
    if q.get("format").map(String::as_str) == Some("html") {
        let when = c
            .starts_at
            .with_timezone(&doithoai_web::text::hanoi())
            .format("%H:%M ngày %d/%m/%Y")
            .to_string();
        let html = templates.render(
            "agenda.html",
            json!({"title": c.title, "when": when, "venue": c.venue, "groups": groups}),
        )?;
        return Ok(HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(html));
    }
    Ok(HttpResponse::Ok().json(json!({
        "conference": view(&c),
        "groups": groups,
    })))
}

/// `POST /api/v1/staff/conferences/{id}/outcomes` `{petition, outcome: answered|written|forwarded,
/// answer?, department?, due_at?, forwarded_to?}`: what became of a registered question; the
/// registrant is told.
#[utoipa::path(post, path = "/api/v1/staff/conferences/{id}/outcomes", security(("bearer" = [])),
    request_body(content = Outcome, content_type = "application/json"),
    params(("id" = String, Path, description = "The conference id")),
    responses((status = 200, description = "Recorded; the registrant is told", body = serde_json::Value),
        (status = 401, description = "No valid staff token", body = doithoai_web::Problem),
        (status = 403, description = "The role may not do this", body = doithoai_web::Problem),
        (status = 404, description = "No such record in the token's unit", body = doithoai_web::Problem),
        (status = 409, description = "Not in a state that allows it", body = doithoai_web::Problem),
        (status = 422, description = "Fields at fault, all of them", body = doithoai_web::Problem)))]
async fn outcome(
    core: web::Data<Core>,
    staff: Staff,
    path: web::Path<String>,
    body: Body<Outcome>,
    lang: Lang,
) -> Res {
    let c = organised(&core, &staff, &path, lang).await?;
    if !c.status.can_record_outcomes() {
        return Err(conflict(
            lang,
            "status",
            "not_held",
            "Hội nghị chưa được thông báo hoặc đã bị hủy",
            "The conference was not noticed or was cancelled",
        ));
    }
    let cmd = body.valid()?;
    let kind = cmd.outcome;
    let (petition, answer, department, due_at, forwarded_to) = (
        cmd.petition,
        cmd.answer,
        cmd.department,
        cmd.due_at,
        cmd.forwarded_to,
    );
    let regs = flow::registrations_of(&core, c.id).await?;
    let key: String = petition
        .chars()
        .filter(|ch| ch.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_uppercase();
    let Some(r) = regs
        .iter()
        .find(|r| r.petition_id.to_string() == petition || r.tracking_code.replace('-', "") == key)
    else {
        return Err(invalid(
            lang,
            vec![FieldError::new(
                "petition",
                "not_registered",
                lang.pick(
                    "Không có câu hỏi đăng ký này trong hội nghị",
                    "No such registered question in this conference",
                ),
            )],
        ));
    };
    let event = flow::event(
        &core,
        subjects::CONFERENCE_OUTCOME,
        &c.unit_code,
        ConferenceOutcomeV1 {
            conference_id: c.id,
            unit: c.unit_code.clone(),
            title: c.title.clone(),
            registrant: r.registrant(),
            outcome: kind.as_str().to_owned(),
            answer: answer.clone(),
            department: department.clone(),
            due_at,
            forwarded_to: forwarded_to.clone(),
        },
    )?;
    let mut conn = core.pool.get().await?;
    let pid = r.petition_id;
    conn.transaction::<(), anyhow::Error, _>(async |conn| {
        diesel::update(registrations::table.find(pid))
            .set((
                registrations::outcome.eq(kind),
                registrations::outcome_answer.eq(&answer),
                registrations::outcome_department.eq(&department),
                registrations::outcome_due_at.eq(due_at),
                registrations::forwarded_to.eq(&forwarded_to),
            ))
            .execute(conn)
            .await?;
        doithoai_bus::outbox::enqueue(conn, &[event]).await?;
        Ok(())
    })
    .await?;
    core.relay.wake();
    Ok(HttpResponse::Ok().json(json!({"petition": pid, "outcome": kind})))
}

async fn set_text(
    core: &Core,
    id: Uuid,
    column: &str,
    text: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let mut conn = core.pool.get().await?;
    let target = conferences::table.find(id);
    match column {
        "minutes" => {
            diesel::update(target)
                .set((
                    conferences::minutes.eq(text),
                    conferences::minutes_published_at.eq(now),
                ))
                .execute(&mut conn)
                .await?
        }
        _ => {
            diesel::update(target)
                .set((
                    conferences::results_notice.eq(text),
                    conferences::results_published_at.eq(now),
                ))
                .execute(&mut conn)
                .await?
        }
    };
    Ok(())
}

/// `POST /api/v1/staff/conferences/{id}/attendance` `{count}`: the conference was held.
#[utoipa::path(post, path = "/api/v1/staff/conferences/{id}/attendance", security(("bearer" = [])),
    request_body(content = Attendance, content_type = "application/json"),
    params(("id" = String, Path, description = "The conference id")),
    responses((status = 200, description = "Held", body = serde_json::Value),
        (status = 401, description = "No valid staff token", body = doithoai_web::Problem),
        (status = 403, description = "The role may not do this", body = doithoai_web::Problem),
        (status = 404, description = "No such record in the token's unit", body = doithoai_web::Problem),
        (status = 409, description = "Not in a state that allows it", body = doithoai_web::Problem),
        (status = 422, description = "Fields at fault, all of them", body = doithoai_web::Problem)))]
async fn attendance(
    core: web::Data<Core>,
    staff: Staff,
    path: web::Path<String>,
    body: Body<Attendance>,
    lang: Lang,
) -> Res {
    let c = organised(&core, &staff, &path, lang).await?;
    let count = body.valid()?.count;
    if !c.status.can_record_outcomes() {
        return Err(conflict(
            lang,
            "status",
            "not_noticed",
            "Hội nghị chưa được thông báo hoặc đã bị hủy",
            "The conference was not noticed or was cancelled",
        ));
    }
    let mut conn = core.pool.get().await?;
    diesel::update(conferences::table.find(c.id))
        .set((
            conferences::attendance.eq(count),
            conferences::status.eq(ConferenceStatus::Held),
        ))
        .execute(&mut conn)
        .await?;
    Ok(HttpResponse::Ok().json(json!({"status": "held", "attendance": count})))
}

async fn publish_text(
    core: web::Data<Core>,
    staff: Staff,
    path: web::Path<String>,
    body: Body<Publication>,
    lang: Lang,
    column: &'static str,
) -> Res {
    let c = organised(&core, &staff, &path, lang).await?;
    if !c.status.can_publish_results() {
        return Err(conflict(
            lang,
            "status",
            "not_held",
            "Hội nghị chưa diễn ra",
            "The conference has not been held",
        ));
    }
    let text = body.valid()?.text;
    let now = Utc::now();
    set_text(&core, c.id, column, &text, now).await?;
    let on_time = now <= c.starts_at + Duration::days(RESULTS_DAYS);
    Ok(HttpResponse::Ok().json(json!({"published_at": ts(now), "on_time": on_time})))
}

/// `POST /api/v1/staff/conferences/{id}/minutes` `{text}`: the biên bản.
#[utoipa::path(post, path = "/api/v1/staff/conferences/{id}/minutes", security(("bearer" = [])),
    request_body(content = Publication, content_type = "application/json"),
    params(("id" = String, Path, description = "The conference id")),
    responses((status = 200, description = "Published", body = serde_json::Value),
        (status = 401, description = "No valid staff token", body = doithoai_web::Problem),
        (status = 403, description = "The role may not do this", body = doithoai_web::Problem),
        (status = 404, description = "No such record in the token's unit", body = doithoai_web::Problem),
        (status = 409, description = "Not in a state that allows it", body = doithoai_web::Problem),
        (status = 422, description = "Fields at fault, all of them", body = doithoai_web::Problem)))]
async fn minutes(
    core: web::Data<Core>,
    staff: Staff,
    path: web::Path<String>,
    body: Body<Publication>,
    lang: Lang,
) -> Res {
    publish_text(core, staff, path, body, lang, "minutes").await
}

/// `POST /api/v1/staff/conferences/{id}/results` `{text}`: the thông báo kết quả (due within
/// 10 days).
#[utoipa::path(post, path = "/api/v1/staff/conferences/{id}/results", security(("bearer" = [])),
    request_body(content = Publication, content_type = "application/json"),
    params(("id" = String, Path, description = "The conference id")),
    responses((status = 200, description = "Published (due within 10 days)", body = serde_json::Value),
        (status = 401, description = "No valid staff token", body = doithoai_web::Problem),
        (status = 403, description = "The role may not do this", body = doithoai_web::Problem),
        (status = 404, description = "No such record in the token's unit", body = doithoai_web::Problem),
        (status = 409, description = "Not in a state that allows it", body = doithoai_web::Problem),
        (status = 422, description = "Fields at fault, all of them", body = doithoai_web::Problem)))]
async fn results(
    core: web::Data<Core>,
    staff: Staff,
    path: web::Path<String>,
    body: Body<Publication>,
    lang: Lang,
) -> Res {
    publish_text(core, staff, path, body, lang, "results").await
}

/// `POST /api/v1/staff/conferences/{id}/cancel` `{reason, written_answers_due_at}`: force
/// majeure; every registered question gets a written answer by the date, and each registrant
/// is told.
#[utoipa::path(post, path = "/api/v1/staff/conferences/{id}/cancel", security(("bearer" = [])),
    request_body(content = Cancel, content_type = "application/json"),
    params(("id" = String, Path, description = "The conference id")),
    responses((status = 200, description = "Cancelled; registrants are told", body = serde_json::Value),
        (status = 401, description = "No valid staff token", body = doithoai_web::Problem),
        (status = 403, description = "The role may not do this", body = doithoai_web::Problem),
        (status = 404, description = "No such record in the token's unit", body = doithoai_web::Problem),
        (status = 409, description = "Not in a state that allows it", body = doithoai_web::Problem),
        (status = 422, description = "Fields at fault, all of them", body = doithoai_web::Problem)))]
async fn cancel(
    core: web::Data<Core>,
    staff: Staff,
    path: web::Path<String>,
    body: Body<Cancel>,
    lang: Lang,
) -> Res {
    let c = organised(&core, &staff, &path, lang).await?;
    if !c.status.can_cancel() {
        return Err(conflict(
            lang,
            "status",
            "cannot_cancel",
            "Hội nghị đã diễn ra hoặc đã bị hủy",
            "The conference was held or already cancelled",
        ));
    }
    let Cancel {
        reason,
        written_answers_due_at: due,
    } = body.valid()?;
    let regs = flow::registrations_of(&core, c.id).await?;
    // The conference's event, and one small event per registrant (not one holding them all).
    let mut events = vec![flow::event(
        &core,
        subjects::CONFERENCE_CANCELLED,
        &c.unit_code,
        ConferenceCancelledV1 {
            conference_id: c.id,
            unit: c.unit_code.clone(),
            title: c.title.clone(),
            reason: reason.clone(),
            written_answers_due_at: due,
            registrants: Vec::new(),
        },
    )?];
    for r in &regs {
        events.push(flow::event(
            &core,
            subjects::REGISTRATION_CANCELLED,
            &c.unit_code,
            doithoai_contracts::RegistrationCancelledV1 {
                conference_id: c.id,
                unit: c.unit_code.clone(),
                title: c.title.clone(),
                reason: reason.clone(),
                written_answers_due_at: due,
                registrant: r.registrant(),
            },
        )?);
    }
    let mut conn = core.pool.get().await?;
    conn.transaction::<(), anyhow::Error, _>(async |conn| {
        diesel::update(conferences::table.find(c.id))
            .set((
                conferences::status.eq(ConferenceStatus::Cancelled),
                conferences::cancel_reason.eq(&reason),
                conferences::written_answers_due_at.eq(due),
            ))
            .execute(conn)
            .await?;
        diesel::update(registrations::table.filter(registrations::conference_id.eq(c.id)))
            .set((
                registrations::outcome.eq(OutcomeKind::Written),
                registrations::outcome_due_at.eq(due),
            ))
            .execute(conn)
            .await?;
        doithoai_bus::outbox::enqueue(conn, &events).await?;
        Ok(())
    })
    .await?;
    core.relay.wake();
    Ok(HttpResponse::Ok().json(json!({"status": "cancelled", "registrants": regs.len()})))
}

fn public_view(c: &Conference) -> Value {
    json!({
        "id": c.id, "unit": c.unit_code, "title": c.title, "starts_at": ts(c.starts_at), "venue": c.venue,
        "online_link": c.online_link, "chair": c.chair, "co_organisers": c.co_organisers, "fields": c.fields, "status": c.status,
        "registration_closes_at": c.registration_closes_at.map(ts),
        "results_notice": c.results_notice, "minutes": c.minutes,
    })
}

async fn noticed(core: &Core, id: &str, lang: Lang) -> Result<Conference, ApiError> {
    let id = Uuid::parse_str(id.trim_end_matches(".ics")).map_err(|_| ApiError::NotFound)?;
    flow::load(core, id)
        .await?
        .filter(|c| c.notice_published_at.is_some())
        .ok_or_else(|| Problem::not_found(lang).into())
}

/// `GET /api/v1/conferences/{id}`: a noticed conference (public).
#[utoipa::path(get, path = "/api/v1/conferences/{id}",
    params(("id" = String, Path, description = "The conference id")),
    responses((status = 200, description = "A noticed conference", body = serde_json::Value),
        (status = 404, description = "Not found", body = doithoai_web::Problem)))]
async fn public_conference(core: web::Data<Core>, path: web::Path<String>, lang: Lang) -> Res {
    Ok(HttpResponse::Ok().json(public_view(&noticed(&core, &path, lang).await?)))
}

async fn unit_list(core: &Core, unit: &str) -> Result<Vec<Conference>, ApiError> {
    let mut conn = core.pool.get().await?;
    Ok(conferences::table
        .filter(conferences::unit_code.eq(unit))
        .filter(conferences::notice_published_at.is_not_null())
        .order(conferences::starts_at.desc())
        .select(Conference::as_select())
        .load(&mut conn)
        .await?)
}

/// `GET /api/v1/units/{unit}/conferences`: a unit's noticed conferences (public).
#[utoipa::path(get, path = "/api/v1/units/{unit}/conferences",
    params(("unit" = String, Path, description = "A unit code")),
    responses((status = 200, description = "A unit's noticed conferences", body = serde_json::Value),
        (status = 404, description = "Not found", body = doithoai_web::Problem)))]
async fn unit_conferences(
    core: web::Data<Core>,
    units: web::Data<Units>,
    path: web::Path<String>,
    lang: Lang,
) -> Res {
    if !units.contains(&path) {
        return Err(Problem::not_found(lang).into());
    }
    let rows = unit_list(&core, &path).await?;
    Ok(HttpResponse::Ok().json(
        json!({"unit": *path, "conferences": rows.iter().map(public_view).collect::<Vec<_>>()}),
    ))
}

fn ics_event(c: &Conference) -> icalendar::Event {
    let mut e = icalendar::Event::new();
    e.uid(&format!("{}@doithoai.hanoi.gov.vn", c.id))
        .summary(&c.title)
        .location(&c.venue)
        .starts(c.starts_at)
        .ends(c.starts_at + Duration::hours(3))
        .description(&format!(
            "Hội nghị đối thoại với người dân và doanh nghiệp. Chủ trì: {}. Hạn đăng ký câu hỏi: {}.",
            c.chair,
            c.registration_closes_at.map(|t| t.with_timezone(&doithoai_web::text::hanoi()).format("%H:%M %d/%m/%Y").to_string()).unwrap_or_default()
        ));
    if let Some(link) = &c.online_link {
        e.url(link);
    }
    if c.status == ConferenceStatus::Cancelled {
        e.add_property("STATUS", "CANCELLED");
    } else {
        e.add_property("STATUS", "CONFIRMED");
    }
    e.done()
}

fn ics(calendar: Calendar) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .body(calendar.to_string())
}

/// `GET /api/v1/conferences/{id}.ics`: one conference as iCalendar.
#[utoipa::path(get, path = "/api/v1/conferences/{id}.ics",
    params(("id" = String, Path, description = "The conference id")),
    responses((status = 200, description = "iCalendar", content_type = "text/calendar"),
        (status = 404, description = "Not found", body = doithoai_web::Problem)))]
async fn conference_ics(core: web::Data<Core>, path: web::Path<String>, lang: Lang) -> Res {
    let c = noticed(&core, &path, lang).await?;
    let mut cal = Calendar::new();
    cal.name(&c.title).push(ics_event(&c));
    Ok(ics(cal.done()))
}

/// `GET /api/v1/units/{unit}/calendar.ics`: every noticed conference of a unit.
#[utoipa::path(get, path = "/api/v1/units/{unit}/calendar.ics",
    params(("unit" = String, Path, description = "A unit code")),
    responses((status = 200, description = "iCalendar feed", content_type = "text/calendar"),
        (status = 404, description = "Not found", body = doithoai_web::Problem)))]
async fn unit_ics(
    core: web::Data<Core>,
    units: web::Data<Units>,
    path: web::Path<String>,
    lang: Lang,
) -> Res {
    let Some(name) = units.name(&path) else {
        return Err(Problem::not_found(lang).into());
    };
    let rows = unit_list(&core, &path).await?;
    let mut cal = Calendar::new();
    cal.name(&format!("Hội nghị đối thoại – {name}"));
    for c in &rows {
        cal.push(ics_event(c));
    }
    Ok(ics(cal.done()))
}

/// `GET /api/v1/staff/compliance?year=` (city admin, auditor): for every unit, the last and next
/// conference, how many were held in the year, and whether it is on track: at least 2 a
/// calendar year and never more than 6 months between two; results notices overdue.
#[utoipa::path(get, path = "/api/v1/staff/compliance", security(("bearer" = [])),
    responses((status = 200, description = "Every unit against the dialogue rules (city-wide roles)", body = serde_json::Value),
        (status = 401, description = "No valid staff token", body = doithoai_web::Problem),
        (status = 403, description = "The role may not do this", body = doithoai_web::Problem),
        (status = 404, description = "No such record in the token's unit", body = doithoai_web::Problem)))]
async fn compliance(
    core: web::Data<Core>,
    units: web::Data<Units>,
    staff: Staff,
    lang: Lang,
) -> Res {
    if !staff.0.role.is_city_wide() {
        return Err(Problem::forbidden(lang).into());
    }
    let now = Utc::now();
    let mut conn = core.pool.get().await?;
    let all: Vec<Conference> = conferences::table
        .filter(conferences::status.ne(ConferenceStatus::Cancelled))
        .order(conferences::starts_at.asc())
        .select(Conference::as_select())
        .load(&mut conn)
        .await?;
    let year = now.with_timezone(&doithoai_web::text::hanoi()).year();
    let mut rows = Vec::new();
    let mut off_track = Vec::new();
    for (code, name) in units.all() {
        let mine: Vec<Dialogue> = all
            .iter()
            .filter(|c| &c.unit_code == code)
            .map(|c| Dialogue {
                starts_at: c.starts_at,
                results_published_at: c.results_published_at,
            })
            .collect();
        let s = compliance::assess(&mine, now);
        rows.push(json!({
            "unit": code, "name": name, "last": s.last.map(ts), "next": s.next.map(ts),
            "held_this_year": s.held_this_year, "on_track": s.on_track(), "reasons": s.reasons,
        }));
        if !s.on_track() {
            off_track.push(code.clone());
        }
    }
    Ok(HttpResponse::Ok().json(json!({"year": year, "units": rows, "off_track": off_track})))
}
