//! Reports benchmark (a command, not a test): reporting's release binary on a database of its
//! own, filled by its documented bulk path (`reporting generate`) with `BENCH_PETITIONS`
//! (10,000,000) petitions over `BENCH_YEARS` (3) years, then each kind of report asked
//! `BENCH_ROUNDS` (30) times through the HTTP API, one after another, as city IT would; prints
//! p50/p99/max per report and the p99 of all against the 100 ms target.
//!
//! `tests/bench-reports` builds and runs it.

use chrono::{Datelike, Duration as Days, Utc};
use doithoai_auth::Role;
use doithoai_journeys::bench::{self, ms, percentile, setting};
use doithoai_journeys::{Service, bin_dir, platform_env};
use doithoai_testkit::SmtpSink;
use std::time::{Duration, Instant};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    doithoai_testkit::install_tls_provider();
    let petitions = setting("BENCH_PETITIONS", 10_000_000);
    let years = setting("BENCH_YEARS", 3);
    let rounds = setting("BENCH_ROUNDS", 30) as usize;
    let smtp = SmtpSink::start()?;
    let ns = doithoai_testkit::unique_name();
    let env = platform_env(&ns, "reporting", &smtp.url()).set("HTTP_WORKERS", "2");

    let t = Instant::now();
    let mut generate = tokio::process::Command::new(bin_dir().join("reporting"));
    generate
        .args(["generate", &petitions.to_string(), &years.to_string()])
        .env("RUST_LOG", "warn");
    for (k, v) in &env.overrides {
        generate.env(k, v);
    }
    let status = generate.status().await?;
    anyhow::ensure!(status.success(), "reporting generate failed: {status}");
    println!(
        "reports benchmark: {petitions} petitions over {years} years generated, with their sums, in {:.0} s; {rounds} rounds of each report, one at a time, through the HTTP API",
        t.elapsed().as_secs_f64()
    );
    let reporting = Service::start("reporting", env)?;
    reporting.ready(Duration::from_secs(120)).await?;

    let today = Utc::now().date_naive();
    let year_start = today.with_ordinal(1).unwrap_or(today);
    let last_month = today.with_day(1).unwrap_or(today) - Days::days(1);
    let three_years = today - Days::days(365 * 3);
    let odd_from = today - Days::days(100);
    let reports = [
        (
            "city, last month, by unit",
            format!("month={}", last_month.format("%Y-%m")),
        ),
        (
            "city, this year, by unit",
            format!("from={year_start}&to={today}"),
        ),
        (
            "city, 3 years, by month",
            format!("from={three_years}&to={today}&by=month"),
        ),
        (
            "city, 100 days, by field",
            format!("from={odd_from}&to={today}&by=field"),
        ),
        (
            "city, this year, one department",
            format!("from={year_start}&to={today}&department=van-phong"),
        ),
        (
            "one unit, this year, by department",
            format!("from={year_start}&to={today}&unit=phuong-lang"),
        ),
        (
            "one unit and field, 3 years, by month",
            format!("from={three_years}&to={today}&unit=phuong-cau-giay&field=ho-tich&by=month"),
        ),
        (
            "city, this year, CSV",
            format!("from={year_start}&to={today}&format=csv"),
        ),
        (
            "city, this year, XLSX",
            format!("from={year_start}&to={today}&format=xlsx"),
        ),
    ];
    let client = reqwest::Client::new();
    let token = doithoai_testkit::token(Role::CityAdmin, "hanoi");
    let mut all = Vec::new();
    for (name, qs) in &reports {
        let url = format!("{}/api/v1/staff/reports?{qs}", reporting.base());
        let first = client.get(&url).bearer_auth(&token).send().await?;
        anyhow::ensure!(first.status() == 200, "{name}: {}", first.status());
        let body = first.bytes().await?;
        let received = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v["totals"]["received"].as_i64());
        let times = bench::rounds(|| client.get(&url).bearer_auth(&token), rounds, name).await?;
        all.extend(times.iter().copied());
        println!(
            "  {name:<40} {}  ({} received, {} KB)",
            bench::summary(&times),
            received.map_or_else(|| "file".to_owned(), |n| n.to_string()),
            body.len() / 1024,
        );
    }
    all.sort();
    let p99 = ms(percentile(&all, 0.99));
    println!(
        "all reports: p99 {p99:.1} ms: {}",
        if p99 <= 100.0 {
            "within the 100 ms target"
        } else {
            "over the 100 ms target"
        }
    );
    if let Some(kib) = reporting.peak_memory_kib() {
        println!("reporting peak memory: {} MiB", kib / 1024);
    }
    drop(reporting);
    Ok(())
}
