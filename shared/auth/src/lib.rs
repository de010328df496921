//! Staff authentication: JWTs with the algorithm pinned and issuer, audience and expiry checked;
//! every token carries one role and one unit scope. Services verify with public keys
//! ([`Verifier`] over a [`keys::KeySet`]: the portal's, or the city's identity provider's);
//! the HS256 shared secret ([`AuthConfig`]) is for tests and local tools only.
//!
//! Architecture invariant: a staff request sees only its unit's records. City-wide roles
//! (`city_admin`, `auditor`) carry the unit `hanoi` and see every unit; the auditor changes
//! nothing. Officers and heads also carry their department and act only on its cases; leaders
//! and clerks act unit-wide.

pub mod keys;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

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
    /// The claims of a new token, issued now and valid for `ttl_seconds`, with a fresh `jti`.
    pub fn new(
        sub: &str,
        role: Role,
        unit: &str,
        department: Option<&str>,
        issuer: &str,
        audience: &str,
        ttl_seconds: i64,
    ) -> Claims {
        let now = chrono::Utc::now().timestamp();
        Claims {
            sub: sub.to_owned(),
            role,
            unit: unit.to_owned(),
            iss: issuer.to_owned(),
            aud: audience.to_owned(),
            exp: now + ttl_seconds,
            iat: now,
            jti: uuid::Uuid::new_v4().to_string(),
            department: department.map(str::to_owned),
        }
    }

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
        let claims = Claims::new(
            sub,
            role,
            unit,
            department,
            &self.issuer,
            &self.audience,
            ttl_seconds,
        );
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(self.secret.as_bytes()),
        )
        .map_err(|_| AuthError::Signing)
    }

    /// Verifies an HS256 token: signature, issuer, audience, expiry, lifetime and scope, as
    /// [`Verifier::verify`] does.
    pub fn verify(&self, token: &str) -> Result<Claims, AuthError> {
        Verifier::shared_secret(self.clone()).verify(token)
    }
}

/// Where a token carries the role, the unit and the department: a claim name, or a dotted path
/// into nested claims (Keycloak puts realm roles in `realm_access.roles`). A role claim may be
/// a string or an array (the first entry that, less `role_prefix`, names a role is taken).
#[derive(Debug, Clone)]
pub struct ClaimNames {
    pub role: String,
    pub role_prefix: String,
    pub unit: String,
    pub department: String,
}

impl Default for ClaimNames {
    fn default() -> Self {
        ClaimNames {
            role: "role".into(),
            role_prefix: String::new(),
            unit: "unit".into(),
            department: "department".into(),
        }
    }
}

fn at_path<'a>(claims: &'a serde_json::Value, path: &str) -> Option<&'a serde_json::Value> {
    path.split('.').try_fold(claims, |v, part| v.get(part))
}

impl ClaimNames {
    /// The role, unit and department of decoded `claims`.
    fn read(
        &self,
        claims: &serde_json::Value,
    ) -> Result<(Role, String, Option<String>), AuthError> {
        let parse = |v: &serde_json::Value| {
            v.as_str()
                .and_then(|s| s.strip_prefix(self.role_prefix.as_str()))
                .and_then(Role::parse)
        };
        let role = match at_path(claims, &self.role) {
            Some(serde_json::Value::Array(roles)) => roles.iter().find_map(parse),
            Some(v) => parse(v),
            None => None,
        }
        .ok_or_else(|| AuthError::Invalid(format!("no known role in claim {}", self.role)))?;
        let unit = at_path(claims, &self.unit)
            .and_then(|v| v.as_str())
            .ok_or_else(|| AuthError::Invalid(format!("no unit in claim {}", self.unit)))?
            .to_owned();
        let department = match at_path(claims, &self.department) {
            None | Some(serde_json::Value::Null) => None,
            Some(v) => Some(
                v.as_str()
                    .ok_or_else(|| {
                        AuthError::Invalid(format!("claim {} is not text", self.department))
                    })?
                    .to_owned(),
            ),
        };
        Ok((role, unit, department))
    }
}

/// How a service verifies staff tokens: public keys by `kid` (EdDSA, RS*, PS*, ES*), and the
/// HS256 shared secret only where one is configured (tests, local tools).
#[derive(Debug, Clone)]
pub struct Verifier {
    pub issuer: String,
    pub audience: String,
    pub keys: Arc<keys::KeySet>,
    pub names: ClaimNames,
    secret: Option<String>,
}

