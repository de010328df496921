//! Answering's pure rules.

pub mod redact;
