//! The citizens' pages: choose a ward or commune, send feedback or a recommendation and get the
//! receipt, follow a petition, read and rate published answers, see a unit's dialogue
//! conferences and register a question. Every task is a plain HTML form (no script needed);
//! what a service refuses comes back as messages beside the fields it names, with what was
//! typed kept. Tracking codes travel in form bodies, never in URLs (anyone holding one can
//! follow the petition).

use crate::api::{Api, Away, Ctx, Reply};
use crate::reference::{self, CONTENT_TYPES, FIELDS};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use doithoai_web::Templates;
use serde_json::{Map, Value, json};
use std::collections::HashMap;

pub type Form = web::Form<HashMap<String, String>>;

/// The page's language: the `lang` cookie the switch sets, else the browser's.
pub fn lang_of(req: &HttpRequest) -> &'static str {
    match req.cookie("lang").as_ref().map(|c| c.value()) {
        Some("en") => "en",
        Some("vi") => "vi",
        _ => match doithoai_web::Lang::of(req) {
            doithoai_web::Lang::En => "en",
            doithoai_web::Lang::Vi => "vi",
        },
    }
}

fn ctx(req: &HttpRequest) -> Ctx {
    Ctx {
        lang: lang_of(req),
        client_addr: req.peer_addr().map(|a| a.ip().to_string()),
    }
}

/// Renders `name` with `data`, the language and the current path (for the language switch).
pub fn render(
    texts: &Templates,
    req: &HttpRequest,
    status: StatusCode,
    name: &str,
    mut data: Value,
) -> HttpResponse {
    if let Some(map) = data.as_object_mut() {
        map.insert("lang".into(), json!(lang_of(req)));
        map.entry("here").or_insert_with(|| json!(req.path()));
    }
    match texts.render(name, &data) {
        Ok(html) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(html),
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "page {name} could not be rendered: {e:#}");
            HttpResponse::InternalServerError()
                .content_type("text/plain; charset=utf-8")
                .body("Lỗi hệ thống / System error")
        }
    }
}

/// The page for a service that did not answer.
pub(crate) fn away(texts: &Templates, req: &HttpRequest) -> HttpResponse {
    render(
        texts,
        req,
        StatusCode::SERVICE_UNAVAILABLE,
        "away.html",
        json!({"title": "Hệ thống đang bận"}),
    )
}

fn not_found(texts: &Templates, req: &HttpRequest) -> HttpResponse {
    render(
        texts,
        req,
        StatusCode::NOT_FOUND,
        "not_found.html",
        json!({"title": "Không tìm thấy"}),
    )
}

/// `GET /?q=`: choose a ward or commune.
pub async fn home(
    texts: web::Data<Templates>,
    req: HttpRequest,
    q: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    let query = q.get("q").map(|s| s.trim().to_owned()).unwrap_or_default();
    let units = reference::search(&query);
    render(
        &texts,
        &req,
        StatusCode::OK,
        "home.html",
        json!({"title": "Đối Thoại", "q": query, "units": units}),
    )
}

/// `GET /units/{unit}`: a unit's page: send feedback, its conferences, its latest answers.
pub async fn unit(
    texts: web::Data<Templates>,
    api: web::Data<Api>,
    req: HttpRequest,
    path: web::Path<String>,
) -> HttpResponse {
    let Some(unit) = reference::unit(&path) else {
        return not_found(&texts, &req);
    };
    let c = ctx(&req);
    let conferences = api
        .get(
            &api.scheduling,
            &format!("/api/v1/units/{}/conferences", unit.code),
            &c,
        )
        .await;
    let answers = api
        .get(
            &api.answering,
            &format!("/api/v1/answers?unit={}&limit=5", unit.code),
            &c,
        )
        .await;
    let (Ok(conferences), Ok(answers)) = (conferences, answers) else {
        return away(&texts, &req);
    };
    render(
        &texts,
        &req,
        StatusCode::OK,
        "unit.html",
        json!({
            "title": unit.name, "unit": unit,
            "conferences": conferences.body["conferences"],
            "answers": answers.body["answers"],
        }),
    )
}

/// The submission form's inputs: the names the page uses, and the intake field each one is.
const INPUTS: &[(&str, &str)] = &[
    ("kind", "kind"),
    ("field", "field"),
    ("content_type", "content_type"),
    ("title", "title"),
    ("content", "content"),
    ("submitter_kind", "submitter.kind"),
    ("name", "submitter.name"),
    ("organization", "submitter.organization"),
    ("address", "submitter.address"),
    ("phone", "submitter.phone"),
    ("email", "submitter.email"),
    ("consent", "consent_to_publish_identity"),
];

