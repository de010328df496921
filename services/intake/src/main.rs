//! intake: `cargo run -p intake` (settings in the README).

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    doithoai_web::run_service(intake::SERVICE, intake::build).await
}
