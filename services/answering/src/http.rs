//! Answering's HTTP API. Staff: the department inbox, a case, drafting, review, approval.
//! Public: published answers (list, search, one) and the submitter's rating; the satisfaction
//! index per unit.

use crate::commands::{Approval, Decision, Draft, Rating, Review};
use crate::domain::search;
use crate::flow::{self, Case};
use crate::store::queries;
use actix_web::{HttpResponse, web};
use chrono::Utc;
use doithoai_auth::Role;
use doithoai_web::cursor::{self, Cursor, Page};
use doithoai_web::endpoint::ALL_STAFF;
use doithoai_web::input::Body;
use doithoai_web::text::ts;
use doithoai_web::{ApiError, Core, Endpoint, FieldError, Lang, Problem, Staff};
use serde::Deserialize;
use serde_json::{Value, json};

/// Answering's OpenAPI document, from its handlers and their commands.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    preview,
    inbox,
    show,
    draft,
    review,
    approve,
    search,
    public_answer,
    rate,
    satisfaction
))]
struct ApiDoc;

static DOCUMENT: std::sync::LazyLock<serde_json::Value> = std::sync::LazyLock::new(|| {
    doithoai_web::openapi::document(<ApiDoc as utoipa::OpenApi>::openapi(), "answering")
});

/// `GET /openapi.json`.
async fn openapi() -> HttpResponse {
    doithoai_web::openapi::respond(&DOCUMENT)
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(Endpoint::new("/openapi.json").get(openapi))
        .service(
            Endpoint::new("/api/v1/staff/cases")
                .get(inbox)
                .roles(ALL_STAFF),
        )
        .service(
            Endpoint::new("/api/v1/staff/cases/{case}")
                .get(show)
                .roles(ALL_STAFF)
                .departmental(),
        )
        .service(
            Endpoint::new("/api/v1/staff/cases/{case}/drafts")
                .post(draft)
                .roles(&[Role::Officer, Role::Head])
                .departmental(),
        )
        .service(
            Endpoint::new("/api/v1/staff/cases/{case}/review")
                .post(review)
                .roles(&[Role::Head])
                .departmental(),
        )
        .service(
            Endpoint::new("/api/v1/staff/cases/{case}/preview")
                .get(preview)
                .roles(&[Role::Officer, Role::Head, Role::Leader])
                .departmental(),
        )
        .service(
            Endpoint::new("/api/v1/staff/cases/{case}/approve")
                .post(approve)
                .roles(&[Role::Leader])
                .departmental(),
        )
        .service(Endpoint::new("/api/v1/answers").get(search))
        .service(Endpoint::new("/api/v1/answers/{tracking_code}").get(public_answer))
        .service(Endpoint::new("/api/v1/answers/{tracking_code}/rating").post(rate))
        .service(Endpoint::new("/api/v1/satisfaction").get(satisfaction));
}

type Res = Result<HttpResponse, ApiError>;

/// The case if the token's unit holds it and, for an officer or head, their department has it;
/// else 404 (as if it did not exist).
async fn held(core: &Core, staff: &Staff, key: &str, lang: Lang) -> Result<Case, ApiError> {
    let mut conn = core.pool.get().await?;
    flow::load(&mut conn, key)
        .await?
        .filter(|c| staff.0.can_read(&c.unit_code) && staff.0.sees_department(&c.department_code))
        .ok_or_else(|| Problem::not_found(lang).into())
}

fn case_view(c: &Case, now: chrono::DateTime<Utc>) -> Value {
    json!({
        "petition_id": c.petition_id,
        "tracking_code": c.tracking_code,
        "unit": c.unit_code,
        "department": c.department_code,
        "department_name": c.department_name,
        "status": c.status,
        "due_at": ts(c.due_at),
        "overdue": c.status.is_overdue(c.due_at, now),
        "review_required": c.review_required,
        "kind": c.kind,
        "field": c.field_code,
        "title": c.title,
        "question": c.question,
        "received_at": ts(c.received_at),
        "official_number": c.official_number,
        "answer": c.answer,
        "signed_by": c.signed_by,
        "answered_at": c.answered_at.map(ts),
    })
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InboxQuery {
    department: Option<String>,
    unit: Option<String>,
    include_answered: Option<bool>,
    /// 1–500, default 100.
    limit: Option<i64>,
    /// The `next_after` of the previous page.
    after: Option<String>,
}

/// `GET /api/v1/staff/cases?department=&unit=&include_answered=`: soonest due first, overdue
/// marked.
#[utoipa::path(get, path = "/api/v1/staff/cases", security(("bearer" = [])),
    params(InboxQuery),
    responses((status = 200, description = "The unit's cases, soonest due first", body = serde_json::Value),
        doithoai_web::openapi::StaffErrors,
        doithoai_web::openapi::Invalid))]
