//! The portal's signing key: Ed25519 (EdDSA), kept in a PKCS#8 PEM file only the portal reads
//! (`PORTAL_SIGNING_KEY_FILE`, written once by `portal keygen <file>`). The portal signs each
//! staff request's short-lived token with it and serves the public half as a JSON Web Key Set
//! (`/.well-known/jwks.json`); the services verify with that set alone
//! ([`doithoai_auth::keys`]), so no service can mint a token.

pub use doithoai_auth::keys::{SigningKey, generate_pem};

/// How long a token minted for one request to a service lives.
pub const TOKEN_SECONDS: i64 = 300;