/// Every input with what was typed (empty when nothing).
fn values(form: &HashMap<String, String>) -> Map<String, Value> {
    let mut v: Map<String, Value> = INPUTS
        .iter()
        .map(|(input, _)| {
            (
                (*input).to_owned(),
                json!(form.get(*input).cloned().unwrap_or_default()),
            )
        })
        .collect();
    let key = form
        .get("idempotency_key")
        .filter(|k| !k.is_empty() && k.len() <= 64)
        .cloned()
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    v.insert("idempotency_key".into(), json!(key));
    v
}

/// The form's inputs as intake's submission.
fn submission(unit: &str, f: &Map<String, Value>) -> Value {
    let s = |k: &str| {
        f.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .trim()
            .to_owned()
    };
    let optional = |k: &str| {
        let v = s(k);
        if v.is_empty() { Value::Null } else { json!(v) }
    };
    let content_type = s("content_type")
        .parse::<i64>()
        .map_or(Value::Null, |n| json!(n));
    json!({
        "unit": unit,
        "kind": if s("kind").is_empty() { "feedback".to_owned() } else { s("kind") },
        "field": optional("field"),
        "content_type": content_type,
        "title": optional("title"),
        "content": s("content"),
        "submitter": {
            "kind": if s("submitter_kind") == "organization" { "organization" } else { "individual" },
            "name": s("name"),
            "organization": optional("organization"),
            "address": s("address"),
            "phone": optional("phone"),
            "email": optional("email"),
        },
        "consent_to_publish_identity": s("consent") == "yes",
    })
}

/// A service's field errors by the page's input names; those the page has no input for are
/// listed apart (`general`).
fn field_errors(reply: &Reply) -> (Map<String, Value>, Vec<Value>) {
    let mut by_input = Map::new();
    let mut general = Vec::new();
    let listed = reply.body["errors"].as_array().cloned().unwrap_or_default();
    for e in &listed {
        let field = e["field"].as_str().unwrap_or_default();
        let message = e["message"].clone();
        match INPUTS.iter().find(|(_, api)| *api == field) {
            Some((input, _)) if !by_input.contains_key(*input) => {
                by_input.insert((*input).to_owned(), message);
            }
            Some(_) => {}
            None => general.push(message),
        }
    }
    if listed.is_empty() {
        general.push(reply.body["title"].clone());
    }
    (by_input, general)
}

fn form_page(
    texts: &Templates,
    req: &HttpRequest,
    status: StatusCode,
    unit: &reference::Unit,
    values: Map<String, Value>,
    errors: Map<String, Value>,
    general: Vec<Value>,
) -> HttpResponse {
    render(
        texts,
        req,
        status,
        "submit.html",
        json!({
            "title": "Gửi phản ánh, kiến nghị", "unit": unit, "v": values, "errors": errors,
            "general": general, "fields": *FIELDS, "content_types": *CONTENT_TYPES,
        }),
    )
}

/// `GET /units/{unit}/submit`: the form, with a fresh Idempotency-Key.
pub async fn submit_form(
    texts: web::Data<Templates>,
    req: HttpRequest,
    path: web::Path<String>,
) -> HttpResponse {
    let Some(unit) = reference::unit(&path) else {
        return not_found(&texts, &req);
    };
    form_page(
        &texts,
        &req,
        StatusCode::OK,
        unit,
        values(&HashMap::new()),
        Map::new(),
        Vec::new(),
    )
}

/// `POST /units/{unit}/submit`: sends it to intake with the form's Idempotency-Key (a double
/// submit creates one petition and shows the same receipt), then shows the receipt, or the
/// form again with intake's messages by the fields and what was typed kept.
pub async fn submit(
    texts: web::Data<Templates>,
    api: web::Data<Api>,
    req: HttpRequest,
    path: web::Path<String>,
    form: Form,
) -> HttpResponse {
    let Some(unit) = reference::unit(&path) else {
        return not_found(&texts, &req);
    };
    let v = values(&form);
    let key = v["idempotency_key"].as_str().unwrap_or_default().to_owned();
    let c = ctx(&req);
    let reply = match api
        .post(
            &api.intake,
            "/api/v1/petitions",
            &submission(&unit.code, &v),
            Some(&key),
            &c,
        )
        .await
    {
        Ok(r) => r,
        Err(Away) => return away(&texts, &req),
    };
    if reply.ok() {
        return receipt(&texts, &api, &req, &reply.body, &c).await;
    }
    let (errors, general) = field_errors(&reply);
    form_page(
        &texts,
        &req,
        StatusCode::UNPROCESSABLE_ENTITY,
        unit,
        v,
        errors,
        general,
    )
}

