//! Notification: messages, templates, channels, delivery attempts, preferences. In this release it boots for real (own database with the bus tables, NATS, health, readiness, metrics); delivery arrives with the lifecycle issue.

use doithoai_web::{Core, CoreOptions, RunningServer};
use std::collections::HashMap;

pub const SERVICE: &str = "notification";
pub const DEFAULT_PORT: u16 = 8085;

/// The running notification service (`port()`, `core()`, `run_until_stopped()`).
pub type Application = RunningServer;

/// Prepares the database, NATS and the HTTP server; `overrides` win over the environment.
pub async fn build(overrides: HashMap<String, String>) -> anyhow::Result<Application> {
    let core = Core::start(CoreOptions {
        service: SERVICE,
        default_port: DEFAULT_PORT,
        migrations: None,
        overrides,
    })
    .await?;
    doithoai_web::serve(core, 64 * 1024, |_cfg| {})
}
