//! Notification: tells people what happened, once. Consumes the lifecycle events, owes exactly
//! one message per (event, recipient, channel), and delivers it by email (SMTP, or `.eml` files
//! locally) or SMS (an HTTP gateway, or text files locally) with retries and backoff; a message
//! that keeps failing is marked failed and shown to staff.

pub mod delivery;
pub mod flow;
pub mod http;
pub mod store;
pub mod templates;

use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use doithoai_contracts::subjects as s;
use doithoai_web::{Core, CoreOptions, RunningServer};
use std::collections::HashMap;
use std::time::Duration;

pub const SERVICE: &str = "notification";
pub const DEFAULT_PORT: u16 = 8085;
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// The running notification service (`port()`, `core()`, `run_until_stopped()`).
pub type Application = RunningServer;

/// Prepares the database, NATS, the channels and the HTTP server. Settings (besides the
/// common ones): `NOTIFICATION_SMTP_URL`, `NOTIFICATION_MAIL_DIR`, `NOTIFICATION_MAIL_FROM`,
/// `NOTIFICATION_SMS_GATEWAY_URL`, `NOTIFICATION_SMS_DIR`, `NOTIFICATION_MAX_ATTEMPTS` (6),
/// `NOTIFICATION_RETRY_BASE_SECONDS` (30), `NOTIFICATION_SEND_LEASE_SECONDS` (60), `NOTIFICATION_STAFF_EMAIL_DOMAIN` (`hanoi.gov.vn`).
pub async fn build(overrides: HashMap<String, String>) -> anyhow::Result<Application> {
    let core = Core::start(CoreOptions {
        service: SERVICE,
        default_port: DEFAULT_PORT,
        migrations: Some(MIGRATIONS),
        overrides,
    })
    .await?;
    let channels = delivery::Channels::from_settings(&core.settings)?;
    let retry = flow::Retry {
        max_attempts: core.settings.parse("MAX_ATTEMPTS", 6)?,
        base: chrono::Duration::seconds(core.settings.parse("RETRY_BASE_SECONDS", 30)?),
        lease: chrono::Duration::seconds(core.settings.parse("SEND_LEASE_SECONDS", 60)?),
    };
    anyhow::ensure!(
        retry.max_attempts >= 1,
        "setting NOTIFICATION_MAX_ATTEMPTS must be at least 1"
    );
    let domain = core.settings.string("STAFF_EMAIL_DOMAIN", "hanoi.gov.vn");

    macro_rules! owe {
        ($name:literal, $service:expr, $event:expr, $f:expr) => {{
            let c = core.clone();
            core.consume($name, $service, &[$event], move |e| {
                let c = c.clone();
                let out = $f(&e.data);
                async move { flow::owe(&c, concat!("notification-", $name), e.id, out).await }
            });
        }};
    }
    owe!(
        "received",
        s::INTAKE,
        s::PETITION_RECEIVED,
        flow::on_received
    );
    owe!(
        "not-accepted",
        s::INTAKE,
        s::PETITION_NOT_ACCEPTED,
        flow::on_not_accepted
    );
    owe!("routed", s::ROUTING, s::PETITION_ROUTED, flow::on_routed);
    owe!(
        "transferred",
        s::ROUTING,
        s::PETITION_TRANSFERRED,
        flow::on_transferred
    );
    owe!("refused", s::ROUTING, s::PETITION_REFUSED, flow::on_refused);
    owe!(
        "conference-outcome",
        s::SCHEDULING,
        s::CONFERENCE_OUTCOME,
        flow::on_conference_outcome
    );
    owe!(
        "conference-cancelled",
        s::SCHEDULING,
        s::CONFERENCE_CANCELLED,
        flow::on_conference_cancelled
    );
    owe!(
        "conference-reminder",
        s::SCHEDULING,
        s::CONFERENCE_REMINDER,
        flow::on_conference_reminder
    );
    owe!(
        "answered",
        s::ANSWERING,
        s::PETITION_ANSWERED,
        flow::on_answered
    );
    owe!(
        "published",
        s::ANSWERING,
        s::PETITION_PUBLISHED,
        flow::on_published
    );
    let d = domain.clone();
    owe!("due-soon", s::ANSWERING, s::CASE_DUE_SOON, |e| {
        flow::on_deadline(e, false, &d)
    });
    let d = domain.clone();
    owe!(
        "compliance-reminder",
        s::SCHEDULING,
        s::COMPLIANCE_REMINDER,
        |e| flow::on_compliance_reminder(e, &d)
    );
    let d = domain;
    owe!("overdue", s::ANSWERING, s::CASE_OVERDUE, |e| {
        flow::on_deadline(e, true, &d)
    });

    core.spawn(deliver(core.clone(), channels, retry));
    doithoai_web::serve(core, 64 * 1024, http::routes)
}

async fn deliver(core: Core, channels: delivery::Channels, retry: flow::Retry) {
    let mut stop = core.stopping();
    loop {
        let sent = match flow::deliver_due(&core, &channels, &retry, chrono::Utc::now()).await {
            Ok(n) => n,
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), "delivery round failed: {e:#}");
                0
            }
        };
        if sent == 0 {
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(500)) => {}
                _ = stop.changed() => return,
            }
        }
    }
}
