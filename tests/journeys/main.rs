//! Cross-service journeys: the real binaries, real PostgreSQL, real NATS.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod browser;
mod cluster;
mod conformance;
mod crash;
mod dialogue;
mod lifecycle;
mod monitoring;
mod platform;
mod portal;
mod secure;
mod traces;
