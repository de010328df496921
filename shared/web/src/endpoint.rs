//! [`Endpoint`]: one path with the methods it serves. Any other method gets a 405
//! problem+json naming the method, with `Allow` listing the served ones (a bare
//! `cfg.route(path, web::get()…)` would answer 404, as if the path did not exist).
//!
//! ```ignore
//! cfg.service(Endpoint::new("/api/v1/staff/holidays/{date}").put(put_holiday).delete(delete_holiday));
//! ```

use crate::{FieldError, Lang, Problem};
use actix_web::dev::{AppService, HttpServiceFactory};
use actix_web::http::{Method, StatusCode};
use actix_web::{FromRequest, Handler, HttpRequest, HttpResponse, Resource, Responder, web};

pub struct Endpoint {
    path: String,
    resource: Resource,
    methods: Vec<Method>,
}

impl Endpoint {
    pub fn new(path: &str) -> Self {
        Endpoint {
            path: path.to_owned(),
            resource: web::resource(path),
            methods: Vec::new(),
        }
    }

    fn with<F, Args>(mut self, method: Method, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.resource = self.resource.route(web::method(method.clone()).to(handler));
        self.methods.push(method);
        self
    }

    pub fn get<F, Args>(self, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.with(Method::GET, handler)
    }

    pub fn post<F, Args>(self, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.with(Method::POST, handler)
    }

    pub fn put<F, Args>(self, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.with(Method::PUT, handler)
    }

    pub fn delete<F, Args>(self, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.with(Method::DELETE, handler)
    }
}

/// Every (method, path) an [`Endpoint`] of this process serves.
static SERVED: std::sync::Mutex<std::collections::BTreeSet<(String, String)>> =
    std::sync::Mutex::new(std::collections::BTreeSet::new());

/// What this process's endpoints serve, as (method, path): for the test that checks a
/// service's OpenAPI document against its routes.
pub fn served() -> Vec<(String, String)> {
    SERVED
        .lock()
        .map(|s| s.iter().cloned().collect())
        .unwrap_or_default()
}

impl HttpServiceFactory for Endpoint {
    fn register(self, config: &mut AppService) {
        if let Ok(mut served) = SERVED.lock() {
            for m in &self.methods {
                served.insert((m.as_str().to_owned(), self.path.clone()));
            }
        }
        let allow = self
            .methods
            .iter()
            .map(Method::as_str)
            .collect::<Vec<_>>()
            .join(", ");
        let resource = self
            .resource
            .default_service(web::to(move |req: HttpRequest| {
                let allow = allow.clone();
                async move { method_not_allowed(&req, &allow) }
            }));
        resource.register(config)
    }
}

fn method_not_allowed(req: &HttpRequest, allow: &str) -> HttpResponse {
    let lang = Lang::of(req);
    let mut res = Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method-not-allowed",
        lang.pick(
            "Địa chỉ này không nhận phương thức này",
            "This address does not take this method",
        ),
    )
    .with_error(FieldError::new(
        "method",
        "method_not_allowed",
        match lang {
            Lang::Vi => format!("{} không được nhận; chỉ nhận: {allow}", req.method()),
            Lang::En => format!("{} is not taken; only: {allow}", req.method()),
        },
    ))
    .response();
    if let Ok(v) = actix_web::http::header::HeaderValue::from_str(allow) {
        res.headers_mut().insert(actix_web::http::header::ALLOW, v);
    }
    res
}
