//! The city's view of whether each unit keeps to its dialogues.

use super::*;

/// `GET /api/v1/staff/compliance?year=` (city admin, auditor): for every unit, the last and next
/// conference, how many were held in the year, and whether it is on track: at least 2 a
/// calendar year and never more than 6 months between two; results notices overdue.
#[utoipa::path(get, path = "/api/v1/staff/compliance", security(("bearer" = [])),
    responses((status = 200, description = "Every unit against the dialogue rules (city-wide roles)", body = serde_json::Value),
        doithoai_web::openapi::StaffErrors))]
pub(super) async fn compliance(
    core: web::Data<Core>,
    units: web::Data<Organisers>,
    staff: Staff,
    lang: Lang,
) -> Res {
    if !staff.0.role.is_city_wide() {
        return Err(Problem::forbidden(lang).into());
    }
    let now = Utc::now();
    let mut conn = core.pool.get().await?;
    let all = crate::store::conferences::not_cancelled(&mut conn).await?;
    let year = now.with_timezone(&doithoai_web::text::hanoi()).year();
    let mut rows = Vec::new();
    let mut off_track = Vec::new();
    for o in units.all() {
        let s = flow::standing(&all, o, now);
        rows.push(json!({
            "unit": o.code, "name": o.name, "organiser": o.kind.code(),
            "rule": o.kind.rule().code(), "last": s.last.map(ts), "next": s.next.map(ts),
            "held_this_year": s.held_this_year, "on_track": s.on_track(), "reasons": s.reasons,
        }));
        if !s.on_track() {
            off_track.push(o.code.clone());
        }
    }
    Ok(HttpResponse::Ok().json(json!({"year": year, "units": rows, "off_track": off_track})))
}
