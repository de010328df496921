//! End-to-end benchmark (a command, not a test): the five release binaries on one NATS
//! namespace with a real SMTP server process, submissions offered open-loop at a given rate,
//! and for each accepted submission the time from its 201 to
//!   - routed: its `petition.routed` event seen on NATS (a plain subscription);
//!   - acknowledged: its acknowledgement email accepted by the SMTP server (the file the server
//!     wrote, by its modification time);
//!   - tracked: the public tracking view showing the department (polled for a sample).
//!
//! `tests/bench-platform` builds and runs it. Settings (environment):
//!   BENCH_RATE (500)        offered submissions per second; a list (`250,500,1000`) runs each
//!   BENCH_SECONDS (20)      length of the load at each rate
//!   BENCH_REPLICAS (1)      replicas of each service (intake replicas share the load)
//!   BENCH_CLUSTER (unset)   `1`: a 3-node JetStream cluster of its own with R3 streams
//!   BENCH_SAMPLE (50)       every n-th submission's tracking view is polled (every 50 ms, so
//!                           the polling itself stays a small load)
//!   BENCH_LOG_DIR (unset)   a folder: each service logs at info to `<name>.log` there
//!   BENCH_METRICS (unset)   set: prints notification's send lag and every consumer's batches
//!
//! A rate is "held" when every accepted submission was routed and acknowledged, routed p99 is
//! at most 1 s and acknowledged p99 at most 2 s: the platform did not fall behind.

use doithoai_journeys::bench::{ms, percentile, setting};
use doithoai_journeys::{SERVICES, Service, platform_env, submission};
use doithoai_testkit::{NatsCluster, SmtpSink};
use futures_util::StreamExt;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::Semaphore;

/// What was seen of each tracking code, by wall-clock time.
#[derive(Default)]
struct Seen {
    accepted: HashMap<String, SystemTime>,
    routed: HashMap<String, SystemTime>,
    acknowledged: HashMap<String, SystemTime>,
    tracked: HashMap<String, SystemTime>,
}

/// Latencies from acceptance to `step` for the codes that reached it.
fn latencies(seen: &Seen, step: &HashMap<String, SystemTime>) -> Vec<Duration> {
    let mut v: Vec<Duration> = step
        .iter()
        .filter_map(|(code, at)| {
            let accepted = seen.accepted.get(code)?;
            Some(at.duration_since(*accepted).unwrap_or_default())
        })
        .collect();
    v.sort();
    v
}

fn tracking_code(text: &str) -> Option<String> {
    let b = text.as_bytes();
    (0..b.len().saturating_sub(12)).find_map(|i| {
        let w = &text.get(i..i + 13)?;
        let ok = w.char_indices().all(|(j, c)| match j {
            4 | 9 => c == '-',
            _ => c.is_ascii_digit() || c.is_ascii_uppercase(),
        });
        ok.then(|| (*w).to_owned())
    })
}

/// Where the SMTP server and the SMS channel write their files: memory (`/dev/shm`) where the
/// machine has it. A file per message on a disk's file system costs the kernel more CPU than
/// the sending (inode allocation), and that cost belongs to the test's sinks, not the platform.
fn scratch() -> std::path::PathBuf {
    let shm = std::path::Path::new("/dev/shm");
    if shm.is_dir() {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    }
}

/// The SMTP server the platform's email goes to, with what it writes each accepted message as.
enum Mailer {
    /// The tests' server, aiosmtpd (`BENCH_SMTP=aiosmtpd`): `<n>.eml`, numbered in order.
    Aiosmtpd(SmtpSink),
    /// Postfix's smtp-sink (the default): a C server made for measuring SMTP clients, so the
    /// figures are the platform's own and not a Python server's. It writes each message to
    /// `<dir>/<second>/<random>`, a folder per second.
    SmtpSink {
        child: std::process::Child,
        port: u16,
        dir: std::path::PathBuf,
    },
}

