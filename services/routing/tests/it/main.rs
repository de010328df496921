//! routing boots for real, loads the reference data into its own database, and routes what
//! intake received.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod flow;

use doithoai_testkit::TestEnv;
use serde_json::Value;

#[tokio::test]
async fn boots_and_loads_the_126_units_once_even_when_restarted() {
    let env = TestEnv::new();
    let app = routing::build(env.overrides.clone())
        .await
        .expect("routing starts");
    let base = format!("http://127.0.0.1:{}", app.port());
    let core = app.core().clone();
    let running = tokio::spawn(app.run_until_stopped());
    doithoai_testkit::assert_service_basics(&base, "routing")
        .await
        .unwrap();
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
    core.stop();
    running.await.unwrap().unwrap();

    // A restart on the same database seeds nothing twice.
    let again = routing::build(TestEnv::with_name(&env.name).overrides)
        .await
        .expect("restarts");
    let base = format!("http://127.0.0.1:{}", again.port());
    tokio::spawn(again.run_until_stopped());
    let units: Value = reqwest::get(format!("{base}/api/v1/units"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(units["units"].as_array().unwrap().len(), 126);
}
