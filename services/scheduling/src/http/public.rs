//! What anyone may read: a unit's noticed conferences, one conference, iCalendar feeds.

use super::*;

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
pub(super) async fn public_conference(
    core: web::Data<Core>,
    path: web::Path<String>,
    lang: Lang,
) -> Res {
    Ok(HttpResponse::Ok().json(public_view(&noticed(&core, &path, lang).await?)))
}

async fn unit_list(core: &Core, unit: &str) -> Result<Vec<Conference>, ApiError> {
    let mut conn = core.pool.get().await?;
    Ok(crate::store::conferences::of_unit(&mut conn, unit, true).await?)
}

/// `GET /api/v1/units/{unit}/conferences`: a unit's noticed conferences (public).
#[utoipa::path(get, path = "/api/v1/units/{unit}/conferences",
    params(("unit" = String, Path, description = "A unit code")),
    responses((status = 200, description = "A unit's noticed conferences", body = serde_json::Value),
        (status = 404, description = "Not found", body = doithoai_web::Problem)))]
pub(super) async fn unit_conferences(
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
pub(super) async fn conference_ics(
    core: web::Data<Core>,
    path: web::Path<String>,
    lang: Lang,
) -> Res {
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
pub(super) async fn unit_ics(
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
