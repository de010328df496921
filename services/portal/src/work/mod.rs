//! The staff's work pages, over the services' staff APIs with a token minted for the signed-in
//! account on each call: the receipt book and recording what came by phone, in person, by post
//! or email; a petition's record and its triage; a case (draft, review, the leader's preview
//! and approval, and the clerk's routing: accept, re-route, transfer, refuse, urgent);
//! conferences (plan, notice, the printable agenda, outcomes, attendance, minutes, results,
//! reschedule, cancel); messages that could not be delivered and letters to post; and city
//! IT's settings (holidays, office hours, deadline policies, routing rules) and compliance.
//!
//! Every page is drawn by one [`show`]: its data, then the [`Action`]s the account's role may
//! take on it. Every action posts to one [`act`], which checks the session's CSRF token, calls
//! the service, and answers with the page again: with the service's messages beside the
//! fields and what was typed kept when it refused, or a note that it was done.

mod forms;

use crate::actions::*;
use crate::api::{Api, Away, Ctx, Reply};
use crate::identity::Account;
use crate::keys::{SigningKey, TOKEN_SECONDS};
use crate::pages::{Form, lang_of, render};
use crate::reference::DEPARTMENTS;
use crate::staff::{address, signed_in, to_sign_in, who};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use doithoai_auth::Role;
use doithoai_web::{Core, Templates};
use forms::*;
use serde_json::{Value, json};
use std::collections::HashMap;

/// A signed-in account with the token minted for this request's calls.
pub struct Session {
    pub account: Account,
    pub role: Role,
    pub csrf: String,
    pub token: String,
    pub ctx: Ctx,
}

/// The signed-in account of `req` and a fresh token, or the redirect to sign in.
pub async fn session(
    req: &HttpRequest,
    core: &Core,
    key: &SigningKey,
) -> Result<Session, HttpResponse> {
    let Some((account, csrf)) = signed_in(req, core).await else {
        return Err(to_sign_in());
    };
    let Some(role) = account.role() else {
        return Err(to_sign_in());
    };
    let token = key
        .mint(
            &account.username,
            role,
            &account.unit,
            account.department.as_deref(),
            TOKEN_SECONDS,
        )
        .map_err(|e| {
            tracing::error!(error = %e, "a staff token could not be signed: {e}");
            HttpResponse::InternalServerError().finish()
        })?;
    Ok(Session {
        account,
        role,
        csrf,
        token,
        ctx: Ctx {
            lang: lang_of(req),
            client_addr: Some(address(req, core)),
        },
    })
}

/// The staff pages.
#[derive(Debug, Clone)]
pub enum Page {
    /// The receipt book (`?status=`, `?before=`), and recording a petition.
    Book {
        status: Option<String>,
        before: Option<String>,
    },
    /// One petition's record (by tracking code) and its triage.
    Petition(String),
    /// One case (by petition id): the department's work and the clerk's routing.
    Case(String),
    /// The unit's conferences, and planning one.
    Conferences,
    /// One conference (by id).
    Conference(String),
    /// Messages not delivered, letters to post.
    Messages,
    /// City IT: holidays, office hours, deadline policies, routing rules.
    Settings,
    /// City IT and auditors: every organiser's dialogue compliance.
    Compliance,
    /// City IT: the staff accounts, and creating one.
    Accounts,
    /// City IT: one account (by sign-in name).
    Account(String),
    /// A department's cases, soonest due first (an officer's or head's own department; a
    /// leader or clerk names one, or sees all).
    Inbox { department: Option<String> },
    /// The reports with their charts: the city's (city IT, auditors) or the unit's; `query`
    /// is the report's parameters as reporting takes them (only known keys, plain values).
    Reports { query: String },
}

const ALL: &[Role] = &Role::ALL;
const DESK: &[Role] = &[Role::Clerk, Role::Leader];
const DRAFTERS: &[Role] = &[Role::Officer, Role::Head];
const HEADS: &[Role] = &[Role::Head];
const LEADERS: &[Role] = &[Role::Leader];
const CITY: &[Role] = &[Role::CityAdmin];
const CITY_READERS: &[Role] = &[Role::CityAdmin, Role::Auditor];

