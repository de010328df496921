//! Helpers shared by the journeys and the benchmark: start a real service binary with its own
//! database and NATS namespace, wait for it, kill it.

use doithoai_testkit::TestEnv;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The directory holding the built service binaries (`target/debug` for tests,
/// `target/release` for the benchmark): beside the running executable.
pub fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_default();
    let mut dir = exe.parent().map(PathBuf::from).unwrap_or_default();
    if dir.ends_with("deps") {
        dir.pop();
    }
    dir
}

/// A service binary running as a child process.
pub struct Service {
    pub name: String,
    pub port: u16,
    pub env: TestEnv,
    child: Option<Child>,
}

pub fn free_port() -> u16 {
    doithoai_testkit::free_port().unwrap_or(0)
}

impl Service {
    /// Starts `name` (e.g. `intake`) with `env`'s settings on a free port.
    pub fn start(name: &str, env: TestEnv) -> anyhow::Result<Service> {
        let mut s = Service {
            name: name.to_owned(),
            port: free_port(),
            env,
            child: None,
        };
        s.restart()?;
        Ok(s)
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The peak resident memory of the running process so far, in KiB (Linux `VmHWM`).
    pub fn peak_memory_kib(&self) -> Option<u64> {
        let pid = self.child.as_ref()?.id();
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))?
            .split_whitespace()
            .next()?
            .parse()
            .ok()
    }

    /// Starts the binary (again), same port, database and namespace.
    pub fn restart(&mut self) -> anyhow::Result<()> {
        let bin = bin_dir().join(&self.name);
        anyhow::ensure!(
            bin.exists(),
            "{} is not built: run `cargo build --bins` first (tests/run does)",
            bin.display()
        );
        let mut cmd = Command::new(&bin);
        for (k, v) in &self.env.overrides {
            cmd.env(k, v);
        }
        // With `SERVICE_LOG_FILE` in its env, a service logs at info to that file (appended
        // across restarts), for a test to read what it logged.
        let log_file = self.env.overrides.get("SERVICE_LOG_FILE").map(|path| {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
        });
        let (level, stdout) = match log_file {
            Some(file) => ("info".to_owned(), Stdio::from(file?)),
            None => (
                std::env::var("SERVICE_LOG").unwrap_or_else(|_| "warn".into()),
                Stdio::null(),
            ),
        };
        cmd.env("PORT", self.port.to_string())
            .env("RUST_LOG", level)
            .stdout(stdout)
            .stderr(Stdio::inherit());
        self.child = Some(cmd.spawn()?);
        Ok(())
    }

    /// Waits until `/readyz` answers 200.
    pub async fn ready(&self, within: Duration) -> anyhow::Result<()> {
        let client = reqwest::Client::new();
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Ok(r) = client.get(format!("{}/readyz", self.base())).send().await
                && r.status().is_success()
            {
                return Ok(());
            }
            anyhow::ensure!(
                tokio::time::Instant::now() < deadline,
                "{} not ready",
                self.name
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// `kill -9`.
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// SIGTERM, then wait for a graceful exit.
    pub fn terminate(&mut self) -> anyhow::Result<std::process::ExitStatus> {
        let Some(mut c) = self.child.take() else {
            anyhow::bail!("not running")
        };
        Command::new("kill")
            .args(["-TERM", &c.id().to_string()])
            .status()?;
        Ok(c.wait()?)
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// The six services, in the order they are started (the portal apart).
pub const SERVICES: [&str; 6] = [
    "intake",
    "routing",
    "answering",
    "scheduling",
    "notification",
    "reporting",
];

/// The settings of one replica of `name` in a platform of the six services on namespace `ns`
/// (its database `{ns}_{name}`, shared by its replicas), with rate limits off, email to `smtp_url`
/// and SMS into a folder. Callers add what their test needs.
pub fn platform_env(ns: &str, name: &str, smtp_url: &str) -> TestEnv {
    TestEnv::with_name(&format!("{ns}_{name}"))
        .set("NATS_NAMESPACE", ns)
        .set("INTAKE_WRITES_PER_MINUTE", "0")
        .set("INTAKE_READS_PER_MINUTE", "0")
        .set("NOTIFICATION_SMTP_URL", smtp_url)
        .set(
            "NOTIFICATION_SMS_DIR",
            &std::env::temp_dir()
                .join(format!("{ns}-sms"))
                .to_string_lossy(),
        )
}

/// A valid public submission, numbered so each is distinct.
pub fn submission(n: usize) -> serde_json::Value {
    serde_json::json!({
        "unit": "phuong-lang",
        "kind": "feedback",
        "field": "ho-tich",
        "content_type": 2,
        "title": format!("Phản ánh số {n}"),
        "content": "Khi đăng ký khai sinh, bộ phận một cửa yêu cầu nộp bản sao giấy tờ đã có trong cơ sở dữ liệu quốc gia về dân cư.",
        "submitter": {"name": "Nguyễn Văn An", "address": "Số 12 phố Láng, phường Láng", "phone": "0912 345 678"}
    })
}

/// What the benchmark commands share: their settings and the figures they print.
pub mod bench {
    use std::time::Duration;

    /// A whole-number setting from the environment, or `default`.
    pub fn setting(name: &str, default: u64) -> u64 {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    }

    /// The `p` quantile (0 to 1) of sorted durations; zero for none.
    ///
    /// ```
    /// use std::time::Duration;
    /// let d: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
    /// assert_eq!(doithoai_journeys::bench::percentile(&d, 0.99), Duration::from_millis(99));
    /// ```
    pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
        if sorted.is_empty() {
            return Duration::ZERO;
        }
        sorted[((sorted.len() - 1) as f64 * p).round() as usize]
    }

    /// Asks `request` (a GET that must answer 200) `rounds` times, one after another; the
    /// times, sorted.
    pub async fn rounds(
        request: impl Fn() -> reqwest::RequestBuilder,
        rounds: usize,
        name: &str,
    ) -> anyhow::Result<Vec<Duration>> {
        let mut times = Vec::with_capacity(rounds);
        for _ in 0..rounds {
            let t = std::time::Instant::now();
            let res = request().send().await?;
            anyhow::ensure!(res.status() == 200, "{name}: {}", res.status());
            let _ = res.bytes().await?;
            times.push(t.elapsed());
        }
        times.sort();
        Ok(times)
    }

    /// `p50 … ms  p99 … ms  max … ms` of sorted times.
    pub fn summary(times: &[Duration]) -> String {
        format!(
            "p50 {:>7.1} ms  p99 {:>7.1} ms  max {:>7.1} ms",
            ms(percentile(times, 0.5)),
            ms(percentile(times, 0.99)),
            ms(times.last().copied().unwrap_or_default()),
        )
    }

    /// Milliseconds, for printing.
    pub fn ms(d: Duration) -> f64 {
        d.as_secs_f64() * 1e3
    }
}
