//! The agenda: registered questions grouped by field and department, as JSON or a printable
//! page.

use super::*;

/// `GET /api/v1/staff/conferences/{id}/agenda[?format=html]`: registered questions grouped by
/// field and department, with their outcomes; `format=html` is printable.
#[utoipa::path(get, path = "/api/v1/staff/conferences/{id}/agenda", security(("bearer" = [])),
    params(("id" = String, Path, description = "The conference id"), ("format" = Option<String>, Query, description = "`html` for a printable page")),
    responses((status = 200, description = "Registered questions by field and department (JSON, or a printable page with format=html)",
        content((serde_json::Value = "application/json"), (String = "text/html"))),
        doithoai_web::openapi::StaffErrors))]
pub(super) async fn agenda(
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

/// `GET /api/v1/staff/conferences/{id}/history`: who planned, noticed, recorded and published
/// what, and when, with every version of the minutes and the results notice (append-only).
#[utoipa::path(get, path = "/api/v1/staff/conferences/{id}/history", security(("bearer" = [])),
    params(("id" = String, Path, description = "The conference id")),
    responses((status = 200, description = "The conference's history and every published version", body = serde_json::Value),
        doithoai_web::openapi::StaffErrors))]
pub(super) async fn history(
    core: web::Data<Core>,
    staff: Staff,
    path: web::Path<String>,
    lang: Lang,
) -> Res {
    let id = Uuid::parse_str(&path).map_err(|_| ApiError::NotFound)?;
    flow::load(&core, id)
        .await?
        .filter(|c| staff.0.can_read(&c.unit_code))
        .ok_or_else(|| Problem::not_found(lang))?;
    let mut conn = core.pool.get().await?;
    let steps = crate::store::conferences::history_of(&mut conn, id).await?;
    let versions = crate::store::conferences::publications_of(&mut conn, id).await?;
    Ok(HttpResponse::Ok().json(json!({
        "history": steps.into_iter().map(|(at, actor, action, note)| json!({
            "at": ts(at), "actor": actor, "action": action, "note": note,
        })).collect::<Vec<_>>(),
        "publications": versions.into_iter().map(|(kind, version, text, at, by)| json!({
            "kind": kind, "version": version, "text": text, "published_at": ts(at), "published_by": by,
        })).collect::<Vec<_>>(),
    })))
}
