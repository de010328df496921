//! Routing: units, departments, procedure fields, content types and holidays (the reference
//! data, loaded from the project's `data/` at start-up), and — with the lifecycle issue —
//! routing rules, competence, transfers and deadlines. `GET /api/v1/units` lists the units.

pub mod domain;
pub mod store;

use actix_web::{HttpResponse, web};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use doithoai_web::{Core, CoreOptions, Lang, Problem, RunningServer};
use std::collections::HashMap;

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
    doithoai_web::serve(core.clone(), 64 * 1024, |cfg| {
        cfg.route("/api/v1/units", web::get().to(list_units));
    })
}

/// `GET /api/v1/units`: the units of the city (public reference data).
async fn list_units(core: web::Data<Core>, lang: Lang) -> HttpResponse {
    use store::schema::units;
    let rows = async {
        let mut conn = core.pool.get().await.map_err(anyhow::Error::from)?;
        units::table
            .order(units::code)
            .select((units::code, units::name_vi, units::kind_en))
            .load::<(String, String, String)>(&mut conn)
            .await
            .map_err(anyhow::Error::from)
    }
    .await;
    match rows {
        Ok(rows) => HttpResponse::Ok().json(serde_json::json!({
            "units": rows.into_iter().map(|(code, name, kind)| serde_json::json!({"code": code, "name": name, "kind": kind})).collect::<Vec<_>>()
        })),
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "listing units failed: {e:#}");
            Problem::internal(lang).response()
        }
    }
}
