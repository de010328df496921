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
            IntakeError::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            IntakeError::Client(p) => p.response(),
            IntakeError::Unexpected(e) => {
                tracing::error!(error = %format!("{e:#}"), "unexpected error: {e:#}");
                Problem::internal(doithoai_web::Lang::Vi).response()
            }
        }
    }
}
