//! Staff sign-in, sign-out and the workspace; the pages behind them are `work`'s. The session
//! cookie (`dt_session`) is HttpOnly, Secure and SameSite=Strict; every form posts back the
//! session's CSRF token (the sign-in form, before any session, a token it also sets as a
//! cookie).

use crate::identity::{self, Account, SignIn};
use crate::pages::render;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use doithoai_web::{Core, Templates};
use serde_json::{Value, json};
use std::collections::HashMap;

pub const SESSION_COOKIE: &str = "dt_session";
const SIGNIN_COOKIE: &str = "dt_signin";

fn cookie(name: &str, value: String, max_age: actix_web::cookie::time::Duration) -> Cookie<'_> {
    Cookie::build(name, value)
        .path("/")
        .http_only(true)
        .secure(true)
        .same_site(SameSite::Strict)
        .max_age(max_age)
        .finish()
}

/// The client's address (the rightmost untrusted `X-Forwarded-For` hop behind trusted proxies).
pub fn address(req: &HttpRequest, core: &Core) -> String {
    doithoai_web::limit::client_address(req, &core.limits.proxies).to_string()
}

/// The signed-in staff member of this request, and the session's CSRF token.
pub async fn signed_in(req: &HttpRequest, core: &Core) -> Option<(Account, String)> {
    let token = req.cookie(SESSION_COOKIE)?.value().to_owned();
    let mut conn = core.pool.get().await.ok()?;
    identity::session(&mut conn, &token, chrono::Utc::now())
        .await
        .ok()
        .flatten()
}

pub(crate) fn to_sign_in() -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("location", "/staff/sign-in"))
        .finish()
}

fn sign_in_page(
    texts: &Templates,
    req: &HttpRequest,
    status: StatusCode,
    username: &str,
    error: Option<&str>,
) -> HttpResponse {
    let token = identity::random_token();
    let mut res = render(
        texts,
        req,
        status,
        "sign_in.html",
        json!({"title": "Đăng nhập", "username": username, "csrf": token, "error": error}),
    );
    let _ = res.add_cookie(&cookie(
        SIGNIN_COOKIE,
        token,
        actix_web::cookie::time::Duration::minutes(30),
    ));
    res
}

/// `GET /staff/sign-in`.
pub async fn sign_in_form(texts: web::Data<Templates>, req: HttpRequest) -> HttpResponse {
    sign_in_page(&texts, &req, StatusCode::OK, "", None)
}

/// `POST /staff/sign-in` `username, password, csrf`.
pub async fn sign_in(
    texts: web::Data<Templates>,
    core: web::Data<Core>,
    req: HttpRequest,
    form: web::Form<HashMap<String, String>>,
) -> HttpResponse {
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let username = get("username");
    let expected = req.cookie(SIGNIN_COOKIE).map(|c| c.value().to_owned());
    if !expected.is_some_and(|e| identity::same_secret(&e, &get("csrf"))) {
        return sign_in_page(&texts, &req, StatusCode::FORBIDDEN, &username, Some("csrf"));
    }
    let addr = address(&req, &core);
    let outcome = match core.pool.get().await {
        Ok(mut conn) => {
            identity::sign_in(
                &mut conn,
                &username,
                &get("password"),
                &addr,
                chrono::Utc::now(),
            )
            .await
        }
        Err(e) => Err(anyhow::anyhow!("{e}")),
    };
    match outcome {
        Ok(SignIn::Opened(token)) => {
            let mut res = HttpResponse::SeeOther()
                .insert_header(("location", "/staff"))
                .finish();
            let _ = res.add_cookie(&cookie(
                SESSION_COOKIE,
                token,
                actix_web::cookie::time::Duration::hours(identity::SESSION_HOURS),
            ));
            let mut gone = Cookie::new(SIGNIN_COOKIE, "");
            gone.set_path("/");
            gone.make_removal();
            let _ = res.add_cookie(&gone);
            res
        }
        Ok(SignIn::Refused) => sign_in_page(
            &texts,
            &req,
            StatusCode::UNAUTHORIZED,
            &username,
            Some("refused"),
        ),
        Ok(SignIn::Throttled) => sign_in_page(
            &texts,
            &req,
            StatusCode::TOO_MANY_REQUESTS,
            &username,
            Some("throttled"),
        ),
        Err(e) => {
            tracing::warn!(error = %format!("{e:#}"), "sign-in could not be checked: {e:#}");
            crate::pages::away(&texts, &req)
        }
    }
}

/// Whether a staff form's CSRF token is the session's.
fn csrf_ok(form: &HashMap<String, String>, session_csrf: &str) -> bool {
    form.get("csrf")
        .is_some_and(|c| identity::same_secret(c, session_csrf))
}

/// `POST /staff/sign-out` `csrf`.
pub async fn sign_out(
    core: web::Data<Core>,
    req: HttpRequest,
    form: web::Form<HashMap<String, String>>,
) -> HttpResponse {
    let Some((account, csrf)) = signed_in(&req, &core).await else {
        return to_sign_in();
    };
    if !csrf_ok(&form, &csrf) {
        return HttpResponse::Forbidden().finish();
    }
    if let (Some(c), Ok(mut conn)) = (req.cookie(SESSION_COOKIE), core.pool.get().await) {
        let _ = identity::sign_out(&mut conn, c.value()).await;
        let _ = identity::record(
            &mut conn,
            &account.username,
            "signed_out",
            Some(&account.username),
            Some(&address(&req, &core)),
            None,
        )
        .await;
    }
    let mut res = to_sign_in();
    let mut gone = Cookie::new(SESSION_COOKIE, "");
    gone.set_path("/");
    gone.make_removal();
    let _ = res.add_cookie(&gone);
    res
}

pub(crate) fn who(a: &Account) -> Value {
    // Names to show beside the codes: the unit's (a ward or commune; a city body or the city
    // keep their code) and the department's.
    let unit_name = crate::reference::unit(&a.unit).map(|u| u.name.clone());
    let department_name = a.department.as_deref().and_then(|d| {
        crate::reference::DEPARTMENTS
            .iter()
            .find(|x| x.code == d)
            .map(|x| x.name_vi.clone())
    });
    json!({
        "username": a.username, "display_name": a.display_name, "role": a.role,
        "unit": a.unit, "department": a.department,
        "unit_name": unit_name, "department_name": department_name,
    })
}

/// `GET /staff`: who is signed in, and their work.
pub async fn home(
    texts: web::Data<Templates>,
    core: web::Data<Core>,
    req: HttpRequest,
) -> HttpResponse {
    let Some((account, csrf)) = signed_in(&req, &core).await else {
        return to_sign_in();
    };
    render(
        &texts,
        &req,
        StatusCode::OK,
        "staff_home.html",
        json!({"title": "Trang làm việc", "me": who(&account), "csrf": csrf}),
    )
}

/// The public key set the portal serves: its signing key's, and those of the keys it publishes
/// beside it during a rotation (`PORTAL_PUBLISH_KEY_FILES`).
pub struct KeySetDoc(pub serde_json::Value);

/// `GET /.well-known/jwks.json`: the public key set the services verify staff tokens with.
pub async fn jwks(set: web::Data<KeySetDoc>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("cache-control", "public, max-age=60"))
        .json(&set.0)
}
