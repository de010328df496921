//! A unit's residential groups (tổ dân phố, thôn): kept by its clerks and leaders, listed
//! publicly by name, and the heads reached with every dialogue notice and results notice
//! (seeds 000, 001).

use super::*;
use crate::commands::Group;
use crate::store::groups::{self, NewGroup};

/// `GET /api/v1/units/{unit}/residential-groups`: a unit's groups by name (public; the heads'
/// contacts are not).
#[utoipa::path(get, path = "/api/v1/units/{unit}/residential-groups",
    params(("unit" = String, Path, description = "A unit code")),
    responses((status = 200, description = "The unit's residential groups", body = serde_json::Value),
        (status = 404, description = "Not found", body = doithoai_web::Problem)))]
pub(super) async fn public_groups(
    core: web::Data<Core>,
    units: web::Data<Organisers>,
    path: web::Path<String>,
    lang: Lang,
) -> Res {
    if !units.contains(&path) {
        return Err(Problem::not_found(lang).into());
    }
    let mut conn = core.public_pool.get().await?;
    let rows = groups::of_unit(&mut conn, &path).await?;
    Ok(HttpResponse::Ok().json(json!({
        "unit": *path,
        "groups": rows.iter().map(|g| json!({"code": g.code, "name": g.name_vi})).collect::<Vec<_>>(),
    })))
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GroupsQuery {
    /// City-wide roles name a unit.
    unit: Option<String>,
}

/// `GET /api/v1/staff/residential-groups?unit=`: the unit's groups with their heads.
#[utoipa::path(get, path = "/api/v1/staff/residential-groups", security(("bearer" = [])),
    params(GroupsQuery),
    responses((status = 200, description = "The unit's groups and their heads", body = serde_json::Value),
        doithoai_web::openapi::StaffErrors,
        doithoai_web::openapi::Invalid))]
pub(super) async fn staff_groups(
    core: web::Data<Core>,
    staff: Staff,
    q: web::Query<GroupsQuery>,
    lang: Lang,
) -> Res {
    let unit = staff
        .unit_scope(q.unit.as_deref(), lang)
        .map_err(|e| ApiError::Invalid(vec![e]))?;
    let mut conn = core.pool.get().await?;
    let rows = groups::of_unit(&mut conn, &unit).await?;
    drop(conn);
    staff
        .audit_read(&core, "residential_groups", &format!("unit={unit}"))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(json!({"unit": unit, "groups": rows})))
}

/// `PUT /api/v1/staff/residential-groups/{code}` `{name_vi, head_name?, head_email?,
/// head_phone?}` (clerk or leader): a group of the token's unit, created or replaced.
#[utoipa::path(put, path = "/api/v1/staff/residential-groups/{code}", security(("bearer" = [])),
    request_body(content = Group, content_type = "application/json"),
    params(("code" = String, Path, description = "The group's code in its unit: a-z, 0-9 and -, e.g. to-5")),
    responses((status = 200, description = "Set", body = serde_json::Value),
        doithoai_web::openapi::StaffErrors,
        doithoai_web::openapi::Invalid))]
pub(super) async fn put_group(
    core: web::Data<Core>,
    staff: Staff,
    path: web::Path<String>,
    body: Body<Group>,
    lang: Lang,
) -> Res {
    let code = path.into_inner();
    let mut errors = Vec::new();
    let well_formed = (1..=40).contains(&code.len())
        && code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !code.starts_with('-');
    if !well_formed {
        errors.push(FieldError::new(
            "code",
            "invalid_code",
            lang.pick(
                "Mã tổ: chữ thường không dấu, số và dấu -, tối đa 40 ký tự (ví dụ to-5)",
                "A group code: lower-case letters, digits and -, at most 40 (e.g. to-5)",
            ),
        ));
    }
    let g = body.valid_with(errors)?;
    let unit = staff.0.unit.clone();
    let mut conn = core.pool.get().await?;
    let saved = groups::upsert(
        &mut conn,
        NewGroup {
            unit: &unit,
            code: &code,
            name_vi: &g.name_vi,
            head_name: g.head_name.as_deref(),
            head_email: g.head_email.as_deref(),
            head_phone: g.head_phone.as_deref(),
            actor: &staff.0.sub,
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(saved))
}

/// `DELETE /api/v1/staff/residential-groups/{code}` (clerk or leader).
#[utoipa::path(delete, path = "/api/v1/staff/residential-groups/{code}", security(("bearer" = [])),
    params(("code" = String, Path, description = "The group's code in its unit")),
    responses((status = 204, description = "Removed"),
        doithoai_web::openapi::StaffErrors))]
pub(super) async fn delete_group(
    core: web::Data<Core>,
    staff: Staff,
    path: web::Path<String>,
    lang: Lang,
) -> Res {
    let mut conn = core.pool.get().await?;
    if !groups::delete(&mut conn, &staff.0.unit, &path).await? {
        return Err(Problem::not_found(lang).into());
    }
    Ok(HttpResponse::NoContent().finish())
}

/// One `conference.group_notice` per group of `c`'s unit whose head can be reached: the
/// notice (`what` = `notice`) or the results notice (`results`, with its published `text`).
pub(super) async fn group_events(
    core: &Core,
    units: &Organisers,
    c: &Conference,
    (what, starts_at, venue): (&str, chrono::DateTime<Utc>, &str),
    text: Option<&str>,
) -> Result<Vec<doithoai_bus::outbox::NewMessage>, ApiError> {
    let mut conn = core.pool.get().await?;
    let rows = groups::of_unit(&mut conn, &c.unit_code).await?;
    let unit_name = units.name(&c.unit_code).unwrap_or(&c.unit_code).to_owned();
    let mut events = Vec::new();
    for g in rows.into_iter().filter(groups::Group::reachable) {
        events.push(flow::event(
            core,
            subjects::GROUP_NOTICE,
            &c.unit_code,
            doithoai_contracts::GroupNoticeV1 {
                conference_id: c.id,
                unit: c.unit_code.clone(),
                unit_name: unit_name.clone(),
                title: c.title.clone(),
                what: what.to_owned(),
                starts_at,
                venue: venue.to_owned(),
                text: text.map(str::to_owned),
                group_name: g.name_vi.clone(),
                head: doithoai_contracts::SubmitterV1 {
                    kind: "individual".into(),
                    name: g.head_name.clone().unwrap_or_default(),
                    organization: None,
                    address: g.name_vi.clone(),
                    phone: g.head_phone.clone(),
                    email: g.head_email.clone(),
                },
            },
        )?);
    }
    Ok(events)
}
