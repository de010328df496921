//! Routing: owns units, departments, procedure fields, content types, holidays (loaded from the
//! project's `data/` at start-up), routing rules, deadline policies and bodies; assigns each
//! received petition to a department with a working-day due date; re-routes and transfers.

pub mod commands;
pub mod domain;
pub mod flow;
pub mod http;
pub mod store;

use actix_web::web;
use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use doithoai_contracts::subjects;
use doithoai_web::{Core, CoreOptions, RunningServer};
use domain::calendar::Calendar;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

pub const SERVICE: &str = "routing";
pub const DEFAULT_PORT: u16 = 8082;
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// The running routing service (`port()`, `core()`, `run_until_stopped()`).
pub type Application = RunningServer;

/// Prepares the database (and loads the reference data), NATS and the HTTP server.
pub async fn build(overrides: HashMap<String, String>) -> anyhow::Result<Application> {
    let core = Core::start(CoreOptions {
        service: SERVICE,
        default_port: DEFAULT_PORT,
        migrations: Some(MIGRATIONS),
        overrides,
    })
    .await?;
    let mut conn = core.pool.get().await?;
    let seeded = store::seed::seed(&mut conn).await?;
    drop(conn);
    tracing::info!(
        units = seeded.units,
        departments = seeded.departments,
        fields = seeded.fields,
        content_types = seeded.content_types,
        holidays = seeded.holidays,
        "reference data loaded ({} new units, {} new holidays)",
        seeded.units,
        seeded.holidays
    );

    let calendar: flow::SharedCalendar = Arc::new(RwLock::new(Calendar::default()));
    flow::reload_calendar(&core, &calendar).await?;
    {
        let cx = || flow::Context {
            ns: core.bus.namespace.clone(),
            cal: calendar.clone(),
        };
        core.consume_batch(
            "received",
            subjects::INTAKE,
            &[subjects::PETITION_RECEIVED],
            cx(),
            |conn, cx, batch| Box::pin(flow::on_received_batch(conn, cx, batch)),
        );
        core.consume(
            "answered",
            subjects::ANSWERING,
            &[subjects::PETITION_ANSWERED],
            cx(),
            |conn, cx, env| Box::pin(flow::on_answered(conn, cx, env)),
        );
        core.consume(
            "conference-outcome",
            subjects::SCHEDULING,
            &[subjects::CONFERENCE_OUTCOME],
            cx(),
            |conn, cx, env| Box::pin(flow::on_conference_outcome(conn, cx, env)),
        );
    }
    core.spawn(refresh_calendar(core.clone(), calendar.clone()));
    core.spawn(answer_holidays(core.clone(), calendar.clone()));
    let untriaged = prometheus::IntGaugeVec::new(
        prometheus::Opts::new(
            "routing_untriaged_past_deadline",
            "Petitions nobody at their unit has triaged (accepted, re-routed, transferred, refused) past the Decree 20 Art. 9 deadline, per unit",
        ),
        &["unit"],
    )?;
    core.metrics
        .registry
        .register(Box::new(untriaged.clone()))?;
    let late_transfers = prometheus::IntGaugeVec::new(
        prometheus::Opts::new(
            "routing_late_transfers",
            "Transfers made after the Decree 20 Art. 9 deadline (recorded in the routing history as late_transfer), per unit that transferred",
        ),
        &["unit"],
    )?;
    core.metrics
        .registry
        .register(Box::new(late_transfers.clone()))?;
    let every = Duration::from_secs(core.settings.parse("WATCH_SECONDS", 60)?);
    core.every("triage watch", every, move |core| {
        let (untriaged, late_transfers) = (untriaged.clone(), late_transfers.clone());
        Box::pin(async move {
            let counts = flow::watch_triage(&core, chrono::Utc::now()).await?;
            for c in counts {
                untriaged
                    .with_label_values(&[c.unit.as_str()])
                    .set(c.untriaged);
                late_transfers
                    .with_label_values(&[c.unit.as_str()])
                    .set(c.late_transfers);
            }
            Ok(())
        })
    });
    let cal = web::Data::new(calendar);
    doithoai_web::serve(core.clone(), 64 * 1024, move |cfg| {
        cfg.app_data(cal.clone());
        http::routes(cfg);
    })
}

/// Reloads holidays every minute, so an edit made through another replica reaches this one.
async fn refresh_calendar(core: Core, cal: flow::SharedCalendar) {
    let mut stop = core.stopping();
    loop {
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(60)) => {}
            _ = stop.changed() => return,
        }
        if let Err(e) = flow::reload_calendar(&core, &cal).await {
            tracing::warn!(error = %e, "reloading holidays failed: {e}");
        }
    }
}

/// Answers `{ns}.routing.holidays.get` (request/reply) with the calendar's holidays, so
/// scheduling counts working days by the same calendar city IT edits here.
async fn answer_holidays(core: Core, cal: flow::SharedCalendar) {
    use futures_util::StreamExt;
    let mut stop = core.stopping();
    let subject = subjects::holidays_request(&core.bus.namespace);
    loop {
        let mut sub = match core
            .nats
            .queue_subscribe(subject.clone(), "routing".to_owned())
            .await
        {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "cannot subscribe to {subject}: {e}");
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(2)) => continue,
                    _ = stop.changed() => return,
                }
            }
        };
        loop {
            let msg = tokio::select! {
                m = sub.next() => m,
                _ = stop.changed() => return,
            };
            let Some(msg) = msg else { break };
            let Some(reply) = msg.reply else { continue };
            let body =
                serde_json::to_vec(&flow::calendar_reply(&doithoai_web::calendar::now(&cal)))
                    .unwrap_or_default();
            if let Err(e) = core.nats.publish(reply, body.into()).await {
                tracing::warn!(error = %e, "replying with holidays failed: {e}");
            }
        }
    }
}
