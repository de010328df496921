//! Scheduling's tables.

pub mod schema;
