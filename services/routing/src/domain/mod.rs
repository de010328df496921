//! Routing's pure rules: the working-day calendar and deadline arithmetic, routing decisions.

/// The working-day calendar lives in `doithoai-calendar`, shared with scheduling.
pub use doithoai_calendar as calendar;
pub mod policy;
pub mod rules;
pub mod status;
