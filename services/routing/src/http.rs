//! Routing's HTTP API: units (public), staff re-route and transfer, a petition's routing
//! history, and the holidays city IT edits.

use crate::commands::{Accept, Holiday, Hours, Policy, Refuse, Reroute, Rule, Transfer};
use crate::domain::policy::{DayKind, PolicyClass};
use crate::flow::{self, SharedCalendar};
use crate::store::{queries, settings};
use actix_web::{HttpResponse, web};
use chrono::{Datelike, NaiveDate, Utc, Weekday};
use doithoai_auth::Role;
use doithoai_web::endpoint::ALL_STAFF;
use doithoai_web::input::Body;
use doithoai_web::{ApiError, Core, Endpoint, FieldError, Lang, Problem, Staff};
use serde_json::{Value, json};

/// Routing's OpenAPI document, from its handlers and their commands.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    list_units,
    list_bodies,
    list_departments,
    show,
    reroute,
    transfer,
    refuse,
    urgent,
    accept,
    list_holidays,
    put_holiday,
    delete_holiday,
    list_office_hours,
    put_office_hours,
    delete_office_hours,
    list_policies,
    put_policy,
    list_rules,
    put_rule
))]
struct ApiDoc;

static DOCUMENT: std::sync::LazyLock<serde_json::Value> = std::sync::LazyLock::new(|| {
    doithoai_web::openapi::document(<ApiDoc as utoipa::OpenApi>::openapi(), "routing")
});

/// `GET /openapi.json`.
async fn openapi() -> HttpResponse {
    doithoai_web::openapi::respond(&DOCUMENT)
}

/// Who triages: moves, transfers or refuses a petition.
const TRIAGE: &[Role] = &[Role::Clerk, Role::Leader];
/// City IT: holidays, deadline policies and routing rules.
const CITY_IT: &[Role] = &[Role::CityAdmin];

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(Endpoint::new("/openapi.json").get(openapi))
        .service(Endpoint::new("/api/v1/units").get(list_units))
        .service(Endpoint::new("/api/v1/city-bodies").get(list_bodies))
        .service(Endpoint::new("/api/v1/departments").get(list_departments))
        .service(
            Endpoint::new("/api/v1/staff/routing/{petition}")
                .get(show)
                .roles(ALL_STAFF),
        )
        .service(
            Endpoint::new("/api/v1/staff/routing/{petition}/reroute")
                .post(reroute)
                .roles(TRIAGE),
        )
        .service(
            Endpoint::new("/api/v1/staff/routing/{petition}/transfer")
                .post(transfer)
                .roles(TRIAGE),
        )
        .service(
            Endpoint::new("/api/v1/staff/routing/{petition}/refuse")
                .post(refuse)
                .roles(TRIAGE),
        )
        .service(
            Endpoint::new("/api/v1/staff/routing/{petition}/urgent")
                .post(urgent)
                .roles(TRIAGE),
        )
        .service(
            Endpoint::new("/api/v1/staff/routing/{petition}/accept")
                .post(accept)
                .roles(TRIAGE),
        )
        .service(
            Endpoint::new("/api/v1/staff/policies")
                .get(list_policies)
                .roles(ALL_STAFF),
        )
        .service(
            Endpoint::new("/api/v1/staff/policies/{unit}/{class}")
                .put(put_policy)
                .roles(CITY_IT),
        )
        .service(
            Endpoint::new("/api/v1/staff/rules")
                .get(list_rules)
                .roles(ALL_STAFF)
                .put(put_rule)
                .roles(CITY_IT),
        )
        .service(Endpoint::new("/api/v1/holidays").get(list_holidays))
        .service(
            Endpoint::new("/api/v1/staff/holidays/{date}")
                .put(put_holiday)
                .roles(CITY_IT)
                .delete(delete_holiday)
                .roles(CITY_IT),
        )
        .service(Endpoint::new("/api/v1/office-hours").get(list_office_hours))
        .service(
            Endpoint::new("/api/v1/staff/office-hours/{unit}")
                .put(put_office_hours)
                .roles(CITY_IT)
                .delete(delete_office_hours)
                .roles(CITY_IT),
        );
}

