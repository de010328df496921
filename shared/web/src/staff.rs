//! The `Staff` extractor: a verified bearer token, or a 401 problem.

use crate::{Core, Lang, Problem};
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use doithoai_auth::{Claims, Role};
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

impl Staff {
    /// 403 unless the token's role is one of `roles`. Chains with [`Staff::of_unit`]:
    /// `staff.require(&[Role::Head], lang)?.of_unit(&case.unit_code, lang)?`.
    pub fn require(&self, roles: &[Role], lang: Lang) -> Result<&Self, actix_web::Error> {
        if roles.contains(&self.0.role) {
            Ok(self)
        } else {
            Err(Problem::forbidden(lang).into())
        }
    }

    /// 403 unless the token may act on `unit`'s records (`Claims::can_write`).
    pub fn of_unit(&self, unit: &str, lang: Lang) -> Result<&Self, actix_web::Error> {
        if self.0.can_write(unit) {
            Ok(self)
        } else {
            Err(Problem::forbidden(lang).into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn staff(role: Role, unit: &str) -> Staff {
        Staff(Claims {
            sub: "x".into(),
            role,
            unit: unit.into(),
            iss: "doithoai".into(),
            aud: "doithoai-api".into(),
            exp: 0,
            iat: 0,
        })
    }

    #[test]
    fn a_head_of_the_unit_passes_and_others_get_403() {
        let head = staff(Role::Head, "phuong-lang");
        assert!(
            head.require(&[Role::Head], Lang::Vi)
                .and_then(|s| s.of_unit("phuong-lang", Lang::Vi))
                .is_ok()
        );
        assert!(
            head.of_unit("phuong-kim-lien", Lang::Vi).is_err(),
            "another unit"
        );
        assert!(
            head.require(&[Role::Leader], Lang::Vi).is_err(),
            "another role"
        );
        let auditor = staff(Role::Auditor, doithoai_auth::CITY_SCOPE);
        assert!(
            auditor.of_unit("phuong-lang", Lang::Vi).is_err(),
            "the auditor never writes"
        );
    }
}
