//! Intake's integration tests: each test starts its own app on port 0 with its own database
//! and NATS namespace, against the real PostgreSQL and NATS servers.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod auth;
mod helpers;
mod idempotency;
mod lifecycle;
mod outage;
mod registration;
mod staff;
mod submit;
mod triage;
mod validation;