/// `GET /api/v1/units`: the units of the city (public reference data).
#[utoipa::path(get, path = "/api/v1/units",
    responses((status = 200, description = "The 126 wards and communes", body = serde_json::Value)))]
async fn list_units(core: web::Data<Core>) -> Result<HttpResponse, ApiError> {
    let mut conn = core.pool.get().await?;
    let rows = settings::units(&mut conn).await?;
    Ok(HttpResponse::Ok().json(json!({
        "units": rows.into_iter().map(|(code, name, kind)| json!({"code": code, "name": name, "kind": kind})).collect::<Vec<_>>()
    })))
}

/// `GET /api/v1/city-bodies`: the city's departments and bodies a petition outside a unit's
/// competence may be transferred to (Decree 20/2008, Art. 9), for a portal to offer them.
#[utoipa::path(get, path = "/api/v1/city-bodies",
    responses((status = 200, description = "The city bodies a unit may transfer to", body = serde_json::Value)))]
async fn list_bodies(core: web::Data<Core>) -> Result<HttpResponse, ApiError> {
    let mut conn = core.public_pool.get().await?;
    let rows = settings::bodies(&mut conn).await?;
    Ok(HttpResponse::Ok().json(json!({
        "bodies": rows.into_iter().map(|(code, name)| json!({"code": code, "name": name})).collect::<Vec<_>>()
    })))
}

/// `GET /api/v1/departments`: the specialised departments of a ward or commune (Decree
/// 150/2025/NĐ-CP), with the kinds of unit each exists in.
#[utoipa::path(get, path = "/api/v1/departments",
    responses((status = 200, description = "The departments of wards and communes", body = serde_json::Value)))]
async fn list_departments(core: web::Data<Core>) -> Result<HttpResponse, ApiError> {
    let mut conn = core.public_pool.get().await?;
    let rows = settings::departments(&mut conn).await?;
    Ok(HttpResponse::Ok().json(json!({
        "departments": rows.into_iter().map(|(code, vi, en, applies)| json!({"code": code, "name": vi, "name_en": en, "applies_to": applies})).collect::<Vec<_>>()
    })))
}

/// The assignment if the token's unit holds it (or the city-wide roles), else 404.
async fn held(
    core: &Core,
    staff: &Staff,
    key: &str,
    lang: Lang,
) -> Result<queries::Assignment, ApiError> {
    let mut conn = core.pool.get().await?;
    let found = queries::assignment(&mut conn, key).await?;
    found
        .filter(|a| staff.0.can_read(&a.unit_code) || staff.0.can_read(&a.origin_unit))
        .ok_or_else(|| Problem::not_found(lang).into())
}

fn view(a: &queries::Assignment) -> Value {
    json!({
        "petition_id": a.petition_id,
        "tracking_code": a.tracking_code,
        "origin_unit": a.origin_unit,
        "unit": a.unit_code,
        "department": a.department_code,
        "status": a.status,
        "received_at": doithoai_web::text::ts(a.received_at),
        "due_at": doithoai_web::text::ts(a.due_at),
    })
}

/// `GET /api/v1/staff/routing/{petition}`: where it stands and every routing decision.
#[utoipa::path(get, path = "/api/v1/staff/routing/{petition}", security(("bearer" = [])),
    params(("petition" = String, Path, description = "Petition id or tracking code")),
    responses((status = 200, description = "Where the petition is and its history", body = serde_json::Value),
        doithoai_web::openapi::StaffErrors))]
async fn show(
    core: web::Data<Core>,
    staff: Staff,
    path: web::Path<String>,
    lang: Lang,
) -> Result<HttpResponse, ApiError> {
    let a = held(&core, &staff, &path, lang).await?;
    let mut conn = core.pool.get().await?;
    let history = queries::history(&mut conn, a.petition_id).await?;
    let triage = queries::triage_of(&mut conn, a.petition_id).await?;
    let mut body = view(&a);
    body["history"] = json!(history);
    // Decree 20, Art. 9: by when it must be classified (and transferred if need be).
    if let Some((due, done)) = triage {
        body["triage_due_at"] = json!(doithoai_web::text::ts(due));
        body["triaged_at"] = json!(done.map(doithoai_web::text::ts));
        body["triage_overdue"] = json!(done.is_none() && due < Utc::now());
    }
    Ok(HttpResponse::Ok().json(body))
}

