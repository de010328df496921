//! answering boots for real, and works cases from routing to a published, rated answer.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod cases;

use doithoai_testkit::{TestApp, TestEnv};

#[tokio::test]
async fn boots_with_its_own_database_and_serves_health_readiness_and_metrics() {
    TestApp::assert_boots("answering", TestEnv::new(), answering::build).await;
}

/// The shared public limit: reads over `READS_PER_MINUTE` from one client get 429 problem+json
/// with `Retry-After`; staff routes and health checks are not counted; another client (behind a
/// trusted proxy) has its own allowance.
#[tokio::test]
async fn public_reads_over_the_limit_get_429_and_staff_routes_are_not_limited() {
    let env = TestEnv::new()
        .set("ANSWERING_READS_PER_MINUTE", "3")
        .set("TRUSTED_PROXIES", "127.0.0.1");
    let app = TestApp::spawn(env, answering::build).await;
    let get = |client: &'static str| {
        app.client
            .get(format!("{}/api/v1/answers", app.base))
            .header("X-Forwarded-For", client)
            .send()
    };
    for _ in 0..3 {
        assert_eq!(get("203.0.113.1").await.unwrap().status().as_u16(), 200);
    }
    let over = get("203.0.113.1").await.unwrap();
    assert_eq!(over.status().as_u16(), 429);
    let wait: u64 = over.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    assert_eq!(
        over.headers()["content-type"].to_str().unwrap(),
        "application/problem+json"
    );
    assert_eq!(get("203.0.113.2").await.unwrap().status().as_u16(), 200);
    let officer = doithoai_testkit::token(doithoai_auth::Role::Officer, "phuong-lang");
    for _ in 0..5 {
        assert_eq!(
            app.get_as(&officer, "/api/v1/staff/cases")
                .await
                .status()
                .as_u16(),
            200
        );
        let health = app
            .client
            .get(format!("{}/healthz", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(health.status().as_u16(), 200);
    }
}

/// A revoked token (by its `jti`, published to the `{NS}_AUTH` stream as `doithoai-revoke`
/// does) is refused within seconds; another token of the same person and role still works.
#[tokio::test]
async fn a_revoked_token_is_refused_and_other_tokens_still_work() {
    let env = TestEnv::new();
    let ns = env.namespace.clone();
    let app = TestApp::spawn(env, answering::build).await;
    let revoked = doithoai_testkit::token(doithoai_auth::Role::Officer, "phuong-lang");
    let kept = doithoai_testkit::token(doithoai_auth::Role::Officer, "phuong-lang");
    let status = |t: String| {
        let app = &app;
        async move {
            app.get_as(&t, "/api/v1/staff/cases")
                .await
                .status()
                .as_u16()
        }
    };
    assert_eq!(status(revoked.clone()).await, 200);
    let claims = doithoai_testkit::auth().verify(&revoked).unwrap();
    let cfg = doithoai_bus::BusConfig {
        url: doithoai_testkit::nats_url(),
        namespace: ns,
        replicas: 1,
        auth: Default::default(),
    };
    doithoai_bus::revocation::revoke(
        &app.js,
        &cfg,
        &doithoai_bus::revocation::Revoked {
            jti: claims.jti,
            exp: claims.exp,
        },
    )
    .await
    .unwrap();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while status(revoked.clone()).await != 401 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the revoked token still works"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(status(kept).await, 200);
}

/// Public reads run on their own smaller pool, whose statements are cancelled after 2 s
/// (staff work keeps 10 s): settings `DB_PUBLIC_POOL_SIZE`, `DB_PUBLIC_STATEMENT_TIMEOUT_MS`.
#[tokio::test]
async fn public_reads_have_their_own_pool_with_a_shorter_statement_timeout() {
    use diesel::QueryableByName;
    use diesel_async::RunQueryDsl;
    #[derive(QueryableByName)]
    struct Setting {
        #[diesel(sql_type = diesel::sql_types::Text)]
        statement_timeout: String,
    }
    let app = TestApp::spawn(TestEnv::new(), answering::build).await;
    let timeout = |pool: doithoai_db::PgPool| async move {
        let mut conn = pool.get().await.unwrap();
        diesel::sql_query("SHOW statement_timeout")
            .get_result::<Setting>(&mut conn)
            .await
            .unwrap()
            .statement_timeout
    };
    assert_eq!(timeout(app.core.public_pool.clone()).await, "2s");
    assert_eq!(timeout(app.core.pool.clone()).await, "10s");
    assert_eq!(app.core.public_pool.status().max_size, 4);
}
