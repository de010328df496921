//! Answering's tables and the queries on them.

pub mod queries;
pub mod schema;