/// A petition the token's unit holds, still open for triage, and a role that may route it:
/// else 404 (another unit's), 403 (the role) or 409 (refused already).
async fn routable(
    core: &Core,
    staff: &Staff,
    key: &str,
    lang: Lang,
) -> Result<queries::Assignment, ApiError> {
    let a = held(core, staff, key, lang).await?;
    if !staff.0.can_read(&a.unit_code) {
        return Err(Problem::not_found(lang).into());
    }
    may_route(staff, &a.unit_code, lang)?;
    open_for_triage(&a, lang)?;
    Ok(a)
}

fn may_route(staff: &Staff, unit: &str, lang: Lang) -> Result<(), ApiError> {
    staff
        .require(&[Role::Clerk, Role::Leader], lang)?
        .of_unit(unit, lang)?;
    Ok(())
}

/// `POST /api/v1/staff/routing/{petition}/reroute` `{department, reason}` (clerk or leader).
#[utoipa::path(post, path = "/api/v1/staff/routing/{petition}/reroute", security(("bearer" = [])),
    request_body(content = Reroute, content_type = "application/json"),
    params(("petition" = String, Path, description = "Petition id or tracking code")),
    responses((status = 200, description = "Rerouted", body = serde_json::Value),
        doithoai_web::openapi::StaffErrors,
        doithoai_web::openapi::Conflict,
        doithoai_web::openapi::Invalid))]
async fn reroute(
    core: web::Data<Core>,
    staff: Staff,
    path: web::Path<String>,
    body: Body<Reroute>,
    lang: Lang,
) -> Result<HttpResponse, ApiError> {
    let a = routable(&core, &staff, &path, lang).await?;
    let Reroute { department, reason } = body.valid()?;
    let mut errors = Vec::new();
    let mut conn = core.pool.get().await?;
    let kind = queries::holder(&mut conn, &a.unit_code)
        .await?
        .map(|(_, k)| k)
        .unwrap_or_default();
    let allowed = queries::departments_for(&mut conn, &kind).await?;
    drop(conn);
    if !allowed.contains(&department) {
        errors.push(FieldError::new(
            "department",
            "unknown_department",
            lang.pick(
                "Đơn vị không có phòng này",
                "The unit has no such department",
            ),
        ));
    } else if department == a.department_code {
        errors.push(FieldError::new(
            "department",
            "unchanged",
            lang.pick(
                "Đang do chính phòng này xử lý",
                "That department already holds it",
            ),
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::Invalid(errors));
    }
    let next = flow::reroute(&core, a, &department, &reason, &staff.0.sub)
        .await
        .map_err(|e| changed(e, lang))?;
    Ok(HttpResponse::Ok().json(view(&next)))
}

/// `POST /api/v1/staff/routing/{petition}/transfer` `{to, reason}`: outside the unit's
/// competence, to another unit or a city body (clerk or leader).
#[utoipa::path(post, path = "/api/v1/staff/routing/{petition}/transfer", security(("bearer" = [])),
    request_body(content = Transfer, content_type = "application/json"),
    params(("petition" = String, Path, description = "Petition id or tracking code")),
    responses((status = 200, description = "Transferred, with its due date", body = serde_json::Value),
        doithoai_web::openapi::StaffErrors,
        doithoai_web::openapi::Conflict,
        doithoai_web::openapi::Invalid))]