/// The printable receipt of what intake accepted (or recorded as not accepted, with why).
async fn receipt(
    texts: &Templates,
    api: &Api,
    req: &HttpRequest,
    accepted: &Value,
    c: &Ctx,
) -> HttpResponse {
    let code = accepted["tracking_code"].as_str().unwrap_or_default();
    // The tracking view holds what intake said when it did not accept it (the reason).
    let tracked = api
        .get(&api.intake, &format!("/api/v1/petitions/{code}"), c)
        .await
        .map(|r| r.body)
        .unwrap_or(Value::Null);
    render(
        texts,
        req,
        StatusCode::OK,
        "receipt.html",
        json!({"title": "Biên nhận", "p": accepted, "tracked": tracked}),
    )
}

/// `GET /track`: the form to follow a petition by its code.
pub async fn track_form(texts: web::Data<Templates>, req: HttpRequest) -> HttpResponse {
    render(
        &texts,
        &req,
        StatusCode::OK,
        "track.html",
        json!({"title": "Tra cứu", "code": "", "found": Value::Null, "error": Value::Null}),
    )
}

/// `POST /track` `code`: status, holder, due date and timeline.
pub async fn track(
    texts: web::Data<Templates>,
    api: web::Data<Api>,
    req: HttpRequest,
    form: Form,
) -> HttpResponse {
    let code: String = form
        .get("code")
        .map(|c| {
            c.trim()
                .to_uppercase()
                .chars()
                .filter(|ch| ch.is_ascii_alphanumeric() || *ch == '-')
                .collect()
        })
        .unwrap_or_default();
    let c = ctx(&req);
    let (status, found, error) = if code.is_empty() {
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Value::Null,
            json!("required"),
        )
    } else {
        match api
            .get(&api.intake, &format!("/api/v1/petitions/{code}"), &c)
            .await
        {
            Ok(r) if r.ok() => (StatusCode::OK, r.body, Value::Null),
            Ok(r) if r.status == 429 => (
                StatusCode::TOO_MANY_REQUESTS,
                Value::Null,
                json!("rate_limited"),
            ),
            Ok(_) => (StatusCode::NOT_FOUND, Value::Null, json!("not_found")),
            Err(Away) => return away(&texts, &req),
        }
    };
    render(
        &texts,
        &req,
        status,
        "track.html",
        json!({"title": "Tra cứu", "code": code, "found": found, "error": error}),
    )
}

/// `GET /answers?q=&unit=`: search the published answers (diacritics optional).
pub async fn answers(
    texts: web::Data<Templates>,
    api: web::Data<Api>,
    req: HttpRequest,
    q: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    let query = q.get("q").map(|s| s.trim().to_owned()).unwrap_or_default();
    let unit = q
        .get("unit")
        .filter(|u| reference::unit(u).is_some())
        .cloned()
        .unwrap_or_default();
    let mut params = vec![("limit", "20".to_owned())];
    if !query.is_empty() {
        params.push(("q", query.clone()));
    }
    if !unit.is_empty() {
        params.push(("unit", unit.clone()));
    }
    // A search pages by number; the newest-first list by the last one shown.
    let page = q
        .get("page")
        .and_then(|p| p.parse::<i64>().ok())
        .filter(|p| (2..=50).contains(p));
    let before = q
        .get("before")
        .filter(|b| {
            b.len() <= 80
                && b.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_-:.".contains(c))
        })
        .cloned();
    match (query.is_empty(), page, before) {
        (false, Some(p), _) => params.push(("page", p.to_string())),
        (true, _, Some(b)) => params.push(("before", b)),
        _ => {}
    }
    let qs = params
        .iter()
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let reply = match api
        .get(&api.answering, &format!("/api/v1/answers?{qs}"), &ctx(&req))
        .await
    {
        Ok(r) => r,
        Err(Away) => return away(&texts, &req),
    };
    render(
        &texts,
        &req,
        StatusCode::OK,
        "answers.html",
        json!({
            "title": "Câu trả lời", "q": query, "unit": unit, "units": *reference::UNITS,
            "answers": reply.body["answers"], "refused": !reply.ok(),
            "next_page": reply.body["next_page"], "next_before": reply.body["next_before"],
        }),
    )
}

