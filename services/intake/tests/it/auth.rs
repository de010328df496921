use crate::helpers::*;
use doithoai_auth::keys::{SigningKey, generate_pem};
use doithoai_auth::{AuthConfig, Claims, Role};
use doithoai_testkit::{TEST_SECRET, TestEnv, token};
use std::sync::{Arc, Mutex};
use std::time::Duration;

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

/// A key-set server as the portal or an identity provider runs one: `GET /jwks.json` answers
/// whatever set is current.
async fn key_set_server(current: Arc<Mutex<String>>) -> String {
    use actix_web::{App, HttpResponse, HttpServer, web};
    let data = web::Data::new(current);
    let server = HttpServer::new(move || {
        App::new().app_data(data.clone()).route(
            "/jwks.json",
            web::get().to(|set: web::Data<Arc<Mutex<String>>>| async move {
                let body = set.lock().unwrap().clone();
                HttpResponse::Ok()
                    .content_type("application/json")
                    .body(body)
            }),
        )
    })
    .workers(1)
    .bind(("127.0.0.1", 0))
    .unwrap();
    let port = server.addrs()[0].port();
    tokio::spawn(server.run());
    format!("http://127.0.0.1:{port}/jwks.json")
}

fn both(a: &SigningKey, b: &SigningKey) -> String {
    let mut set = a.jwks();
    set["keys"]
        .as_array_mut()
        .unwrap()
        .push(b.jwks()["keys"][0].clone());
    set.to_string()
}

/// Issue 11, item 3: with no shared secret, a service verifies staff tokens with the public key
/// set it reads (`AUTH_JWKS_URL`): the portal's tokens pass, a shared-secret token is refused,
/// and a key published beside the old one (a rotation) is taken without a restart.
#[tokio::test]
async fn without_a_secret_a_service_takes_tokens_of_the_key_set_it_reads_and_follows_a_rotation() {
    let issuer = doithoai_testkit::auth();
    let key = |_| SigningKey::from_pem(&generate_pem(), &issuer.issuer, &issuer.audience).unwrap();
    let (old, new) = (key(0), key(1));
    let current = Arc::new(Mutex::new(old.jwks().to_string()));
    let url = key_set_server(current.clone()).await;
    let app = spawn_with(
        TestEnv::new()
            .set("JWT_SECRET", "")
            .set("AUTH_JWKS_URL", &url)
            .set("AUTH_JWKS_REFRESH_SECONDS", "10"),
    )
    .await;
    let mint = |k: &SigningKey| {
        k.mint("an.clerk", Role::Clerk, "phuong-lang", None, 300)
            .unwrap()
    };
    let book = "/api/v1/staff/petitions";
    assert_eq!(app.get_as(&mint(&old), book).await.status().as_u16(), 200);
    assert_eq!(
        app.get_as(&token(Role::Clerk, "phuong-lang"), book)
            .await
            .status()
            .as_u16(),
        401,
        "no secret configured: a shared-secret token is refused"
    );
    assert_eq!(
        app.get_as(&mint(&new), book).await.status().as_u16(),
        401,
        "a key not published yet"
    );
    *current.lock().unwrap() = both(&old, &new);
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        if app.get_as(&mint(&new), book).await.status().as_u16() == 200 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the new key was never taken"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert_eq!(
        app.get_as(&mint(&old), book).await.status().as_u16(),
        200,
        "the old key still verifies while it is published"
    );
}
