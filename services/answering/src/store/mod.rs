//! Answering's tables.

pub mod schema;
