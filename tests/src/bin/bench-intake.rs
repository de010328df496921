//! Intake benchmark (a command, not a test): open-loop load on `POST /api/v1/petitions` against
//! the release binary, and in the same run a bare PostgreSQL insert of the same row at the same
//! concurrency and durability, with the ratio of the two. The phases alternate over several
//! rounds and the ratio is of the sums, so a drift in the machine's speed weighs on both.
//!
//! `tests/bench` builds and runs it. Settings (environment):
//!   BENCH_CONCURRENCY (64)  in-flight requests at most / connections for the bare insert
//!   BENCH_SECONDS (10)      length of each measured phase
//!   BENCH_ROUNDS (3)        rounds of the two phases, alternating (bare, intake, bare, …)
//!   BENCH_RATE (auto)       offered requests per second; default 1.5 × the bare insert rate,
//!                           so intake is offered more than PostgreSQL alone can take

use diesel::sql_query;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use doithoai_journeys::bench::{percentile, setting};
use doithoai_journeys::{Service, submission};
use doithoai_testkit::TestEnv;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

const BARE_INSERT: &str = "INSERT INTO bench_bare (id, tracking_code, unit_code, kind, field_code, content_type, title, content, \
     submitter_kind, submitter_name, submitter_address, submitter_phone, consent_to_publish_identity, channel, \
     received_at, status, holder_code, holder_name, trace_id) \
     VALUES (gen_random_uuid(), $1, 'phuong-lang', 'feedback', 'ho-tich', 2, $2, \
     'Khi đăng ký khai sinh, bộ phận một cửa yêu cầu nộp bản sao giấy tờ đã có trong cơ sở dữ liệu quốc gia về dân cư.', \
     'individual', 'Nguyễn Văn An', 'Số 12 phố Láng, phường Láng', '+84912345678', false, 'web', now(), 'received', \
     'phuong-lang', 'Bộ phận tiếp nhận – Phường Láng', md5(random()::text))";

