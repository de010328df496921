//! answering: `cargo run -p answering` (settings in the README).

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    doithoai_web::run_service(answering::SERVICE, answering::build).await
}
