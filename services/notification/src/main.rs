//! notification: `cargo run -p notification` (settings in the README).

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    doithoai_telemetry::init(notification::SERVICE);
    let app = notification::Application::build(Default::default()).await.inspect_err(|e| {
        tracing::error!(error = %format!("{e:#}"), "notification could not start: {e:#}");
    })?;
    doithoai_web::stop_on_signals(app.core());
    app.run_until_stopped().await
}
