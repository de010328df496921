//! Scheduling: dialogue conferences — plan, notice at least 7 days ahead, registration window
//! (the cutoff from the working-day calendar, holidays asked of routing), agenda, outcomes,
//! attendance, minutes and results notice (within 10 days), force-majeure cancellation,
//! reminders 48 hours before, iCalendar feeds, and the city's compliance view.

pub mod commands;
pub mod domain;
pub mod flow;
pub mod http;
pub mod reference;
pub mod store;

use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use doithoai_contracts::{Envelope, PetitionReceivedV1, PetitionRoutedV1, subjects};
use doithoai_web::{Core, CoreOptions, RunningServer};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

pub const SERVICE: &str = "scheduling";
pub const DEFAULT_PORT: u16 = 8084;
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// The running scheduling service (`port()`, `core()`, `run_until_stopped()`).
pub type Application = RunningServer;

/// Prepares the database, NATS and the HTTP server; `overrides` win over the environment.
/// `SCHEDULING_TIMER_SECONDS` (60): how often reminders are looked for.
pub async fn build(overrides: HashMap<String, String>) -> anyhow::Result<Application> {
    let core = Core::start(CoreOptions {
        service: SERVICE,
        default_port: DEFAULT_PORT,
        migrations: Some(MIGRATIONS),
        overrides,
    })
    .await?;
    let every: u64 = core.settings.parse("TIMER_SECONDS", 60)?;
    let units = actix_web::web::Data::new(reference::Organisers::load()?);
    // Dialogue compliance for the dashboards: 1 per organiser on track (seed 000), else 0.
    let on_track = prometheus::IntGaugeVec::new(
        prometheus::Opts::new(
            "scheduling_dialogue_on_track",
            "1 when an organiser (unit, city department or the city) holds its dialogues as seed 000 asks, else 0",
        ),
        &["organiser", "kind"],
    )?;
    core.metrics.registry.register(Box::new(on_track.clone()))?;
    // Every GAUGES_SECONDS (60), not at every scrape: the standing of every organiser reads
    // all conferences.
    let gauges_every = std::time::Duration::from_secs(core.settings.parse("GAUGES_SECONDS", 60)?);
    {
        let organisers = units.clone();
        core.every("compliance gauge", gauges_every, move |c| {
            let (organisers, on_track) = (organisers.clone(), on_track.clone());
            Box::pin(async move {
                let mut conn = c.pool.get().await?;
                let all = store::conferences::not_cancelled(&mut conn).await?;
                let now = chrono::Utc::now();
                for o in organisers.all() {
                    let s = flow::standing(&all, o, now);
                    on_track
                        .with_label_values(&[o.code.as_str(), o.kind.code()])
                        .set(i64::from(s.on_track()));
                }
                Ok(())
            })
        });
    }
    let templates = actix_web::web::Data::new(http::templates()?);
    let calendar: flow::SharedCalendar =
        Arc::new(RwLock::new(doithoai_calendar::Calendar::default()));
    // Scheduling follows every petition for the few registered for a conference: the others
    // are acknowledged without a transaction.
    core.consume_if(
        "received",
        subjects::INTAKE,
        &[subjects::PETITION_RECEIVED],
        |e: &Envelope<PetitionReceivedV1>| e.data.conference_id.is_some(),
        (),
        |conn, _, e| Box::pin(flow::on_received(conn, e)),
    );
    core.consume_if(
        "routed",
        subjects::ROUTING,
        &[subjects::PETITION_ROUTED],
        |e: &Envelope<PetitionRoutedV1>| e.data.petition.conference_id.is_some(),
        (),
        |conn, _, e| Box::pin(flow::on_routed(conn, e)),
    );
    core.consume(
        "draft-prepared",
        subjects::ANSWERING,
        &[subjects::DRAFT_PREPARED],
        (),
        |conn, _, e| Box::pin(flow::on_draft_prepared(conn, e)),
    );
    core.spawn(timers(
        core.clone(),
        calendar.clone(),
        Duration::from_secs(every.max(1)),
    ));
    core.spawn(compliance_reminders(
        core.clone(),
        units.clone(),
        Duration::from_secs(every.max(1)),
    ));
    let cal = actix_web::web::Data::new(calendar);
    // Minutes and results notices may hold 100,000 characters, up to 4 bytes each in UTF-8.
    doithoai_web::serve(core, 512 * 1024, move |cfg| {
        cfg.app_data(cal.clone())
            .app_data(units.clone())
            .app_data(templates.clone());
        http::routes(cfg);
    })
}