/// A record id as the services take it in a path: letters, digits and dashes.
fn plain(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

fn choices(named: &[crate::reference::Named]) -> Vec<Choice> {
    named
        .iter()
        .map(|n| Choice::new(&n.code, &n.name_vi, &n.name_en))
        .collect()
}

fn departments() -> Vec<Choice> {
    choices(&DEPARTMENTS)
}

impl Page {
    /// The page's address.
    pub fn url(&self) -> String {
        match self {
            Page::Book { .. } => "/staff/petitions".into(),
            Page::Petition(code) => format!("/staff/petitions/{code}"),
            Page::Case(id) => format!("/staff/cases/{id}"),
            Page::Conferences => "/staff/conferences".into(),
            Page::Conference(id) => format!("/staff/conferences/{id}"),
            Page::Messages => "/staff/messages".into(),
            Page::Settings => "/staff/settings".into(),
            Page::Compliance => "/staff/compliance".into(),
            Page::Accounts => "/staff/accounts".into(),
            Page::Account(u) => format!("/staff/accounts/{u}"),
            Page::Inbox { .. } => "/staff/inbox".into(),
            Page::Reports { .. } => "/staff/reports".into(),
        }
    }

    /// The page a posted form names (`page`, `record`).
    fn from_form(form: &HashMap<String, String>) -> Option<Page> {
        let record = form.get("record").map(String::as_str).unwrap_or_default();
        let page = match form.get("page").map(String::as_str)? {
            "book" => Page::Book {
                status: None,
                before: None,
            },
            "petition" if plain(record) => Page::Petition(record.to_owned()),
            "case" if plain(record) => Page::Case(record.to_owned()),
            "conferences" => Page::Conferences,
            "conference" if plain(record) => Page::Conference(record.to_owned()),
            "messages" => Page::Messages,
            "settings" => Page::Settings,
            "accounts" => Page::Accounts,
            "account" if crate::accounts::username_ok(record) => Page::Account(record.to_owned()),
            _ => return None,
        };
        Some(page)
    }

    fn name(&self) -> &'static str {
        match self {
            Page::Book { .. } => "book",
            Page::Petition(_) => "petition",
            Page::Case(_) => "case",
            Page::Conferences => "conferences",
            Page::Conference(_) => "conference",
            Page::Messages => "messages",
            Page::Settings => "settings",
            Page::Compliance => "compliance",
            Page::Accounts => "accounts",
            Page::Account(_) => "account",
            Page::Inbox { .. } => "inbox",
            Page::Reports { .. } => "reports",
        }
    }

    fn record(&self) -> &str {
        match self {
            Page::Petition(r) | Page::Case(r) | Page::Conference(r) | Page::Account(r) => r,
            _ => "",
        }
    }

    /// Who may open the page at all.
    fn roles(&self) -> &'static [Role] {
        match self {
            Page::Settings | Page::Accounts | Page::Account(_) => CITY,
            Page::Compliance => CITY_READERS,
            _ => ALL,
        }
    }

    /// Every action of the page (the choices some offer come from what it shows: the city
    /// bodies of a transfer).
    fn actions(&self, data: &Value) -> Vec<Action> {
        match self {
            Page::Book { .. } => vec![record_action()],
            Page::Petition(_) => vec![triage_action()],
            Page::Case(_) => case_actions(data),
            Page::Conferences => vec![plan_action()],
            Page::Conference(_) => conference_actions(),
            Page::Messages => vec![action(
                "posted",
                ("Đã gửi thư", "Letter posted"),
                Svc::Notification,
                Verb::Post,
                "/api/v1/staff/letters/{letter}/posted",
                DESK,
                vec![hidden("letter")],
            )],
            Page::Settings => settings_actions(),
            Page::Compliance | Page::Inbox { .. } | Page::Reports { .. } => vec![],
            Page::Accounts | Page::Account(_) => crate::accounts::actions(self.record()),
        }
    }

    /// Whether the page offers `action` on the record as it stands: triage only while a
    /// petition waits for it; a case's work where answering holds the case, its routing where
    /// routing does.
    fn offers(&self, action: &Action, data: &Value) -> bool {
        match (self, action.svc) {
            (Page::Petition(_), _) => data["petition"]["status"] == "awaiting_triage",
            (Page::Case(_), Svc::Answering) => data["case"].is_object(),
            (Page::Case(_), Svc::Routing) => data["routing"].is_object(),
            _ => true,
        }
    }

    fn template(&self) -> &'static str {
        match self {
            Page::Book { .. } => "book.html",
            Page::Petition(_) => "petition.html",
            Page::Case(_) => "case.html",
            Page::Conferences => "conferences.html",
            Page::Conference(_) => "conference_staff.html",
            Page::Messages => "messages.html",
            Page::Settings => "settings.html",
            Page::Compliance => "compliance.html",
            Page::Accounts => "accounts.html",
            Page::Account(_) => "account.html",
            Page::Inbox { .. } => "inbox.html",
            Page::Reports { .. } => "reports.html",
        }
    }

    fn title(&self) -> &'static str {
        match self {
            Page::Book { .. } => "Sổ tiếp nhận",
            Page::Petition(_) => "Phản ánh, kiến nghị",
            Page::Case(_) => "Hồ sơ xử lý",
            Page::Conferences => "Hội nghị đối thoại",
            Page::Conference(_) => "Hội nghị đối thoại",
            Page::Messages => "Thông báo chưa gửi được",
            Page::Settings => "Cấu hình",
            Page::Compliance => "Tình hình tổ chức đối thoại",
            Page::Accounts | Page::Account(_) => "Tài khoản cán bộ",
            Page::Inbox { .. } => "Hộp việc",
            Page::Reports { .. } => "Báo cáo",
        }
    }

    /// What the page shows, from the services. A record another unit holds (or none) is
    /// `Ok(None)`: the page then says it was not found.
    async fn load(&self, core: &Core, api: &Api, s: &Session) -> Result<Option<Value>, Away> {
        if let Page::Accounts | Page::Account(_) = self {
            return crate::accounts::load(core, self.record())
                .await
                .map_err(|e| {
                    tracing::warn!(error = %format!("{e:#}"), "accounts could not be read: {e:#}");
                    Away
                });
        }
        let get = |base: &str, path: String| {
            let base = base.to_owned();
            async move { api.get_as(&base, &path, &s.token, &s.ctx).await }
        };
        let body_if_ok = |r: Reply| if r.ok() { r.body } else { Value::Null };
        Ok(Some(match self {
            Page::Book { status, before } => {
                let mut q = vec!["limit=50".to_owned()];
                if let Some(st) = status.as_deref().filter(|v| plain_query(v)) {
                    q.push(format!("status={st}"));
                }
                if let Some(b) = before.as_deref().filter(|v| plain_query(v)) {
                    q.push(format!("before={b}"));
                }
                let book = get(
                    &api.intake,
                    format!("/api/v1/staff/petitions?{}", q.join("&")),
                )
                .await?;
                if !book.ok() {
                    return Ok(None);
                }
                json!({"book": book.body, "status": status})
            }
            Page::Petition(code) => {
                let p = get(&api.intake, format!("/api/v1/staff/petitions/{code}")).await?;
                if !p.ok() {
                    return Ok(None);
                }
                json!({"petition": p.body})
            }
            Page::Case(id) => {
                // The case, its routing and (for those who may transfer) the city bodies at
                // once; the preview after, when there is a draft.
                let bodies = async {
                    if DESK.contains(&s.role) {
                        api.get(&api.routing, "/api/v1/city-bodies", &s.ctx)
                            .await
                            .map(body_if_ok)
                    } else {
                        Ok(Value::Null)
                    }
                };
                let (case, routing, bodies) = tokio::join!(
                    get(&api.answering, format!("/api/v1/staff/cases/{id}")),
                    get(&api.routing, format!("/api/v1/staff/routing/{id}")),
                    bodies,
                );
                let (case, routing, bodies) = (case?, routing?, bodies?);
                if !case.ok() && !routing.ok() {
                    return Ok(None);
                }
                let case = body_if_ok(case);
                let preview = if case["draft"].is_object() {
                    body_if_ok(
                        get(&api.answering, format!("/api/v1/staff/cases/{id}/preview")).await?,
                    )
                } else {
                    Value::Null
                };
                json!({"case": case, "routing": body_if_ok(routing), "preview": preview,
                       "bodies": bodies["bodies"], "petition_id": id})
            }
            Page::Conferences => {
                let list = get(&api.scheduling, "/api/v1/staff/conferences".into()).await?;
                json!({"conferences": body_if_ok(list)["conferences"]})
            }
            Page::Conference(id) => {
                let list = get(&api.scheduling, "/api/v1/staff/conferences".into()).await?;
                let Some(c) = body_if_ok(list)["conferences"]
                    .as_array()
                    .and_then(|all| all.iter().find(|c| c["id"] == id.as_str()).cloned())
                else {
                    return Ok(None);
                };
                let history = get(
                    &api.scheduling,
                    format!("/api/v1/staff/conferences/{id}/history"),
                )
                .await?;
                json!({"conference": c, "history": body_if_ok(history)})
            }
            Page::Messages => {
                let failed = get(
                    &api.notification,
                    "/api/v1/staff/messages?status=failed".into(),
                )
                .await?;
                let letters = get(&api.notification, "/api/v1/staff/letters".into()).await?;
                json!({"messages": body_if_ok(failed), "letters": body_if_ok(letters)})
            }
            Page::Settings => {
                let holidays = api.get(&api.routing, "/api/v1/holidays", &s.ctx).await?;
                let hours = api
                    .get(&api.routing, "/api/v1/office-hours", &s.ctx)
                    .await?;
                let policies = get(&api.routing, "/api/v1/staff/policies".into()).await?;
                let rules = get(&api.routing, "/api/v1/staff/rules".into()).await?;
                json!({"holidays": body_if_ok(holidays), "office_hours": body_if_ok(hours),
                       "policies": body_if_ok(policies), "rules": body_if_ok(rules)})
            }
            Page::Compliance => {
                let c = get(&api.scheduling, "/api/v1/staff/compliance".into()).await?;
                json!({"compliance": body_if_ok(c)})
            }
            Page::Inbox { department } => {
                let department = department.clone().or(s.account.department.clone());
                let path = match &department {
                    Some(d) => format!("/api/v1/staff/cases?department={d}"),
                    None => "/api/v1/staff/cases".to_owned(),
                };
                let reply = get(&api.answering, path).await?;
                json!({"cases": reply.body["cases"], "overdue": reply.body["overdue"],
                       "refused": !reply.ok(), "problem": reply.body["title"]})
            }
            Page::Reports { query } => {
                let r = get(&api.reporting, format!("/api/v1/staff/reports?{query}")).await?;
                // A refused choice (a month mistyped) shows reporting's reasons by the form.
                let mut report = if r.ok() {
                    r.body
                } else {
                    json!({"errors": r.body["errors"]})
                };
                charts(&mut report);
                let params: HashMap<String, String> = query_pairs(query).into_iter().collect();
                json!({"report": report, "query": query, "params": params,
                       "units": crate::reference::UNITS.as_slice(),
                       "fields": crate::reference::FIELDS.as_slice(),
                       "departments": DEPARTMENTS.as_slice(),
                       "unit_name": report["unit"].as_str().and_then(crate::reference::unit).map(|u| u.name.clone()),
                       "period": [day_month_year(&report["from"]), day_month_year(&report["to"])]})
            }
            Page::Accounts | Page::Account(_) => Value::Null,
        }))
    }
}

