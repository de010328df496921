//! scheduling: `cargo run -p scheduling` (settings in the README).

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    doithoai_telemetry::init(scheduling::SERVICE);
    let app = scheduling::Application::build(Default::default()).await.inspect_err(|e| {
        tracing::error!(error = %format!("{e:#}"), "scheduling could not start: {e:#}");
    })?;
    doithoai_web::stop_on_signals(app.core());
    app.run_until_stopped().await
}
