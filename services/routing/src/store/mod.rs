//! Routing's tables.

pub mod schema;
pub mod queries;
pub mod seed;
