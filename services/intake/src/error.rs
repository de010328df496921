//! Intake's error type: every variant says its HTTP status.

use actix_web::{HttpResponse, ResponseError, http::StatusCode};
use doithoai_web::Problem;

#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    /// A 4xx the client can act on (validation, not found, auth, rate limit).
    #[error("{0}")]
    Client(Problem),
    /// Anything else: 500, logged with its cause chain, nothing of it told to the client.
    #[error("unexpected: {0:#}")]
    Unexpected(#[from] anyhow::Error),
}

impl From<Problem> for IntakeError {
    fn from(p: Problem) -> Self {
        IntakeError::Client(p)
    }
}

impl ResponseError for IntakeError {
    fn status_code(&self) -> StatusCode {
        match self {
            IntakeError::Client(p) => p.status_code(),
            IntakeError::Unexpected(e) if unavailable(e) => StatusCode::SERVICE_UNAVAILABLE,
            IntakeError::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            IntakeError::Client(p) => p.response(),
            IntakeError::Unexpected(e) if unavailable(e) => {
                tracing::warn!(error = %format!("{e:#}"), "database unavailable: {e:#}");
                Problem::unavailable(doithoai_web::Lang::Vi, "database unavailable").response()
            }
            IntakeError::Unexpected(e) => {
                tracing::error!(error = %format!("{e:#}"), "unexpected error: {e:#}");
                Problem::internal(doithoai_web::Lang::Vi).response()
            }
        }
    }
}

/// The database is away, restarting, or a connection broke (or the writer could not get one):
/// the client should retry, so 503 with `Retry-After`.
fn unavailable(e: &anyhow::Error) -> bool {
    doithoai_db::is_unavailable(e)
        || e.chain().any(|c| {
            matches!(
                c.downcast_ref::<crate::store::writer::WriteError>(),
                Some(
                    crate::store::writer::WriteError::Pool(_)
                        | crate::store::writer::WriteError::Stopped
                )
            )
        })
}
