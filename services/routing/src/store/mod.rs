//! Routing's tables.

pub mod schema;
pub mod seed;
