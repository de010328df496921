//! Notification's rules, free of SQL and transport.

pub mod status;
