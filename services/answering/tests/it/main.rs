//! answering boots for real, and works cases from routing to a published, rated answer.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod cases;

use doithoai_testkit::{TestApp, TestEnv};

#[tokio::test]
async fn boots_with_its_own_database_and_serves_health_readiness_and_metrics() {
    let app = TestApp::spawn(TestEnv::new(), answering::build).await;
    let base = app.base.clone();
    doithoai_testkit::assert_service_basics(&base, "answering")
        .await
        .unwrap();
    app.assert_openapi_matches_routes().await;
    app.stop().await.unwrap();
    assert!(
        reqwest::get(format!("{base}/healthz")).await.is_err(),
        "stopped service no longer answers"
    );
}
