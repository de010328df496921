//! Reporting's HTTP API: `GET /api/v1/staff/reports` — JSON, or a CSV or XLSX file — for
//! staff: city IT and auditors over any unit or the whole city, a unit's staff over their own
//! unit (an officer or head over their own department).

use crate::report::{Dimension, Period};
use crate::reports;
use crate::store::Selection;
use actix_web::{HttpResponse, http::header, web};
use chrono::{Datelike, NaiveDate, Utc};
use doithoai_web::endpoint::ALL_STAFF;
use doithoai_web::reference;
use doithoai_web::{ApiError, Core, Endpoint, FieldError, Lang, Problem, Staff};
use serde::Deserialize;

/// The longest period a report covers.
pub const MAX_DAYS: i64 = 3_700;

#[derive(utoipa::OpenApi)]
#[openapi(paths(report))]
struct ApiDoc;

static DOCUMENT: std::sync::LazyLock<serde_json::Value> = std::sync::LazyLock::new(|| {
    doithoai_web::openapi::document(<ApiDoc as utoipa::OpenApi>::openapi(), "reporting")
});

async fn openapi() -> HttpResponse {
    doithoai_web::openapi::respond(&DOCUMENT)
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(Endpoint::new("/openapi.json").get(openapi))
        .service(
            Endpoint::new("/api/v1/staff/reports")
                .get(report)
                .roles(ALL_STAFF),
        );
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// First day, `YYYY-MM-DD` (Hanoi); with `to`. Default: the first of this month.
    from: Option<String>,
    /// Last day, inclusive. Default: today.
    to: Option<String>,
    /// A whole month, `YYYY-MM`, instead of `from` and `to`.
    month: Option<String>,
    /// One unit (code); a unit's staff always get their own.
    unit: Option<String>,
    /// One procedure field (code).
    field: Option<String>,
    /// One department (code).
    department: Option<String>,
    /// Rows by `unit` (the default city-wide), `department` (the default for a unit), `field`
    /// or `month`.
    by: Option<String>,
    /// `json` (default), `csv` or `xlsx`.
    format: Option<String>,
}

