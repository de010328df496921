//! Notification's tables.

pub mod schema;
