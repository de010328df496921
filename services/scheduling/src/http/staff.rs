//! A unit's conferences, as its leader or clerk plans and runs them: plan, list, notice,
//! outcomes of registered questions, attendance, minutes, results, cancellation.

use super::*;
use crate::store::conferences as store;

/// `POST /api/v1/staff/conferences` (leader or clerk): plan a conference of the token's unit.
#[utoipa::path(post, path = "/api/v1/staff/conferences", security(("bearer" = [])),
    request_body(content = Plan, content_type = "application/json"),
    responses((status = 201, description = "Planned", body = serde_json::Value),
        doithoai_web::openapi::StaffErrors,
        doithoai_web::openapi::Invalid))]
pub(super) async fn plan(core: web::Data<Core>, staff: Staff, body: Body<Plan>, lang: Lang) -> Res {
    // Leaders and clerks hold a unit's token, never a city-wide one.
    staff.require(&[Role::Leader, Role::Clerk], lang)?;
    let plan = body.valid()?;
    let id = Uuid::now_v7();
    let mut conn = core.pool.get().await?;
    store::insert(&mut conn, id, &staff.0.unit, &plan, by(&core, &staff)).await?;
    let c = flow::load(&core, id)
        .await?
        .ok_or_else(|| ApiError::failure(anyhow::anyhow!("vanished")))?;
    Ok(HttpResponse::Created().json(view(&c)))
}

/// `GET /api/v1/staff/conferences`: the unit's conferences.
#[utoipa::path(get, path = "/api/v1/staff/conferences", security(("bearer" = [])),
    responses((status = 200, description = "The unit's conferences", body = serde_json::Value),
        doithoai_web::openapi::StaffErrors))]
pub(super) async fn list_staff(core: web::Data<Core>, staff: Staff) -> Res {
    let mut conn = core.pool.get().await?;
    let rows = store::of_unit(&mut conn, &staff.0.unit, false).await?;
    Ok(HttpResponse::Ok().json(json!({"conferences": rows.iter().map(view).collect::<Vec<_>>()})))
}

/// `POST /api/v1/staff/conferences/{id}/notice`: publishes the notice, at least 7 days before;
/// registration closes at the end of office hours of the last working day at least 7 days
/// before the conference.
#[utoipa::path(post, path = "/api/v1/staff/conferences/{id}/notice", security(("bearer" = [])),
    params(("id" = String, Path, description = "The conference id")),
    responses((status = 200, description = "The notice is out; registration closes at the cutoff", body = serde_json::Value),
        doithoai_web::openapi::StaffErrors,
        doithoai_web::openapi::Conflict,
        doithoai_web::openapi::Invalid))]
pub(super) async fn notice(
    core: web::Data<Core>,
    cal: web::Data<SharedCalendar>,
    units: web::Data<Organisers>,
    staff: Staff,
    path: web::Path<String>,
    lang: Lang,
) -> Res {
    let c = organised(&core, &staff, &path, lang).await?;
    if !c.status.can_notice() {
        return Err(already_noticed(lang));
    }
    let now = Utc::now();
    if c.starts_at - now < Duration::days(NOTICE_DAYS) {
        return Err(ApiError::Invalid(vec![FieldError::new(
            "starts_at",
            "notice_too_late",
            lang.pick(
                "Thông báo phải đăng trước hội nghị ít nhất 7 ngày: hãy dời ngày hội nghị",
                "The notice must be out at least 7 days before the conference: move the conference",
            ),
        )]));
    }
    let closes = registration_cutoff(&core, &cal, &c.unit_code, c.starts_at).await;
    let mut events = vec![notice_event(
        &core,
        &c,
        (c.starts_at, &c.venue),
        (now, closes),
    )?];
    events.extend(
        super::groups::group_events(&core, &units, &c, ("notice", c.starts_at, &c.venue), None)
            .await?,
    );
    let mut conn = core.pool.get().await?;
    if !store::publish_notice(&mut conn, c.id, now, closes, &events, by(&core, &staff)).await? {
        return Err(already_noticed(lang));
    }
    core.relay.wake();
    let c = flow::load(&core, c.id)
        .await?
        .ok_or_else(|| ApiError::failure(anyhow::anyhow!("vanished")))?;
    Ok(HttpResponse::Ok().json(view(&c)))
}

/// `POST /api/v1/staff/conferences/{id}/outcomes` `{petition, outcome: answered|written|forwarded,
/// answer?, department?, due_at?, forwarded_to?}`: what became of a registered question; the
/// registrant is told.
#[utoipa::path(post, path = "/api/v1/staff/conferences/{id}/outcomes", security(("bearer" = [])),
    request_body(content = Outcome, content_type = "application/json"),
    params(("id" = String, Path, description = "The conference id")),
    responses((status = 200, description = "Recorded; the registrant is told", body = serde_json::Value),
        doithoai_web::openapi::StaffErrors,
        doithoai_web::openapi::Conflict,
        doithoai_web::openapi::Invalid))]
