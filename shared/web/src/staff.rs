//! The `Staff` extractor: a verified bearer token, or a 401 problem.

use crate::{Core, Lang, Problem};
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use doithoai_auth::Claims;
use std::future::{Ready, ready};

/// The claims of an authenticated staff request.
#[derive(Debug, Clone)]
pub struct Staff(pub Claims);

impl FromRequest for Staff {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let lang = Lang::of(req);
        let Some(core) = req.app_data::<web::Data<Core>>() else {
            return ready(Err(Problem::internal(lang).into()));
        };
        let token = req
            .headers()
            .get(actix_web::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim);
        let result = match token {
            Some(t) => core.auth.verify(t).map(Staff).map_err(|e| {
                tracing::info!(reason = %e, "refused staff token: {e}");
                Problem::unauthorized(lang).into()
            }),
            None => Err(Problem::unauthorized(lang).into()),
        };
        ready(result)
    }
}