async fn inbox(core: web::Data<Core>, staff: Staff, q: web::Query<InboxQuery>, lang: Lang) -> Res {
    let unit = staff.unit_scope(q.unit.as_deref(), lang)?;
    // An officer or head sees their department's cases only; naming another is refused.
    let department = match (&staff.0.department, q.department.as_deref()) {
        (Some(own), Some(asked)) if asked != own => return Err(Problem::forbidden(lang).into()),
        (Some(own), _) => Some(own.as_str()),
        (None, asked) => asked,
    };
    let mut errors = Vec::new();
    let Page {
        limit,
        cursor: after,
    } = Page::read(
        q.limit,
        (100, 500),
        ("after", q.after.as_deref()),
        lang,
        &mut errors,
    );
    if !errors.is_empty() {
        return Err(ApiError::Invalid(errors));
    }
    let now = Utc::now();
    let mut conn = core.pool.get().await?;
    let rows = queries::inbox(
        &mut conn,
        &unit,
        department,
        q.include_answered.unwrap_or(false),
        after,
        limit,
    )
    .await?;
    let overdue = queries::overdue_count(&mut conn, &unit, department, now).await?;
    Ok(HttpResponse::Ok().json(json!({
        "unit": unit,
        "cases": rows.iter().map(|c| case_view(c, now)).collect::<Vec<_>>(),
        "overdue": overdue,
        "next_after": cursor::next(&rows, limit, |c| Cursor::new(c.due_at, c.petition_id)),
    })))
}

/// `GET /api/v1/staff/cases/{case}`: the case with its latest draft and full history.
#[utoipa::path(get, path = "/api/v1/staff/cases/{case}", security(("bearer" = [])),
    params(("case" = String, Path, description = "Petition id or tracking code")),
    responses((status = 200, description = "The case with its draft and history", body = serde_json::Value),
        doithoai_web::openapi::StaffErrors))]
async fn show(core: web::Data<Core>, staff: Staff, path: web::Path<String>, lang: Lang) -> Res {
    let c = held(&core, &staff, &path, lang).await?;
    let mut conn = core.pool.get().await?;
    let draft = flow::latest_draft(&mut conn, c.petition_id).await?;
    let history = queries::history(&mut conn, c.petition_id).await?;
    drop(conn);
    staff
        .audit_read(&core, "case", &c.petition_id.to_string())
        .await?;
    let mut body = case_view(&c, Utc::now());
    body["submitter"] = serde_json::from_str(&c.submitter).unwrap_or(Value::Null);
    body["draft"] = json!(draft.map(|d| json!({"body": d.body, "author": d.author, "at": ts(d.created_at), "private_names": d.private_names})));
    body["history"] = json!(history.into_iter().map(|(at, actor, action, note)| json!({"at": ts(at), "actor": actor, "action": action, "note": note})).collect::<Vec<_>>());
    Ok(HttpResponse::Ok().json(body))
}

fn not_answered(c: &Case, lang: Lang) -> Result<(), ApiError> {
    if !c.status.is_open() {
        Err(already_answered(lang))
    } else {
        Ok(())
    }
}

/// 409: the case was answered (or closed) before this request could change it.
fn already_answered(lang: Lang) -> ApiError {
    Problem::conflict(
        lang,
        ("Đã có văn bản trả lời", "Already answered"),
        "case",
        "already_answered",
        (
            "Hồ sơ đã được phê duyệt hoặc đã đóng",
            "The case is already approved or closed",
        ),
    )
    .into()
}