impl Verifier {
    /// A verifier of public-key tokens only.
    pub fn public_keys(
        issuer: &str,
        audience: &str,
        keys: Arc<keys::KeySet>,
        names: ClaimNames,
    ) -> Self {
        Verifier {
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            keys,
            names,
            secret: None,
        }
    }

    /// A verifier of HS256 tokens signed with `cfg`'s secret only.
    pub fn shared_secret(cfg: AuthConfig) -> Self {
        Verifier {
            issuer: cfg.issuer,
            audience: cfg.audience,
            keys: Arc::default(),
            names: ClaimNames::default(),
            secret: Some(cfg.secret),
        }
    }

    /// The same verifier, also taking HS256 tokens signed with `secret` (tests, local tools).
    pub fn with_shared_secret(mut self, secret: Option<String>) -> Self {
        self.secret = secret;
        self
    }

    /// Whether HS256 tokens are taken.
    pub fn takes_shared_secret(&self) -> bool {
        self.secret.is_some()
    }

    /// The key id of a token, if its header names one: a verifier that does not know it may
    /// read its key set again.
    pub fn kid_of(token: &str) -> Option<String> {
        jsonwebtoken::decode_header(token).ok()?.kid
    }

    /// Verifies the signature (the algorithm is the key's, never the token's choice), issuer,
    /// audience (a string or an array holding ours) and expiry (30 s leeway); that the token
    /// was issued for at most [`MAX_TOKEN_SECONDS`] and not in the future, has a `jti`; and
    /// that its role may hold its unit ([`scope_allowed`]) and department.
    pub fn verify(&self, token: &str) -> Result<Claims, AuthError> {
        let header =
            jsonwebtoken::decode_header(token).map_err(|e| AuthError::Invalid(e.to_string()))?;
        let (alg, key) = match (header.alg, &self.secret, header.kid.as_deref()) {
            (Algorithm::HS256, Some(secret), _) => (
                Algorithm::HS256,
                DecodingKey::from_secret(secret.as_bytes()),
            ),
            (Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512, _, _) => {
                return Err(AuthError::Invalid(
                    "a shared-secret token is not taken here".into(),
                ));
            }
            (_, _, None) => return Err(AuthError::Invalid("the token names no key (kid)".into())),
            (alg, _, Some(kid)) => match self.keys.get(kid) {
                Some((key_alg, key)) if key_alg == alg => (alg, key),
                Some(_) => {
                    return Err(AuthError::Invalid(format!("key {kid} is not for {alg:?}")));
                }
                None => return Err(AuthError::Invalid(format!("unknown key {kid}"))),
            },
        };
        let mut validation = Validation::new(alg);
        validation.algorithms = vec![alg];
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 30;
        let raw = jsonwebtoken::decode::<serde_json::Value>(token, &key, &validation)
            .map(|data| data.claims)
            .map_err(|e| AuthError::Invalid(e.to_string()))?;
        let text = |name: &str| raw.get(name).and_then(|v| v.as_str()).map(str::to_owned);
        let number = |name: &str| raw.get(name).and_then(|v| v.as_i64());
        let (role, unit, department) = self.names.read(&raw)?;
        let (Some(sub), Some(jti), Some(exp), Some(iat)) =
            (text("sub"), text("jti"), number("exp"), number("iat"))
        else {
            return Err(AuthError::Invalid(
                "sub, jti, exp and iat are required".into(),
            ));
        };
        let claims = Claims {
            sub,
            role,
            unit,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            exp,
            iat,
            jti,
            department,
        };
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

#[cfg(test)]
mod public_key_tests {
    use super::keys::{KeySet, SigningKey, generate_pem};
    use super::*;

    fn key() -> SigningKey {
        SigningKey::from_pem(&generate_pem(), "doithoai", "doithoai-api").unwrap()
    }

    fn verifier(keys: &[&SigningKey]) -> Verifier {
        let set = Arc::new(KeySet::default());
        let mut all = serde_json::json!({"keys": []});
        for k in keys {
            all["keys"]
                .as_array_mut()
                .unwrap()
                .push(k.jwks()["keys"][0].clone());
        }
        set.load(&all.to_string()).unwrap();
        Verifier::public_keys("doithoai", "doithoai-api", set, ClaimNames::default())
    }

    #[test]
    fn a_portal_token_is_verified_with_the_public_key_set_alone() {
        let k = key();
        let v = verifier(&[&k]);
        let t = k
            .mint("an", Role::Officer, "phuong-lang", Some("van-phong"), 300)
            .unwrap();
        let c = v.verify(&t).unwrap();
        assert_eq!((c.role, c.unit.as_str()), (Role::Officer, "phuong-lang"));
        assert_eq!(c.department.as_deref(), Some("van-phong"));
        assert!(!v.takes_shared_secret());
    }

    #[test]
    fn a_token_of_a_key_not_in_the_set_or_a_shared_secret_token_is_refused() {
        let v = verifier(&[&key()]);
        let stranger = key()
            .mint("x", Role::Leader, "phuong-lang", None, 300)
            .unwrap();
        assert!(v.verify(&stranger).is_err());
        let hs = AuthConfig {
            secret: "s".repeat(40),
            issuer: "doithoai".into(),
            audience: "doithoai-api".into(),
        }
        .sign("x", Role::Leader, "phuong-lang", 60)
        .unwrap();
        assert!(
            v.verify(&hs).is_err(),
            "no secret configured: HS256 refused"
        );
    }

    /// Rotation: the set holds the old and the new key; tokens of either are verified by kid.
    #[test]
    fn both_keys_of_a_rotation_verify_by_kid() {
        let (old, new) = (key(), key());
        let v = verifier(&[&old, &new]);
        for k in [&old, &new] {
            let t = k.mint("a", Role::Clerk, "phuong-lang", None, 300).unwrap();
            assert!(v.verify(&t).is_ok());
        }
        v.keys.load(&new.jwks().to_string()).unwrap();
        let t = old
            .mint("a", Role::Clerk, "phuong-lang", None, 300)
            .unwrap();
        assert!(v.verify(&t).is_err(), "the retired key no longer verifies");
    }

    /// An identity provider's token: `aud` an array, the roles nested and prefixed, the unit and
    /// department under other names — mapped by configuration.
    #[test]
    fn an_identity_providers_token_is_read_through_the_claim_mapping() {
        let k = key();
        let mut v = verifier(&[&k]);
        v.names = ClaimNames {
            role: "realm_access.roles".into(),
            role_prefix: "doithoai-".into(),
            unit: "ward".into(),
            department: "dept".into(),
        };
        let now = chrono::Utc::now().timestamp();
        let claims = serde_json::json!({
            "sub": "f3a1", "iss": "doithoai", "aud": ["account", "doithoai-api"],
            "exp": now + 300, "iat": now, "jti": "j1", "ward": "phuong-lang", "dept": "van-phong",
            "realm_access": {"roles": ["offline_access", "doithoai-head"]},
        });
        let mut h = Header::new(Algorithm::EdDSA);
        h.kid = Some(k.kid.clone());
        let ours = k
            .mint("probe", Role::Clerk, "phuong-lang", None, 60)
            .unwrap();
        assert!(
            v.verify(&ours).is_err(),
            "the default claim names are no longer read"
        );
        let token = k.encode(&h, &claims).unwrap();
        let c = v.verify(&token).unwrap();
        assert_eq!(c.role, Role::Head);
        assert_eq!(c.unit, "phuong-lang");
        assert_eq!(c.department.as_deref(), Some("van-phong"));
        let other_aud = serde_json::json!({
            "sub": "f3a1", "iss": "doithoai", "aud": ["account"], "exp": now + 300, "iat": now,
            "jti": "j2", "ward": "phuong-lang", "dept": "van-phong",
            "realm_access": {"roles": ["doithoai-head"]},
        });
        assert!(v.verify(&k.encode(&h, &other_aud).unwrap()).is_err());
    }

    /// The algorithm is the key's: a token saying HS256, "signed" with the public key's bytes,
    /// or claiming another algorithm for the kid, is refused.
    #[test]
    fn a_token_cannot_choose_its_algorithm() {
        let k = key();
        let v = verifier(&[&k]);
        let claims = Claims::new(
            "a",
            Role::Leader,
            "phuong-lang",
            None,
            "doithoai",
            "doithoai-api",
            60,
        );
        let x = k.jwks()["keys"][0]["x"].as_str().unwrap().to_owned();
        let mut h = Header::new(Algorithm::HS256);
        h.kid = Some(k.kid.clone());
        let forged =
            jsonwebtoken::encode(&h, &claims, &EncodingKey::from_secret(x.as_bytes())).unwrap();
        assert!(v.verify(&forged).is_err());
    }
}