/// `GET /api/v1/staff/reports`: received, accepted, not accepted, refused, transferred,
/// answered on time or late, the median time to answer, overdue now, the satisfaction index
/// against the 86 % target, and dialogue compliance — for a period, a unit or the city, a
/// field, a department, grouped as asked. `format=csv|xlsx` gives the file, headers in the reader's
/// language.
#[utoipa::path(get, path = "/api/v1/staff/reports", security(("bearer" = [])),
    params(ReportQuery),
    responses((status = 200, description = "The report (JSON, CSV or XLSX)", content(
            (reports::Report = "application/json"),
            (String = "text/csv"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        doithoai_web::openapi::StaffErrors,
        doithoai_web::openapi::Invalid))]
async fn report(
    core: web::Data<Core>,
    staff: Staff,
    q: web::Query<ReportQuery>,
    lang: Lang,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let now = Utc::now();
    let today = now
        .with_timezone(&doithoai_calendar::vietnam())
        .date_naive();
    let mut errors = Vec::new();
    let period = period(&q, today, lang, &mut errors);
    let claims = &staff.0;
    // A unit's staff read their own unit; an officer or head their own department.
    let unit = if claims.role.is_city_wide() {
        q.unit.clone().filter(|u| !u.is_empty())
    } else {
        if q.unit
            .as_ref()
            .is_some_and(|u| !u.is_empty() && u != &claims.unit)
        {
            return Err(Problem::forbidden(lang).into());
        }
        Some(claims.unit.clone())
    };
    let department = if claims.role.is_department_scoped() {
        claims.department.clone()
    } else {
        q.department.clone().filter(|d| !d.is_empty())
    };
    let field = q.field.clone().filter(|f| !f.is_empty());
    if let Some(u) = &unit
        && reference::unit(u).is_none()
    {
        errors.push(FieldError::new(
            "unit",
            "unknown",
            lang.pick("Không có đơn vị này", "No such unit"),
        ));
    }
    if let Some(f) = &field
        && reference::field(f).is_none()
    {
        errors.push(FieldError::new(
            "field",
            "unknown",
            lang.pick("Không có lĩnh vực này", "No such field"),
        ));
    }
    if let Some(d) = &department
        && reference::department(d).is_none()
    {
        errors.push(FieldError::new(
            "department",
            "unknown",
            lang.pick("Không có phòng, ban này", "No such department"),
        ));
    }
    let by = match q.by.as_deref().filter(|b| !b.is_empty()) {
        None if unit.is_some() => Dimension::Department,
        None => Dimension::Unit,
        Some(b) => Dimension::parse(b).unwrap_or_else(|| {
            errors.push(FieldError::new(
                "by",
                "unknown",
                lang.pick(
                    "Chọn unit, department, field hoặc month",
                    "Choose unit, department, field or month",
                ),
            ));
            Dimension::Unit
        }),
    };
    let format = q.format.as_deref().unwrap_or("json");
    if !matches!(format, "json" | "csv" | "xlsx") {
        errors.push(FieldError::new(
            "format",
            "unknown",
            lang.pick("Chọn json, csv hoặc xlsx", "Choose json, csv or xlsx"),
        ));
    }
    let Some(period) = period.filter(|_| errors.is_empty()) else {
        return Err(Problem::validation(lang, errors).into());
    };
    let selection = Selection {
        period,
        unit,
        field,
        department,
    };
    let report = reports::build(&core.pool, &selection, by, now, lang).await?;
    let file = |body: Vec<u8>, mime: &str, ext: &str| {
        HttpResponse::Ok()
            .content_type(mime.to_owned())
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"{}\"",
                    crate::export::file_name(&report, ext)
                ),
            ))
            .body(body)
    };
    Ok(match format {
        "csv" => file(
            crate::export::csv(&report, lang)?,
            "text/csv; charset=utf-8",
            "csv",
        ),
        "xlsx" => file(
            crate::export::xlsx(&report, lang)?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        _ => HttpResponse::Ok().json(&report),
    })
}

/// The period asked for, or `None` with its errors.
fn period(
    q: &ReportQuery,
    today: NaiveDate,
    lang: Lang,
    errors: &mut Vec<FieldError>,
) -> Option<Period> {
    let date = |field: &str, v: &str, errors: &mut Vec<FieldError>| {
        let d = NaiveDate::parse_from_str(v, "%Y-%m-%d").ok();
        if d.is_none() {
            errors.push(FieldError::new(
                field,
                "invalid_date",
                lang.pick("Ngày theo dạng YYYY-MM-DD", "A date as YYYY-MM-DD"),
            ));
        }
        d
    };
    if let Some(m) = q.month.as_deref().filter(|m| !m.is_empty()) {
        let parsed = NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d")
            .ok()
            .and_then(|d| Period::month(d.year(), d.month()));
        if parsed.is_none() {
            errors.push(FieldError::new(
                "month",
                "invalid_month",
                lang.pick("Tháng theo dạng YYYY-MM", "A month as YYYY-MM"),
            ));
        }
        return parsed;
    }
    let from = match q.from.as_deref().filter(|v| !v.is_empty()) {
        Some(v) => date("from", v, errors)?,
        None => today.with_day(1).unwrap_or(today),
    };
    let to = match q.to.as_deref().filter(|v| !v.is_empty()) {
        Some(v) => date("to", v, errors)?,
        None => today,
    };
    if to < from {
        errors.push(FieldError::new(
            "to",
            "before_from",
            lang.pick(
                "Ngày cuối trước ngày đầu",
                "The last day is before the first",
            ),
        ));
        return None;
    }
    if (to - from).num_days() > MAX_DAYS {
        errors.push(FieldError::new(
            "to",
            "too_long",
            lang.pick(
                "Kỳ báo cáo tối đa 10 năm",
                "A report covers at most 10 years",
            ),
        ));
        return None;
    }
    Some(Period { from, to })
}
