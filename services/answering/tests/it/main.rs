//! answering boots for real, and works cases from routing to a published, rated answer.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod cases;

use doithoai_testkit::{TestApp, TestEnv};

#[tokio::test]
async fn boots_with_its_own_database_and_serves_health_readiness_and_metrics() {
    TestApp::assert_boots("answering", TestEnv::new(), answering::build).await;
}
