//! Intake's tables: petitions, their timeline, idempotency keys; and the batching writer that
//! stores accepted submissions with their outbox events.

pub mod petitions;
pub mod schema;
pub mod writer;
