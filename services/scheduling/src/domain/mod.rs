//! Scheduling's rules, free of HTTP and SQL.

pub mod compliance;
pub mod status;
