//! Asymmetric staff tokens. The portal signs each staff request's short-lived token with its
//! Ed25519 key ([`SigningKey`], a PKCS#8 PEM file only the portal reads) and serves the public
//! half as a JSON Web Key Set; the services verify with a [`KeySet`] loaded from that set (or
//! from the city's identity provider's), so no service can mint a token.
//!
//! Architecture invariant: a service holds public keys only. The HS256 shared secret remains
//! for the test suites and `doithoai-token` alone.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::RwLock;

use crate::{AuthError, Claims, Role};

/// The PKCS#8 v1 prefix of an Ed25519 private key (RFC 8410): the 32-byte seed follows.
const PKCS8_ED25519: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

/// An Ed25519 signing key with its key id and the issuer and audience it signs for.
pub struct SigningKey {
    encoding: EncodingKey,
    /// The raw public key.
    public: [u8; 32],
    /// The key's id: the first 16 hex digits of the SHA-256 of the public key.
    pub kid: String,
    pub issuer: String,
    pub audience: String,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish()
    }
}

/// A new key as PKCS#8 PEM, from the operating system's randomness.
pub fn generate_pem() -> String {
    use rand_core::{OsRng, RngCore};
    let mut seed = [0u8; 32];
    OsRng.fill_bytes(&mut seed);
    let mut der = PKCS8_ED25519.to_vec();
    der.extend_from_slice(&seed);
    format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        STANDARD.encode(der)
    )
}

impl SigningKey {
    /// Reads a PKCS#8 PEM Ed25519 key (as [`generate_pem`] or `openssl genpkey -algorithm
    /// ed25519` writes it).
    ///
    /// ```
    /// use doithoai_auth::keys::{SigningKey, generate_pem};
    /// let key = SigningKey::from_pem(&generate_pem(), "doithoai", "doithoai-api").unwrap();
    /// assert_eq!(key.kid.len(), 16);
    /// let jwks = key.jwks();
    /// assert_eq!(jwks["keys"][0]["kty"], "OKP");
    /// assert_eq!(jwks["keys"][0]["crv"], "Ed25519");
    /// assert!(SigningKey::from_pem("not a key", "i", "a").is_err());
    /// ```
    pub fn from_pem(pem: &str, issuer: &str, audience: &str) -> anyhow::Result<Self> {
        let body: String = pem
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect::<Vec<_>>()
            .concat();
        let der = STANDARD
            .decode(body.trim())
            .map_err(|e| anyhow::anyhow!("signing key: not PEM: {e}"))?;
        anyhow::ensure!(
            der.len() == 48 && der[..16] == PKCS8_ED25519,
            "signing key: not a PKCS#8 Ed25519 private key"
        );
        let mut seed = [0u8; 32];
        seed.copy_from_slice(&der[16..]);
        let public = ed25519_dalek::SigningKey::from_bytes(&seed)
            .verifying_key()
            .to_bytes();
        let kid = hex::encode(&Sha256::digest(public)[..8]);
        Ok(SigningKey {
            encoding: EncodingKey::from_ed_der(&der),
            public,
            kid,
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
        })
    }

    /// Reads the key from a PEM file, naming the file in the error.
    pub fn from_file(path: &str, issuer: &str, audience: &str) -> anyhow::Result<Self> {
        let pem = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("reading the signing key {path}: {e}"))?;
        Self::from_pem(&pem, issuer, audience)
    }

    /// The public key set the services verify with.
    pub fn jwks(&self) -> serde_json::Value {
        serde_json::json!({"keys": [{
            "kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig",
            "kid": self.kid, "x": URL_SAFE_NO_PAD.encode(self.public),
        }]})
    }

    /// Signs any claims with this key under `header` (an identity provider's shape, in tests).
    pub fn encode<T: serde::Serialize>(
        &self,
        header: &Header,
        claims: &T,
    ) -> Result<String, AuthError> {
        jsonwebtoken::encode(header, claims, &self.encoding).map_err(|_| AuthError::Signing)
    }

    /// A token for `sub` acting as `role` in `unit` (and, for an officer or head,
    /// `department`), valid for `ttl_seconds`.
    pub fn mint(
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
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.kid.clone());
        self.encode(&header, &claims)
    }
}

/// The public keys staff tokens are verified with, by key id, as a JWKS gives them; replaced
/// whole when the set is read again (key rotation: the issuer publishes the new key beside the
/// old one before it signs with it). Symmetric (`oct`) and encryption keys are never taken
/// from a key set.
#[derive(Default)]
pub struct KeySet {
    keys: RwLock<HashMap<String, (Algorithm, DecodingKey)>>,
}