/// Refreshes holidays from routing and sends the 48-hour reminders to registrants, once each.
async fn timers(core: Core, cal: flow::SharedCalendar, every: Duration) {
    use store::schema::{conferences, registrations};
    let mut stop = core.stopping();
    loop {
        if let Err(e) = doithoai_web::calendar::refresh(&core, &cal).await {
            tracing::debug!(error = %e, "holidays not refreshed: {e}");
        }
        let result: anyhow::Result<usize> = async {
            let now = chrono::Utc::now();
            let mut conn = core.pool.get().await?;
            let due: Vec<(flow::Registration, flow::Conference)> = registrations::table
                .inner_join(conferences::table)
                .filter(registrations::reminded.eq(false))
                .filter(conferences::status.eq(domain::status::ConferenceStatus::Noticed))
                .filter(conferences::starts_at.gt(now))
                .filter(conferences::starts_at.le(now + chrono::Duration::hours(48)))
                .select((
                    flow::Registration::as_select(),
                    flow::Conference::as_select(),
                ))
                .load(&mut conn)
                .await?;
            let n = due.len();
            for (r, c) in due {
                let event = flow::event(
                    &core,
                    subjects::CONFERENCE_REMINDER,
                    &c.unit_code,
                    doithoai_contracts::ConferenceReminderV1 {
                        conference_id: c.id,
                        unit: c.unit_code.clone(),
                        title: c.title.clone(),
                        starts_at: c.starts_at,
                        venue: c.venue.clone(),
                        registrant: r.registrant(),
                    },
                )?;
                // Claimed atomically: of two replicas that both saw the registration, only the
                // one whose update still finds it unreminded tells the registrant.
                conn.transaction::<(), anyhow::Error, _>(async |conn| {
                    let claimed = diesel::update(
                        registrations::table
                            .find(r.petition_id)
                            .filter(registrations::reminded.eq(false)),
                    )
                    .set(registrations::reminded.eq(true))
                    .execute(conn)
                    .await?;
                    if claimed == 1 {
                        doithoai_bus::outbox::enqueue(conn, &[event]).await?;
                    }
                    Ok(())
                })
                .await?;
            }
            Ok(n)
        }
        .await;
        match result {
            Ok(n) if n > 0 => core.relay.wake(),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %format!("{e:#}"), "reminders failed: {e:#}"),
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.changed() => return,
        }
    }
}

/// Reminds a unit's leader, once a month per reason, when the unit's next dialogue is due
/// within 30 days (6 months after the last) and none is planned, or a results notice is late.
async fn compliance_reminders(
    core: Core,
    units: actix_web::web::Data<reference::Organisers>,
    every: Duration,
) {
    use store::schema::compliance_reminders as r;
    let mut stop = core.stopping();
    loop {
        let result: anyhow::Result<usize> = async {
            let now = chrono::Utc::now();
            let period = now.format("%Y-%m").to_string();
            let mut conn = core.pool.get().await?;
            let all = store::conferences::not_cancelled(&mut conn).await?;
            let mut sent = 0;
            for o in units.all() {
                let (code, name) = (&o.code, &o.name);
                let standing = flow::standing(&all, o, now);
                let (reasons, last) = (standing.reminders, standing.last);
                for reason in reasons {
                    let event = flow::event(
                        &core,
                        subjects::COMPLIANCE_REMINDER,
                        code,
                        doithoai_contracts::ComplianceReminderV1 {
                            unit: code.clone(),
                            unit_name: name.clone(),
                            reason: reason.to_owned(),
                            last_conference: last,
                        },
                    )?;
                    let new = conn
                        .transaction::<bool, anyhow::Error, _>(async |conn| {
                            let n = diesel::insert_into(r::table)
                                .values((
                                    r::unit_code.eq(code),
                                    r::reason.eq(reason),
                                    r::period.eq(&period),
                                ))
                                .on_conflict_do_nothing()
                                .execute(conn)
                                .await?;
                            if n == 1 {
                                doithoai_bus::outbox::enqueue(conn, &[event]).await?;
                            }
                            Ok(n == 1)
                        })
                        .await?;
                    sent += usize::from(new);
                }
            }
            Ok(sent)
        }
        .await;
        match result {
            Ok(n) if n > 0 => core.relay.wake(),
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), "compliance reminders failed: {e:#}")
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(every * 10) => {}
            _ = stop.changed() => return,
        }
    }
}
