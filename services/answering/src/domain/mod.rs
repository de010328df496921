//! Answering's pure rules.

pub mod redact;
pub mod status;
