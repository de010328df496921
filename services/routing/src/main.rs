//! routing: `cargo run -p routing` (settings in the README).

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    doithoai_web::run_service(routing::SERVICE, routing::build).await
}
