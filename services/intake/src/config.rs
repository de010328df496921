//! Intake's settings (see the README's configuration table).

use doithoai_web::Settings;

#[derive(Debug, Clone)]
pub struct IntakeConfig {
    /// `INTAKE_WRITERS` (default 2): writer tasks, each committing one batch at a time.
    pub writers: usize,
    /// `INTAKE_BATCH_MAX` (default 128): submissions per commit at most.
    pub max_batch: usize,
    /// `INTAKE_BODY_LIMIT_BYTES` (default 65536): largest JSON body.
    pub body_limit: usize,
    /// `INTAKE_IDEMPOTENCY_DAYS` (default 7): how long an Idempotency-Key is remembered.
    pub idempotency_days: i64,
}

impl IntakeConfig {
    pub fn from_settings(s: &Settings) -> anyhow::Result<Self> {
        let cfg = Self {
            writers: s.parse("WRITERS", 2)?,
            max_batch: s.parse("BATCH_MAX", 128)?,
            body_limit: s.parse("BODY_LIMIT_BYTES", 64 * 1024)?,
            idempotency_days: s.parse("IDEMPOTENCY_DAYS", 7)?,
        };
        anyhow::ensure!(
            (1..=32).contains(&cfg.writers),
            "setting INTAKE_WRITERS must be 1 to 32"
        );
        anyhow::ensure!(
            (1..=1000).contains(&cfg.max_batch),
            "setting INTAKE_BATCH_MAX must be 1 to 1000"
        );
        anyhow::ensure!(
            (1024..=1024 * 1024).contains(&cfg.body_limit),
            "setting INTAKE_BODY_LIMIT_BYTES must be 1024 to 1048576"
        );
        anyhow::ensure!(
            cfg.idempotency_days >= 1,
            "setting INTAKE_IDEMPOTENCY_DAYS must be at least 1"
        );
        Ok(cfg)
    }
}
