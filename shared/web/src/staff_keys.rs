//! Where a service gets the keys it verifies staff tokens with ([`doithoai_auth::Verifier`]).
//!
//! - `AUTH_JWKS_URL`: a JSON Web Key Set served over HTTP(S) — the portal's
//!   `/.well-known/jwks.json`, or the city's identity provider's (Keycloak, VNeID through
//!   OIDC). Read at start (a set not reachable yet is read again every 10 s, and tokens are
//!   refused until it is), then every `AUTH_JWKS_REFRESH_SECONDS` (300), and soon after a
//!   token names a key the set does not hold (at most every 10 s): so a new key published
//!   beside the old one before it signs anything is taken without a restart.
//! - `AUTH_JWKS_FILE`: the same set as a file (a mounted ConfigMap), read likewise.
//! - `AUTH_JWKS`: the set itself, as the setting's value.
//! - `JWT_SECRET`: the HS256 shared secret, for the test suites and local tools only; a
//!   deployment that sets one of the above needs none.
//!
//! Claims are mapped by `AUTH_ROLE_CLAIM` (`role`; a dotted path such as
//! `realm_access.roles` reads nested claims), `AUTH_ROLE_PREFIX` (``), `AUTH_UNIT_CLAIM`
//! (`unit`) and `AUTH_DEPARTMENT_CLAIM` (`department`); `JWT_ISSUER` (`doithoai`) and
//! `JWT_AUDIENCE` (`doithoai-api`: a token's `aud` may be an array holding it).
//!
//! Architecture invariant: a service holds public keys only (outside tests); it can verify a
//! staff token and never mint one.

use crate::Settings;
use doithoai_auth::keys::KeySet;
use doithoai_auth::{AuthError, ClaimNames, Claims, Verifier};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// Where the key set is read from.
#[derive(Debug, Clone)]
enum Source {
    Url(String),
    File(String),
}

/// The verifier of a service, and how its key set is kept fresh.
#[derive(Clone, Debug)]
pub struct StaffKeys {
    pub verifier: Verifier,
    source: Option<Source>,
    refresh: Duration,
    /// When a refresh was last asked for because a token named an unknown key (Unix seconds).
    last_unknown: Arc<AtomicI64>,
    http: Option<reqwest::Client>,
}

impl StaffKeys {
    /// The verifier the settings describe; an error names what is missing or wrong.
    pub fn from_settings(settings: &Settings, secret: Option<String>) -> anyhow::Result<Self> {
        let names = ClaimNames {
            role: settings.string("AUTH_ROLE_CLAIM", "role"),
            role_prefix: settings.string("AUTH_ROLE_PREFIX", ""),
            unit: settings.string("AUTH_UNIT_CLAIM", "unit"),
            department: settings.string("AUTH_DEPARTMENT_CLAIM", "department"),
        };
        let keys = Arc::new(KeySet::default());
        if let Some(inline) = settings.raw("AUTH_JWKS") {
            keys.load(&inline)
                .map_err(|e| anyhow::anyhow!("setting AUTH_JWKS: {e}"))?;
        }
        let source = match (
            settings.raw("AUTH_JWKS_URL"),
            settings.raw("AUTH_JWKS_FILE"),
        ) {
            (Some(_), Some(_)) => {
                anyhow::bail!("set AUTH_JWKS_URL or AUTH_JWKS_FILE, not both")
            }
            (Some(url), None) => {
                anyhow::ensure!(
                    url.starts_with("https://") || url.starts_with("http://"),
                    "setting AUTH_JWKS_URL must be an http(s) URL"
                );
                Some(Source::Url(url))
            }
            (None, Some(file)) => Some(Source::File(file)),
            (None, None) => None,
        };
        anyhow::ensure!(
            source.is_some() || !keys.is_empty() || secret.is_some(),
            "staff tokens cannot be verified: set AUTH_JWKS_URL (the portal's or the identity \
             provider's key set), AUTH_JWKS_FILE or AUTH_JWKS; JWT_SECRET is for tests and \
             local tools only"
        );
        let refresh: u64 = settings.parse("AUTH_JWKS_REFRESH_SECONDS", 300)?;
        anyhow::ensure!(
            (10..=86_400).contains(&refresh),
            "setting AUTH_JWKS_REFRESH_SECONDS must be 10 to 86400"
        );
        let http = match source {
            Some(Source::Url(_)) => Some(
                reqwest::Client::builder()
                    .timeout(Duration::from_secs(5))
                    .build()?,
            ),
            _ => None,
        };
        let verifier = Verifier::public_keys(
            &settings.string("JWT_ISSUER", "doithoai"),
            &settings.string("JWT_AUDIENCE", "doithoai-api"),
            keys,
            names,
        )
        .with_shared_secret(secret);
        Ok(StaffKeys {
            verifier,
            source,
            refresh: Duration::from_secs(refresh),
            last_unknown: Arc::default(),
            http,
        })
    }

    /// Reads the key set from its source once; how many keys it holds now.
    pub async fn reload(&self) -> anyhow::Result<usize> {
        let text = match &self.source {
            None => return Ok(self.verifier.keys.len()),
            Some(Source::File(path)) => tokio::fs::read_to_string(path)
                .await
                .map_err(|e| anyhow::anyhow!("reading AUTH_JWKS_FILE {path}: {e}"))?,
            Some(Source::Url(url)) => {
                let Some(http) = &self.http else {
                    anyhow::bail!("no HTTP client for AUTH_JWKS_URL");
                };
                let res = http.get(url).send().await?.error_for_status()?;
                res.text().await?
            }
        };
        let n = self.verifier.keys.load(&text)?;
        Ok(n)
    }

    /// Whether the key set is read from somewhere it can change.
    pub fn refreshes(&self) -> bool {
        self.source.is_some()
    }

    /// How often the set is read again.
    pub fn refresh_every(&self) -> Duration {
        self.refresh
    }

    /// Verifies a staff token ([`Verifier::verify`]). A token naming a key the set does not
    /// hold has the set read again in the background, so the next request with it passes
    /// once its issuer published the key.
    pub fn verify(&self, token: &str) -> Result<Claims, AuthError> {
        let verified = self.verifier.verify(token);
        if verified.is_err() && self.should_refresh_for_unknown(token) {
            let keys = self.clone();
            tokio::spawn(async move {
                if let Err(e) = keys.reload().await {
                    tracing::warn!(error = %format!("{e:#}"), "staff-token key set not read again: {e:#}");
                }
            });
        }
        verified
    }

    /// Whether a token naming an unknown key should make the set be read again now (at most
    /// every 10 s, so forged key ids cannot make a service hammer its identity provider).
    pub(crate) fn should_refresh_for_unknown(&self, token: &str) -> bool {
        if !self.refreshes() {
            return false;
        }
        let Some(kid) = Verifier::kid_of(token) else {
            return false;
        };
        if self.verifier.keys.contains(&kid) {
            return false;
        }
        let now = chrono::Utc::now().timestamp();
        let last = self.last_unknown.load(Ordering::Relaxed);
        now - last >= 10
            && self
                .last_unknown
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
    }
}
