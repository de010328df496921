//! scheduling: `cargo run -p scheduling` (settings in the README).

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    doithoai_web::run_service(scheduling::SERVICE, scheduling::build).await
}