/// The report parameters the reports page passes on to reporting: only these keys, with plain
/// values, in this order.
const REPORT_KEYS: [&str; 7] = ["month", "from", "to", "unit", "field", "department", "by"];

/// The report's query string from the page's query (unknown keys and odd values dropped).
pub fn report_query(q: &HashMap<String, String>) -> String {
    REPORT_KEYS
        .iter()
        .filter_map(|k| {
            q.get(*k)
                .filter(|v| !v.is_empty() && plain_query(v))
                .map(|v| format!("{k}={v}"))
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// `2026-11-30` as people read it, `30/11/2026`.
fn day_month_year(date: &Value) -> String {
    date.as_str()
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .map(|d| d.format("%d/%m/%Y").to_string())
        .unwrap_or_default()
}

/// `a=1&b=2` as pairs (the values are plain already).
fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// Adds to each row of a report the widths (0–100) its bars are drawn with: received against
/// the largest group, answered on time and late against the same scale, the satisfaction
/// index as it is (the target line at 86).
fn charts(report: &mut Value) {
    let Some(rows) = report["rows"].as_array_mut() else {
        return;
    };
    let n = |v: &Value, k: &str| v[k].as_f64().unwrap_or(0.0);
    let most = rows
        .iter()
        .map(|r| n(r, "received").max(n(r, "answered")))
        .fold(0.0, f64::max)
        .max(1.0);
    let w = |x: f64| (x * 1000.0 / most).round() / 10.0;
    for r in rows.iter_mut() {
        let (received, on_time, late) = (
            n(r, "received"),
            n(r, "answered_on_time"),
            n(r, "answered_late"),
        );
        r["w_received"] = json!(w(received));
        r["w_on_time"] = json!(w(on_time));
        r["w_late"] = json!(w(late));
        r["w_satisfaction"] = json!(n(r, "satisfaction_index").clamp(0.0, 100.0));
    }
}

/// A cursor or status as it may travel in a query: letters, digits, `_`, `-`, `:`, `.`, `+`.
fn plain_query(v: &str) -> bool {
    v.len() <= 80
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-:.+".contains(c))
}

/// Draws `page` for the session, with a failed action's messages or a done note.
pub async fn show(
    texts: &Templates,
    core: &Core,
    api: &Api,
    req: &HttpRequest,
    s: &Session,
    page: &Page,
    failed: Option<(StatusCode, Failed)>,
) -> HttpResponse {
    if !page.roles().contains(&s.role) {
        return render(
            texts,
            req,
            StatusCode::FORBIDDEN,
            "not_found.html",
            json!({"title": "Không có quyền", "me": who(&s.account), "csrf": s.csrf}),
        );
    }
    let data = match page.load(core, api, s).await {
        Ok(Some(d)) => d,
        Ok(None) => {
            return render(
                texts,
                req,
                StatusCode::NOT_FOUND,
                "not_found.html",
                json!({"title": "Không tìm thấy", "me": who(&s.account), "csrf": s.csrf}),
            );
        }
        Err(Away) => {
            return crate::pages::away(texts, req);
        }
    };
    let actions: Vec<Action> = page
        .actions(&data)
        .into_iter()
        .filter(|a| a.allows(s.role) && page.offers(a, &data))
        .collect();
    let done = req
        .query_string()
        .split('&')
        .find_map(|kv| kv.strip_prefix("done="))
        .filter(|d| actions.iter().any(|a| a.id == *d) || *d == "record")
        .map(str::to_owned);
    let (status, failed) = match failed {
        Some((status, f)) => (status, Some(f)),
        None => (StatusCode::OK, None),
    };
    render(
        texts,
        req,
        status,
        page.template(),
        json!({
            "title": page.title(), "me": who(&s.account), "csrf": s.csrf, "data": data,
            "actions": actions, "failed": failed, "done": done,
            "page": page.name(), "record": page.record(), "key": uuid::Uuid::new_v4().to_string(),
            "here": page.url(),
        }),
    )
}

/// `POST /staff/act` `page, record, action, csrf, key, …fields`: one staff action. The
/// service's answer decides the page: done (303 back, with a note), or the page again with
/// the messages beside the fields (422, 409, 404 as the service said).
pub async fn act(
    texts: web::Data<Templates>,
    core: web::Data<Core>,
    api: web::Data<Api>,
    key: web::Data<SigningKey>,
    req: HttpRequest,
    form: Form,
) -> HttpResponse {
    let s = match session(&req, &core, &key).await {
        Ok(s) => s,
        Err(redirect) => return redirect,
    };
    let form = form.into_inner();
    if !form
        .get("csrf")
        .is_some_and(|c| crate::identity::same_secret(c, &s.csrf))
    {
        return HttpResponse::Forbidden()
            .content_type("text/plain; charset=utf-8")
            .body("Phiên làm việc không hợp lệ, xin tải lại trang / Invalid form session: reload the page");
    }
    let Some(page) = Page::from_form(&form) else {
        return HttpResponse::NotFound().finish();
    };
    // Any action of the page (the service decides whether the record's state allows it, and
    // checks a choice the page did not offer).
    let wanted = form.get("action").map(String::as_str).unwrap_or_default();
    let Some(action) = page
        .actions(&Value::Null)
        .into_iter()
        .find(|a| a.id == wanted)
    else {
        return HttpResponse::NotFound().finish();
    };
    if !action.allows(s.role) || !page.roles().contains(&s.role) {
        return HttpResponse::Forbidden().finish();
    }
    let path = if action.svc == Svc::Portal {
        Some(String::new())
    } else {
        action.path_for(page.record(), &form)
    };
    let Some(path) = path else {
        let problem = json!({"title": "Thiếu thông tin", "errors": action.fields.iter()
            .filter(|f| action.path.contains(&format!("{{{}}}", f.name)))
            .map(|f| json!({"field": f.name, "message": if s.ctx.lang == "en" { "Required: letters, digits and dashes" } else { "Bắt buộc: chữ, số và gạch ngang" }}))
            .collect::<Vec<_>>()});
        let failed = Failed::from_problem(&action, &form, &problem);
        return show(
            &texts,
            &core,
            &api,
            &req,
            &s,
            &page,
            Some((StatusCode::UNPROCESSABLE_ENTITY, failed)),
        )
        .await;
    };
    let base = match action.svc {
        Svc::Intake => &api.intake,
        Svc::Routing => &api.routing,
        Svc::Answering => &api.answering,
        Svc::Scheduling => &api.scheduling,
        Svc::Notification => &api.notification,
        Svc::Portal => {
            return match crate::accounts::apply(
                &core,
                &s,
                &address(&req, &core),
                action.id,
                page.record(),
                &form,
            )
            .await
            {
                Ok(Ok(())) => HttpResponse::SeeOther()
                    .insert_header(("location", format!("{}?done={}", page.url(), action.id)))
                    .finish(),
                Ok(Err(problem)) => {
                    let failed = Failed::from_problem(&action, &form, &problem);
                    show(
                        &texts,
                        &core,
                        &api,
                        &req,
                        &s,
                        &page,
                        Some((StatusCode::UNPROCESSABLE_ENTITY, failed)),
                    )
                    .await
                }
                Err(e) => {
                    tracing::warn!(error = %format!("{e:#}"), "an account change failed: {e:#}");
                    crate::pages::away(&texts, &req)
                }
            };
        }
    };
    let mut body = action.body(&form);
    if action.own_unit {
        body["unit"] = json!(s.account.unit);
    }
    let idempotency = action
        .idempotent
        .then(|| form.get("key").filter(|k| plain(k)).map(String::as_str))
        .flatten();
    let reply = match api
        .call_as(
            base,
            action.verb,
            &path,
            &body,
            &s.token,
            idempotency,
            &s.ctx,
        )
        .await
    {
        Ok(r) => r,
        Err(Away) => {
            return crate::pages::away(&texts, &req);
        }
    };
    if reply.ok() {
        // A petition recorded at the desk: its record, with the tracking code to read out.
        let to = match (&page, reply.body["tracking_code"].as_str()) {
            (Page::Book { .. }, Some(code)) if plain(code) => {
                format!("/staff/petitions/{code}?done=record")
            }
            _ => format!("{}?done={}", page.url(), action.id),
        };
        return HttpResponse::SeeOther()
            .insert_header(("location", to))
            .finish();
    }
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::BAD_REQUEST);
    let failed = Failed::from_problem(&action, &form, &reply.body);
    show(&texts, &core, &api, &req, &s, &page, Some((status, failed))).await
}

/// A page handler: the session, then [`show`].
async fn page_for(
    texts: &Templates,
    core: &Core,
    api: &Api,
    key: &SigningKey,
    req: &HttpRequest,
    page: Page,
) -> HttpResponse {
    match session(req, core, key).await {
        Ok(s) => show(texts, core, api, req, &s, &page, None).await,
        Err(redirect) => redirect,
    }
}

/// A page that needs nothing from its request but the session (conferences, messages,
/// settings, compliance, accounts): `web::get().to(|d, r| work::fixed(d, r, Page::Settings))`.
pub async fn fixed(deps: Deps, req: HttpRequest, page: Page) -> HttpResponse {
    let (t, c, a, k) = deps;
    page_for(&t, &c, &a, &k, &req, page).await
}

/// The extractors every page handler takes.
pub type Deps = (
    web::Data<Templates>,
    web::Data<Core>,
    web::Data<Api>,
    web::Data<SigningKey>,
);

/// `GET /staff/petitions?status=&before=`.
pub async fn book(
    deps: Deps,
    req: HttpRequest,
    q: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    let (t, c, a, k) = deps;
    let page = Page::Book {
        status: q.get("status").cloned().filter(|v| !v.is_empty()),
        before: q.get("before").cloned().filter(|v| !v.is_empty()),
    };
    page_for(&t, &c, &a, &k, &req, page).await
}

/// `GET /staff/petitions/{code}`.
pub async fn petition(deps: Deps, req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    let (t, c, a, k) = deps;
    let code = doithoai_web::input::tracking_code(&path);
    if !plain(&code) {
        return HttpResponse::NotFound().finish();
    }
    page_for(&t, &c, &a, &k, &req, Page::Petition(code)).await
}

/// `GET /staff/cases/{petition id}`.
pub async fn case(deps: Deps, req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    let (t, c, a, k) = deps;
    if !plain(&path) {
        return HttpResponse::NotFound().finish();
    }
    page_for(&t, &c, &a, &k, &req, Page::Case(path.into_inner())).await
}

/// `GET /staff/conferences/{id}`.
pub async fn conference(deps: Deps, req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    let (t, c, a, k) = deps;
    if !plain(&path) {
        return HttpResponse::NotFound().finish();
    }
    page_for(&t, &c, &a, &k, &req, Page::Conference(path.into_inner())).await
}

/// `GET /staff/conferences/{id}/agenda`: the printable agenda, as scheduling draws it.
pub async fn agenda(deps: Deps, req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    let (_, core, api, key) = deps;
    let s = match session(&req, &core, &key).await {
        Ok(s) => s,
        Err(redirect) => return redirect,
    };
    if !plain(&path) {
        return HttpResponse::NotFound().finish();
    }
    match api
        .get_raw_as(
            &api.scheduling,
            &format!("/api/v1/staff/conferences/{path}/agenda?format=html"),
            &s.token,
            &s.ctx,
        )
        .await
    {
        Ok((200, kind, body)) if kind.starts_with("text/html") => HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(body),
        Ok(_) => HttpResponse::NotFound().finish(),
        Err(Away) => HttpResponse::ServiceUnavailable().finish(),
    }
}

/// `GET /staff/accounts/{username}`.
pub async fn account(deps: Deps, req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    let (t, c, a, k) = deps;
    if !crate::accounts::username_ok(&path) {
        return HttpResponse::NotFound().finish();
    }
    page_for(&t, &c, &a, &k, &req, Page::Account(path.into_inner())).await
}

/// `GET /staff/reports?month=&from=&to=&unit=&field=&department=&by=`.
pub async fn reports(
    deps: Deps,
    req: HttpRequest,
    q: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    let (t, c, a, k) = deps;
    let query = report_query(&q);
    page_for(&t, &c, &a, &k, &req, Page::Reports { query }).await
}

/// `GET /staff/reports/export?format=csv|xlsx&…`: the report as a file, from reporting.
pub async fn report_export(
    deps: Deps,
    req: HttpRequest,
    q: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    let (_, core, api, key) = deps;
    let s = match session(&req, &core, &key).await {
        Ok(s) => s,
        Err(redirect) => return redirect,
    };
    let format = match q.get("format").map(String::as_str) {
        Some(f @ ("csv" | "xlsx")) => f,
        _ => return HttpResponse::NotFound().finish(),
    };
    let query = report_query(&q);
    let path = format!("/api/v1/staff/reports?{query}&format={format}");
    // The file is named after what it reports: bao-cao-pakn_month-2026-11_unit-phuong-lang.csv
    let named: String = query
        .replace('=', "-")
        .replace('&', "_")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "-_.".contains(*c))
        .collect();
    let file = if named.is_empty() {
        format!("bao-cao-pakn.{format}")
    } else {
        format!("bao-cao-pakn_{named}.{format}")
    };
    match api
        .get_raw_as(&api.reporting, &path, &s.token, &s.ctx)
        .await
    {
        Ok((200, kind, body)) => HttpResponse::Ok()
            .content_type(kind)
            .insert_header((
                "content-disposition",
                format!("attachment; filename=\"{file}\""),
            ))
            .body(body),
        Ok(_) => HttpResponse::NotFound().finish(),
        Err(Away) => HttpResponse::ServiceUnavailable().finish(),
    }
}

/// `GET /staff/inbox?department=`.
pub async fn inbox(
    deps: Deps,
    req: HttpRequest,
    q: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    let (t, c, a, k) = deps;
    let department = q
        .get("department")
        .filter(|d| doithoai_auth::is_department(d))
        .cloned();
    page_for(&t, &c, &a, &k, &req, Page::Inbox { department }).await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every staff page draws its actions' forms, fresh and after a refusal, for each role.
    #[test]
    fn every_staff_page_draws_its_forms_fresh_and_after_a_refusal() {
        let texts = Templates::lenient(crate::TEMPLATES).unwrap();
        let me = json!({"username": "a", "display_name": "A", "role": "leader", "unit": "phuong-lang", "department": null});
        let pages = [
            Page::Book {
                status: None,
                before: None,
            },
            Page::Petition("AB12-CD34-EF5".into()),
            Page::Case("x".into()),
            Page::Conferences,
            Page::Conference("x".into()),
            Page::Messages,
            Page::Settings,
            Page::Compliance,
            Page::Accounts,
            Page::Account("an.clerk".into()),
            Page::Inbox { department: None },
            Page::Reports {
                query: "month=2026-11".into(),
            },
        ];
        let data = json!({"case": {"draft": {"body": "b"}}, "routing": {}, "petition": {"status": "awaiting_triage", "timeline": []},
            "book": {"items": []}, "conference": {"id": "x"}, "account": {"username": "an.clerk", "enabled": true}, "accounts": [], "trail": []});
        for page in pages {
            let actions = page.actions(&data);
            let failed = actions.first().map(|a| {
                let form: HashMap<String, String> = a.fields.iter().map(|f| (f.name.to_owned(), "x".to_owned())).collect();
                let problem = json!({"title": "t", "errors": [{"field": a.fields.first().map(|f| f.name).unwrap_or("body"), "message": "m"}]});
                Failed::from_problem(a, &form, &problem)
            });
            for failed in [None, failed] {
                let html = texts.render(page.template(), json!({
                    "lang": "vi", "here": "/", "title": page.title(), "me": me, "csrf": "c", "data": data,
                    "actions": actions, "failed": failed, "done": null, "page": page.name(),
                    "record": page.record(), "key": "k"}));
                let html = html.unwrap_or_else(|e| panic!("{}: {e:#}", page.template()));
                for a in &actions {
                    assert!(
                        html.contains(&format!("value=\"{}\"", a.id)) || page.name() == "messages",
                        "{} draws {}",
                        page.template(),
                        a.id
                    );
                }
            }
        }
    }
}