/// 409: another request moved the case first (a second review, a second approval).
fn moved_on(lang: Lang) -> ApiError {
    Problem::conflict(
        lang,
        ("Hồ sơ vừa được xử lý", "The case has just been handled"),
        "case",
        "already_handled",
        (
            "Một thao tác khác vừa thay đổi hồ sơ này; xin tải lại",
            "Another action has just changed this case; reload it",
        ),
    )
    .into()
}

/// `POST /api/v1/staff/cases/{case}/drafts` `{answer}` (officer or head of the unit).
#[utoipa::path(post, path = "/api/v1/staff/cases/{case}/drafts", security(("bearer" = [])),
    request_body(content = Draft, content_type = "application/json"),
    params(("case" = String, Path, description = "Petition id or tracking code")),
    responses((status = 201, description = "Drafted", body = serde_json::Value),
        doithoai_web::openapi::StaffErrors,
        doithoai_web::openapi::Conflict,
        doithoai_web::openapi::Invalid))]
async fn draft(
    core: web::Data<Core>,
    staff: Staff,
    path: web::Path<String>,
    body: Body<Draft>,
    lang: Lang,
) -> Res {
    let c = held(&core, &staff, &path, lang).await?;
    staff
        .require(&[Role::Officer, Role::Head], lang)?
        .of_unit(&c.unit_code, lang)?;
    not_answered(&c, lang)?;
    let Draft {
        answer,
        private_names,
    } = body.valid()?;
    let prepared = match c.conference_id {
        Some(conference_id) => Some(core.event(
            doithoai_contracts::subjects::DRAFT_PREPARED,
            &c.unit_code,
            doithoai_contracts::DraftPreparedV1 {
                petition_id: c.petition_id,
                conference_id,
                unit: c.unit_code.clone(),
                draft: answer.clone(),
                author: staff.0.sub.clone(),
            },
        )?),
        None => None,
    };
    let mut conn = core.pool.get().await?;
    if !flow::add_draft(
        &mut conn,
        c.petition_id,
        &answer,
        &private_names,
        &staff.0.sub,
        prepared,
    )
    .await?
    {
        return Err(already_answered(lang));
    }
    core.relay.wake();
    Ok(
        HttpResponse::Created()
            .json(json!({"status": "drafted", "tracking_code": c.tracking_code})),
    )
}

/// `POST /api/v1/staff/cases/{case}/review` `{decision: "approve"|"request_changes", note?}` (head).
#[utoipa::path(post, path = "/api/v1/staff/cases/{case}/review", security(("bearer" = [])),
    request_body(content = Review, content_type = "application/json"),
    params(("case" = String, Path, description = "Petition id or tracking code")),
    responses((status = 200, description = "Reviewed, or sent back", body = serde_json::Value),
        doithoai_web::openapi::StaffErrors,
        doithoai_web::openapi::Conflict,
        doithoai_web::openapi::Invalid))]
async fn review(
    core: web::Data<Core>,
    staff: Staff,
    path: web::Path<String>,
    body: Body<Review>,
    lang: Lang,
) -> Res {
    let c = held(&core, &staff, &path, lang).await?;
    staff
        .require(&[Role::Head], lang)?
        .of_unit(&c.unit_code, lang)?;
    not_answered(&c, lang)?;
    let Review { decision, note } = body.valid()?;
    let approve = decision == Decision::Approve;
    if !c.status.can_review() {
        return Err(Problem::validation(
            lang,
            vec![FieldError::new(
                "case",
                "no_draft",
                lang.pick("Chưa có dự thảo để duyệt", "There is no draft to review"),
            )],
        )
        .into());
    }
    let mut conn = core.pool.get().await?;
    if !flow::review(
        &mut conn,
        c.petition_id,
        approve,
        note.as_deref(),
        &staff.0.sub,
    )
    .await?
    {
        return Err(moved_on(lang));
    }
    Ok(HttpResponse::Ok().json(json!({"status": if approve { "reviewed" } else { "assigned" }})))
}