/// Bare inserts of the petition row, one per transaction, from `concurrency` connections.
async fn bare_insert_rate(
    url: &str,
    round: u64,
    concurrency: usize,
    seconds: u64,
) -> anyhow::Result<f64> {
    let mut setup = AsyncPgConnection::establish(url).await?;
    sql_query("CREATE TABLE IF NOT EXISTS bench_bare (LIKE petitions INCLUDING ALL)")
        .execute(&mut setup)
        .await?;
    let count = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for w in 0..concurrency {
        let url = url.to_owned();
        let count = count.clone();
        tasks.push(tokio::spawn(async move {
            let mut conn = AsyncPgConnection::establish(&url).await?;
            let mut i = 0u64;
            while Instant::now() < deadline {
                i += 1;
                sql_query(BARE_INSERT)
                    .bind::<diesel::sql_types::Text, _>(format!("B{round}-{w:04}{i:07}"))
                    .bind::<diesel::sql_types::Text, _>(format!("Phản ánh số {i}"))
                    .execute(&mut conn)
                    .await?;
                count.fetch_add(1, Ordering::Relaxed);
            }
            anyhow::Ok(())
        }));
    }
    let started = Instant::now();
    for t in tasks {
        t.await??;
    }
    Ok(AtomicU64::load(&count, Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64())
}

struct LoadResult {
    accepted: u64,
    failed: u64,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

/// Open loop: a request is due every 1/rate seconds whatever the answers; at most
/// `concurrency` are in flight, and a request's latency counts from when it was due, so time
/// spent waiting for a slot is not hidden.
async fn open_loop(base: &str, rate: f64, concurrency: usize, seconds: u64) -> LoadResult {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()
        .unwrap_or_default();
    let slots = Arc::new(Semaphore::new(concurrency));
    let interval = Duration::from_secs_f64(1.0 / rate);
    let total = (rate * seconds as f64) as u64;
    // Bodies are serialised before the clock starts: the client's own JSON work is not measured.
    let bodies: Vec<bytes::Bytes> = (0..total)
        .map(|n| bytes::Bytes::from(submission(n as usize).to_string()))
        .collect();
    let mut tasks = Vec::with_capacity(total as usize);
    let start = Instant::now();
    for n in 0..total {
        let due = start + interval.mul_f64(n as f64);
        let now = Instant::now();
        if due > now {
            tokio::time::sleep(due - now).await;
        }
        let permit = slots.clone().acquire_owned().await;
        let client = client.clone();
        let url = format!("{base}/api/v1/petitions");
        let body = bodies[n as usize].clone();
        tasks.push(tokio::spawn(async move {
            let _permit = permit;
            let ok = matches!(
                client.post(url).header("content-type", "application/json").body(body).send().await,
                Ok(r) if r.status().as_u16() == 201
            );
            (ok, due.elapsed())
        }));
    }
    let mut result = LoadResult {
        accepted: 0,
        failed: 0,
        elapsed: Duration::ZERO,
        latencies: Vec::new(),
    };
    for t in tasks {
        if let Ok((ok, latency)) = t.await {
            if ok {
                result.accepted += 1;
                result.latencies.push(latency);
            } else {
                result.failed += 1;
            }
        }
    }
    result.elapsed = start.elapsed();
    result.latencies.sort();
    result
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    doithoai_testkit::install_tls_provider();
    let concurrency = setting("BENCH_CONCURRENCY", 64) as usize;
    let seconds = setting("BENCH_SECONDS", 10);
    let env = TestEnv::new()
        .set("INTAKE_WRITES_PER_MINUTE", "0")
        .set("INTAKE_READS_PER_MINUTE", "0")
        .set(
            "HTTP_WORKERS",
            &std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2)
                .to_string(),
        )
        .set("DB_POOL_SIZE", "16");
    let mut intake = Service::start("intake", env)?;
    intake.ready(Duration::from_secs(60)).await?;
    let db = intake.env.database_url.clone();

    let rounds = setting("BENCH_ROUNDS", 3).max(1);
    let fixed_rate = std::env::var("BENCH_RATE")
        .ok()
        .and_then(|v| v.parse::<f64>().ok());
    println!(
        "intake benchmark: concurrency {concurrency}, {rounds} rounds of {seconds} s per phase, synchronous_commit on (PostgreSQL default)"
    );
    // Warm-up: connections, caches, the writer's batches.
    let _ = open_loop(&intake.base(), 500.0, concurrency, 1).await;
    // The phases alternate, so a machine whose speed drifts during the run (other tenants, the
    // page cache, the disk) weighs on both sides of the ratio alike.
    let (mut bare_total, mut intake_total) = (0.0, 0.0);
    let mut ratios = Vec::new();
    for round in 1..=rounds {
        let bare = bare_insert_rate(&db, round, concurrency, seconds).await?;
        let rate = fixed_rate.unwrap_or(bare * 1.5).max(1.0);
        let r = open_loop(&intake.base(), rate, concurrency, seconds).await;
        let accepted_rate = r.accepted as f64 / r.elapsed.as_secs_f64();
        println!("round {round}:");
        println!(
            "  bare PostgreSQL insert of the petition row, one per transaction: {bare:.0} rows/s"
        );
        println!("  intake POST /api/v1/petitions, open loop offered at {rate:.0}/s:");
        println!(
            "    accepted (201): {} in {:.1} s = {accepted_rate:.0} submissions/s; failed: {}",
            r.accepted,
            r.elapsed.as_secs_f64(),
            r.failed
        );
        println!(
            "    latency from due time: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            percentile(&r.latencies, 0.50).as_secs_f64() * 1e3,
            percentile(&r.latencies, 0.99).as_secs_f64() * 1e3,
            r.latencies
                .last()
                .copied()
                .unwrap_or_default()
                .as_secs_f64()
                * 1e3
        );
        println!("  ratio intake / bare insert: {:.2}", accepted_rate / bare);
        bare_total += bare;
        intake_total += accepted_rate;
        ratios.push(accepted_rate / bare);
    }
    let lowest = ratios.iter().copied().fold(f64::INFINITY, f64::min);
    let highest = ratios.iter().copied().fold(0.0, f64::max);
    println!(
        "over {rounds} rounds: bare {:.0} rows/s, intake {:.0} submissions/s, ratio intake / bare insert: {:.2} (rounds {:.2}–{:.2})",
        bare_total / rounds as f64,
        intake_total / rounds as f64,
        intake_total / bare_total,
        lowest,
        highest
    );

    // Everything accepted reaches JetStream.
    let started = Instant::now();
    let mut conn = AsyncPgConnection::establish(&db).await?;
    loop {
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let n: N = sql_query("SELECT count(*) AS n FROM outbox")
            .get_result(&mut conn)
            .await?;
        if n.n == 0 {
            println!(
                "outbox drained to JetStream {:.1} s after the load ended",
                started.elapsed().as_secs_f64()
            );
            break;
        }
        if started.elapsed() > Duration::from_secs(120) {
            println!("outbox still holds {} events after 120 s", n.n);
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    intake.terminate()?;
    Ok(())
}
