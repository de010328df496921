//! Staff view of messages: what was sent, what is retrying, what failed for good; and the
//! reception's letters: notices to citizens reachable only by post, printed, posted and marked
//! posted here.

use crate::domain::status::MessageStatus;
use crate::store::schema::messages;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use doithoai_auth::Role;
use doithoai_calendar::SharedCalendar;
use doithoai_web::cursor::{self, Cursor, Page};
use doithoai_web::endpoint::ALL_STAFF;
use doithoai_web::text::ts;
use doithoai_web::{ApiError, Core, Endpoint, FieldError, Lang, Problem, Staff};
use serde::Deserialize;
use serde_json::json;

/// Notification's OpenAPI document, from its handlers and their commands.
#[derive(utoipa::OpenApi)]
#[openapi(paths(list, letters, posted))]
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
        )
        .service(
            Endpoint::new("/api/v1/staff/letters")
                .get(letters)
                .roles(ALL_STAFF),
        )
        .service(
            Endpoint::new("/api/v1/staff/letters/{letter}/posted")
                .post(posted)
                .roles(RECEPTION),
        );
}

/// Who posts the unit's letters: the reception (clerks) and the leader.
const RECEPTION: &[Role] = &[Role::Clerk, Role::Leader];

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
    Option<DateTime<Utc>>,
    Option<String>,
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
            messages::due_soon_at,
            messages::posted_by,
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
        "overdue_at": r.11.map(ts), "due_soon_at": r.12.map(ts), "posted_by": r.13,
    })).collect::<Vec<_>>()})))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LettersQuery {
    /// A unit code (city-wide roles must name one; a unit's staff see their own).
    unit: Option<String>,
}

/// A letter still to post.
#[derive(Queryable)]
struct Letter {
    id: uuid::Uuid,
    unit_code: String,
    kind: String,
    tracking_code: Option<String>,
    recipient: String,
    subject: String,
    body: String,
    created_at: DateTime<Utc>,
}

/// `GET /api/v1/staff/letters?unit=`: the unit's letters still to post, oldest first — each
/// with its envelope (`recipient`: name and address), its text, and for a first notice its
/// deadline (`due_at`, `overdue`), by the unit's office hours and deadline policy.
#[utoipa::path(get, path = "/api/v1/staff/letters", security(("bearer" = [])),
    params(LettersQuery),
    responses((status = 200, description = "Letters to post, oldest first, with their deadlines", body = serde_json::Value),
        doithoai_web::openapi::StaffErrors,
        doithoai_web::openapi::Invalid))]
async fn letters(
    core: web::Data<Core>,
    cal: web::Data<SharedCalendar>,
    staff: Staff,
    q: web::Query<LettersQuery>,
    lang: Lang,
) -> Result<HttpResponse, ApiError> {
    let unit = staff
        .unit_scope(q.unit.as_deref(), lang)
        .map_err(|e| ApiError::Invalid(vec![e]))?;
    let mut conn = core.pool.get().await?;
    let rows: Vec<Letter> = messages::table
        .filter(messages::unit_code.eq(&unit))
        .filter(messages::channel.eq("post"))
        .filter(messages::status.ne(MessageStatus::Sent))
        .order((messages::created_at, messages::id))
        .select((
            messages::id,
            messages::unit_code,
            messages::kind,
            messages::tracking_code,
            messages::recipient,
            messages::subject,
            messages::body,
            messages::created_at,
        ))
        .limit(500)
        .load(&mut conn)
        .await?;
    drop(conn);
    staff
        .audit_read(
            &core,
            "letters",
            &format!("unit={unit} rows={}", rows.len()),
        )
        .await?;
    let calendar = doithoai_web::calendar::now(&cal);
    let now = Utc::now();
    Ok(HttpResponse::Ok().json(json!({"letters": rows.into_iter().map(|l| {
        let due = crate::watch::deadline(&calendar, &l.unit_code, &l.kind, l.created_at).map(|(_, due)| due);
        json!({
            "id": l.id, "kind": l.kind, "tracking_code": l.tracking_code, "recipient": l.recipient,
            "subject": l.subject, "body": l.body, "created_at": ts(l.created_at),
            "due_at": due.map(ts), "overdue": due.is_some_and(|d| d <= now),
        })
    }).collect::<Vec<_>>()})))
}

/// `POST /api/v1/staff/letters/{letter}/posted` (clerk or leader): the letter was posted — it
/// counts as delivered from now, and who posted it is kept. 409 when it was marked already.
#[utoipa::path(post, path = "/api/v1/staff/letters/{letter}/posted", security(("bearer" = [])),
    params(("letter" = uuid::Uuid, Path, description = "The letter's id")),
    responses((status = 200, description = "Marked posted", body = serde_json::Value),
        doithoai_web::openapi::StaffErrors,
        doithoai_web::openapi::Conflict))]
async fn posted(
    core: web::Data<Core>,
    staff: Staff,
    path: web::Path<String>,
    lang: Lang,
) -> Result<HttpResponse, ApiError> {
    // Not an id, another unit's or not a letter: there is no such letter for this caller.
    let id: uuid::Uuid = path.parse().map_err(|_| ApiError::NotFound)?;
    let mut conn = core.pool.get().await?;
    let found: Option<(String, MessageStatus)> = messages::table
        .find(id)
        .filter(messages::channel.eq("post"))
        .select((messages::unit_code, messages::status))
        .first(&mut conn)
        .await
        .optional()?;
    let Some((unit, _)) = found.filter(|(unit, _)| staff.0.can_read(unit)) else {
        return Err(ApiError::NotFound);
    };
    staff.of_unit(&unit, lang)?;
    let now = Utc::now();
    let n = diesel::update(
        messages::table
            .find(id)
            .filter(messages::status.ne(MessageStatus::Sent)),
    )
    .set((
        messages::status.eq(MessageStatus::Sent),
        messages::sent_at.eq(now),
        messages::posted_by.eq(&staff.0.sub),
    ))
    .execute(&mut conn)
    .await?;
    if n == 0 {
        return Err(Problem::conflict(
            lang,
            ("Thư đã được gửi", "The letter was posted already"),
            "letter",
            "already_posted",
            (
                "Thư này đã được xác nhận gửi",
                "This letter was marked posted before",
            ),
        )
        .into());
    }
    tracing::info!(letter = %id, actor = %staff.0.sub, "letter {id} marked posted by {}", staff.0.sub);
    Ok(HttpResponse::Ok()
        .json(json!({"id": id, "status": "sent", "sent_at": ts(now), "posted_by": staff.0.sub})))
}
