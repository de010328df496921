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
use actix_web::{
    FromRequest, Handler, HttpMessage, HttpRequest, HttpResponse, Resource, Responder, web,
};
use doithoai_auth::Role;

pub struct Endpoint {
    path: String,
    resource: Resource,
    methods: Vec<Method>,
    roles: Vec<(Method, &'static [Role])>,
    departmental: Vec<Method>,
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
            departmental: Vec::new(),
        }
    }

    /// Marks the method added last as acting on a record that belongs to a department (a
    /// case): officers and heads of another department find nothing there (the handler checks
    /// `Claims::sees_department`; the authorization matrix test holds it to this mark).
    pub fn departmental(mut self) -> Self {
        if let Some(m) = self.methods.last() {
            self.departmental.push(m.clone());
        }
        self
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

/// What an [`Endpoint`] declared for one method: its roles ([`Endpoint::roles`]; `None`: none
/// declared) and whether its record belongs to a department ([`Endpoint::departmental`]).
#[derive(Debug, Clone, Copy)]
struct Declared {
    roles: Option<&'static [Role]>,
    departmental: bool,
}

/// Every (method, path) an [`Endpoint`] of this process serves, with what it declared.
type Routes = std::collections::BTreeMap<(String, String), Declared>;
static ROUTES: std::sync::Mutex<Routes> = std::sync::Mutex::new(std::collections::BTreeMap::new());

/// `None` when no endpoint serves `method` on `pattern`; else what it declared.
fn route(method: &str, pattern: &str) -> Option<Declared> {
    ROUTES
        .lock()
        .ok()?
        .get(&(method.to_owned(), pattern.to_owned()))
        .copied()
}

/// The roles that may call `method` on the route `pattern`, if it declared them.
pub fn roles(method: &str, pattern: &str) -> Option<&'static [Role]> {
    route(method, pattern).and_then(|d| d.roles)
}

/// Whether `method` on `pattern` acts on a department's record ([`Endpoint::departmental`]).
pub fn departmental(method: &str, pattern: &str) -> bool {
    route(method, pattern).is_some_and(|d| d.departmental)
}

/// Whether a path is a staff route (behind a token, in the authorization matrix).
pub fn is_staff(path: &str) -> bool {
    path.starts_with("/api/v1/staff/")
}

/// The authorization matrix's guard: on a staff route, a valid token whose role the route did
/// not declare gets 403 problem+json before the handler runs (a route that declared no roles
/// refuses every role: a forgotten declaration fails closed; a method the path does not serve
/// is left to its 405). A token it let through is verified once: the `Staff` extractor takes the
/// claims it leaves. No token, or an invalid one, goes on to the extractor and its 401.
pub async fn guard_roles(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    if is_staff(req.path())
        && let Some(core) = req.app_data::<web::Data<crate::Core>>()
        && let Some(claims) = crate::staff::verified(req.request(), core)
    {
        let declared = req
            .match_pattern()
            .and_then(|pattern| route(req.method().as_str(), &pattern));
        if let Some(Declared { roles: allowed, .. }) = declared
            && !allowed.is_some_and(|r| r.contains(&claims.role))
        {
            return Err(Problem::forbidden(Lang::of(req.request())).into());
        }
        req.extensions_mut().insert(crate::staff::Verified(claims));
    }
    next.call(req).await
}

/// What this process's endpoints serve, as (method, path): for the test that checks a
/// service's OpenAPI document against its routes.
pub fn served() -> Vec<(String, String)> {
    ROUTES
        .lock()
        .map(|s| s.keys().cloned().collect())
        .unwrap_or_default()
}

impl HttpServiceFactory for Endpoint {
    fn register(self, config: &mut AppService) {
        if let Ok(mut routes) = ROUTES.lock() {
            for m in &self.methods {
                let declared = Declared {
                    roles: self.roles.iter().find(|(r, _)| r == m).map(|(_, r)| *r),
                    departmental: self.departmental.contains(m),
                };
                routes.insert((m.as_str().to_owned(), self.path.clone()), declared);
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