/// `GET /api/v1/staff/cases/{case}/preview`: the public version of the latest draft as it
/// would be published (personal data removed), for the leader to check before approving.
#[utoipa::path(get, path = "/api/v1/staff/cases/{case}/preview", security(("bearer" = [])),
    params(("case" = String, Path, description = "Petition id or tracking code")),
    responses((status = 200, description = "The public version, redacted", body = serde_json::Value),
        doithoai_web::openapi::StaffErrors,
        (status = 422, description = "There is no draft yet", body = doithoai_web::Problem)))]
async fn preview(core: web::Data<Core>, staff: Staff, path: web::Path<String>, lang: Lang) -> Res {
    let c = held(&core, &staff, &path, lang).await?;
    let mut conn = core.pool.get().await?;
    let Some(draft) = flow::latest_draft(&mut conn, c.petition_id).await? else {
        return Err(no_draft_yet(lang));
    };
    let (title, question, answer) =
        flow::public_version(&c, &draft, &flow::PublicChoice::default())?;
    Ok(HttpResponse::Ok().json(json!({"title": title, "question": question, "answer": answer})))
}

fn no_draft_yet(lang: Lang) -> ApiError {
    Problem::validation(
        lang,
        vec![FieldError::new(
            "case",
            "not_ready",
            lang.pick("Chưa có dự thảo trả lời", "There is no draft answer yet"),
        )],
    )
    .into()
}

/// `POST /api/v1/staff/cases/{case}/approve` (the unit leader): signs the latest draft, and
/// publishes its public version — as previewed, as edited, or not at all (`withhold_reason`).
#[utoipa::path(post, path = "/api/v1/staff/cases/{case}/approve", security(("bearer" = [])),
    request_body(content = Approval, content_type = "application/json"),
    params(("case" = String, Path, description = "Petition id or tracking code")),
    responses((status = 200, description = "Signed, numbered and published", body = serde_json::Value),
        doithoai_web::openapi::StaffErrors,
        doithoai_web::openapi::Conflict,
        doithoai_web::openapi::Invalid))]
async fn approve(
    core: web::Data<Core>,
    staff: Staff,
    path: web::Path<String>,
    body: Body<Approval>,
    lang: Lang,
) -> Res {
    let c = held(&core, &staff, &path, lang).await?;
    staff
        .require(&[Role::Leader], lang)?
        .of_unit(&c.unit_code, lang)?;
    not_answered(&c, lang)?;
    let a = body.valid()?;
    let choice = flow::PublicChoice {
        title: a.public_title,
        question: a.public_question,
        answer: a.public_answer,
        withhold: a.withhold_reason,
    };
    if !c.status.can_approve(c.review_required) {
        let (vi, en) = if c.review_required {
            (
                "Dự thảo phải được trưởng phòng duyệt trước",
                "The draft must be reviewed by the head first",
            )
        } else {
            ("Chưa có dự thảo trả lời", "There is no draft answer yet")
        };
        return Err(Problem::validation(
            lang,
            vec![FieldError::new("case", "not_ready", lang.pick(vi, en))],
        )
        .into());
    }
    let mut conn = core.pool.get().await?;
    let Some(answer) = flow::latest_draft(&mut conn, c.petition_id).await? else {
        return Err(no_draft_yet(lang));
    };
    drop(conn);
    let withheld = choice.withhold.is_some();
    let Some(number) = flow::approve(&core, &c, &answer, &staff.0.sub, &choice, Utc::now()).await?
    else {
        return Err(moved_on(lang));
    };
    let public_path = (!withheld).then(|| format!("/api/v1/answers/{}", c.tracking_code));
    Ok(HttpResponse::Ok().json(json!({"status": "approved", "official_number": number, "published": !withheld, "public_path": public_path})))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    unit: Option<String>,
    field: Option<String>,
    /// Words to find (diacritics optional; the last may be the start of a word): the best
    /// matches first, each with `matched`, its text with the found words marked.
    q: Option<String>,
    limit: Option<i64>,
    /// Without `q`: the `next_before` of the previous page.
    before: Option<String>,
    /// With `q`: the page of matches, 1 to 50 (`next_page`).
    page: Option<i64>,
}

/// `GET /api/v1/answers?unit=&field=&q=&limit=`: published answers, newest first; `q` matches
/// every word regardless of diacritics ("lang" finds "Láng").
#[utoipa::path(get, path = "/api/v1/answers",
    params(SearchQuery),
    responses((status = 200, description = "Published answers, newest first", body = serde_json::Value),
        doithoai_web::openapi::Invalid))]