/// Percent-encodes a query value.
fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A tracking code as it may appear in a path: letters, digits and dashes.
fn code_ok(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= 32
        && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

async fn answer_page(
    texts: &Templates,
    api: &Api,
    req: &HttpRequest,
    code: &str,
    rating: Value,
) -> HttpResponse {
    if !code_ok(code) {
        return not_found(texts, req);
    }
    let c = ctx(req);
    let reply = match api
        .get(&api.answering, &format!("/api/v1/answers/{code}"), &c)
        .await
    {
        Ok(r) if r.ok() => r,
        Ok(_) => return not_found(texts, req),
        Err(Away) => return away(texts, req),
    };
    let status = if rating["errors"].as_object().is_some_and(|e| !e.is_empty()) {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    render(
        texts,
        req,
        status,
        "answer.html",
        json!({"title": "Câu trả lời", "a": reply.body, "code": code, "rating": rating}),
    )
}

/// `GET /answers/{code}`: a published answer, with the form to rate it.
pub async fn answer(
    texts: web::Data<Templates>,
    api: web::Data<Api>,
    req: HttpRequest,
    path: web::Path<String>,
) -> HttpResponse {
    answer_page(
        &texts,
        &api,
        &req,
        &path,
        json!({"v": {"score": "", "comment": "", "token": ""}, "errors": {}, "done": false}),
    )
    .await
}

/// `POST /answers/{code}/rating` `score, comment, token`: the submitter rates the answer with
/// the one-time token sent to them.
pub async fn rate(
    texts: web::Data<Templates>,
    api: web::Data<Api>,
    req: HttpRequest,
    path: web::Path<String>,
    form: Form,
) -> HttpResponse {
    if !code_ok(&path) {
        return not_found(&texts, &req);
    }
    let get = |k: &str| form.get(k).map(|s| s.trim().to_owned()).unwrap_or_default();
    let score = get("score")
        .parse::<i64>()
        .map_or(Value::Null, |n| json!(n));
    let comment = get("comment");
    let body = json!({
        "score": score,
        "comment": if comment.is_empty() { Value::Null } else { json!(comment) },
        "token": get("token"),
    });
    let reply = match api
        .post(
            &api.answering,
            &format!("/api/v1/answers/{path}/rating"),
            &body,
            None,
            &ctx(&req),
        )
        .await
    {
        Ok(r) => r,
        Err(Away) => return away(&texts, &req),
    };
    let v = json!({"score": get("score"), "comment": comment, "token": get("token")});
    let rating = if reply.ok() {
        json!({"v": v, "errors": {}, "done": true})
    } else {
        let mut errors = Map::new();
        for e in reply.body["errors"].as_array().cloned().unwrap_or_default() {
            let field = e["field"].as_str().unwrap_or("token").to_owned();
            errors.entry(field).or_insert(e["message"].clone());
        }
        if errors.is_empty() {
            errors.insert("token".into(), reply.body["title"].clone());
        }
        json!({"v": v, "errors": errors, "done": false})
    };
    answer_page(&texts, &api, &req, &path, rating).await
}

fn conference_id_ok(id: &str) -> bool {
    uuid::Uuid::parse_str(id).is_ok()
}

async fn conference_page(
    texts: &Templates,
    api: &Api,
    req: &HttpRequest,
    id: &str,
    status: StatusCode,
    form: Value,
) -> HttpResponse {
    if !conference_id_ok(id) {
        return not_found(texts, req);
    }
    let reply = match api
        .get(
            &api.scheduling,
            &format!("/api/v1/conferences/{id}"),
            &ctx(req),
        )
        .await
    {
        Ok(r) if r.ok() => r,
        Ok(_) => return not_found(texts, req),
        Err(Away) => return away(texts, req),
    };
    let unit = reply.body["unit"]
        .as_str()
        .and_then(reference::unit)
        .cloned();
    render(
        texts,
        req,
        status,
        "conference.html",
        json!({"title": reply.body["title"], "c": reply.body, "unit": unit, "form": form, "fields": *FIELDS}),
    )
}

fn blank_registration() -> Value {
    let v = values(&HashMap::new());
    json!({"v": v, "errors": {}, "general": [], "closed": false})
}

/// `GET /conferences/{id}`: a conference, its calendar file, and the form to register a
/// question before the cutoff.
pub async fn conference(
    texts: web::Data<Templates>,
    api: web::Data<Api>,
    req: HttpRequest,
    path: web::Path<String>,
) -> HttpResponse {
    conference_page(
        &texts,
        &api,
        &req,
        &path,
        StatusCode::OK,
        blank_registration(),
    )
    .await
}

/// `POST /conferences/{id}/register`: the question goes to intake as a `dialogue_question`;
/// after the cutoff the page offers to send the same text as ordinary feedback.
pub async fn register(
    texts: web::Data<Templates>,
    api: web::Data<Api>,
    req: HttpRequest,
    path: web::Path<String>,
    form: Form,
) -> HttpResponse {
    if !conference_id_ok(&path) {
        return not_found(&texts, &req);
    }
    let c = ctx(&req);
    let conf = match api
        .get(&api.scheduling, &format!("/api/v1/conferences/{path}"), &c)
        .await
    {
        Ok(r) if r.ok() => r.body,
        Ok(_) => return not_found(&texts, &req),
        Err(Away) => return away(&texts, &req),
    };
    let unit = conf["unit"].as_str().unwrap_or_default().to_owned();
    let v = values(&form);
    let mut body = submission(&unit, &v);
    body["kind"] = json!("dialogue_question");
    body["conference_id"] = json!(path.as_str());
    let key = v["idempotency_key"].as_str().unwrap_or_default().to_owned();
    let reply = match api
        .post(&api.intake, "/api/v1/petitions", &body, Some(&key), &c)
        .await
    {
        Ok(r) => r,
        Err(Away) => return away(&texts, &req),
    };
    if reply.ok() {
        return receipt(&texts, &api, &req, &reply.body, &c).await;
    }
    let closed = reply.body["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|e| {
            matches!(
                e["code"].as_str(),
                Some("registration_closed" | "conference_cancelled")
            )
        });
    let (errors, general) = field_errors(&reply);
    // The offer: the same text as feedback, with a key of its own.
    let mut offer = v.clone();
    offer.insert("kind".into(), json!("feedback"));
    offer.insert(
        "idempotency_key".into(),
        json!(uuid::Uuid::new_v4().to_string()),
    );
    conference_page(
        &texts,
        &api,
        &req,
        &path,
        StatusCode::UNPROCESSABLE_ENTITY,
        json!({"v": if closed { offer } else { v }, "errors": errors, "general": general, "closed": closed}),
    )
    .await
}

/// `GET /conferences/{id}/calendar.ics`: the conference for the citizen's calendar, as
/// scheduling writes it.
pub async fn conference_ics(
    texts: web::Data<Templates>,
    api: web::Data<Api>,
    req: HttpRequest,
    path: web::Path<String>,
) -> HttpResponse {
    if !conference_id_ok(&path) {
        return not_found(&texts, &req);
    }
    match api
        .get_raw(
            &api.scheduling,
            &format!("/api/v1/conferences/{path}.ics"),
            &ctx(&req),
        )
        .await
    {
        Ok((200, kind, body)) => HttpResponse::Ok()
            .content_type(kind)
            .insert_header((
                "content-disposition",
                "attachment; filename=\"hoi-nghi-doi-thoai.ics\"",
            ))
            .body(body),
        Ok(_) => not_found(&texts, &req),
        Err(Away) => away(&texts, &req),
    }
}

/// `GET /lang/{vi|en}?next=/path`: switches the language (a cookie) and goes back.
pub async fn switch_lang(
    req: HttpRequest,
    path: web::Path<String>,
    q: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    let lang = if path.as_str() == "en" { "en" } else { "vi" };
    // Only a path of this site: never `//elsewhere` or `https://…`.
    let next = q
        .get("next")
        .filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.contains('\\'))
        .cloned()
        .unwrap_or_else(|| "/".to_owned());
    let secure = req.connection_info().scheme() == "https";
    let cookie = actix_web::cookie::Cookie::build("lang", lang)
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(actix_web::cookie::SameSite::Lax)
        .max_age(actix_web::cookie::time::Duration::days(365))
        .finish();
    HttpResponse::SeeOther()
        .insert_header(("location", next))
        .cookie(cookie)
        .finish()
}

/// `GET /static/portal.css`.
pub async fn css() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("cache-control", "public, max-age=3600"))
        .body(include_str!("../static/portal.css"))
}