async fn transfer(
    core: web::Data<Core>,
    cal: web::Data<SharedCalendar>,
    staff: Staff,
    path: web::Path<String>,
    body: Body<Transfer>,
    lang: Lang,
) -> Result<HttpResponse, ApiError> {
    let a = routable(&core, &staff, &path, lang).await?;
    let Transfer { to, reason } = body.valid()?;
    let mut conn = core.pool.get().await?;
    let Some((to_name, _)) = queries::holder(&mut conn, &to).await? else {
        return Err(ApiError::field(
            "to",
            "unknown_body",
            lang.pick("Không có cơ quan nào với mã này", "No body has this code"),
        ));
    };
    drop(conn);
    if to == a.unit_code {
        return Err(ApiError::field(
            "to",
            "unchanged",
            lang.pick(
                "Không thể chuyển cho chính đơn vị đang xử lý",
                "Cannot transfer to the unit that holds it",
            ),
        ));
    }
    let now = Utc::now();
    let (next, transfer_due) =
        flow::transfer(&core, &cal, a, &to, &to_name, &reason, &staff.0.sub, now)
            .await
            .map_err(|e| changed(e, lang))?;
    let mut out = view(&next);
    out["transfer_due_at"] = json!(doithoai_web::text::ts(transfer_due));
    out["transfer_on_time"] = json!(now <= transfer_due);
    Ok(HttpResponse::Ok().json(out))
}

/// `GET /api/v1/holidays`: the holidays the calendar skips and the make-up working days it
/// counts (public), each marked provisional until the Government has fixed that year's.
#[utoipa::path(get, path = "/api/v1/holidays",
    responses((status = 200, description = "The days the calendar skips or works", body = serde_json::Value)))]
async fn list_holidays(core: web::Data<Core>) -> Result<HttpResponse, ApiError> {
    let mut conn = core.pool.get().await?;
    let rows = settings::holidays(&mut conn).await?;
    Ok(HttpResponse::Ok().json(json!({
        "holidays": rows.into_iter().map(|d| json!({
            "date": d.day, "name_vi": d.name_vi, "name_en": d.name_en, "kind": d.kind,
            "provisional": d.provisional, "note": d.note,
        })).collect::<Vec<_>>()
    })))
}

/// `GET /api/v1/office-hours`: the city's office hours and those of units that keep their own
/// (public: a citizen can see when a submission counts as received that day).
#[utoipa::path(get, path = "/api/v1/office-hours",
    responses((status = 200, description = "The city's office hours and each unit's own", body = serde_json::Value)))]
async fn list_office_hours(core: web::Data<Core>) -> Result<HttpResponse, ApiError> {
    let mut conn = core.pool.get().await?;
    let rows = settings::office_hours(&mut conn).await?;
    let city = rows
        .iter()
        .find(|(u, _)| u == queries::CITY_HOURS)
        .map(|(_, h)| h.clone())
        .unwrap_or_else(|| crate::domain::calendar::OfficeHours::default().to_string());
    let units: Vec<Value> = rows
        .iter()
        .filter(|(u, _)| u != queries::CITY_HOURS)
        .map(|(u, h)| json!({"unit": u, "sessions": h}))
        .collect();
    Ok(HttpResponse::Ok().json(json!({"default": city, "units": units})))
}

/// `PUT /api/v1/staff/office-hours/{unit|default}` `{sessions}` (city admin): the hours deadlines
/// of that unit (or of every unit without its own) count by.
#[utoipa::path(put, path = "/api/v1/staff/office-hours/{unit}", security(("bearer" = [])),
    request_body(content = Hours, content_type = "application/json"),
    params(("unit" = String, Path, description = "A unit code, or `default` for the city's")),
    responses((status = 200, description = "Set", body = serde_json::Value),
        doithoai_web::openapi::StaffErrors,
        doithoai_web::openapi::Invalid))]
async fn put_office_hours(
    core: web::Data<Core>,
    cal: web::Data<SharedCalendar>,
    staff: Staff,
    path: web::Path<String>,
    body: Body<Hours>,
    lang: Lang,
) -> Result<HttpResponse, ApiError> {
    city_admin(&staff, lang)?;
    let unit = path.into_inner();
    let mut errors = Vec::new();
    let mut conn = core.pool.get().await?;
    if unit != "default" && queries::holder(&mut conn, &unit).await?.is_none() {
        errors.push(FieldError::new(
            "unit",
            "unknown_unit",
            lang.pick("Không có đơn vị nào với mã này", "No unit has this code"),
        ));
    }
    let Hours { sessions } = body.valid_with(errors)?;
    let key = if unit == "default" {
        queries::CITY_HOURS
    } else {
        unit.as_str()
    };
    let text = sessions.to_string();
    settings::upsert_office_hours(&mut conn, key, &text, &staff.0.sub).await?;
    flow::reload_calendar(&core, &cal).await?;
    tracing::info!(unit = %unit, actor = %staff.0.sub, "office hours of {unit} set to {text}");
    Ok(HttpResponse::Ok().json(json!({"unit": unit, "sessions": text})))
}