pub(super) async fn outcome(
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
    if Utc::now() < c.starts_at {
        return Err(not_started(lang));
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
        return Err(ApiError::Invalid(vec![FieldError::new(
            "petition",
            "not_registered",
            lang.pick(
                "Không có câu hỏi đăng ký này trong hội nghị",
                "No such registered question in this conference",
            ),
        )]));
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
    let record = store::OutcomeRecord {
        conference_id: c.id,
        petition_id: pid,
        outcome: kind,
        answer: answer.as_deref(),
        department: department.as_deref(),
        due_at,
        forwarded_to: forwarded_to.as_deref(),
    };
    store::record_outcome(&mut conn, record, event, by(&core, &staff)).await?;
    core.relay.wake();
    Ok(HttpResponse::Ok().json(json!({"petition": pid, "outcome": kind})))
}

/// `POST /api/v1/staff/conferences/{id}/attendance` `{count}`: the conference was held.
#[utoipa::path(post, path = "/api/v1/staff/conferences/{id}/attendance", security(("bearer" = [])),
    request_body(content = Attendance, content_type = "application/json"),
    params(("id" = String, Path, description = "The conference id")),
    responses((status = 200, description = "Held", body = serde_json::Value),
        doithoai_web::openapi::StaffErrors,
        doithoai_web::openapi::Conflict,
        doithoai_web::openapi::Invalid))]
pub(super) async fn attendance(
    core: web::Data<Core>,
    staff: Staff,
    path: web::Path<String>,
    body: Body<Attendance>,
    lang: Lang,
) -> Res {
    let c = organised(&core, &staff, &path, lang).await?;
    let count = body.valid()?.count;
    if !c.status.can_record_outcomes() {
        return Err(not_noticed(lang));
    }
    if Utc::now() < c.starts_at {
        return Err(not_started(lang));
    }
    let mut conn = core.pool.get().await?;
    if !store::record_attendance(&mut conn, c.id, count, by(&core, &staff)).await? {
        return Err(not_noticed(lang));
    }
    Ok(HttpResponse::Ok().json(json!({"status": "held", "attendance": count})))
}

async fn publish_text(
    core: web::Data<Core>,
    units: web::Data<Organisers>,
    staff: Staff,
    path: web::Path<String>,
    body: Body<Publication>,
    lang: Lang,
    what: store::Publication,
) -> Res {
    let c = organised(&core, &staff, &path, lang).await?;
    if !c.status.can_publish_results() {
        return Err(not_held(lang));
    }
    if matches!(what, store::Publication::Results) && c.minutes_published_at.is_none() {
        return Err(no_minutes(lang));
    }
    let Publication {
        text,
        private_names,
    } = body.valid()?;
    // Minutes and results notices are public: published without personal data, whatever was
    // typed (Decree 13/2023/NĐ-CP); the officer sees how many pieces were removed.
    let known = doithoai_redact::Known {
        other_names: private_names,
        ..doithoai_redact::Known::default()
    };
    let public = doithoai_redact::redact(&text, &known, false);
    let now = Utc::now();
    // The results notice goes to the heads of the unit's residential groups (seed 000).
    let events = match what {
        store::Publication::Results => {
            let sent = ("results", c.starts_at, c.venue.as_str());
            super::groups::group_events(&core, &units, &c, sent, Some(&public.text)).await?
        }
        store::Publication::Minutes => Vec::new(),
    };
    let mut conn = core.pool.get().await?;
    let published = (what, public.text.as_str());
    if !store::publish_text(&mut conn, c.id, published, &events, now, by(&core, &staff)).await? {
        return Err(not_held(lang));
    }
    drop(conn);
    core.relay.wake();
    let on_time = now <= c.starts_at + Duration::days(RESULTS_DAYS);
    Ok(HttpResponse::Ok().json(json!({
        "published_at": ts(now),
        "on_time": on_time,
        "text": public.text,
        "removed": public.removed,
    })))
}

/// `POST /api/v1/staff/conferences/{id}/minutes` `{text}`: the biên bản.
#[utoipa::path(post, path = "/api/v1/staff/conferences/{id}/minutes", security(("bearer" = [])),
    request_body(content = Publication, content_type = "application/json"),
    params(("id" = String, Path, description = "The conference id")),
    responses((status = 200, description = "Published", body = serde_json::Value),
        doithoai_web::openapi::StaffErrors,
        doithoai_web::openapi::Conflict,
        doithoai_web::openapi::Invalid))]
