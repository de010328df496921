//! routing: `cargo run -p routing` (settings in the README).

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    doithoai_telemetry::init(routing::SERVICE);
    let app = routing::Application::build(Default::default()).await.inspect_err(|e| {
        tracing::error!(error = %format!("{e:#}"), "routing could not start: {e:#}");
    })?;
    doithoai_web::stop_on_signals(app.core());
    app.run_until_stopped().await
}