/// `DELETE /api/v1/staff/office-hours/{unit}` (city admin): the unit keeps the city's hours again.
#[utoipa::path(delete, path = "/api/v1/staff/office-hours/{unit}", security(("bearer" = [])),
    params(("unit" = String, Path, description = "A unit code")),
    responses((status = 204, description = "The unit keeps the city's hours"),
        (status = 401, description = "No valid staff token", body = doithoai_web::Problem),
        (status = 403, description = "The role may not do this", body = doithoai_web::Problem),
        (status = 404, description = "The unit kept no hours of its own", body = doithoai_web::Problem)))]
async fn delete_office_hours(
    core: web::Data<Core>,
    cal: web::Data<SharedCalendar>,
    staff: Staff,
    path: web::Path<String>,
    lang: Lang,
) -> Result<HttpResponse, ApiError> {
    city_admin(&staff, lang)?;
    let mut conn = core.pool.get().await?;
    if path.as_str() == "default" || !settings::delete_office_hours(&mut conn, &path).await? {
        return Err(Problem::not_found(lang).into());
    }
    flow::reload_calendar(&core, &cal).await?;
    Ok(HttpResponse::NoContent().finish())
}

fn city_admin(staff: &Staff, lang: Lang) -> Result<(), ApiError> {
    staff.require(&[Role::CityAdmin], lang)?;
    Ok(())
}

fn parse_date(s: &str, lang: Lang) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
        Problem::bad_request(
            lang,
            "date",
            "invalid_date",
            lang.pick("Ngày theo dạng YYYY-MM-DD", "A date as YYYY-MM-DD")
                .to_owned(),
        )
        .into()
    })
}

/// `PUT /api/v1/staff/holidays/{date}` `{name_vi, name_en?, kind?, provisional?}` (city admin).
#[utoipa::path(put, path = "/api/v1/staff/holidays/{date}", security(("bearer" = [])),
    request_body(content = Holiday, content_type = "application/json"),
    params(("date" = String, Path, description = "YYYY-MM-DD")),
    responses((status = 200, description = "Set", body = serde_json::Value),
        doithoai_web::openapi::StaffErrors,
        (status = 400, description = "Not a date", body = doithoai_web::Problem),
        doithoai_web::openapi::Invalid))]
async fn put_holiday(
    core: web::Data<Core>,
    cal: web::Data<SharedCalendar>,
    staff: Staff,
    path: web::Path<String>,
    body: Body<Holiday>,
    lang: Lang,
) -> Result<HttpResponse, ApiError> {
    city_admin(&staff, lang)?;
    let day = parse_date(&path, lang)?;
    let Holiday {
        name_vi,
        name_en,
        kind,
        provisional,
    } = body.valid()?;
    // A make-up working day replaces a weekend day; a weekday is one already.
    if kind == DayKind::WorkingDay && !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
        return Err(ApiError::Invalid(vec![FieldError::new(
            "kind",
            "not_a_weekend_day",
            lang.pick(
                "Ngày làm bù phải là thứ Bảy hoặc Chủ nhật",
                "A make-up working day is a Saturday or a Sunday",
            ),
        )]));
    }
    let mut conn = core.pool.get().await?;
    settings::upsert_holiday(&mut conn, day, (&name_vi, &name_en), kind, provisional).await?;
    flow::reload_calendar(&core, &cal).await?;
    tracing::info!(date = %day, actor = %staff.0.sub, "calendar day {day} set by {}", staff.0.sub);
    Ok(HttpResponse::Ok().json(json!({"date": day, "name_vi": name_vi, "name_en": name_en, "kind": kind, "provisional": provisional})))
}

