//! Routing's pure rules: the working-day calendar and deadline arithmetic, routing decisions.

pub mod calendar;
pub mod rules;
