use crate::helpers::*;
use doithoai_auth::{AuthConfig, Claims, Role};
use doithoai_testkit::{TEST_SECRET, token};

fn sign_with(cfg: AuthConfig, ttl: i64) -> String {
    cfg.sign("clerk@phuong-lang", Role::Clerk, "phuong-lang", ttl)
        .unwrap()
}

#[tokio::test]
async fn staff_endpoint_without_a_token_is_401() {
    let app = spawn_app().await;
    let res = app.get("/api/v1/staff/petitions").await;
    assert!(res.headers().contains_key("www-authenticate"));
    assert_problem(res, 401, "Authorization").await;
}

#[tokio::test]
async fn tokens_with_wrong_signature_algorithm_audience_issuer_or_expiry_are_401() {
    let app = spawn_app().await;
    let good = doithoai_testkit::auth();
    let wrong_secret = sign_with(
        AuthConfig {
            secret: "another-secret-that-is-long-enough-000".into(),
            ..good.clone()
        },
        600,
    );
    let wrong_audience = sign_with(
        AuthConfig {
            audience: "someone-else".into(),
            ..good.clone()
        },
        600,
    );
    let wrong_issuer = sign_with(
        AuthConfig {
            issuer: "evil".into(),
            ..good.clone()
        },
        600,
    );
    let expired = sign_with(good.clone(), -300);
    let now = chrono::Utc::now().timestamp();
    let claims = Claims {
        sub: "x".into(),
        role: Role::Clerk,
        unit: "phuong-lang".into(),
        iss: good.issuer.clone(),
        aud: good.audience.clone(),
        exp: now + 600,
        iat: now,
        jti: "test-token".into(),
        department: None,
    };
    let hs512 = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS512),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(TEST_SECRET.as_bytes()),
    )
    .unwrap();
    // alg "none": header and claims with an empty signature.
    let none = {
        use base64_like::encode;
        format!(
            "{}.{}.",
            encode(br#"{"alg":"none","typ":"JWT"}"#),
            encode(serde_json::to_string(&claims).unwrap().as_bytes())
        )
    };
    for (name, t) in [
        ("secret", wrong_secret),
        ("audience", wrong_audience),
        ("issuer", wrong_issuer),
        ("expired", expired),
        ("HS512", hs512),
        ("none", none),
        ("garbage", "abc.def.ghi".to_owned()),
    ] {
        let res = app.staff_get(&t, "/api/v1/staff/petitions").await;
        assert_eq!(res.status().as_u16(), 401, "{name}");
    }
    let ok = app
        .staff_get(
            &token(Role::Clerk, "phuong-lang"),
            "/api/v1/staff/petitions",
        )
        .await;
    assert_eq!(ok.status().as_u16(), 200);
}

/// Unpadded base64url, enough to forge an `alg: none` token.
mod base64_like {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    pub fn encode(data: &[u8]) -> String {
        let mut out = String::new();
        for chunk in data.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
            for i in 0..=chunk.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            }
        }
        out
    }
}
