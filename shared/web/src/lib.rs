//! What every Đối Thoại HTTP service shares.
//!
//! - [`problem`]: `application/problem+json` errors naming the field, Vietnamese by default.
//! - [`ApiError`]: the one error type of handlers; a bare `?` turns database, pool, NATS and
//!   validation errors into the right response, in the request's language.
//! - [`Lang`]: the reader's language from `Accept-Language` (`vi` unless `en` is preferred).
//! - [`Staff`]: the verified JWT claims of a staff request, or a 401.
//! - [`Core`]: a service's pool, NATS client, metrics and auth, built by [`Core::start`]
//!   (database created and migrated, outbox relay running), with `/healthz`, `/readyz` and
//!   `/metrics` mounted by [`serve`].
//! - [`limit`]: the one rate limiter of every public route, keyed by the client's address.

pub mod calendar;
pub mod config;
mod consume;
mod core;
pub mod cursor;
pub mod endpoint;
pub mod error;
pub mod input;
mod lang;
pub mod limit;
mod middleware;
pub mod openapi;
pub mod problem;
pub mod reference;
mod server;
mod staff;
pub mod staff_keys;
pub mod templates;
pub mod text;

pub use crate::consume::{ConsumeError, Relevant, after_commit, typed};
pub use crate::core::{Core, CoreOptions, run_service, stop_on_signals};
pub use crate::server::{RunningServer, serve};
pub use config::Settings;
pub use endpoint::Endpoint;
pub use error::{ApiError, Unavailable};
pub use lang::Lang;
pub use problem::{FieldError, Problem};
pub use staff::Staff;
pub use templates::Templates;
