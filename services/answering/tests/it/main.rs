//! answering boots for real, and works cases from routing to a published, rated answer.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod cases;

use doithoai_testkit::TestEnv;

#[tokio::test]
async fn boots_with_its_own_database_and_serves_health_readiness_and_metrics() {
    let env = TestEnv::new();
    let app = answering::build(env.overrides.clone())
        .await
        .expect("answering starts");
    let base = format!("http://127.0.0.1:{}", app.port());
    let core = app.core().clone();
    let running = tokio::spawn(app.run_until_stopped());
    doithoai_testkit::assert_service_basics(&base, "answering")
        .await
        .unwrap();
    core.stop();
    running.await.unwrap().unwrap();
    assert!(
        reqwest::get(format!("{base}/healthz")).await.is_err(),
        "stopped service no longer answers"
    );
}
