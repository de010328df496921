//! The portal's signing key: Ed25519 (EdDSA), kept in a PKCS#8 PEM file only the portal
//! reads (`PORTAL_SIGNING_KEY_FILE`, written once by `portal keygen <file>`). The portal signs
//! each staff request's short-lived token with it and serves the public half as a JSON Web
//! Key Set (`/.well-known/jwks.json`); the services verify with that set alone, so no
//! service can mint a token.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use doithoai_auth::{Claims, Role};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use sha2::{Digest, Sha256};

/// The PKCS#8 v1 prefix of an Ed25519 private key (RFC 8410): the 32-byte seed follows.
const PKCS8_ED25519: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

/// How long a token minted for one request to a service lives.
pub const TOKEN_SECONDS: i64 = 300;

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
    use argon2::password_hash::rand_core::{OsRng, RngCore};
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
    /// Reads a PKCS#8 PEM Ed25519 key (as `generate_pem` or `openssl genpkey -algorithm
    /// ed25519` writes it).
    ///
    /// ```
    /// let key = portal::keys::SigningKey::from_pem(&portal::keys::generate_pem(), "doithoai", "doithoai-api").unwrap();
    /// assert_eq!(key.kid.len(), 16);
    /// let jwks = key.jwks();
    /// assert_eq!(jwks["keys"][0]["kty"], "OKP");
    /// assert_eq!(jwks["keys"][0]["crv"], "Ed25519");
    /// assert!(portal::keys::SigningKey::from_pem("not a key", "i", "a").is_err());
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

    /// The public key set the services verify with.
    pub fn jwks(&self) -> serde_json::Value {
        serde_json::json!({"keys": [{
            "kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig",
            "kid": self.kid, "x": URL_SAFE_NO_PAD.encode(self.public),
        }]})
    }

    /// A token for one request of a signed-in staff member.
    pub fn mint(
        &self,
        username: &str,
        role: Role,
        unit: &str,
        department: Option<&str>,
    ) -> anyhow::Result<String> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: username.to_owned(),
            role,
            unit: unit.to_owned(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            exp: now + TOKEN_SECONDS,
            iat: now,
            jti: uuid::Uuid::new_v4().to_string(),
            department: department.map(str::to_owned),
        };
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.kid.clone());
        Ok(jsonwebtoken::encode(&header, &claims, &self.encoding)?)
    }
}