impl Mailer {
    fn start() -> anyhow::Result<Mailer> {
        if std::env::var("BENCH_SMTP").is_ok_and(|v| v == "aiosmtpd") {
            return Ok(Mailer::Aiosmtpd(SmtpSink::start()?));
        }
        let bin = std::env::var("SMTP_SINK_BIN")
            .map_err(|_| anyhow::anyhow!("SMTP_SINK_BIN is unset: run tests/bench-platform"))?;
        let port = doithoai_testkit::free_port()?;
        let dir = scratch().join(format!(
            "doithoai-smtp-sink-{}",
            doithoai_testkit::unique_name()
        ));
        std::fs::create_dir_all(&dir)?;
        let user = std::env::var("USER").unwrap_or_else(|_| "root".into());
        // `-d <template>`: one file per message, the template expanded by strftime; 1024: the
        // listen backlog (the sender opens up to 128 connections at once).
        let child = std::process::Command::new(&bin)
            .env(
                "LD_LIBRARY_PATH",
                std::env::var("SMTP_SINK_LIB").unwrap_or_default(),
            )
            .args(["-u", &user, "-d"])
            .arg(format!("{}/%Y%m%d%H%M%S/", dir.display()))
            .arg(format!("127.0.0.1:{port}"))
            .arg("1024")
            .stdout(std::process::Stdio::null())
            .spawn()
            .map_err(|e| anyhow::anyhow!("starting {bin}: {e}"))?;
        let mailer = Mailer::SmtpSink { child, port, dir };
        // On failure, dropping `mailer` stops the process.
        doithoai_testkit::wait_for_port(port, "smtp-sink")?;
        Ok(mailer)
    }

    fn url(&self) -> String {
        match self {
            Mailer::Aiosmtpd(s) => s.url(),
            Mailer::SmtpSink { port, .. } => format!("smtp://127.0.0.1:{port}"),
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Mailer::Aiosmtpd(_) => "aiosmtpd",
            Mailer::SmtpSink { .. } => "Postfix smtp-sink",
        }
    }
}

