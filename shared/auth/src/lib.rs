//! Staff authentication: HS256 JWTs with the algorithm pinned and issuer, audience and expiry
//! checked; every token carries one role and one unit scope.
//!
//! Architecture invariant: a staff request sees only its unit's records. City-wide roles
//! (`city_admin`, `auditor`) carry the unit `hanoi` and see every unit; the auditor changes
//! nothing.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

/// The unit code that stands for the whole city in a token's scope.
pub const CITY_SCOPE: &str = "hanoi";

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
}

impl Claims {
    /// Whether this token may see `unit`'s records.
    pub fn can_read(&self, unit: &str) -> bool {
        self.unit == unit || (self.role.is_city_wide() && self.unit == CITY_SCOPE)
    }

    /// Whether this token may change `unit`'s records (never for the auditor).
    pub fn can_write(&self, unit: &str) -> bool {
        self.role != Role::Auditor && self.can_read(unit)
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

/// The development secret used when `JWT_SECRET` is not set. Never for a real deployment: the
/// services log a warning when they run with it.
pub const DEV_SECRET: &str = "doithoai-local-development-secret-change-me";

impl AuthConfig {
    /// From `JWT_SECRET`, `JWT_ISSUER` (default `doithoai`) and `JWT_AUDIENCE` (default
    /// `doithoai-api`). A secret shorter than 32 bytes is refused.
    pub fn from_env() -> anyhow::Result<Self> {
        let secret = std::env::var("JWT_SECRET").unwrap_or_else(|_| DEV_SECRET.to_owned());
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

    pub fn uses_dev_secret(&self) -> bool {
        self.secret == DEV_SECRET
    }

    /// Signs a token for `role` in `unit`, valid for `ttl_seconds`.
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
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: sub.to_owned(),
            role,
            unit: unit.to_owned(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            exp: now + ttl_seconds,
            iat: now,
        };
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(self.secret.as_bytes()),
        )
        .map_err(|_| AuthError::Signing)
    }

    /// Verifies signature (HS256 only), issuer, audience and expiry (30 s leeway).
    pub fn verify(&self, token: &str) -> Result<Claims, AuthError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 30;
        jsonwebtoken::decode::<Claims>(
            token,
            &DecodingKey::from_secret(self.secret.as_bytes()),
            &validation,
        )
        .map(|data| data.claims)
        .map_err(|e| AuthError::Invalid(e.to_string()))
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
    }
}
