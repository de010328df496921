//! intake: `cargo run -p intake` (settings in the README).

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    doithoai_telemetry::init(intake::SERVICE);
    let app = intake::Application::build(Default::default()).await.inspect_err(|e| {
        tracing::error!(error = %format!("{e:#}"), "intake could not start: {e:#}");
    })?;
    doithoai_web::stop_on_signals(app.core());
    app.run_until_stopped().await
}