async fn search(core: web::Data<Core>, q: web::Query<SearchQuery>, lang: Lang) -> Res {
    let limit = q.limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(Problem::validation(
            lang,
            vec![FieldError::new(
                "limit",
                "out_of_range",
                lang.pick("Từ 1 đến 100", "From 1 to 100"),
            )],
        )
        .into());
    }
    if q.q.as_deref().is_some_and(|s| s.chars().count() > 200) {
        return Err(Problem::validation(
            lang,
            vec![FieldError::new(
                "q",
                "too_long",
                lang.pick("Tối đa 200 ký tự", "At most 200 characters"),
            )],
        )
        .into());
    }
    let words = q.q.as_deref().map(search::words).unwrap_or_default();
    let mut conn = core.public_pool.get().await?;
    if words.is_empty() {
        if q.page.is_some() {
            return Err(Problem::validation(
                lang,
                vec![FieldError::new(
                    "page",
                    "not_allowed",
                    lang.pick(
                        "Chỉ dùng khi tìm theo từ khóa (q); không có q thì dùng before",
                        "Only with a search (q); without q, page with before",
                    ),
                )],
            )
            .into());
        }
        let before = q
            .before
            .as_deref()
            .map(|b| Cursor::parse(b, "before", lang))
            .transpose()
            .map_err(|e| ApiError::Invalid(vec![e]))?;
        let rows = queries::search(
            &mut conn,
            q.unit.as_deref(),
            q.field.as_deref(),
            before,
            limit,
        )
        .await?;
        let next = cursor::next(&rows, limit, |a| {
            Cursor::new(a.published_at.unwrap_or_default(), a.petition_id)
        });
        return Ok(HttpResponse::Ok().json(json!({"answers": rows, "next_before": next})));
    }
    let page = q.page.unwrap_or(1);
    let mut refused = Vec::new();
    if !(1..=MAX_SEARCH_PAGES).contains(&page) {
        refused.push(FieldError::new(
            "page",
            "out_of_range",
            lang.pick("Từ 1 đến 50", "From 1 to 50"),
        ));
    }
    if q.before.is_some() {
        refused.push(FieldError::new(
            "before",
            "not_allowed",
            lang.pick(
                "Kết quả tìm kiếm chia trang bằng page",
                "Search results are paged with page",
            ),
        ));
    }
    if !refused.is_empty() {
        return Err(Problem::validation(lang, refused).into());
    }
    let rows = queries::full_text(
        &mut conn,
        q.unit.as_deref(),
        q.field.as_deref(),
        &search::tsquery(&words),
        (page - 1) * limit,
        limit,
    )
    .await?;
    drop(conn);
    let next_page = (rows.len() as i64 == limit && page < MAX_SEARCH_PAGES).then_some(page + 1);
    let answers: Vec<Value> = rows
        .iter()
        .map(|a| {
            // The answer's words if it holds them, else the question's, else the title's
            // (each text marked once; the first with a match is shown).
            let texts = [&a.public_answer, &a.public_question, &a.public_title];
            let mut marked = texts
                .into_iter()
                .flatten()
                .map(|t| search::marked(t, &words, 240));
            let first = marked.next().unwrap_or_default();
            let matched = if first.iter().any(|s| s.hit) {
                first
            } else {
                marked.find(|m| m.iter().any(|s| s.hit)).unwrap_or(first)
            };
            let mut v = json!(a);
            v["matched"] = json!(matched);
            v
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({"answers": answers, "next_page": next_page})))
}

/// Pages of search results at most: past them, a narrower search.
pub const MAX_SEARCH_PAGES: i64 = 50;

/// `GET /api/v1/answers/{tracking_code}`: one published answer (no personal data).
#[utoipa::path(get, path = "/api/v1/answers/{tracking_code}",
    params(("tracking_code" = String, Path, description = "Tracking code, any spelling")),
    responses((status = 200, description = "One published answer, without personal data", body = serde_json::Value),
        (status = 404, description = "Not found", body = doithoai_web::Problem)))]