impl std::fmt::Debug for KeySet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kids: Vec<String> = self
            .keys
            .read()
            .map(|k| k.keys().cloned().collect())
            .unwrap_or_default();
        f.debug_struct("KeySet").field("kids", &kids).finish()
    }
}

/// The algorithm a JWK is for: its `alg`, else what its key type implies. `None` for keys a
/// staff token may not be verified with.
fn algorithm_of(jwk: &Jwk) -> Option<Algorithm> {
    if matches!(
        jwk.common.public_key_use,
        Some(PublicKeyUse::Encryption | PublicKeyUse::Other(_))
    ) {
        return None;
    }
    let declared = jwk.common.key_algorithm;
    let alg = match (&jwk.algorithm, declared) {
        (AlgorithmParameters::OctetKey(_) | AlgorithmParameters::Other(_), _) => return None,
        (AlgorithmParameters::OctetKeyPair(_), None | Some(KeyAlgorithm::EdDSA)) => {
            Algorithm::EdDSA
        }
        (AlgorithmParameters::RSA(_), None | Some(KeyAlgorithm::RS256)) => Algorithm::RS256,
        (AlgorithmParameters::RSA(_), Some(KeyAlgorithm::RS384)) => Algorithm::RS384,
        (AlgorithmParameters::RSA(_), Some(KeyAlgorithm::RS512)) => Algorithm::RS512,
        (AlgorithmParameters::RSA(_), Some(KeyAlgorithm::PS256)) => Algorithm::PS256,
        (AlgorithmParameters::RSA(_), Some(KeyAlgorithm::PS384)) => Algorithm::PS384,
        (AlgorithmParameters::RSA(_), Some(KeyAlgorithm::PS512)) => Algorithm::PS512,
        (AlgorithmParameters::EllipticCurve(p), None | Some(KeyAlgorithm::ES256))
            if p.curve == EllipticCurve::P256 =>
        {
            Algorithm::ES256
        }
        (AlgorithmParameters::EllipticCurve(p), None | Some(KeyAlgorithm::ES384))
            if p.curve == EllipticCurve::P384 =>
        {
            Algorithm::ES384
        }
        _ => return None,
    };
    Some(alg)
}

impl KeySet {
    /// Replaces the keys with those of a JWKS document; returns how many it took. A key
    /// without `kid`, symmetric, for encryption or of an algorithm not supported is passed
    /// over (an identity provider's set often has an encryption key beside its signing keys);
    /// a document that is not a key set, or has no usable key, is refused and the old keys kept.
    ///
    /// ```
    /// use doithoai_auth::keys::{KeySet, SigningKey, generate_pem};
    /// let key = SigningKey::from_pem(&generate_pem(), "i", "a").unwrap();
    /// let set = KeySet::default();
    /// assert_eq!(set.load(&key.jwks().to_string()).unwrap(), 1);
    /// assert!(set.contains(&key.kid));
    /// assert!(set.load(r#"{"keys": [{"kty": "oct", "kid": "s", "k": "c2VjcmV0"}]}"#).is_err());
    /// assert!(set.contains(&key.kid), "a refused document leaves the keys as they were");
    /// ```
    pub fn load(&self, jwks: &str) -> Result<usize, AuthError> {
        #[derive(serde::Deserialize)]
        struct Doc {
            keys: Vec<serde_json::Value>,
        }
        let doc: Doc = serde_json::from_str(jwks)
            .map_err(|e| AuthError::Invalid(format!("not a JSON Web Key Set: {e}")))?;
        let mut keys = HashMap::new();
        for value in doc.keys {
            let Ok(jwk) = serde_json::from_value::<Jwk>(value) else {
                continue;
            };
            let (Some(kid), Some(alg)) = (jwk.common.key_id.clone(), algorithm_of(&jwk)) else {
                continue;
            };
            if let Ok(key) = DecodingKey::from_jwk(&jwk) {
                keys.insert(kid, (alg, key));
            }
        }
        if keys.is_empty() {
            return Err(AuthError::Invalid(
                "the key set has no signing key with a kid".into(),
            ));
        }
        let n = keys.len();
        if let Ok(mut held) = self.keys.write() {
            *held = keys;
        }
        Ok(n)
    }

    /// Whether the set holds a key with this id.
    pub fn contains(&self, kid: &str) -> bool {
        self.keys.read().is_ok_and(|k| k.contains_key(kid))
    }

    /// How many keys the set holds.
    pub fn len(&self) -> usize {
        self.keys.read().map(|k| k.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The key and algorithm for `kid`.
    pub(crate) fn get(&self, kid: &str) -> Option<(Algorithm, DecodingKey)> {
        self.keys.read().ok()?.get(kid).cloned()
    }
}
