//! Notification: tells people what happened, once. Consumes the lifecycle events, owes exactly
//! one message per (event, recipient, channel), and delivers it by email (SMTP, or `.eml` files
//! locally) or SMS (an HTTP gateway, or text files locally) with retries and backoff; a message
//! that keeps failing is marked failed and shown to staff.

pub mod delivery;
pub mod domain;
pub mod flow;
pub mod http;
pub mod store;
pub mod templates;
pub mod watch;

use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use doithoai_contracts::subjects as s;
use doithoai_web::{ConsumeError, Core, CoreOptions, RunningServer};
use std::collections::HashMap;
use std::sync::Arc;

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
    templates::check()?;
    let core = Core::start(CoreOptions {
        service: SERVICE,
        default_port: DEFAULT_PORT,
        migrations: Some(MIGRATIONS),
        overrides,
    })
    .await?;
    let channels = delivery::Channels::from_settings(&core.settings)?;
    core.metrics
        .registry
        .register(Box::new(channels.sends.clone()))?;
    // Loads libphonenumber's metadata now rather than on the first event.
    flow::is_mobile("+84912345678");
    let retry = flow::Retry {
        max_attempts: core.settings.parse("MAX_ATTEMPTS", 6)?,
        base: chrono::Duration::seconds(core.settings.parse("RETRY_BASE_SECONDS", 30)?),
        lease: chrono::Duration::seconds(core.settings.parse("SEND_LEASE_SECONDS", 60)?),
    };
    anyhow::ensure!(
        retry.max_attempts >= 1,
        "setting NOTIFICATION_MAX_ATTEMPTS must be at least 1"
    );
    anyhow::ensure!(
        retry.lease >= chrono::Duration::seconds(2),
        "setting NOTIFICATION_SEND_LEASE_SECONDS must be at least 2"
    );
    let domain = core.settings.string("STAFF_EMAIL_DOMAIN", "hanoi.gov.vn");

    // One consumer per event: each turns a batch of its events into the messages they owe,
    // recorded in the consumer's batch transaction and handed to the sender once it commits
    // (`flow::owe`); the context is the staff mail domain and the hand-over.
    let (handoff, handed) = flow::Handoff::new(core.pool.clone(), &retry);
    let owing = Arc::new((domain.clone(), handoff));
    macro_rules! owe {
        ($name:literal, $service:expr, $event:expr, $f:expr) => {{
            core.consume_batch(
                $name,
                $service,
                &[$event],
                owing.clone(),
                |conn, owing: &Arc<(String, flow::Handoff)>, batch| {
                    // A text that cannot be rendered is a bug: the event is set aside as a
                    // dead letter, to be replayed once it is fixed.
                    #[allow(clippy::redundant_closure_call)]
                    let owed: Result<Vec<_>, ConsumeError> = batch
                        .iter()
                        .map(|e| {
                            ($f)(&e.data, owing.0.as_str())
                                .map(|o| (e.id, o))
                                .map_err(|err| ConsumeError::Poison(format!("{err:#}")))
                        })
                        .collect();
                    Box::pin(async move { flow::owe(conn, owed?, &owing.1).await })
                },
            );
        }};
    }
    // The submitter's first messages, and their contacts, come from the contacts stream: the
    // same events on intake's stream carry no phone or email.
    owe!("received", s::CONTACTS, s::PETITION_RECEIVED, |e, _| {
        flow::on_received(e)
    });
    owe!(
        "not-accepted",
        s::CONTACTS,
        s::PETITION_NOT_ACCEPTED,
        |e, _| flow::on_not_accepted(e)
    );
    owe!("routed", s::ROUTING, s::PETITION_ROUTED, |e, _| {
        flow::on_routed(e)
    });
    owe!(
        "transferred",
        s::ROUTING,
        s::PETITION_TRANSFERRED,
        |e, _| flow::on_transferred(e)
    );
    owe!("refused", s::ROUTING, s::PETITION_REFUSED, |e, _| {
        flow::on_refused(e)
    });
    owe!(
        "conference-outcome",
        s::SCHEDULING,
        s::CONFERENCE_OUTCOME,
        |e, _| flow::on_conference_outcome(e)
    );
    owe!(
        "registration-cancelled",
        s::SCHEDULING,
        s::REGISTRATION_CANCELLED,
        |e, _| flow::on_registration_cancelled(e)
    );
    owe!(
        "conference-reminder",
        s::SCHEDULING,
        s::CONFERENCE_REMINDER,
        |e, _| flow::on_conference_reminder(e)
    );
    owe!("triage-due-soon", s::ROUTING, s::TRIAGE_DUE_SOON, |e, d| {
        flow::on_triage_deadline(e, false, d)
    });
    owe!("triage-overdue", s::ROUTING, s::TRIAGE_OVERDUE, |e, d| {
        flow::on_triage_deadline(e, true, d)
    });
    owe!("group-notice", s::SCHEDULING, s::GROUP_NOTICE, |e, _| {
        flow::on_group_notice(e)
    });
    owe!(
        "conference-rescheduled",
        s::SCHEDULING,
        s::CONFERENCE_RESCHEDULED,
        |e, _| flow::on_conference_rescheduled(e)
    );
    owe!("answered", s::ANSWERING, s::PETITION_ANSWERED, |e, _| {
        flow::on_answered(e)
    });
    owe!("published", s::ANSWERING, s::PETITION_PUBLISHED, |e, _| {
        flow::on_published(e)
    });
    owe!("due-soon", s::ANSWERING, s::CASE_DUE_SOON, |e, d| {
        flow::on_deadline(e, false, d)
    });
    owe!(
        "compliance-reminder",
        s::SCHEDULING,
        s::COMPLIANCE_REMINDER,
        flow::on_compliance_reminder
    );
    owe!("overdue", s::ANSWERING, s::CASE_OVERDUE, |e, d| {
        flow::on_deadline(e, true, d)
    });

    let retention_days: i64 = core.settings.parse("RETENTION_DAYS", 180)?;
    core.purge_hourly("delivered messages", move |conn| {
        Box::pin(flow::purge_messages(conn, retention_days))
    });
    let contact_days: i64 = core.settings.parse("CONTACT_RETENTION_DAYS", 400)?;
    anyhow::ensure!(
        contact_days >= 30,
        "setting NOTIFICATION_CONTACT_RETENTION_DAYS must be at least 30"
    );
    core.purge_hourly("kept contacts", move |conn| {
        Box::pin(flow::purge_contacts(conn, contact_days))
    });
    core.spawn(deliver(core.clone(), channels, retry, handed));
    let gauge = |name: &str, help: &str| -> anyhow::Result<prometheus::IntGaugeVec> {
        let g = prometheus::IntGaugeVec::new(prometheus::Opts::new(name, help), &["kind"])?;
        core.metrics.registry.register(Box::new(g.clone()))?;
        Ok(g)
    };
    let due_soon = gauge(
        "notification_citizen_notices_due_soon",
        "First notices to citizens (acknowledgement, non-acceptance, refusal) still undelivered with a quarter of their time or less left, per kind",
    )?;
    let overdue = gauge(
        "notification_citizen_notices_overdue",
        "First notices to citizens (acknowledgement, non-acceptance, refusal) still undelivered past their deadline, per kind",
    )?;
    let every = std::time::Duration::from_secs(core.settings.parse("WATCH_SECONDS", 60)?);
    let cal: doithoai_calendar::SharedCalendar = Default::default();
    let watched = cal.clone();
    core.every("notice watch", every, move |core| {
        let (cal, due_soon, overdue, domain) = (
            watched.clone(),
            due_soon.clone(),
            overdue.clone(),
            domain.clone(),
        );
        Box::pin(async move {
            if let Err(e) = doithoai_web::calendar::refresh(&core, &cal).await {
                tracing::debug!(error = %e, "calendar not refreshed: {e}");
            }
            let counts = watch::round(&core, &cal, &domain, chrono::Utc::now()).await?;
            for (kind, soon, late) in counts {
                due_soon.with_label_values(&[kind.as_str()]).set(soon);
                overdue.with_label_values(&[kind.as_str()]).set(late);
            }
            Ok(())
        })
    });
    let cal = actix_web::web::Data::new(cal);
    doithoai_web::serve(core, 64 * 1024, move |cfg| {
        cfg.app_data(cal.clone());
        http::routes(cfg);
    })
}

async fn deliver(
    core: Core,
    channels: delivery::Channels,
    retry: flow::Retry,
    handed: flow::Handed,
) {
    let stop = core.stopping();
    flow::deliver(&core, &channels, &retry, handed, stop).await;
}
