//! Scheduling's tables and the queries on them.

pub mod conferences;
pub mod groups;
pub mod schema;
