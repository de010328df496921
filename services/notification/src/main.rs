//! notification: `cargo run -p notification` (settings in the README).

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    doithoai_web::run_service(notification::SERVICE, notification::build).await
}
