//! routing boots for real, loads the reference data into its own database, and routes what
//! intake received.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod flow;

use doithoai_testkit::{TestApp, TestEnv};
use serde_json::Value;

#[tokio::test]
async fn boots_and_loads_the_126_units_once_even_when_restarted() {
    let env = TestEnv::new();
    let name = env.name.clone();
    let app = TestApp::spawn(env, routing::build).await;
    let base = app.base.clone();
    doithoai_testkit::assert_service_basics(&base, "routing")
        .await
        .unwrap();
    app.assert_openapi_matches_routes().await;
    app.assert_staff_routes_are_guarded().await;
    let units: Value = reqwest::get(format!("{base}/api/v1/units"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let units = units["units"].as_array().unwrap();
    assert_eq!(units.len(), 126);
    assert!(
        units.iter().any(|u| u["code"] == "phuong-lang"
            && u["name"] == "Phường Láng"
            && u["kind"] == "ward")
    );
    // The city bodies a unit may transfer to, and the departments, for a portal to offer.
    let bodies = doithoai_testkit::body(app.get("/api/v1/city-bodies").await).await;
    let bodies = bodies["bodies"].as_array().unwrap();
    assert_eq!(bodies.len(), 11, "{bodies:?}");
    assert!(
        bodies
            .iter()
            .any(|b| b["code"] == "so-tu-phap" && b["name"] == "Sở Tư pháp")
    );
    let departments = doithoai_testkit::body(app.get("/api/v1/departments").await).await;
    let departments = departments["departments"].as_array().unwrap();
    assert!(departments.iter().any(|d| {
        d["code"] == "van-phong"
            && d["applies_to"]
                .as_array()
                .unwrap()
                .iter()
                .any(|k| k == "commune")
    }));
    app.stop().await.unwrap();

    // A restart on the same database seeds nothing twice.
    let again = TestApp::spawn(TestEnv::with_name(&name), routing::build).await;
    let units = doithoai_testkit::body(again.get("/api/v1/units").await).await;
    assert_eq!(units["units"].as_array().unwrap().len(), 126);
}

/// No built-in key: without a key set (`AUTH_JWKS_URL`, `AUTH_JWKS_FILE`, `AUTH_JWKS`) or a
/// test secret a service does not start, saying what to set, and the development key is only
/// for `DOITHOAI_DEV_AUTH=1` on loopback.
#[tokio::test]
async fn refuses_to_start_without_a_signing_key_or_with_the_development_key_off_loopback() {
    let no_key = TestEnv::new().set("JWT_SECRET", "");
    let e = routing::build(no_key.overrides).await.err().unwrap();
    assert!(format!("{e:#}").contains("set AUTH_JWKS_URL"), "{e:#}");
    let exposed = TestEnv::new()
        .set("JWT_SECRET", "")
        .set("DOITHOAI_DEV_AUTH", "1")
        .set("BIND_ADDR", "0.0.0.0");
    let e = routing::build(exposed.overrides).await.err().unwrap();
    assert!(format!("{e:#}").contains("loopback"), "{e:#}");
    let dev_key_exposed = TestEnv::new()
        .set("JWT_SECRET", doithoai_auth::DEV_SECRET)
        .set("BIND_ADDR", "0.0.0.0");
    assert!(routing::build(dev_key_exposed.overrides).await.is_err());
    let local = TestEnv::new()
        .set("JWT_SECRET", "")
        .set("DOITHOAI_DEV_AUTH", "1");
    let app = TestApp::spawn(local, routing::build).await;
    app.stop().await.unwrap();
}

/// A statement that runs longer than `DB_STATEMENT_TIMEOUT_MS` is cancelled by PostgreSQL, so
/// a costly query cannot hold a pooled connection for long.
#[tokio::test]
async fn a_statement_over_the_timeout_is_cancelled() {
    use diesel_async::RunQueryDsl;
    let app = TestApp::spawn(
        TestEnv::new().set("DB_STATEMENT_TIMEOUT_MS", "200"),
        routing::build,
    )
    .await;
    let mut conn = app.core.pool.get().await.unwrap();
    let slow = diesel::sql_query("SELECT pg_sleep(2)")
        .execute(&mut conn)
        .await;
    let e = slow.expect_err("cancelled");
    assert!(e.to_string().contains("statement timeout"), "{e}");
    let quick = diesel::sql_query("SELECT 1").execute(&mut conn).await;
    assert!(quick.is_ok(), "the connection goes on");
}
