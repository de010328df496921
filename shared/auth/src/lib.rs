//! Staff authentication: HS256 JWTs with the algorithm pinned and issuer, audience and expiry
//! checked; every token carries one role and one unit scope.
//!
//! Architecture invariant: a staff request sees only its unit's records. City-wide roles
//! (`city_admin`, `auditor`) carry the unit `hanoi` and see every unit; the auditor changes
//! nothing. Officers and heads also carry their department and act only on its cases; leaders
//! and clerks act unit-wide.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

/// The unit code that stands for the whole city in a token's scope.
pub const CITY_SCOPE: &str = "hanoi";

/// The longest a staff token may live (a working day): a token valid longer is refused, however
/// it was signed.
pub const MAX_TOKEN_SECONDS: i64 = 8 * 3600;

const UNITS_CSV: &str = include_str!("../../../data/hanoi-units.csv");
const BODIES_CSV: &str = include_str!("../../../data/city-bodies.csv");
const DEPARTMENTS_CSV: &str = include_str!("../../../data/departments.csv");

fn codes(csv: &'static str) -> impl Iterator<Item = &'static str> {
    csv.lines()
        .skip(1)
        .filter_map(|l| l.split(',').next())
        .filter(|c| !c.is_empty())
}

/// The city bodies a unit may transfer to (`data/city-bodies.csv`), by code: they work
/// transferred items in their own inbox, so their staff hold tokens too.
pub fn city_bodies() -> impl Iterator<Item = &'static str> {
    codes(BODIES_CSV)
}

/// Whether `role` may hold a token for `unit`: a city-wide role for [`CITY_SCOPE`] only, any
/// other role for one of the 126 wards and communes (`data/hanoi-units.csv`) or a city body.
/// Anything else (a space, a dot, an unknown code) never reaches a query or a subject.
///
/// ```
/// use doithoai_auth::{Role, scope_allowed};
/// assert!(scope_allowed(Role::Clerk, "phuong-lang"));
/// assert!(scope_allowed(Role::Clerk, "so-xay-dung"));
/// assert!(!scope_allowed(Role::Clerk, "phuong lang"));
/// assert!(!scope_allowed(Role::Clerk, "hanoi"));
/// assert!(scope_allowed(Role::CityAdmin, "hanoi"));
/// assert!(!scope_allowed(Role::CityAdmin, "phuong-lang"));
/// ```
pub fn scope_allowed(role: Role, unit: &str) -> bool {
    if role.is_city_wide() {
        unit == CITY_SCOPE
    } else {
        UNIT_SCOPES.contains(unit)
    }
}

/// Whether `department` is a department code of the reference data (`data/departments.csv`).
pub fn is_department(department: &str) -> bool {
    codes(DEPARTMENTS_CSV).any(|c| c == department)
}

/// The unit and city-body codes, read from the compiled-in data once (every staff request
/// checks its token against them).
static UNIT_SCOPES: std::sync::LazyLock<std::collections::HashSet<&'static str>> =
    std::sync::LazyLock::new(|| codes(UNITS_CSV).chain(city_bodies()).collect());

/// Who a staff member is to the platform.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Văn thư / bộ phận tiếp nhận: records what arrives, classifies, forwards.
    Clerk,
    /// Công chức, chuyên viên: drafts answers for the department.
    Officer,
    /// Trưởng phòng: reviews drafts.
    Head,
    /// Chủ tịch / Phó Chủ tịch UBND: approves, signs, chairs dialogues.
    Leader,
    /// City IT / city office: runs the platform across all units.
    CityAdmin,
    /// Reads everything, changes nothing.
    Auditor,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Clerk,
        Role::Officer,
        Role::Head,
        Role::Leader,
        Role::CityAdmin,
        Role::Auditor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Clerk => "clerk",
            Role::Officer => "officer",
            Role::Head => "head",
            Role::Leader => "leader",
            Role::CityAdmin => "city_admin",
            Role::Auditor => "auditor",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Roles whose scope is the whole city.
    pub fn is_city_wide(self) -> bool {
        matches!(self, Role::CityAdmin | Role::Auditor)
    }

    /// Roles that work within one department of their unit (their token names it).
    pub fn is_department_scoped(self) -> bool {
        matches!(self, Role::Officer | Role::Head)
    }
}

