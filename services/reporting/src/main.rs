//! reporting: `cargo run -p reporting` (settings in the README). Two commands for city IT:
//!
//! - `reporting replay` empties the read model and deletes reporting's consumers: started
//!   again, the service reads the streams from their first retained event;
//! - `reporting generate <petitions> [years]` fills an empty read model with a generated
//!   volume (the benchmark's bulk path).

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let none = std::collections::HashMap::new;
    match args.first().map(String::as_str) {
        Some("replay") => {
            doithoai_telemetry::init(reporting::SERVICE);
            reporting::replay(none()).await
        }
        Some("generate") => {
            doithoai_telemetry::init(reporting::SERVICE);
            let n: i64 = args
                .get(1)
                .and_then(|a| a.parse().ok())
                .ok_or_else(|| anyhow::anyhow!("usage: reporting generate <petitions> [years]"))?;
            let years: f64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(3.0);
            anyhow::ensure!(n > 0 && years > 0.0, "petitions and years must be positive");
            reporting::generate(none(), n, years).await
        }
        Some(other) => anyhow::bail!(
            "unknown command {other}: `reporting`, `reporting replay` or `reporting generate <petitions> [years]`"
        ),
        None => doithoai_web::run_service(reporting::SERVICE, reporting::build).await,
    }
}
