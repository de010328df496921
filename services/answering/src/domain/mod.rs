//! Answering's pure rules.

pub mod redact;
pub mod search;
pub mod status;
