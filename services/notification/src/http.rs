//! Staff view of messages: what was sent, what is retrying, what failed for good.

use crate::domain::status::MessageStatus;
use crate::store::schema::messages;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use doithoai_web::cursor::{self, Cursor, Page};
use doithoai_web::endpoint::ALL_STAFF;
use doithoai_web::text::ts;
use doithoai_web::{ApiError, Core, Endpoint, FieldError, Lang, Staff};
use serde::Deserialize;
use serde_json::json;

/// Notification's OpenAPI document, from its handlers and their commands.
#[derive(utoipa::OpenApi)]
#[openapi(paths(list))]
struct ApiDoc;

static DOCUMENT: std::sync::LazyLock<serde_json::Value> = std::sync::LazyLock::new(|| {
    doithoai_web::openapi::document(<ApiDoc as utoipa::OpenApi>::openapi(), "notification")
});

/// `GET /openapi.json`.
async fn openapi() -> HttpResponse {
    doithoai_web::openapi::respond(&DOCUMENT)
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(Endpoint::new("/openapi.json").get(openapi))
        .service(
            Endpoint::new("/api/v1/staff/messages")
                .get(list)
                .roles(ALL_STAFF),
        );
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Query {
    status: Option<String>,
    unit: Option<String>,
    tracking_code: Option<String>,
    limit: Option<i64>,
    /// The `next_before` of the previous page.
    before: Option<String>,
}

type Row = (
    uuid::Uuid,
    String,
    Option<String>,
    String,
    String,
    String,
    MessageStatus,
    i32,
    Option<String>,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
);

/// `GET /api/v1/staff/messages?status=&unit=&tracking_code=&limit=`: newest first.
#[utoipa::path(get, path = "/api/v1/staff/messages", security(("bearer" = [])),
    params(Query),
    responses((status = 200, description = "Messages, newest first: what was sent, what is retrying, what failed", body = serde_json::Value),
        doithoai_web::openapi::StaffErrors,
        doithoai_web::openapi::Invalid))]
async fn list(
    core: web::Data<Core>,
    staff: Staff,
    q: web::Query<Query>,
    lang: Lang,
) -> Result<HttpResponse, ApiError> {
    let mut errors = Vec::new();
    let unit = staff
        .units_scope(q.unit.as_deref(), lang)
        .unwrap_or_else(|e| {
            errors.push(e);
            None
        });
    let status = q.status.as_deref().map(MessageStatus::parse);
    if status == Some(None) {
        errors.push(FieldError::new(
            "status",
            "unknown_value",
            lang.pick(
                "pending, sending, sent hoặc failed",
                "pending, sending, sent or failed",
            ),
        ));
    }
    let Page {
        limit,
        cursor: before,
    } = Page::read(
        q.limit,
        (50, 500),
        ("before", q.before.as_deref()),
        lang,
        &mut errors,
    );
    if !errors.is_empty() {
        return Err(ApiError::Invalid(errors));
    }
    let mut query = messages::table
        .select((
            messages::id,
            messages::kind,
            messages::tracking_code,
            messages::channel,
            messages::recipient,
            messages::subject,
            messages::status,
            messages::attempts,
            messages::last_error,
            messages::created_at,
            messages::sent_at,
            messages::overdue_at,
        ))
        .order((messages::created_at.desc(), messages::id.desc()))
        .limit(limit)
        .into_boxed();
    if let Some(c) = before {
        query = query.filter(
            messages::created_at
                .lt(c.at)
                .or(messages::created_at.eq(c.at).and(messages::id.lt(c.id))),
        );
    }
    if let Some(u) = &unit {
        query = query.filter(messages::unit_code.eq(u.clone()));
    }
    if let Some(Some(s)) = status {
        query = query.filter(messages::status.eq(s));
    }
    if let Some(t) = &q.tracking_code {
        query = query.filter(messages::tracking_code.eq(t.clone()));
    }
    let mut conn = core.pool.get().await?;
    let rows: Vec<Row> = query.load(&mut conn).await?;
    drop(conn);
    staff
        .audit_read(
            &core,
            "messages",
            &format!(
                "unit={} tracking_code={} rows={}",
                unit.as_deref().unwrap_or("*"),
                q.tracking_code.as_deref().unwrap_or("*"),
                rows.len()
            ),
        )
        .await?;
    let next = cursor::next(&rows, limit, |r| Cursor::new(r.9, r.0));
    Ok(HttpResponse::Ok().json(json!({"next_before": next, "messages": rows.into_iter().map(|r| json!({
        "id": r.0, "kind": r.1, "tracking_code": r.2, "channel": r.3, "recipient": r.4, "subject": r.5,
        "status": r.6, "attempts": r.7, "last_error": r.8, "created_at": ts(r.9), "sent_at": r.10.map(ts),
        "overdue_at": r.11.map(ts),
    })).collect::<Vec<_>>()})))
}
