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
    app.stop().await.unwrap();

    // A restart on the same database seeds nothing twice.
    let again = TestApp::spawn(TestEnv::with_name(&name), routing::build).await;
    let units = doithoai_testkit::body(again.get("/api/v1/units").await).await;
    assert_eq!(units["units"].as_array().unwrap().len(), 126);
}