pub(super) async fn minutes(
    core: web::Data<Core>,
    units: web::Data<Organisers>,
    staff: Staff,
    path: web::Path<String>,
    body: Body<Publication>,
    lang: Lang,
) -> Res {
    let what = store::Publication::Minutes;
    publish_text(core, units, staff, path, body, lang, what).await
}

/// `POST /api/v1/staff/conferences/{id}/results` `{text}`: the thông báo kết quả (due within
/// 10 days).
#[utoipa::path(post, path = "/api/v1/staff/conferences/{id}/results", security(("bearer" = [])),
    request_body(content = Publication, content_type = "application/json"),
    params(("id" = String, Path, description = "The conference id")),
    responses((status = 200, description = "Published (due within 10 days)", body = serde_json::Value),
        doithoai_web::openapi::StaffErrors,
        doithoai_web::openapi::Conflict,
        doithoai_web::openapi::Invalid))]
pub(super) async fn results(
    core: web::Data<Core>,
    units: web::Data<Organisers>,
    staff: Staff,
    path: web::Path<String>,
    body: Body<Publication>,
    lang: Lang,
) -> Res {
    let what = store::Publication::Results;
    publish_text(core, units, staff, path, body, lang, what).await
}

/// `POST /api/v1/staff/conferences/{id}/cancel` `{reason, written_answers_due_at}`: force
/// majeure; every registered question gets a written answer by the date, and each registrant
/// is told.
#[utoipa::path(post, path = "/api/v1/staff/conferences/{id}/cancel", security(("bearer" = [])),
    request_body(content = Cancel, content_type = "application/json"),
    params(("id" = String, Path, description = "The conference id")),
    responses((status = 200, description = "Cancelled; registrants are told", body = serde_json::Value),
        doithoai_web::openapi::StaffErrors,
        doithoai_web::openapi::Conflict,
        doithoai_web::openapi::Invalid))]
pub(super) async fn cancel(
    core: web::Data<Core>,
    staff: Staff,
    path: web::Path<String>,
    body: Body<Cancel>,
    lang: Lang,
) -> Res {
    let c = organised(&core, &staff, &path, lang).await?;
    if !c.status.can_cancel() {
        return Err(cannot_cancel(lang));
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
    if !store::cancel(&mut conn, c.id, &reason, due, &events, by(&core, &staff)).await? {
        return Err(cannot_cancel(lang));
    }
    core.relay.wake();
    Ok(HttpResponse::Ok().json(json!({"status": "cancelled", "registrants": regs.len()})))
}

/// `POST /api/v1/staff/conferences/{id}/reschedule` `{starts_at, venue?, reason}`: moves a
/// conference that has not started. Once its notice is out, a new notice goes out now, so the
/// new time must be at least 7 days ahead (seed 001); registration closes by the new date,
/// every registrant is told, and each is reminded again 48 hours before.
#[utoipa::path(post, path = "/api/v1/staff/conferences/{id}/reschedule", security(("bearer" = [])),
    request_body(content = Reschedule, content_type = "application/json"),
    params(("id" = String, Path, description = "The conference id")),
    responses((status = 200, description = "Moved; a noticed conference's registrants are told", body = serde_json::Value),
        doithoai_web::openapi::StaffErrors,
        doithoai_web::openapi::Conflict,
        doithoai_web::openapi::Invalid))]
pub(super) async fn reschedule(
    core: web::Data<Core>,
    cal: web::Data<SharedCalendar>,
    units: web::Data<Organisers>,
    staff: Staff,
    path: web::Path<String>,
    body: Body<Reschedule>,
    lang: Lang,
) -> Res {
    let c = organised(&core, &staff, &path, lang).await?;
    let now = Utc::now();
    if !c.status.can_cancel() || now >= c.starts_at {
        return Err(conflict(
            lang,
            "status",
            "cannot_reschedule",
            "Hội nghị đã bắt đầu, đã diễn ra hoặc đã bị hủy",
            "The conference has started, was held or was cancelled",
        ));
    }
    let Reschedule {
        starts_at,
        venue,
        reason,
    } = body.valid()?;
    let noticed = c.status == ConferenceStatus::Noticed;
    if noticed && starts_at - now < Duration::days(NOTICE_DAYS) {
        return Err(ApiError::Invalid(vec![FieldError::new(
            "starts_at",
            "notice_too_late",
            lang.pick(
                "Thông báo mới phải đăng trước hội nghị ít nhất 7 ngày: hãy chọn ngày muộn hơn",
                "The new notice must be out at least 7 days before: choose a later date",
            ),
        )]));
    }
    let venue = venue.unwrap_or_else(|| c.venue.clone());
    let mut events = Vec::new();
    let renoticed = if noticed {
        let closes = registration_cutoff(&core, &cal, &c.unit_code, starts_at).await;
        events.push(notice_event(&core, &c, (starts_at, &venue), (now, closes))?);
        events.extend(
            super::groups::group_events(&core, &units, &c, ("notice", starts_at, &venue), None)
                .await?,
        );
        for r in &flow::registrations_of(&core, c.id).await? {
            events.push(flow::event(
                &core,
                subjects::CONFERENCE_RESCHEDULED,
                &c.unit_code,
                doithoai_contracts::ConferenceRescheduledV1 {
                    conference_id: c.id,
                    unit: c.unit_code.clone(),
                    title: c.title.clone(),
                    starts_at,
                    previous_starts_at: c.starts_at,
                    venue: venue.clone(),
                    reason: reason.clone(),
                    registrant: r.registrant(),
                },
            )?);
        }
        Some((now, closes))
    } else {
        None
    };
    let moved = store::Move {
        from: c.starts_at,
        starts_at,
        venue: &venue,
        renoticed,
        reason: &reason,
    };
    let mut conn = core.pool.get().await?;
    if !store::reschedule(&mut conn, c.id, moved, &events, by(&core, &staff)).await? {
        return Err(conflict(
            lang,
            "status",
            "changed",
            "Hội nghị vừa được thay đổi; xin tải lại",
            "The conference has just changed; reload it",
        ));
    }
    drop(conn);
    core.relay.wake();
    let c = flow::load(&core, c.id)
        .await?
        .ok_or_else(|| ApiError::failure(anyhow::anyhow!("vanished")))?;
    Ok(HttpResponse::Ok().json(view(&c)))
}

