//! portal: `cargo run -p portal` (settings in the README).

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    doithoai_web::run_service(portal::SERVICE, portal::build).await
}