/// The claims of a staff token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    /// The staff member's id.
    pub sub: String,
    pub role: Role,
    /// The unit this token may act for, or [`CITY_SCOPE`].
    pub unit: String,
    pub iss: String,
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
    /// The token's own id, by which it can be revoked (`doithoai-revoke`). Required.
    pub jti: String,
    /// The department an officer or head works in (required for them, absent for the other
    /// roles): they act only on its cases.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
}

impl Claims {
    /// Whether this token may see `unit`'s records.
    pub fn can_read(&self, unit: &str) -> bool {
        self.unit == unit || (self.role.is_city_wide() && self.unit == CITY_SCOPE)
    }

    /// Whether this token may change `unit`'s records: only a role of that unit. City-wide
    /// roles change no unit's records (city IT's own settings are checked by role), and the
    /// auditor changes nothing.
    pub fn can_write(&self, unit: &str) -> bool {
        !self.role.is_city_wide() && self.unit == unit
    }

    /// Whether this token may see and act on a record of `department`: an officer or head only
    /// in their own department, every other role in any.
    ///
    /// ```
    /// use doithoai_auth::{AuthConfig, Role};
    /// let cfg = AuthConfig { secret: "x".repeat(32), issuer: "i".into(), audience: "a".into() };
    /// let officer = cfg.verify(&cfg.sign_in("o", Role::Officer, "phuong-lang", Some("van-phong"), 60).unwrap()).unwrap();
    /// assert!(officer.sees_department("van-phong"));
    /// assert!(!officer.sees_department("van-hoa-xa-hoi"));
    /// let leader = cfg.verify(&cfg.sign("l", Role::Leader, "phuong-lang", 60).unwrap()).unwrap();
    /// assert!(leader.sees_department("van-hoa-xa-hoi"));
    /// ```
    pub fn sees_department(&self, department: &str) -> bool {
        !self.role.is_department_scoped() || self.department.as_deref() == Some(department)
    }
}

/// Verification and signing settings.
#[derive(Clone)]
pub struct AuthConfig {
    pub secret: String,
    pub issuer: String,
    pub audience: String,
}

impl std::fmt::Debug for AuthConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthConfig")
            .field("secret", &"<redacted>")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .finish()
    }
}

/// The development secret, used only when `DOITHOAI_DEV_AUTH=1` is set and the service binds to
/// loopback; a service refuses to start without a real `JWT_SECRET` otherwise.
pub const DEV_SECRET: &str = "doithoai-local-development-secret-change-me";

impl AuthConfig {
    /// From `JWT_SECRET` (required), `JWT_ISSUER` (default `doithoai`) and `JWT_AUDIENCE`
    /// (default `doithoai-api`). A missing secret, or one shorter than 32 bytes, is refused.
    pub fn from_env() -> anyhow::Result<Self> {
        let secret = std::env::var("JWT_SECRET").map_err(|_| {
            anyhow::anyhow!("JWT_SECRET is not set (the services' signing key, at least 32 bytes)")
        })?;
        anyhow::ensure!(
            secret.len() >= 32,
            "JWT_SECRET must be at least 32 bytes long"
        );
        Ok(Self {
            secret,
            issuer: std::env::var("JWT_ISSUER").unwrap_or_else(|_| "doithoai".to_owned()),
            audience: std::env::var("JWT_AUDIENCE").unwrap_or_else(|_| "doithoai-api".to_owned()),
        })
    }