/// When registration for a conference of `unit` starting at `starts_at` closes, by the calendar
/// as routing keeps it now (the last copy if routing does not answer).
async fn registration_cutoff(
    core: &Core,
    cal: &SharedCalendar,
    unit: &str,
    starts_at: chrono::DateTime<Utc>,
) -> chrono::DateTime<Utc> {
    if let Err(e) = doithoai_web::calendar::refresh(core, cal).await {
        tracing::debug!(error = %e, "calendar not refreshed: {e}");
    }
    doithoai_web::calendar::now(cal)
        .for_unit(unit)
        .registration_cutoff(starts_at, NOTICE_DAYS)
}

/// The `conference.noticed` event of `c` at `(starts_at, venue)`, registration open over
/// `(opens, closes)`.
fn notice_event(
    core: &Core,
    c: &Conference,
    (starts_at, venue): (chrono::DateTime<Utc>, &str),
    (opens, closes): (chrono::DateTime<Utc>, chrono::DateTime<Utc>),
) -> Result<doithoai_bus::outbox::NewMessage, ApiError> {
    Ok(flow::event(
        core,
        subjects::CONFERENCE_NOTICED,
        &c.unit_code,
        ConferenceNoticedV1 {
            conference_id: c.id,
            unit: c.unit_code.clone(),
            title: c.title.clone(),
            starts_at,
            venue: venue.to_owned(),
            online_link: c.online_link.clone(),
            fields: c.fields.clone(),
            registration_opens_at: opens,
            registration_closes_at: closes,
        },
    )?)
}

fn already_noticed(lang: Lang) -> ApiError {
    conflict(
        lang,
        "status",
        "already_noticed",
        "Thông báo đã được đăng hoặc hội nghị đã kết thúc",
        "The notice is already out or the conference is over",
    )
}

fn not_noticed(lang: Lang) -> ApiError {
    conflict(
        lang,
        "status",
        "not_noticed",
        "Hội nghị chưa được thông báo hoặc đã bị hủy",
        "The conference was not noticed or was cancelled",
    )
}

/// Outcomes, attendance and minutes are facts of a conference that has begun.
fn not_started(lang: Lang) -> ApiError {
    conflict(
        lang,
        "starts_at",
        "not_started",
        "Hội nghị chưa bắt đầu",
        "The conference has not started",
    )
}

/// The results notice reports what the minutes record: minutes first.
fn no_minutes(lang: Lang) -> ApiError {
    conflict(
        lang,
        "minutes",
        "no_minutes",
        "Chưa có biên bản hội nghị",
        "The minutes are not published yet",
    )
}

fn not_held(lang: Lang) -> ApiError {
    conflict(
        lang,
        "status",
        "not_held",
        "Hội nghị chưa diễn ra",
        "The conference has not been held",
    )
}

fn cannot_cancel(lang: Lang) -> ApiError {
    conflict(
        lang,
        "status",
        "cannot_cancel",
        "Hội nghị đã diễn ra hoặc đã bị hủy",
        "The conference was held or already cancelled",
    )
}

/// The staff member making a change, and the namespace of its events.
fn by<'a>(core: &'a Core, staff: &'a Staff) -> store::By<'a> {
    store::By {
        actor: &staff.0.sub,
        ns: &core.bus.namespace,
    }
}
