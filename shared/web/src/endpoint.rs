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
use doithoai_auth::Role;

pub struct Endpoint {
    path: String,
    resource: Resource,
    methods: Vec<Method>,
    roles: Vec<(Method, &'static [Role])>,
}

/// Every staff role.
pub const ALL_STAFF: &[Role] = &Role::ALL;

impl Endpoint {
    pub fn new(path: &str) -> Self {
        Endpoint {
            path: path.to_owned(),
            resource: web::resource(path),
            methods: Vec::new(),
            roles: Vec::new(),
        }
    }

    /// The roles that may call the method added last (a staff route's row of the
    /// authorization matrix): [`guard_roles`] answers 403 to any other role before the handler
    /// runs, and to every role on a staff route that declares none.
    pub fn roles(mut self, roles: &'static [Role]) -> Self {
        if let Some(m) = self.methods.last() {
            self.roles.push((m.clone(), roles));
        }
        self
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

/// The roles each staff (method, path) declared with [`Endpoint::roles`].
static ROLES: std::sync::Mutex<std::collections::BTreeMap<(String, String), &'static [Role]>> =
    std::sync::Mutex::new(std::collections::BTreeMap::new());

/// The roles that may call `method` on the route `pattern`, if it declared them.
pub fn roles(method: &str, pattern: &str) -> Option<&'static [Role]> {
    ROLES
        .lock()
        .ok()
        .and_then(|r| r.get(&(method.to_owned(), pattern.to_owned())).copied())
}

/// Whether an endpoint serves `method` on `pattern` (a method it does not serve is left to its
/// 405).
fn is_served(method: &str, pattern: &str) -> bool {
    SERVED
        .lock()
        .is_ok_and(|s| s.contains(&(method.to_owned(), pattern.to_owned())))
}

/// Whether a path is a staff route (behind a token, in the authorization matrix).
pub fn is_staff(path: &str) -> bool {
    path.starts_with("/api/v1/staff/")
}

/// The authorization matrix's guard: on a staff route, a valid token whose role the route did
/// not declare gets 403 problem+json before the handler runs (a route that declared no roles
/// refuses every role: a forgotten declaration fails closed). No token, or an invalid one, goes
/// on to the handler's `Staff` extractor and its 401.
pub async fn guard_roles(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    if is_staff(req.path())
        && let Some(core) = req.app_data::<web::Data<crate::Core>>()
        && let Some(claims) = crate::staff::verified(req.request(), core)
        && let Some(pattern) = req.match_pattern()
        && is_served(req.method().as_str(), &pattern)
        && !roles(req.method().as_str(), &pattern).is_some_and(|r| r.contains(&claims.role))
    {
        let lang = Lang::of(req.request());
        return Err(Problem::forbidden(lang).into());
    }
    next.call(req).await
}

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
        if let Ok(mut roles) = ROLES.lock() {
            for (m, r) in &self.roles {
                roles.insert((m.as_str().to_owned(), self.path.clone()), r);
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
