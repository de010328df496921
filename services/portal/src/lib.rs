//! Portal: the pages people use in a browser, server-rendered (minijinja, auto-escaped) over
//! the five services' HTTP APIs. Every task works without JavaScript; pages are Vietnamese
//! first with an English switch, and read from 360 px wide. Citizens need no sign-in.

pub mod accounts;
pub mod actions;
pub mod api;
pub mod identity;
pub mod keys;
pub mod pages;
pub mod reference;
pub mod staff;
pub mod store;
pub mod work;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, web};
use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use doithoai_web::{Core, CoreOptions, RunningServer, Templates};
use std::collections::HashMap;
use work::Page;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

pub const SERVICE: &str = "portal";
pub const DEFAULT_PORT: u16 = 8080;

/// The running portal (`port()`, `core()`, `run_until_stopped()`).
pub type Application = RunningServer;

macro_rules! sources {
    ($($name:literal),+ $(,)?) => {
        &[$(($name, include_str!(concat!("../templates/", $name)))),+]
    };
}

/// The pages' templates.
pub const TEMPLATES: &[(&str, &str)] = sources!(
    "base.html",
    "home.html",
    "unit.html",
    "submit.html",
    "receipt.html",
    "track.html",
    "answers.html",
    "answer.html",
    "conference.html",
    "away.html",
    "not_found.html",
    "sign_in.html",
    "staff_nav.html",
    "staff_home.html",
    "inbox.html",
    "action.html",
    "book.html",
    "petition.html",
    "case.html",
    "conferences.html",
    "conference_staff.html",
    "messages.html",
    "settings.html",
    "compliance.html",
    "reports.html",
    "accounts.html",
    "account.html",
);