impl Drop for Mailer {
    fn drop(&mut self) {
        if let Mailer::SmtpSink { child, dir, .. } = self {
            let _ = child.kill();
            let _ = child.wait();
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// Records an acknowledgement found in one message the SMTP server wrote, at the time it wrote
/// it (the file's modification time). False when the file may still be being written (read
/// it again later).
fn acknowledgement(path: &std::path::Path, seen: &Mutex<Seen>) -> bool {
    let (Ok(raw), Ok(meta)) = (std::fs::read_to_string(path), std::fs::metadata(path)) else {
        return false;
    };
    let text = doithoai_testkit::decode_eml(&raw);
    if !text.contains("đã tiếp nhận phản ánh") {
        // Another message, or one not written whole yet.
        return meta
            .modified()
            .is_ok_and(|m| m.elapsed().unwrap_or_default() > Duration::from_secs(1));
    }
    let after = text
        .split_once("Mã tra cứu: ")
        .map(|(_, t)| t)
        .unwrap_or("");
    if let (Some(code), Ok(at)) = (tracking_code(after), meta.modified())
        && let Ok(mut s) = seen.lock()
    {
        s.acknowledged.insert(code, at);
    }
    true
}

/// Watches what the SMTP server writes and reads each message once. aiosmtpd numbers its files
/// in order, so the watcher never lists its folder; smtp-sink writes a folder per second, so
/// the watcher lists only the folders of the last few seconds again.
async fn watch_mail(mailer: Arc<Mailer>, seen: Arc<Mutex<Seen>>, stop: Arc<tokio::sync::Notify>) {
    let mut next = 1u64;
    let mut read: std::collections::HashSet<std::path::PathBuf> = Default::default();
    let mut done: std::collections::HashSet<std::path::PathBuf> = Default::default();
    loop {
        match &*mailer {
            Mailer::Aiosmtpd(sink) => loop {
                let path = sink.dir.join(format!("{next:06}.eml"));
                if !path.exists() {
                    break;
                }
                next += 1; // written whole, then renamed
                acknowledgement(&path, &seen);
            },
            Mailer::SmtpSink { dir, .. } => {
                let seconds = std::fs::read_dir(dir)
                    .map(|d| {
                        d.filter_map(Result::ok)
                            .map(|e| e.path())
                            .collect::<Vec<_>>()
                    })
                    .unwrap_or_default();
                for second in seconds {
                    if done.contains(&second) {
                        continue;
                    }
                    // A folder untouched for 2 s is complete: read it one last time.
                    let settled = std::fs::metadata(&second)
                        .and_then(|m| m.modified())
                        .is_ok_and(|m| m.elapsed().unwrap_or_default() > Duration::from_secs(2));
                    for file in std::fs::read_dir(&second)
                        .map(|d| {
                            d.filter_map(Result::ok)
                                .map(|e| e.path())
                                .collect::<Vec<_>>()
                        })
                        .unwrap_or_default()
                    {
                        if !read.contains(&file) && acknowledgement(&file, &seen) {
                            read.insert(file);
                        }
                    }
                    if settled {
                        done.insert(second);
                    }
                }
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(50)) => {}
            _ = stop.notified() => return,
        }
    }
}

struct Platform {
    services: Vec<Service>,
    /// The folder the SMS channel writes to (removed at the end).
    sms_dir: std::path::PathBuf,
    mailer: Arc<Mailer>,
    namespace: String,
    /// The NATS the services use (every node of a cluster, comma-separated).
    nats_url: String,
    _cluster: Option<NatsCluster>,
}

async fn start(replicas: usize, cluster: bool) -> anyhow::Result<Platform> {
    let mailer = Mailer::start()?;
    let ns = doithoai_testkit::unique_name();
    let cluster = if cluster {
        Some(NatsCluster::start(3).await?)
    } else {
        None
    };
    let (nats_url, stream_replicas) = match &cluster {
        Some(c) => (c.url(), "3"),
        None => (doithoai_testkit::nats_url(), "1"),
    };
    let sms_dir = scratch().join(format!("{ns}-sms"));
    let mut services = Vec::new();
    for name in SERVICES {
        for _ in 0..replicas {
            let mut env = platform_env(&ns, name, &mailer.url())
                .set("NOTIFICATION_SMS_DIR", &sms_dir.to_string_lossy())
                .set("NATS_URL", &nats_url)
                .set("NATS_REPLICAS", stream_replicas)
                .set("HTTP_WORKERS", "2")
                .set("DB_POOL_SIZE", "8")
                .set("RUST_LOG", "warn");
            if let Ok(dir) = std::env::var("BENCH_LOG_DIR") {
                let log = std::path::Path::new(&dir).join(format!("{name}.log"));
                env = env.set("SERVICE_LOG_FILE", &log.to_string_lossy());
            }
            let s = Service::start(name, env)?;
            s.ready(Duration::from_secs(60)).await?;
            services.push(s);
        }
    }
    Ok(Platform {
        services,
        mailer: Arc::new(mailer),
        namespace: ns,
        nats_url,
        sms_dir,
        _cluster: cluster,
    })
}

struct Run {
    offered: f64,
    accepted: usize,
    failed: usize,
    failures: Vec<String>,
    accept: Vec<Duration>,
    routed: Vec<Duration>,
    acknowledged: Vec<Duration>,
    tracked: Vec<Duration>,
    sampled: usize,
    /// Per second of the load (by acceptance): routed and acknowledged p50, to tell a backlog
    /// that grows (throughput short) from a steady delay.
    timeline: Vec<(Duration, Duration)>,
}

/// p50 of each step for the submissions accepted in each second of the load.
fn timeline(seen: &Seen) -> Vec<(Duration, Duration)> {
    let Some(first) = seen.accepted.values().min().copied() else {
        return Vec::new();
    };
    let mut by_second: std::collections::BTreeMap<u64, (Vec<Duration>, Vec<Duration>)> =
        Default::default();
    for (code, at) in &seen.accepted {
        let second = at.duration_since(first).unwrap_or_default().as_secs();
        let slot = by_second.entry(second).or_default();
        if let Some(r) = seen.routed.get(code) {
            slot.0.push(r.duration_since(*at).unwrap_or_default());
        }
        if let Some(a) = seen.acknowledged.get(code) {
            slot.1.push(a.duration_since(*at).unwrap_or_default());
        }
    }
    by_second
        .into_values()
        .map(|(mut r, mut a)| {
            r.sort();
            a.sort();
            (percentile(&r, 0.5), percentile(&a, 0.5))
        })
        .collect()
}

async fn run_rate(
    p: &Platform,
    rate: f64,
    seconds: u64,
    sample: u64,
    offset: usize,
) -> anyhow::Result<Run> {
    let servers: Vec<&str> = p.nats_url.split(',').collect();
    let nats = async_nats::connect(servers).await?;
    let seen = Arc::new(Mutex::new(Seen::default()));
    // Routed events, as they reach NATS.
    let mut routed_sub = nats
        .subscribe(format!("{}.routing.petition.routed.>", p.namespace))
        .await?;
    let routed_seen = seen.clone();
    let routed_task = tokio::spawn(async move {
        while let Some(m) = routed_sub.next().await {
            let at = SystemTime::now();
            if let Ok(v) = serde_json::from_slice::<serde_json::Value>(&m.payload)
                && let Some(code) = v["data"]["tracking_code"].as_str()
                && let Ok(mut s) = routed_seen.lock()
            {
                s.routed.entry(code.to_owned()).or_insert(at);
            }
        }
    });
    let stop_mail = Arc::new(tokio::sync::Notify::new());
    let mail_task = tokio::spawn(watch_mail(
        p.mailer.clone(),
        seen.clone(),
        stop_mail.clone(),
    ));

    let intakes: Vec<String> = p
        .services
        .iter()
        .filter(|s| s.name == "intake")
        .map(Service::base)
        .collect();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()?;
    let slots = Arc::new(Semaphore::new(512));
    let total = (rate * seconds as f64) as u64;
    let bodies: Vec<bytes::Bytes> = (0..total)
        .map(|n| {
            let n = offset + n as usize;
            let mut body = submission(n);
            body["submitter"]["email"] = serde_json::json!(format!("nguoi.{n}@example.vn"));
            bytes::Bytes::from(body.to_string())
        })
        .collect();
    let interval = Duration::from_secs_f64(1.0 / rate);
    let accept_lat = Arc::new(Mutex::new(Vec::new()));
    let failed = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    // The first few failures, as the client saw them.
    let failures = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut tasks = Vec::with_capacity(total as usize);
    let start = Instant::now();
    for n in 0..total {
        let due = start + interval.mul_f64(n as f64);
        let now = Instant::now();
        if due > now {
            tokio::time::sleep(due - now).await;
        }
        let permit = slots.clone().acquire_owned().await?;
        let client = client.clone();
        let base = intakes[n as usize % intakes.len()].clone();
        let body = bodies[n as usize].clone();
        let (seen, accept_lat, failed, failures) = (
            seen.clone(),
            accept_lat.clone(),
            failed.clone(),
            failures.clone(),
        );
        let poll = n % sample.max(1) == 0;
        tasks.push(tokio::spawn(async move {
            let _permit = permit;
            let res = client
                .post(format!("{base}/api/v1/petitions"))
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await;
            let accepted_at = SystemTime::now();
            let code = match res {
                Ok(r) if r.status().as_u16() == 201 => r
                    .json::<serde_json::Value>()
                    .await
                    .ok()
                    .and_then(|v| v["tracking_code"].as_str().map(str::to_owned))
                    .ok_or_else(|| "201 without a tracking code".to_owned()),
                Ok(r) => Err(format!(
                    "{} {}",
                    r.status().as_u16(),
                    r.text().await.unwrap_or_default()
                )),
                Err(e) => Err(format!("no answer: {e}")),
            };
            let code = match code {
                Ok(code) => code,
                Err(why) => {
                    failed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if let Ok(mut w) = failures.lock()
                        && w.len() < 5
                    {
                        w.push(why);
                    }
                    return;
                }
            };
            if let Ok(mut l) = accept_lat.lock() {
                l.push(due.elapsed());
            }
            if let Ok(mut s) = seen.lock() {
                s.accepted.insert(code.clone(), accepted_at);
            }
            if poll {
                drop(_permit);
                let deadline = Instant::now() + Duration::from_secs(60);
                while Instant::now() < deadline {
                    if let Ok(r) = client
                        .get(format!("{base}/api/v1/petitions/{code}"))
                        .send()
                        .await
                        && let Ok(v) = r.json::<serde_json::Value>().await
                        && v["holder"]["code"]
                            .as_str()
                            .is_some_and(|h| h.contains(':'))
                    {
                        if let Ok(mut s) = seen.lock() {
                            s.tracked.insert(code.clone(), SystemTime::now());
                        }
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    // Let the steps finish (at most 60 s after the load).
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let done = seen.lock().map(|s| {
            s.accepted
                .keys()
                .all(|c| s.routed.contains_key(c) && s.acknowledged.contains_key(c))
        });
        if matches!(done, Ok(true)) || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    stop_mail.notify_one();
    let _ = mail_task.await;
    routed_task.abort();
    let s = seen.lock().map_err(|_| anyhow::anyhow!("poisoned"))?;
    let mut accept = accept_lat
        .lock()
        .map_err(|_| anyhow::anyhow!("poisoned"))?
        .clone();
    accept.sort();
    Ok(Run {
        offered: rate,
        accepted: s.accepted.len(),
        failed: failed.load(std::sync::atomic::Ordering::Relaxed),
        failures: failures.lock().map(|w| w.clone()).unwrap_or_default(),
        accept,
        routed: latencies(&s, &s.routed),
        acknowledged: latencies(&s, &s.acknowledged),
        timeline: timeline(&s),
        tracked: latencies(&s, &s.tracked),
        sampled: s.tracked.len(),
    })
}

/// `ANALYZE` in every service's database.
async fn analyze(p: &Platform) -> anyhow::Result<()> {
    use diesel_async::{AsyncConnection, RunQueryDsl};
    let mut urls: Vec<&str> = p
        .services
        .iter()
        .map(|s| s.env.database_url.as_str())
        .collect();
    urls.sort_unstable();
    urls.dedup();
    for url in urls {
        let mut conn = diesel_async::AsyncPgConnection::establish(url).await?;
        diesel::sql_query("ANALYZE").execute(&mut conn).await?;
    }
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    doithoai_testkit::install_tls_provider();
    let rates: Vec<f64> = std::env::var("BENCH_RATE")
        .unwrap_or_else(|_| "500".into())
        .split(',')
        .filter_map(|r| r.trim().parse().ok())
        .collect();
    let seconds = setting("BENCH_SECONDS", 20);
    let replicas = setting("BENCH_REPLICAS", 1).max(1) as usize;
    let sample = setting("BENCH_SAMPLE", 50);
    let cluster = std::env::var("BENCH_CLUSTER").is_ok_and(|v| v == "1");
    let p = start(replicas, cluster).await?;
    println!(
        "platform benchmark: {replicas} replica(s) of each service, {}, {seconds} s per rate, SMTP server {}, tracking view sampled 1 in {sample}",
        if cluster {
            "3-node NATS cluster (R3)"
        } else {
            "one NATS server"
        },
        p.mailer.name()
    );
    // Warm-up: connections, consumers, caches, and tables that are no longer empty: 2,000
    // petitions, then ANALYZE in every database, as autovacuum does within its first minute in
    // a running platform. Without it, the plans PostgreSQL caches in the first seconds (for
    // empty tables: sequential scans) would last the whole run, which no platform with data
    // sees.
    let _ = run_rate(&p, 200.0, 10, 1000, 100_000_000).await?;
    analyze(&p).await?;
    let mut held = None;
    for (i, rate) in rates.iter().enumerate() {
        let r = run_rate(&p, *rate, seconds, sample, i * 10_000_000).await?;
        let line = |name: &str, v: &[Duration]| {
            println!(
                "  {name:<13} {:>6} p50 {:>8.1} ms  p99 {:>8.1} ms  max {:>8.1} ms",
                v.len(),
                ms(percentile(v, 0.5)),
                ms(percentile(v, 0.99)),
                ms(v.last().copied().unwrap_or_default())
            )
        };
        println!(
            "offered {:.0}/s for {seconds} s: accepted {} ({:.0}/s), failed {}",
            r.offered,
            r.accepted,
            r.accepted as f64 / seconds as f64,
            r.failed
        );
        for why in &r.failures {
            println!("  failed: {}", why.chars().take(300).collect::<String>());
        }
        line("accepted 201", &r.accept);
        line("routed", &r.routed);
        line("acknowledged", &r.acknowledged);
        line("tracked", &r.tracked);
        if std::env::var("BENCH_METRICS").is_ok() {
            let steps: Vec<String> = r
                .timeline
                .iter()
                .map(|(routed, ack)| format!("{:.0}/{:.0}", ms(*routed), ms(*ack)))
                .collect();
            println!(
                "  p50 by second, routed/acknowledged ms: {}",
                steps.join(" ")
            );
        }
        let ok = r.failed == 0
            && r.routed.len() == r.accepted
            && r.acknowledged.len() == r.accepted
            && percentile(&r.routed, 0.99) <= Duration::from_secs(1)
            && percentile(&r.acknowledged, 0.99) <= Duration::from_secs(2)
            && r.sampled > 0;
        println!(
            "  held: {}",
            if ok {
                "yes"
            } else {
                "no (fell behind or lost)"
            }
        );
        if ok {
            held = Some(r.offered);
        }
    }
    if std::env::var("BENCH_METRICS").is_ok() {
        use diesel_async::{AsyncConnection, RunQueryDsl};
        #[derive(diesel::QueryableByName)]
        struct Lag {
            #[diesel(sql_type = diesel::sql_types::Text)]
            line: String,
        }
        if let Some(n) = p.services.iter().find(|s| s.name == "notification") {
            let mut conn = diesel_async::AsyncPgConnection::establish(&n.env.database_url).await?;
            let rows: Vec<Lag> = diesel::sql_query(
                "SELECT channel || ': owed→sent p50 ' || round(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM sent_at - created_at))::numeric * 1000) || ' ms, p99 ' || \
                 round(percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM sent_at - created_at))::numeric * 1000) || ' ms, ' || count(*) || ' sent over ' || \
                 round(extract(epoch FROM max(sent_at) - min(sent_at))::numeric, 1) || ' s' AS line FROM messages WHERE status = 'sent' GROUP BY channel",
            )
            .load(&mut conn)
            .await?;
            for r in rows {
                println!("  notification {}", r.line);
            }
        }
        let client = reqwest::Client::new();
        for svc in &p.services {
            let text = client
                .get(format!("{}/metrics", svc.base()))
                .send()
                .await?
                .text()
                .await?;
            for line in text.lines().filter(|l| {
                (l.contains("consumer_batch_messages_sum")
                    || l.contains("consumer_batch_messages_count")
                    || l.contains("consumer_batch_seconds_sum")
                    || l.contains("batch_fallbacks_total")
                    || l.contains("outbox_published_total"))
                    && !l.starts_with('#')
            }) {
                println!("  {} {line}", svc.name);
            }
        }
    }
    match held {
        Some(r) => println!("largest rate held: {r:.0}/s"),
        None => println!("no rate held"),
    }
    let _ = std::fs::remove_dir_all(&p.sms_dir);
    drop(p);
    Ok(())
}
