//! notification boots for real, and delivers each lifecycle message once, by a real SMTP
//! server and an SMS gateway stand-in (a real HTTP server in the test), with retries.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod delivery;

use doithoai_testkit::{TestApp, TestEnv};

#[tokio::test]
async fn boots_with_its_own_database_and_serves_health_readiness_and_metrics() {
    let env = TestEnv::new().set(
        "NOTIFICATION_MAIL_DIR",
        &std::env::temp_dir()
            .join(&TestEnv::new().name)
            .to_string_lossy(),
    );
    TestApp::assert_boots("notification", env, notification::build).await;
}