/// Prepares the portal. Settings (besides the common ones): `PORTAL_INTAKE_URL`,
/// `PORTAL_ROUTING_URL`, `PORTAL_ANSWERING_URL`, `PORTAL_SCHEDULING_URL`, and
/// `PORTAL_SIGNING_KEY_FILE` (the Ed25519 key staff tokens are signed with; `portal keygen`
/// writes one) and `PORTAL_PUBLISH_KEY_FILES` (keys whose public half is served beside it
/// during a rotation, comma-separated).
pub async fn build(mut overrides: HashMap<String, String>) -> anyhow::Result<Application> {
    let texts = web::Data::new(Templates::lenient(TEMPLATES)?);
    // The signing key first: the portal verifies staff tokens with its own public key set.
    let settings = doithoai_web::Settings::load(SERVICE)?.with_overrides(overrides.clone());
    let key_file = settings.raw("SIGNING_KEY_FILE").ok_or_else(|| {
        anyhow::anyhow!(
            "setting PORTAL_SIGNING_KEY_FILE is required (the Ed25519 key staff tokens are signed with; `portal keygen <file>` writes one)"
        )
    })?;
    let key = keys::SigningKey::from_file(
        &key_file,
        &settings.string("JWT_ISSUER", "doithoai"),
        &settings.string("JWT_AUDIENCE", "doithoai-api"),
    )
    .map_err(|e| anyhow::anyhow!("PORTAL_SIGNING_KEY_FILE: {e:#}"))?;
    // During a rotation the next key is published beside this one before it signs anything
    // (and the previous one after, until its tokens have expired).
    let mut published = key.jwks();
    for file in settings
        .raw("PUBLISH_KEY_FILES")
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|f| !f.is_empty())
    {
        let other = keys::SigningKey::from_file(file, "", "")
            .map_err(|e| anyhow::anyhow!("PORTAL_PUBLISH_KEY_FILES: {e:#}"))?;
        if let (Some(all), Some(more)) = (
            published["keys"].as_array_mut(),
            other.jwks()["keys"].as_array(),
        ) {
            all.extend(more.iter().cloned());
        }
    }
    overrides.insert("AUTH_JWKS".to_owned(), published.to_string());
    let key = web::Data::new(key);
    let key_set = web::Data::new(staff::KeySetDoc(published));
    let core = Core::start(CoreOptions {
        service: SERVICE,
        default_port: DEFAULT_PORT,
        migrations: Some(MIGRATIONS),
        overrides,
    })
    .await?;
    let api = web::Data::new(api::Api::from_settings(&core.settings)?);
    core.purge_hourly("expired sessions", |conn| Box::pin(identity::purge(conn)));
    doithoai_web::serve(core, 64 * 1024, move |cfg| {
        cfg.app_data(texts.clone())
            .app_data(api.clone())
            .app_data(key.clone())
            .app_data(key_set.clone())
            .app_data(web::FormConfig::default().limit(64 * 1024))
            .service(
                web::scope("")
                    .wrap(actix_web::middleware::from_fn(security_headers))
                    .route("/", web::get().to(pages::home))
                    .route("/static/portal.css", web::get().to(pages::css))
                    .route("/lang/{lang}", web::get().to(pages::switch_lang))
                    .route("/units/{unit}", web::get().to(pages::unit))
                    .route("/units/{unit}/submit", web::get().to(pages::submit_form))
                    .route("/units/{unit}/submit", web::post().to(pages::submit))
                    .route("/track", web::get().to(pages::track_form))
                    .route("/track", web::post().to(pages::track))
                    .route("/answers", web::get().to(pages::answers))
                    .route("/answers/{code}", web::get().to(pages::answer))
                    .route("/answers/{code}/rating", web::post().to(pages::rate))
                    .route("/conferences/{id}", web::get().to(pages::conference))
                    .route(
                        "/conferences/{id}/calendar.ics",
                        web::get().to(pages::conference_ics),
                    )
                    .route(
                        "/conferences/{id}/register",
                        web::post().to(pages::register),
                    )
                    .route("/.well-known/jwks.json", web::get().to(staff::jwks))
                    .route("/staff/sign-in", web::get().to(staff::sign_in_form))
                    .route("/staff/sign-in", web::post().to(staff::sign_in))
                    .route("/staff/sign-out", web::post().to(staff::sign_out))
                    .route("/staff", web::get().to(staff::home))
                    .route("/staff/inbox", web::get().to(work::inbox))
                    .route("/staff/reports", web::get().to(work::reports))
                    .route("/staff/reports/export", web::get().to(work::report_export))
                    .route("/staff/act", web::post().to(work::act))
                    .route("/staff/petitions", web::get().to(work::book))
                    .route("/staff/petitions/{code}", web::get().to(work::petition))
                    .route("/staff/cases/{id}", web::get().to(work::case))
                    .route(
                        "/staff/conferences",
                        web::get().to(|d: work::Deps, r: HttpRequest| {
                            work::fixed(d, r, Page::Conferences)
                        }),
                    )
                    .route("/staff/conferences/{id}", web::get().to(work::conference))
                    .route(
                        "/staff/conferences/{id}/agenda",
                        web::get().to(work::agenda),
                    )
                    .route(
                        "/staff/messages",
                        web::get()
                            .to(|d: work::Deps, r: HttpRequest| work::fixed(d, r, Page::Messages)),
                    )
                    .route(
                        "/staff/settings",
                        web::get()
                            .to(|d: work::Deps, r: HttpRequest| work::fixed(d, r, Page::Settings)),
                    )
                    .route(
                        "/staff/compliance",
                        web::get().to(|d: work::Deps, r: HttpRequest| {
                            work::fixed(d, r, Page::Compliance)
                        }),
                    )
                    .route(
                        "/staff/accounts",
                        web::get()
                            .to(|d: work::Deps, r: HttpRequest| work::fixed(d, r, Page::Accounts)),
                    )
                    .route("/staff/accounts/{username}", web::get().to(work::account)),
            );
    })
}

/// The headers every page carries: a Content-Security-Policy that allows only this site's
/// stylesheet (no script at all, inline or not; no framing), no MIME sniffing, and no referrer
/// sent elsewhere.
async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut res = next.call(req).await?;
    let h = res.headers_mut();
    for (name, value) in [
        (
            "content-security-policy",
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
        ),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "same-origin"),
        ("x-frame-options", "DENY"),
    ] {
        h.insert(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
    Ok(res)
}
