//! Free text from people: the platform's one set of rules, in `doithoai_web::text` (Unicode
//! NFC, trimmed, without control characters or bidirectional overrides).

pub use doithoai_web::text::{TextError, clean, fold};