    /// Signs a token for `role` in `unit`, valid for `ttl_seconds` (an officer's or head's needs
    /// a department: [`AuthConfig::sign_in`]).
    ///
    /// ```
    /// use doithoai_auth::{AuthConfig, Role};
    /// let cfg = AuthConfig { secret: "x".repeat(32), issuer: "i".into(), audience: "a".into() };
    /// let token = cfg.sign("u1", Role::Clerk, "phuong-lang", 60).unwrap();
    /// assert_eq!(cfg.verify(&token).unwrap().unit, "phuong-lang");
    /// ```
    pub fn sign(
        &self,
        sub: &str,
        role: Role,
        unit: &str,
        ttl_seconds: i64,
    ) -> Result<String, AuthError> {
        self.sign_in(sub, role, unit, None, ttl_seconds)
    }

    /// Signs a token for `role` in `unit` and, for an officer or head, `department`.
    pub fn sign_in(
        &self,
        sub: &str,
        role: Role,
        unit: &str,
        department: Option<&str>,
        ttl_seconds: i64,
    ) -> Result<String, AuthError> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: sub.to_owned(),
            role,
            unit: unit.to_owned(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            exp: now + ttl_seconds,
            iat: now,
            jti: uuid::Uuid::new_v4().to_string(),
            department: department.map(str::to_owned),
        };
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(self.secret.as_bytes()),
        )
        .map_err(|_| AuthError::Signing)
    }

    /// Verifies signature (HS256 only), issuer, audience and expiry (30 s leeway); that the
    /// token was issued for at most [`MAX_TOKEN_SECONDS`] and not in the future; and that its
    /// role may hold its unit ([`scope_allowed`]).
    pub fn verify(&self, token: &str) -> Result<Claims, AuthError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 30;
        let claims = jsonwebtoken::decode::<Claims>(
            token,
            &DecodingKey::from_secret(self.secret.as_bytes()),
            &validation,
        )
        .map(|data| data.claims)
        .map_err(|e| AuthError::Invalid(e.to_string()))?;
        let now = chrono::Utc::now().timestamp();
        if claims.iat > now + 30 || claims.exp - claims.iat > MAX_TOKEN_SECONDS {
            return Err(AuthError::Invalid(format!(
                "lifetime over {MAX_TOKEN_SECONDS} s or issued in the future"
            )));
        }
        if !scope_allowed(claims.role, &claims.unit) {
            return Err(AuthError::Invalid(format!(
                "role {} may not hold unit {:?}",
                claims.role.as_str(),
                claims.unit
            )));
        }
        let department_fits = match (&claims.department, claims.role.is_department_scoped()) {
            (Some(d), true) => is_department(d),
            (None, scoped) => !scoped,
            (Some(_), false) => false,
        };
        if !department_fits {
            return Err(AuthError::Invalid(format!(
                "role {} needs {} department, and a known one",
                claims.role.as_str(),
                if claims.role.is_department_scoped() {
                    "its"
                } else {
                    "no"
                }
            )));
        }
        Ok(claims)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("token could not be signed")]
    Signing,
    #[error("token is invalid: {0}")]
    Invalid(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> AuthConfig {
        AuthConfig {
            secret: "s".repeat(40),
            issuer: "doithoai".into(),
            audience: "doithoai-api".into(),
        }
    }

    #[test]
    fn token_signed_with_another_secret_is_refused() {
        let other = AuthConfig {
            secret: "t".repeat(40),
            ..cfg()
        };
        let token = other.sign("a", Role::Clerk, "phuong-lang", 60).unwrap();
        assert!(cfg().verify(&token).is_err());
    }

    #[test]
    fn expired_token_is_refused() {
        let token = cfg().sign("a", Role::Clerk, "phuong-lang", -120).unwrap();
        assert!(cfg().verify(&token).is_err());
    }

    #[test]
    fn token_for_another_audience_is_refused() {
        let other = AuthConfig {
            audience: "elsewhere".into(),
            ..cfg()
        };
        let token = other.sign("a", Role::Clerk, "phuong-lang", 60).unwrap();
        assert!(cfg().verify(&token).is_err());
    }

    #[test]
    fn token_with_another_algorithm_is_refused() {
        let c = cfg();
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: "a".into(),
            role: Role::Leader,
            unit: "phuong-lang".into(),
            iss: c.issuer.clone(),
            aud: c.audience.clone(),
            exp: now + 60,
            iat: now,
            jti: "test-token".into(),
            department: None,
        };
        let token = jsonwebtoken::encode(
            &Header::new(Algorithm::HS512),
            &claims,
            &EncodingKey::from_secret(c.secret.as_bytes()),
        )
        .unwrap();
        assert!(c.verify(&token).is_err());
    }

    #[test]
    fn ward_staff_cannot_read_another_ward_and_auditor_cannot_write() {
        let clerk = cfg()
            .verify(&cfg().sign("a", Role::Clerk, "phuong-lang", 60).unwrap())
            .unwrap();
        assert!(clerk.can_read("phuong-lang"));
        assert!(!clerk.can_read("phuong-ba-dinh"));
        let auditor = cfg()
            .verify(&cfg().sign("b", Role::Auditor, CITY_SCOPE, 60).unwrap())
            .unwrap();
        assert!(auditor.can_read("phuong-ba-dinh"));
        assert!(!auditor.can_write("phuong-ba-dinh"));
        let admin = cfg()
            .verify(&cfg().sign("c", Role::CityAdmin, CITY_SCOPE, 60).unwrap())
            .unwrap();
        assert!(admin.can_read("phuong-lang"));
        assert!(!admin.can_write("phuong-lang"), "no city_admin shortcut");
        assert!(clerk.can_write("phuong-lang") && !clerk.can_write("phuong-ba-dinh"));
    }

    #[test]
    fn a_token_living_longer_than_a_working_day_or_for_an_unknown_unit_is_refused() {
        let long = cfg()
            .sign("a", Role::Clerk, "phuong-lang", 100 * 365 * 86400)
            .unwrap();
        assert!(cfg().verify(&long).is_err(), "a 100-year token");
        let ok = cfg()
            .sign("a", Role::Clerk, "phuong-lang", MAX_TOKEN_SECONDS)
            .unwrap();
        assert!(cfg().verify(&ok).is_ok());
        for unit in ["phuong lang", "phuong.lang", "nowhere", "hanoi"] {
            let t = cfg().sign("a", Role::Clerk, unit, 60).unwrap();
            assert!(cfg().verify(&t).is_err(), "{unit:?}");
        }
        let t = cfg().sign("a", Role::CityAdmin, "phuong-lang", 60).unwrap();
        assert!(cfg().verify(&t).is_err(), "a city-wide role holds the city");
    }

    /// Officers and heads act within their department: their token must name a known one;
    /// the other roles name none.
    #[test]
    fn an_officer_or_head_needs_a_known_department_and_no_one_else_has_one() {
        let c = cfg();
        let sign = |role, dept| c.sign_in("a", role, "phuong-lang", dept, 60).unwrap();
        assert!(c.verify(&sign(Role::Officer, None)).is_err());
        assert!(c.verify(&sign(Role::Head, Some("phong-khong-co"))).is_err());
        assert!(c.verify(&sign(Role::Clerk, Some("van-phong"))).is_err());
        let head = c.verify(&sign(Role::Head, Some("van-hoa-xa-hoi"))).unwrap();
        assert_eq!(head.department.as_deref(), Some("van-hoa-xa-hoi"));
        assert!(head.sees_department("van-hoa-xa-hoi") && !head.sees_department("van-phong"));
        assert!(
            c.verify(&sign(Role::Leader, None))
                .unwrap()
                .sees_department("van-phong")
        );
    }
}
