//! [`ApiError`]: the one error type of every handler. Handlers return
//! `Result<HttpResponse, ApiError>` and use a bare `?` on database, pool, NATS, JSON and
//! validation errors; the response is decided here, once:
//!
//! - a [`Problem`] the handler built (4xx, 503) is answered as it is;
//! - field errors are a 422 naming every field at once;
//! - diesel's `NotFound` is a 404;
//! - a failure is a 503 with `Retry-After` when PostgreSQL is away, restarting, a connection
//!   broke or the pool timed out ([`doithoai_db::is_unavailable`]), or when NATS did not answer;
//!   anything else is a 500. Both are logged inside the request's span, so with its trace id;
//!   nothing of the cause is told to the client.
//!
//! Messages are in the request's language: the telemetry middleware runs every request inside
//! [`with_lang`], and the response is rendered there.

use crate::{FieldError, Lang, Problem};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use std::future::Future;

tokio::task_local! {
    static LANG: Lang;
}

/// Runs a request's future with its language, for errors rendered inside it.
pub async fn with_lang<F: Future>(lang: Lang, f: F) -> F::Output {
    LANG.scope(lang, f).await
}

/// The language of the request being served (Vietnamese outside one).
pub fn current_lang() -> Lang {
    LANG.try_with(|l| *l).unwrap_or_default()
}

/// Why a request failed; see the module documentation for the response of each.
#[derive(Debug)]
pub enum ApiError {
    /// A response the handler decided.
    Problem(Problem),
    /// Field errors, all of them (422).
    Invalid(Vec<FieldError>),
    /// The thing asked for does not exist, or belongs to another unit (404).
    NotFound,
    /// A failure that is not the client's (503 or 500, logged).
    Failure(anyhow::Error),
}

/// A marker a service puts in an error's chain when a dependency of its own is away (a
/// writer queue stopped, a pool of its own timed out): the answer is 503 with `Retry-After`.
#[derive(Debug)]
pub struct Unavailable(pub &'static str);

impl std::fmt::Display for Unavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} unavailable", self.0)
    }
}

impl std::error::Error for Unavailable {}

impl ApiError {
    /// A failure from anything that can become an [`anyhow::Error`].
    pub fn failure(e: impl Into<anyhow::Error>) -> Self {
        ApiError::Failure(e.into())
    }

    /// One field error (422).
    pub fn field(field: &str, code: &str, message: impl Into<String>) -> Self {
        ApiError::Invalid(vec![FieldError::new(field, code, message)])
    }

    fn unavailable_cause(e: &anyhow::Error) -> Option<&'static str> {
        if doithoai_db::is_unavailable(e) {
            return Some("database unavailable");
        }
        if let Some(u) = e.downcast_ref::<Unavailable>() {
            return Some(u.0);
        }
        e.chain().find_map(|c| {
            if let Some(u) = c.downcast_ref::<Unavailable>() {
                Some(u.0)
            } else if c.is::<async_nats::RequestError>() || c.is::<async_nats::PublishError>() {
                Some("message bus unavailable")
            } else {
                None
            }
        })
    }

    /// The problem this error answers with, in `lang`. Failures are logged here.
    pub fn problem(&self, lang: Lang) -> Problem {
        match self {
            ApiError::Problem(p) => p.clone(),
            ApiError::Invalid(errors) => Problem::validation(lang, errors.clone()),
            ApiError::NotFound => Problem::not_found(lang),
            ApiError::Failure(e) => match Self::unavailable_cause(e) {
                Some(what) => {
                    tracing::warn!(error = %format!("{e:#}"), "{what}: {e:#}");
                    Problem::unavailable(lang, what)
                }
                None => {
                    tracing::error!(error = %format!("{e:#}"), "unexpected error: {e:#}");
                    Problem::internal(lang)
                }
            },
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApiError::Problem(p) => write!(f, "{p}"),
            ApiError::Invalid(errors) => write!(f, "422 invalid: {} field(s)", errors.len()),
            ApiError::NotFound => write!(f, "404 not found"),
            ApiError::Failure(e) => write!(f, "failure: {e:#}"),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Problem(p) => p.status_code(),
            ApiError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::Failure(e) if Self::unavailable_cause(e).is_some() => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            ApiError::Failure(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        self.problem(current_lang()).response()
    }
}

impl From<Problem> for ApiError {
    fn from(p: Problem) -> Self {
        ApiError::Problem(p)
    }
}

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> Self {
        ApiError::Invalid(vec![e])
    }
}

impl From<Vec<FieldError>> for ApiError {
    fn from(errors: Vec<FieldError>) -> Self {
        ApiError::Invalid(errors)
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        match e {
            diesel::result::Error::NotFound => ApiError::NotFound,
            e => ApiError::Failure(e.into()),
        }
    }
}

impl From<doithoai_db::diesel_async::pooled_connection::deadpool::PoolError> for ApiError {
    fn from(e: doithoai_db::diesel_async::pooled_connection::deadpool::PoolError) -> Self {
        ApiError::Failure(e.into())
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> Self {
        ApiError::Failure(e)
    }
}

impl From<serde_json::Error> for ApiError {
    fn from(e: serde_json::Error) -> Self {
        ApiError::Failure(e.into())
    }
}

impl<K> From<async_nats::error::Error<K>> for ApiError
where
    K: Clone + std::fmt::Debug + std::fmt::Display + PartialEq + Send + Sync + 'static,
{
    fn from(e: async_nats::error::Error<K>) -> Self {
        ApiError::Failure(e.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_found_and_fields_and_failures_answer_their_status() {
        assert_eq!(
            ApiError::from(diesel::result::Error::NotFound).status_code(),
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            ApiError::from(FieldError::new("unit", "required", "x")).status_code(),
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(
            ApiError::from(diesel::result::Error::BrokenTransactionManager).status_code(),
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(
            ApiError::failure(Unavailable("writer")).status_code(),
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(
            ApiError::failure(anyhow::anyhow!("queue closed").context(Unavailable("writer")))
                .status_code(),
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(
            ApiError::from(anyhow::anyhow!("boom")).status_code(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }

    #[tokio::test]
    async fn errors_render_in_the_request_language() {
        let title = |lang| async move {
            with_lang(lang, async {
                ApiError::NotFound.problem(current_lang()).title
            })
            .await
        };
        assert_eq!(title(Lang::En).await, "Not found");
        assert_eq!(title(Lang::Vi).await, "Không tìm thấy");
        let r = ApiError::Failure(anyhow::anyhow!("boom")).problem(Lang::En);
        assert_eq!(r.status, 500);
        assert_eq!(r.title, "Internal error, please try again later");
    }
}