async fn public_answer(core: web::Data<Core>, path: web::Path<String>, lang: Lang) -> Res {
    let mut conn = core.public_pool.get().await?;
    let row = queries::public_answer(&mut conn, &path).await?;
    let row = row.ok_or_else(|| Problem::not_found(lang))?;
    Ok(HttpResponse::Ok().json(row))
}

/// Rating attempts per tracking code and hour, over every client (on top of the per-client
/// limit of public writes): a token cannot be guessed, and a code cannot be hammered.
pub const RATING_TRIES_PER_CODE_HOUR: u32 = 10;

static RATING_TRIES: std::sync::LazyLock<doithoai_web::limit::Limit> =
    std::sync::LazyLock::new(|| {
        doithoai_web::limit::Limit::per_hour("rating_per_code", RATING_TRIES_PER_CODE_HOUR)
    });

/// The SHA-256 of a rating token, as stored.
pub fn token_hash(token: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(token.trim().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `POST /api/v1/answers/{tracking_code}/rating` `{score: 1–5, comment?, token}`: the
/// submitter rates the answer with the one-time token sent to them with it. Every failure —
/// unknown code, wrong token, token used — gets the same answer, so nothing can be learnt.
#[utoipa::path(post, path = "/api/v1/answers/{tracking_code}/rating",
    request_body(content = Rating, content_type = "application/json"),
    params(("tracking_code" = String, Path, description = "Tracking code, any spelling")),
    responses((status = 201, description = "Rated", body = serde_json::Value),
        (status = 422, description = "Fields at fault, or a token that does not rate this answer (always the same)", body = doithoai_web::Problem),
        (status = 429, description = "Too many attempts for this code or from this address", body = doithoai_web::Problem)))]
async fn rate(
    core: web::Data<Core>,
    path: web::Path<String>,
    body: Body<Rating>,
    lang: Lang,
) -> Res {
    let Rating {
        score,
        comment,
        token,
    } = body.valid()?;
    let code: String = path
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_uppercase();
    RATING_TRIES
        .check(&code)
        .map_err(|wait| Problem::too_many_requests(lang, wait))?;
    let refused = || -> ApiError {
        Problem::validation(
            lang,
            vec![FieldError::new(
                "token",
                "invalid_token",
                lang.pick(
                    "Mã đánh giá không đúng hoặc đã được dùng",
                    "The rating token is wrong or was used already",
                ),
            )],
        )
        .into()
    };
    let mut conn = core.pool.get().await?;
    let Some(c) = queries::published_case(&mut conn, &path).await? else {
        return Err(refused());
    };
    if !queries::rate(
        &mut conn,
        &core.bus.namespace,
        c.petition_id,
        &token_hash(&token),
        score,
        comment.as_deref(),
    )
    .await?
    {
        return Err(refused());
    }
    let _ = flow::history(
        &mut conn,
        c.petition_id,
        "submitter",
        "rated",
        Some(&score.to_string()),
    )
    .await;
    core.relay.wake();
    Ok(HttpResponse::Created().json(json!({"tracking_code": c.tracking_code, "score": score})))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SatisfactionQuery {
    unit: Option<String>,
}

/// `GET /api/v1/satisfaction?unit=`: ratings count, average and the satisfaction index (share
/// of ratings of 4 or 5, in percent; the city's target is 86 %).
#[utoipa::path(get, path = "/api/v1/satisfaction",
    params(SatisfactionQuery),
    responses((status = 200, description = "Ratings and the satisfaction index", body = serde_json::Value)))]
async fn satisfaction(core: web::Data<Core>, q: web::Query<SatisfactionQuery>) -> Res {
    let mut conn = core.public_pool.get().await?;
    let scores = queries::scores(&mut conn, q.unit.as_deref()).await?;
    let n = scores.len();
    let average = if n == 0 {
        None
    } else {
        Some(scores.iter().map(|s| f64::from(*s)).sum::<f64>() / n as f64)
    };
    let index = if n == 0 {
        None
    } else {
        Some(100.0 * scores.iter().filter(|s| **s >= 4).count() as f64 / n as f64)
    };
    Ok(HttpResponse::Ok().json(json!({"unit": q.unit, "ratings": n, "average": average, "satisfaction_index": index, "target": 86.0})))
}
