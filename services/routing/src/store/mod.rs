//! Routing's tables.

pub mod queries;
pub mod schema;
pub mod seed;
pub mod settings;
