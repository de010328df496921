//! Intake: the front desk. Every channel comes in here; a submission it acknowledged is never
//! lost. Public submission and tracking, staff entry, the receipt book; every accepted
//! submission is written with its event in one transaction and published from the outbox.

pub mod bus;
pub mod config;
pub mod domain;
pub mod http;
pub mod store;

use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use doithoai_web::{Core, CoreOptions, RunningServer};
use std::collections::HashMap;
use std::sync::Arc;

pub const SERVICE: &str = "intake";
pub const DEFAULT_PORT: u16 = 8081;
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// The running intake service (`port()`, `core()`, `run_until_stopped()`).
pub type Application = RunningServer;

/// Prepares the database, NATS and the HTTP server; `overrides` win over the environment.
pub async fn build(overrides: HashMap<String, String>) -> anyhow::Result<Application> {
    let core = Core::start(CoreOptions {
        service: SERVICE,
        default_port: DEFAULT_PORT,
        migrations: Some(MIGRATIONS),
        overrides,
    })
    .await?;
    let config = config::IntakeConfig::from_settings(&core.settings)?;
    let reference = Arc::new(domain::reference::Reference::load()?);
    domain::phone::load_metadata();
    let writer = store::writer::Writer::start(
        core.pool.clone(),
        core.relay.clone(),
        config.writers,
        config.max_batch,
    );
    let state = http::IntakeState {
        config: config.clone(),
        reference,
        writer,
    };
    let days = config.idempotency_days;
    core.purge_hourly("idempotency keys", move |conn| {
        Box::pin(store::petitions::expire_idempotency_keys(conn, days))
    });
    {
        use doithoai_contracts::subjects as s;
        // One consumer per source stream, so each is applied in the order it happened: a
        // cancellation after its notice, a transfer before the receiving body's assignment, an
        // answer before its publication.
        core.consume(
            "conferences",
            s::SCHEDULING,
            &[s::CONFERENCE_NOTICED, s::CONFERENCE_CANCELLED],
            (),
            |conn, _, e| Box::pin(bus::lifecycle::on_conference(conn, e)),
        );
        core.consume_batch(
            "routing-steps",
            s::ROUTING,
            &[
                s::PETITION_ROUTED,
                s::PETITION_TRANSFERRED,
                s::PETITION_REFUSED,
            ],
            (),
            |conn, _, batch| Box::pin(bus::lifecycle::on_steps(conn, batch)),
        );
        core.consume_batch(
            "answering-steps",
            s::ANSWERING,
            &[s::PETITION_ANSWERED, s::PETITION_PUBLISHED],
            (),
            |conn, _, batch| Box::pin(bus::lifecycle::on_steps(conn, batch)),
        );
    }
    let data = actix_web::web::Data::new(state);
    doithoai_web::serve(core.clone(), config.body_limit, move |cfg| {
        cfg.app_data(data.clone());
        http::routes(cfg);
    })
}
