//! Reporting: the read model of petitions and dialogues, fed by the other services' events
//! and replayable from JetStream, and the reports city IT and the units read — per unit and
//! for the city, by period, field and department — as JSON, CSV and XLSX.

pub mod bulk;
pub mod export;
pub mod flow;
pub mod http;
pub mod report;
pub mod reports;
pub mod schema;
pub mod store;

use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use doithoai_contracts::subjects::{self, ANSWERING, INTAKE, ROUTING, SCHEDULING};
use doithoai_web::{Core, CoreOptions, RunningServer};
use std::collections::HashMap;

pub const SERVICE: &str = "reporting";
pub const DEFAULT_PORT: u16 = 8086;
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Reporting's consumers (`reporting-<name>`): one per stream, each following every event of
/// that stream the reports count, in the order the stream holds them.
pub const CONSUMERS: &[(&str, &str, &[&str])] = &[
    (
        "intake",
        INTAKE,
        &[subjects::PETITION_RECEIVED, subjects::PETITION_NOT_ACCEPTED],
    ),
    (
        "routing",
        ROUTING,
        &[
            subjects::PETITION_ROUTED,
            subjects::PETITION_TRANSFERRED,
            subjects::PETITION_REFUSED,
        ],
    ),
    (
        "answering",
        ANSWERING,
        &[subjects::PETITION_ANSWERED, subjects::PETITION_RATED],
    ),
    ("scheduling", SCHEDULING, &[subjects::CONFERENCE_RECORDED]),
];

/// The running reporting service.
pub type Application = RunningServer;

async fn core(overrides: HashMap<String, String>) -> anyhow::Result<Core> {
    Core::start(CoreOptions {
        service: SERVICE,
        default_port: DEFAULT_PORT,
        migrations: Some(MIGRATIONS),
        overrides,
    })
    .await
}

/// Prepares the database, NATS and the HTTP server; `overrides` win over the environment.
pub async fn build(overrides: HashMap<String, String>) -> anyhow::Result<Application> {
    let core = core(overrides).await?;
    for (name, stream, events) in CONSUMERS {
        core.consume_batch(name, stream, events, (), |conn, _, batch| {
            Box::pin(flow::on_batch(conn, batch))
        });
    }
    doithoai_web::serve(core, 16 * 1024, http::routes)
}

/// `reporting replay`: empties the read model (and its inbox and dead letters) and deletes
/// reporting's consumers, so that the service, started again, reads every stream from its
/// first retained event (90 days by default) and rebuilds the reports. Run it with the
/// service stopped.
pub async fn replay(overrides: HashMap<String, String>) -> anyhow::Result<()> {
    use diesel_async::RunQueryDsl;
    let core = core(overrides).await?;
    let mut conn = core.pool.get().await?;
    diesel::sql_query(
        "TRUNCATE petitions, transfers, conferences, daily, monthly, inbox, dead_letter",
    )
    .execute(&mut conn)
    .await?;
    for (name, stream, _) in CONSUMERS {
        let stream_name = subjects::stream_name(&core.bus.namespace, stream);
        let durable = format!("{SERVICE}-{name}");
        match core.js.get_stream(&stream_name).await {
            Ok(s) => {
                if s.delete_consumer(&durable).await.is_ok() {
                    eprintln!("deleted consumer {durable} of {stream_name}");
                }
            }
            Err(e) => eprintln!("stream {stream_name}: {e}"),
        }
    }
    eprintln!("read model emptied: start reporting to replay the streams");
    Ok(())
}

/// `reporting generate <petitions> [years]`: the bulk path ([`bulk::generate`]).
pub async fn generate(
    overrides: HashMap<String, String>,
    petitions: i64,
    years: f64,
) -> anyhow::Result<()> {
    let core = core(overrides).await?;
    let mut conn = core.pool.get().await?;
    let started = std::time::Instant::now();
    bulk::generate(&mut conn, petitions, years, chrono::Utc::now()).await?;
    eprintln!(
        "generated {petitions} petitions over {years} years and their sums in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
