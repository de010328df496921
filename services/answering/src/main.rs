//! answering: `cargo run -p answering` (settings in the README).

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    doithoai_telemetry::init(answering::SERVICE);
    let app = answering::Application::build(Default::default()).await.inspect_err(|e| {
        tracing::error!(error = %format!("{e:#}"), "answering could not start: {e:#}");
    })?;
    doithoai_web::stop_on_signals(app.core());
    app.run_until_stopped().await
}
