//! The `Staff` extractor: a verified bearer token, or a 401 problem.

use crate::{ApiError, Core, FieldError, Lang, Problem};
use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, web};
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
        // The role guard verified the token already (staff routes): take its claims.
        if let Some(Verified(claims)) = req.extensions().get::<Verified>() {
            return ready(Ok(Staff(claims.clone())));
        }
        let result = match bearer(req) {
            Some(t) => match core.auth.verify(t) {
                Ok(claims) if core.revocations.is_revoked(&claims.jti) => {
                    tracing::info!(jti = %claims.jti, "refused a revoked staff token");
                    Err(Problem::unauthorized(lang).into())
                }
                Ok(claims) => Ok(Staff(claims)),
                Err(e) => {
                    tracing::info!(reason = %e, "refused staff token: {e}");
                    Err(Problem::unauthorized(lang).into())
                }
            },
            None => Err(Problem::unauthorized(lang).into()),
        };
        ready(result)
    }
}

/// The claims of a token [`crate::endpoint::guard_roles`] verified and let through, left in the
/// request's extensions so the token is verified once per request.
#[derive(Debug, Clone)]
pub(crate) struct Verified(pub(crate) Claims);

/// The bearer token of a request, if any.
fn bearer(req: &HttpRequest) -> Option<&str> {
    req.headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
}

/// The claims of a request's valid, unrevoked token, if it has one.
pub(crate) fn verified(req: &HttpRequest, core: &Core) -> Option<Claims> {
    core.auth
        .verify(bearer(req)?)
        .ok()
        .filter(|c| !core.revocations.is_revoked(&c.jti))
}

impl Staff {
    /// Records, before the data leaves, that this staff member reads personal data: `what`
    /// (`petition`, `case`, `receipt_book`, `messages`) and `record` (its id, or the query of a
    /// list), in the service's append-only `personal_data_reads` with the request's trace id.
    pub async fn audit_read(&self, core: &Core, what: &str, record: &str) -> Result<(), ApiError> {
        use diesel::ExpressionMethods;
        use diesel_async::RunQueryDsl;
        use doithoai_bus::schema::personal_data_reads as reads;
        let mut conn = core.pool.get().await?;
        diesel::insert_into(reads::table)
            .values((
                reads::staff.eq(&self.0.sub),
                reads::role.eq(self.0.role.as_str()),
                reads::unit.eq(&self.0.unit),
                reads::what.eq(what),
                reads::record.eq(record),
                reads::trace_id.eq(doithoai_telemetry::current_trace_id()),
            ))
            .execute(&mut conn)
            .await?;
        Ok(())
    }

    /// 403 unless the token's role is one of `roles`. Chains with [`Staff::of_unit`]:
    /// `staff.require(&[Role::Head], lang)?.of_unit(&case.unit_code, lang)?`.
    pub fn require(&self, roles: &[Role], lang: Lang) -> Result<&Self, ApiError> {
        if roles.contains(&self.0.role) {
            Ok(self)
        } else {
            Err(Problem::forbidden(lang).into())
        }
    }

    /// Which units a staff list covers, from its `unit` query parameter: a unit's staff see
    /// their own (naming another is `unknown_unit`, as if it did not exist); a city-wide role
    /// sees the unit it names, or every unit (`None`) when it names none. Errors name `unit`.
    pub fn units_scope(
        &self,
        requested: Option<&str>,
        lang: Lang,
    ) -> Result<Option<String>, FieldError> {
        match requested {
            Some(u) if self.0.can_read(u) => Ok(Some(u.to_owned())),
            Some(_) => Err(Self::unknown_unit(lang)),
            None if self.0.role.is_city_wide() => Ok(None),
            None => Ok(Some(self.0.unit.clone())),
        }
    }

    /// The `unit` field error for a unit that does not exist or is not the caller's.
    pub fn unknown_unit(lang: Lang) -> FieldError {
        FieldError::new(
            "unit",
            "unknown_unit",
            lang.pick("Không có đơn vị nào với mã này", "No unit has this code"),
        )
    }

    /// [`Staff::units_scope`] for lists of one unit: a city-wide role must name it
    /// (`required`).
    pub fn unit_scope(&self, requested: Option<&str>, lang: Lang) -> Result<String, FieldError> {
        self.units_scope(requested, lang)?.ok_or_else(|| {
            FieldError::new(
                "unit",
                "required",
                lang.pick("Cần chọn đơn vị", "Name a unit"),
            )
        })
    }

    /// 403 unless the token may act on `unit`'s records (`Claims::can_write`).
    pub fn of_unit(&self, unit: &str, lang: Lang) -> Result<&Self, ApiError> {
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
            jti: "test-token".into(),
            department: None,
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

    #[test]
    fn unit_scope_is_the_own_unit_or_one_a_city_wide_role_names() {
        let clerk = staff(Role::Clerk, "phuong-lang");
        assert_eq!(
            clerk.unit_scope(None, Lang::Vi).ok().as_deref(),
            Some("phuong-lang")
        );
        let other = clerk.units_scope(Some("phuong-kim-lien"), Lang::Vi);
        assert_eq!(other.err().map(|e| e.code), Some("unknown_unit".into()));
        let admin = staff(Role::CityAdmin, doithoai_auth::CITY_SCOPE);
        assert_eq!(admin.units_scope(None, Lang::Vi).ok(), Some(None));
        let unnamed = admin.unit_scope(None, Lang::Vi);
        assert_eq!(unnamed.err().map(|e| e.code), Some("required".into()));
        let named = admin.unit_scope(Some("phuong-lang"), Lang::Vi);
        assert_eq!(named.ok().as_deref(), Some("phuong-lang"));
    }
}
