//! Answering: cases per department, drafts, reviews, approvals and official answers,
//! publication without personal data, public search, ratings and the satisfaction index, and
//! the deadline watch (due soon, overdue) with the `answering_overdue_cases` gauge.

pub mod commands;
pub mod domain;
pub mod flow;
pub mod http;
pub mod store;

use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use doithoai_contracts::subjects;
use doithoai_web::{Core, CoreOptions, RunningServer};
use std::collections::HashMap;
use std::time::Duration;

pub const SERVICE: &str = "answering";
pub const DEFAULT_PORT: u16 = 8083;
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// The running answering service (`port()`, `core()`, `run_until_stopped()`).
pub type Application = RunningServer;

/// Prepares the database, NATS and the HTTP server; `overrides` win over the environment.
/// `ANSWERING_DEADLINE_CHECK_SECONDS` (60) sets how often deadlines are checked;
/// `ANSWERING_DUE_SOON_HOURS` (48) how early "due soon" is told.
pub async fn build(overrides: HashMap<String, String>) -> anyhow::Result<Application> {
    let core = Core::start(CoreOptions {
        service: SERVICE,
        default_port: DEFAULT_PORT,
        migrations: Some(MIGRATIONS),
        overrides,
    })
    .await?;
    let check_every: u64 = core.settings.parse("DEADLINE_CHECK_SECONDS", 60)?;
    let due_soon_hours: i64 = core.settings.parse("DUE_SOON_HOURS", 48)?;
    anyhow::ensure!(
        check_every >= 1,
        "setting ANSWERING_DEADLINE_CHECK_SECONDS must be at least 1"
    );
    // One consumer follows both of routing's steps, so a refusal is applied after the
    // assignment it ends, never before.
    core.consume(
        "routing-steps",
        subjects::ROUTING,
        &[subjects::PETITION_ROUTED, subjects::PETITION_REFUSED],
        (),
        |conn, _, e| Box::pin(flow::on_routing_step(conn, e)),
    );
    core.consume(
        "conference-outcome",
        subjects::SCHEDULING,
        &[subjects::CONFERENCE_OUTCOME],
        core.bus.namespace.clone(),
        |conn, ns, e| Box::pin(flow::on_conference_outcome(conn, ns, e)),
    );
    core.consume(
        "conference-rescheduled",
        subjects::SCHEDULING,
        &[subjects::CONFERENCE_RESCHEDULED],
        (),
        |conn, _, e| Box::pin(flow::on_conference_rescheduled(conn, e)),
    );
    core.consume(
        "registration-cancelled",
        subjects::SCHEDULING,
        &[subjects::REGISTRATION_CANCELLED],
        (),
        |conn, _, e| Box::pin(flow::on_registration_cancelled(conn, e)),
    );
    let soon = chrono::Duration::hours(due_soon_hours);
    core.every(
        "deadline check",
        Duration::from_secs(check_every),
        move |core| {
            Box::pin(async move {
                flow::watch_deadlines(&core, chrono::Utc::now(), soon).await?;
                Ok(())
            })
        },
    );
    let overdue = prometheus::IntGaugeVec::new(
        prometheus::Opts::new(
            "answering_overdue_cases",
            "Open cases past their due date, per unit",
        ),
        &["unit"],
    )?;
    core.metrics.registry.register(Box::new(overdue.clone()))?;
    {
        let c = core.clone();
        core.on_scrape(move || {
            let (c, overdue) = (c.clone(), overdue.clone());
            async move {
                if let Ok(counts) = flow::overdue_counts(&c, chrono::Utc::now()).await {
                    overdue.reset();
                    for (unit, n) in counts {
                        overdue.with_label_values(&[unit.as_str()]).set(n);
                    }
                }
            }
        });
    }
    // What city IT's dashboards read: answers on time or late, and ratings satisfied or not,
    // per unit (the satisfaction index is satisfied / all, against the 86 % target).
    let answered = prometheus::IntGaugeVec::new(
        prometheus::Opts::new(
            "answering_answered_cases",
            "Answered cases, per unit and timeliness (on_time: by the due date; late)",
        ),
        &["unit", "timeliness"],
    )?;
    let ratings = prometheus::IntGaugeVec::new(
        prometheus::Opts::new(
            "answering_ratings",
            "Ratings of published answers, per unit and whether the rater was satisfied (4 or 5 of 5)",
        ),
        &["unit", "satisfied"],
    )?;
    core.metrics.registry.register(Box::new(answered.clone()))?;
    core.metrics.registry.register(Box::new(ratings.clone()))?;
    // Counted over the whole table every GAUGES_SECONDS (60), not at every scrape: bounded
    // work whatever the number of Prometheus replicas and their interval.
    let gauges_every = std::time::Duration::from_secs(core.settings.parse("GAUGES_SECONDS", 60)?);
    core.every("operations gauges", gauges_every, move |c| {
        let (answered, ratings) = (answered.clone(), ratings.clone());
        Box::pin(async move {
            let mut conn = c.pool.get().await?;
            let rows = store::queries::answered_by_timeliness(&mut conn).await?;
            answered.reset();
            for r in rows {
                let t = if r.yes { "on_time" } else { "late" };
                answered.with_label_values(&[r.unit.as_str(), t]).set(r.n);
            }
            let rows = store::queries::ratings_by_satisfaction(&mut conn).await?;
            ratings.reset();
            for r in rows {
                let yes = if r.yes { "yes" } else { "no" };
                ratings.with_label_values(&[r.unit.as_str(), yes]).set(r.n);
            }
            Ok(())
        })
    });
    // A draft answer may hold 20,000 characters, up to 4 bytes each in UTF-8.
    doithoai_web::serve(core, 128 * 1024, http::routes)
}
