//! What anyone may read: a unit's noticed conferences, one conference, iCalendar feeds.

use super::*;

fn public_view(c: &Conference) -> Value {
    json!({
        "id": c.id, "unit": c.unit_code, "title": c.title, "format": c.format,
        "format_label": c.format.label_vi(), "starts_at": ts(c.starts_at), "venue": c.venue,
        "online_link": c.online_link, "chair": c.chair, "co_organisers": c.co_organisers, "fields": c.fields, "status": c.status,
        "registration_closes_at": c.registration_closes_at.map(ts),
        "results_notice": c.results_notice, "minutes": c.minutes,
    })
}

async fn noticed(core: &Core, id: &str, lang: Lang) -> Result<Conference, ApiError> {
    let id = Uuid::parse_str(id.trim_end_matches(".ics")).map_err(|_| ApiError::NotFound)?;
    flow::load_from(&core.public_pool, id)
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
    let mut conn = core.public_pool.get().await?;
    Ok(crate::store::conferences::of_unit(&mut conn, unit, true).await?)
}

/// `GET /api/v1/units/{unit}/conferences`: a unit's noticed conferences (public).
#[utoipa::path(get, path = "/api/v1/units/{unit}/conferences",
    params(("unit" = String, Path, description = "A unit code")),
    responses((status = 200, description = "A unit's noticed conferences", body = serde_json::Value),
        (status = 404, description = "Not found", body = doithoai_web::Problem)))]
pub(super) async fn unit_conferences(
    core: web::Data<Core>,
    units: web::Data<Organisers>,
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

/// `s` on one line: every control character (CR and LF included) becomes a space. Staff text
/// is checked at input, but a feed must not trust what is stored: the crate escapes text
/// values, not a URL.
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn ics_event(c: &Conference) -> icalendar::Event {
    let mut e = icalendar::Event::new();
    e.uid(&format!("{}@doithoai.hanoi.gov.vn", c.id))
        .summary(&one_line(&c.title))
        .location(&one_line(&c.venue))
        .starts(c.starts_at)
        .ends(c.starts_at + Duration::hours(3))
        .description(&format!(
            "Hội nghị đối thoại với người dân và doanh nghiệp. Chủ trì: {}. Hạn đăng ký câu hỏi: {}.",
            one_line(&c.chair),
            c.registration_closes_at.map(|t| t.with_timezone(&doithoai_web::text::hanoi()).format("%H:%M %d/%m/%Y").to_string()).unwrap_or_default()
        ));
    if let Some(link) = &c.online_link {
        e.url(&one_line(link).replace(' ', "%20"));
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
    units: web::Data<Organisers>,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn conference(title: &str, venue: &str, link: &str) -> Conference {
        Conference {
            id: Uuid::nil(),
            unit_code: "phuong-lang".into(),
            title: title.into(),
            starts_at: Utc::now(),
            venue: venue.into(),
            online_link: Some(link.into()),
            chair: "Chủ tịch".into(),
            co_organisers: Vec::new(),
            fields: Vec::new(),
            status: ConferenceStatus::Noticed,
            notice_published_at: None,
            registration_closes_at: None,
            attendance: None,
            minutes: None,
            minutes_published_at: None,
            results_notice: None,
            results_published_at: None,
            cancel_reason: None,
            written_answers_due_at: None,
            format: crate::domain::status::ConferenceFormat::Conference,
        }
    }

    /// Hostile text (stored before the one-line rule, or arriving another way) cannot add a
    /// property or an event to a feed: one VEVENT, no injected line.
    #[test]
    fn hostile_text_stays_inside_its_property_in_the_ics_feed() {
        let evil = "Đối thoại\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:giả mạo\r\nX-EVIL:1";
        let mut cal = Calendar::new();
        cal.push(ics_event(&conference(
            evil,
            "Hội trường; tầng 2, phòng 3\nX-EVIL:2",
            "https://a.vn/x\r\nX-EVIL:3",
        )));
        let text = cal.done().to_string();
        let unfolded = text.replace("\r\n ", "");
        let lines: Vec<&str> = unfolded.lines().collect();
        assert_eq!(
            lines.iter().filter(|l| **l == "BEGIN:VEVENT").count(),
            1,
            "{text}"
        );
        assert!(
            !lines
                .iter()
                .any(|l| l.starts_with("X-EVIL") || l.starts_with("SUMMARY:giả")),
            "{text}"
        );
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("URL:https://a.vn/x%20%20X-EVIL:3")),
            "{text}"
        );
    }
}
