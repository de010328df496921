//! Notification: messages, templates, channels, delivery attempts, preferences. In this release it boots for real (own database with the bus tables, NATS, health, readiness, metrics); delivery arrives with the lifecycle issue.

use doithoai_web::{Core, CoreOptions, RunningServer};
use std::collections::HashMap;

pub const SERVICE: &str = "notification";
pub const DEFAULT_PORT: u16 = 8085;

/// The running notification service.
pub struct Application {
    core: Core,
    server: RunningServer,
}

impl Application {
    /// Prepares the database, NATS and the HTTP server; `overrides` win over the environment.
    pub async fn build(overrides: HashMap<String, String>) -> anyhow::Result<Application> {
        let core = Core::start(CoreOptions {
            service: SERVICE,
            default_port: DEFAULT_PORT,
            migrations: None,
            overrides,
        })
        .await?;
        let server = doithoai_web::serve(core.clone(), 64 * 1024, |_cfg| {})?;
        Ok(Application { core, server })
    }

    pub fn port(&self) -> u16 {
        self.server.port
    }

    pub fn core(&self) -> &Core {
        &self.core
    }

    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        self.server.run_until_stopped().await
    }
}