/// `DELETE /api/v1/staff/holidays/{date}` (city admin).
#[utoipa::path(delete, path = "/api/v1/staff/holidays/{date}", security(("bearer" = [])),
    params(("date" = String, Path, description = "YYYY-MM-DD")),
    responses((status = 204, description = "Removed"),
        doithoai_web::openapi::StaffErrors,
        (status = 400, description = "Not a date", body = doithoai_web::Problem)))]
async fn delete_holiday(
    core: web::Data<Core>,
    cal: web::Data<SharedCalendar>,
    staff: Staff,
    path: web::Path<String>,
    lang: Lang,
) -> Result<HttpResponse, ApiError> {
    city_admin(&staff, lang)?;
    let day = parse_date(&path, lang)?;
    let mut conn = core.pool.get().await?;
    if !settings::delete_holiday(&mut conn, day).await? {
        return Err(Problem::not_found(lang).into());
    }
    flow::reload_calendar(&core, &cal).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// 409 when another action (or the answer) changed the petition between this request's read
/// and its write ([`flow::Stale`]); any other failure as it is.
fn changed(e: anyhow::Error, lang: Lang) -> ApiError {
    if !e.is::<flow::Stale>() {
        return e.into();
    }
    Problem::conflict(
        lang,
        (
            "Phản ánh vừa được xử lý",
            "The petition has just been handled",
        ),
        "petition",
        "already_handled",
        (
            "Một thao tác khác vừa thay đổi phản ánh này; xin tải lại",
            "Another action has just changed this petition; reload it",
        ),
    )
    .into()
}

fn open_for_triage(a: &queries::Assignment, lang: Lang) -> Result<(), ApiError> {
    use crate::domain::status::AssignmentStatus;
    if a.status.open_for_triage() {
        return Ok(());
    }
    let answered = a.status == AssignmentStatus::Answered;
    let (title, code, message) = if answered {
        (
            ("Đã có văn bản trả lời", "Already answered"),
            "already_answered",
            (
                "Phản ánh đã được trả lời: không thể chuyển hay từ chối",
                "The petition is answered: it can no longer be moved or refused",
            ),
        )
    } else {
        (
            ("Đã không tiếp nhận", "Already refused"),
            "already_refused",
            (
                "Phản ánh đã được xác định không tiếp nhận",
                "The petition was already refused",
            ),
        )
    };
    Err(Problem::conflict(lang, title, "petition", code, message).into())
}

/// `POST /api/v1/staff/routing/{petition}/refuse` `{reason}` (clerk or leader): not accepted
/// on triage.
#[utoipa::path(post, path = "/api/v1/staff/routing/{petition}/refuse", security(("bearer" = [])),
    request_body(content = Refuse, content_type = "application/json"),
    params(("petition" = String, Path, description = "Petition id or tracking code")),
    responses((status = 200, description = "Not accepted", body = serde_json::Value),
        doithoai_web::openapi::StaffErrors,
        doithoai_web::openapi::Conflict,
        doithoai_web::openapi::Invalid))]
async fn refuse(
    core: web::Data<Core>,
    staff: Staff,
    path: web::Path<String>,
    body: Body<Refuse>,
    lang: Lang,
) -> Result<HttpResponse, ApiError> {
    let a = routable(&core, &staff, &path, lang).await?;
    let Refuse { reason } = body.valid()?;
    let next = flow::refuse(&core, a, &reason, &staff.0.sub, Utc::now())
        .await
        .map_err(|e| changed(e, lang))?;
    Ok(HttpResponse::Ok().json(view(&next)))
}

/// `POST /api/v1/staff/routing/{petition}/urgent` `{reason}` (clerk or leader): handled within
/// 4 working hours (the unit's `urgent` policy) from now — the due date comes forward and the
/// department is told. 409 `due_sooner` when it is due sooner already.
#[utoipa::path(post, path = "/api/v1/staff/routing/{petition}/urgent", security(("bearer" = [])),
    request_body(content = Refuse, content_type = "application/json"),
    params(("petition" = String, Path, description = "Petition id or tracking code")),
    responses((status = 200, description = "Urgent: the new due date", body = serde_json::Value),
        doithoai_web::openapi::StaffErrors,
        doithoai_web::openapi::Conflict,
        doithoai_web::openapi::Invalid))]
