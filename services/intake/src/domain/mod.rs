//! Pure types and rules of intake: no I/O.

pub mod complaint;
pub mod email;
pub mod phone;
pub mod reference;
pub mod status;
pub mod submission;
pub mod text;
pub mod tracking_code;