async fn urgent(
    core: web::Data<Core>,
    cal: web::Data<SharedCalendar>,
    staff: Staff,
    path: web::Path<String>,
    body: Body<Refuse>,
    lang: Lang,
) -> Result<HttpResponse, ApiError> {
    let a = routable(&core, &staff, &path, lang).await?;
    let Refuse { reason } = body.valid()?;
    let next = flow::make_urgent(&core, &cal, a, &reason, &staff.0.sub, Utc::now())
        .await
        .map_err(|e| match e.downcast_ref::<flow::DueSooner>() {
            Some(flow::DueSooner(due)) => Problem::conflict(
                lang,
                ("Đã có hạn sớm hơn", "Due sooner already"),
                "petition",
                "due_sooner",
                (
                    &format!("Hạn xử lý đã là {}", doithoai_web::text::ts(*due)),
                    &format!("It is due at {} already", doithoai_web::text::ts(*due)),
                ),
            )
            .into(),
            None => changed(e, lang),
        })?;
    Ok(HttpResponse::Ok().json(view(&next)))
}

/// `POST /api/v1/staff/routing/{petition}/accept` `{note?}` (clerk or leader): within the
/// unit's competence, as assigned (Decree 20, Art. 9) — the triage deadline is met; nothing
/// else changes.
#[utoipa::path(post, path = "/api/v1/staff/routing/{petition}/accept", security(("bearer" = [])),
    request_body(content = Accept, content_type = "application/json"),
    params(("petition" = String, Path, description = "Petition id or tracking code")),
    responses((status = 200, description = "Accepted as within the unit's competence", body = serde_json::Value),
        doithoai_web::openapi::StaffErrors,
        doithoai_web::openapi::Conflict,
        doithoai_web::openapi::Invalid))]
async fn accept(
    core: web::Data<Core>,
    staff: Staff,
    path: web::Path<String>,
    body: Body<Accept>,
    lang: Lang,
) -> Result<HttpResponse, ApiError> {
    let a = routable(&core, &staff, &path, lang).await?;
    let Accept { note } = body.valid()?;
    flow::accept(&core, &a, note.as_deref(), &staff.0.sub)
        .await
        .map_err(|e| changed(e, lang))?;
    Ok(HttpResponse::Ok().json(view(&a)))
}

/// `GET /api/v1/staff/policies`: deadline policies (city defaults have `unit: null`).
#[utoipa::path(get, path = "/api/v1/staff/policies", security(("bearer" = [])),
    responses((status = 200, description = "Deadline policies (city defaults have unit null)", body = serde_json::Value),
        doithoai_web::openapi::StaffErrors))]
async fn list_policies(core: web::Data<Core>, staff: Staff) -> Result<HttpResponse, ApiError> {
    let _ = staff;
    let mut conn = core.pool.get().await?;
    let rows = settings::policies(&mut conn).await?;
    Ok(HttpResponse::Ok().json(json!({"policies": rows.into_iter().map(|(u, c, wd, wh, r)| json!({"unit": u, "class": c, "working_days": wd, "working_hours": wh, "review_required": r})).collect::<Vec<_>>()})))
}

/// `PUT /api/v1/staff/policies/{unit|default}/{class}` `{working_days | working_hours,
/// review_required?}` (city admin).
#[utoipa::path(put, path = "/api/v1/staff/policies/{unit}/{class}", security(("bearer" = [])),
    request_body(content = Policy, content_type = "application/json"),
    params(("unit" = String, Path, description = "A unit code, or `default` for the city default"), ("class" = String, Path, description = "acknowledgement, transfer, answer, refusal or urgent")),
    responses((status = 200, description = "Set", body = serde_json::Value),
        doithoai_web::openapi::StaffErrors,
        doithoai_web::openapi::Invalid))]
async fn put_policy(
    core: web::Data<Core>,
    cal: web::Data<SharedCalendar>,
    staff: Staff,
    path: web::Path<(String, String)>,
    body: Body<Policy>,
    lang: Lang,
) -> Result<HttpResponse, ApiError> {
    city_admin(&staff, lang)?;
    let (unit, class) = path.into_inner();
    let mut errors = Vec::new();
    let class = PolicyClass::parse(&class);
    if class.is_none() {
        errors.push(FieldError::new(
            "class",
            "unknown_value",
            lang.pick(
                "acknowledgement, transfer, answer, refusal hoặc urgent",
                "acknowledgement, transfer, answer, refusal or urgent",
            ),
        ));
    }
    let unit = if unit == "default" { None } else { Some(unit) };
    if let Some(u) = &unit {
        let mut conn = core.pool.get().await?;
        if queries::holder(&mut conn, u).await?.is_none() {
            errors.push(FieldError::new(
                "unit",
                "unknown_unit",
                lang.pick("Không có đơn vị nào với mã này", "No unit has this code"),
            ));
        }
    }
    let policy = body.valid_with(errors)?;
    let (length, review) = (policy.length(), policy.review_required);
    // Named above when unknown, so valid_with has answered 422 already.
    let class = class.ok_or(ApiError::NotFound)?;
    let (days, hours) = length.columns();
    let mut conn = core.pool.get().await?;
    settings::upsert_policy(&mut conn, unit.as_deref(), class, (days, hours), review).await?;
    drop(conn);
    // The calendar carries the lengths to the services that count them (notification's
    // notice watch).
    flow::reload_calendar(&core, &cal).await?;
    Ok(HttpResponse::Ok().json(json!({"unit": unit, "class": class, "working_days": days, "working_hours": hours, "review_required": review})))
}

/// `GET /api/v1/staff/rules`: the routing rules (defaults come from the procedure fields).
#[utoipa::path(get, path = "/api/v1/staff/rules", security(("bearer" = [])),
    responses((status = 200, description = "Routing rules", body = serde_json::Value),
        doithoai_web::openapi::StaffErrors))]
async fn list_rules(core: web::Data<Core>, staff: Staff) -> Result<HttpResponse, ApiError> {
    let _ = staff;
    let mut conn = core.pool.get().await?;
    let rows = settings::rules(&mut conn).await?;
    Ok(HttpResponse::Ok().json(json!({"rules": rows.into_iter().map(|(u, f, c, d)| json!({"unit": u, "field": f, "content_type": c, "department": d})).collect::<Vec<_>>()})))
}

/// `PUT /api/v1/staff/rules` `{unit?, field, content_type?, department}` (city admin): a rule
/// for every unit (no `unit`) or a unit's override.
#[utoipa::path(put, path = "/api/v1/staff/rules", security(("bearer" = [])),
    request_body(content = Rule, content_type = "application/json"),
    responses((status = 200, description = "Set", body = serde_json::Value),
        doithoai_web::openapi::StaffErrors,
        doithoai_web::openapi::Invalid))]
async fn put_rule(
    core: web::Data<Core>,
    staff: Staff,
    body: Body<Rule>,
    lang: Lang,
) -> Result<HttpResponse, ApiError> {
    city_admin(&staff, lang)?;
    let Rule {
        unit,
        field,
        content_type,
        department,
    } = body.valid()?;
    let mut errors = Vec::new();
    let mut conn = core.pool.get().await?;
    if !settings::field_exists(&mut conn, &field).await? {
        errors.push(FieldError::new(
            "field",
            "unknown_field_code",
            lang.pick(
                "Không có lĩnh vực nào với mã này",
                "No procedure field has this code",
            ),
        ));
    }
    if let Some(u) = &unit
        && queries::holder(&mut conn, u).await?.is_none()
    {
        errors.push(FieldError::new(
            "unit",
            "unknown_unit",
            lang.pick("Không có đơn vị nào với mã này", "No unit has this code"),
        ));
    }
    if queries::department_name(&mut conn, &department)
        .await?
        .is_none()
    {
        errors.push(FieldError::new(
            "department",
            "unknown_department",
            lang.pick(
                "Không có phòng nào với mã này",
                "No department has this code",
            ),
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::Invalid(errors));
    }
    let rule = (unit, field, content_type, department);
    settings::upsert_rule(&mut conn, &rule).await?;
    let (unit, field, content_type, department) = rule;
    Ok(HttpResponse::Ok().json(json!({"unit": unit, "field": field, "content_type": content_type, "department": department})))
}
