//! Test kit: every test app gets its own PostgreSQL database and its own NATS namespace (so its
//! own streams and subjects), which lets tests run in parallel on one real server each without
//! seeing each other's data. Names carry `TEST_RUN_ID` so `doithoai-test-cleanup` can drop what
//! a run left behind.

mod app;

pub use app::{TestApp, body};

use async_nats::jetstream;
use doithoai_auth::{AuthConfig, Role};
use futures_util::StreamExt;
use std::collections::HashMap;
use std::time::Duration;

/// The secret test apps sign and verify with.
pub const TEST_SECRET: &str = "doithoai-test-secret-0123456789abcdef";

/// `TEST_PG_URL` (server URL without database), default `postgres://postgres@127.0.0.1:5432`.
pub fn pg_server_url() -> String {
    std::env::var("TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_owned())
}

/// `TEST_NATS_URL`, default `nats://127.0.0.1:4222`.
pub fn nats_url() -> String {
    std::env::var("TEST_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".to_owned())
}

/// The run prefix: `dt_test_<TEST_RUN_ID>` (or `dt_test_local`).
pub fn run_prefix() -> String {
    let run = std::env::var("TEST_RUN_ID")
        .ok()
        .filter(|r| !r.is_empty() && r.chars().all(|c| c.is_ascii_alphanumeric()))
        .unwrap_or_else(|| "local".to_owned());
    format!("dt_test_{}", run.to_ascii_lowercase())
}

/// A fresh isolation key: database name and NATS namespace at once.
pub fn unique_name() -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("{}_{}", run_prefix(), &id[..12])
}

/// Settings for one test app of `service`: its own database and namespace, port 0.
pub struct TestEnv {
    pub name: String,
    pub database_url: String,
    pub namespace: String,
    pub overrides: HashMap<String, String>,
}

impl TestEnv {
    pub fn new() -> Self {
        let name = unique_name();
        Self::with_name(&name)
    }

    /// An env that reuses `name` (a restarted app sees the same database and namespace).
    pub fn with_name(name: &str) -> Self {
        install_tls_provider();
        let database_url = format!("{}/{name}", pg_server_url());
        let namespace = name.to_owned();
        let mut overrides = HashMap::new();
        overrides.insert("DATABASE_URL".to_owned(), database_url.clone());
        overrides.insert("NATS_URL".to_owned(), nats_url());
        overrides.insert("NATS_NAMESPACE".to_owned(), namespace.clone());
        overrides.insert("PORT".to_owned(), "0".to_owned());
        overrides.insert("HTTP_WORKERS".to_owned(), "1".to_owned());
        overrides.insert("DB_POOL_SIZE".to_owned(), "4".to_owned());
        overrides.insert("JWT_SECRET".to_owned(), TEST_SECRET.to_owned());
        // Public rate limits off: every test app's requests come from one loopback address.
        // Tests of the limits set `<SERVICE>_READS_PER_MINUTE` / `_WRITES_PER_MINUTE`, which win.
        overrides.insert("READS_PER_MINUTE".to_owned(), "0".to_owned());
        overrides.insert("WRITES_PER_MINUTE".to_owned(), "0".to_owned());
        Self {
            name: name.to_owned(),
            database_url,
            namespace,
            overrides,
        }
    }

    pub fn set(mut self, key: &str, value: &str) -> Self {
        self.overrides.insert(key.to_owned(), value.to_owned());
        self
    }
}

impl Default for TestEnv {
    fn default() -> Self {
        Self::new()
    }
}

/// Makes ring the test process's TLS crypto provider, which reqwest's clients need (reqwest is
/// built without one); every [`TestEnv`] does it. Idempotent.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The auth settings test apps use.
pub fn auth() -> AuthConfig {
    AuthConfig {
        secret: TEST_SECRET.to_owned(),
        issuer: "doithoai".to_owned(),
        audience: "doithoai-api".to_owned(),
    }
}

/// The department the tests' officers and heads work in ([`token`]), and where the tests'
/// cases are assigned.
pub const TEST_DEPARTMENT: &str = "van-phong";

/// A valid token for `role` in `unit` (an officer or head of [`TEST_DEPARTMENT`]).
pub fn token(role: Role, unit: &str) -> String {
    token_in(role, unit, TEST_DEPARTMENT)
}

/// A valid token for `role` in `unit`; an officer or head works in `department`.
pub fn token_in(role: Role, unit: &str, department: &str) -> String {
    let department = role.is_department_scoped().then_some(department);
    auth()
        .sign_in(
            &format!("{}@{unit}", role.as_str()),
            role,
            unit,
            department,
            3600,
        )
        .unwrap_or_default()
}

/// All messages currently stored in `service`'s stream of `namespace` on subjects matching
/// `filter` (waits up to `wait` for at least `at_least` of them to arrive).
pub async fn stream_messages(
    namespace: &str,
    service: &str,
    filter: &str,
    at_least: usize,
    wait: Duration,
) -> anyhow::Result<Vec<jetstream::Message>> {
    stream_messages_at(&nats_url(), namespace, service, filter, at_least, wait).await
}

/// [`stream_messages`] on the NATS server at `url`.
pub async fn stream_messages_at(
    url: &str,
    namespace: &str,
    service: &str,
    filter: &str,
    at_least: usize,
    wait: Duration,
) -> anyhow::Result<Vec<jetstream::Message>> {
    let client = async_nats::connect(url).await?;
    let js = jetstream::new(client);
    let stream_name = doithoai_contracts::subjects::stream_name(namespace, service);
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let count = match js.get_stream(&stream_name).await {
            Ok(mut s) => {
                let info = s.info().await?;
                info.state.messages as usize
            }
            Err(_) => 0,
        };
        if count >= at_least || tokio::time::Instant::now() >= deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let Ok(stream) = js.get_stream(&stream_name).await else {
        return Ok(Vec::new());
    };
    let consumer = stream
        .create_consumer(jetstream::consumer::pull::Config {
            filter_subject: if filter == ">" {
                String::new()
            } else {
                filter.to_owned()
            },
            ack_policy: jetstream::consumer::AckPolicy::None,
            ..Default::default()
        })
        .await?;
    // Batches of at most 10 000 until one comes back empty: a stream may hold more.
    let mut out = Vec::new();
    loop {
        let before = out.len();
        let mut batch = consumer
            .fetch()
            .max_messages(10_000)
            .expires(Duration::from_millis(500))
            .messages()
            .await?;
        while let Some(m) = batch.next().await {
            out.push(m.map_err(|e| anyhow::anyhow!("{e}"))?);
        }
        if out.len() == before {
            return Ok(out);
        }
    }
}

/// Waits (up to 15 s) until `{base}/readyz` answers 200, as an orchestrator would before
/// sending traffic: NATS connects in the background after start-up.
pub async fn wait_ready(base: &str) {
    let client = reqwest::Client::new();
    for _ in 0..150 {
        if let Ok(r) = client.get(format!("{base}/readyz")).send().await
            && r.status().is_success()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Asserts what every service serves: `/healthz` alive, `/readyz` with database and NATS up,
/// `/metrics` in the Prometheus text format with the service's request and outbox metrics, a
/// problem+json 404 for an unknown route and a 405 with `Allow` for a method a path does not
/// take.
pub async fn assert_service_basics(base: &str, service: &str) -> anyhow::Result<()> {
    wait_ready(base).await;
    let client = reqwest::Client::new();
    let health: serde_json::Value = client
        .get(format!("{base}/healthz"))
        .send()
        .await?
        .json()
        .await?;
    anyhow::ensure!(
        health["status"] == "alive" && health["service"] == service,
        "healthz: {health}"
    );
    let ready = client.get(format!("{base}/readyz")).send().await?;
    anyhow::ensure!(
        ready.status().as_u16() == 200,
        "readyz status {}",
        ready.status()
    );
    let ready: serde_json::Value = ready.json().await?;
    anyhow::ensure!(
        ready["checks"]["database"] == "up" && ready["checks"]["nats"] == "up",
        "readyz: {ready}"
    );
    let missing = client.get(format!("{base}/no-such-route")).send().await?;
    anyhow::ensure!(
        missing.status().as_u16() == 404,
        "unknown route gave {}",
        missing.status()
    );
    anyhow::ensure!(
        missing
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            == Some("application/problem+json"),
        "unknown route is not problem+json"
    );
    // A NUL in a query or path (which PostgreSQL text cannot hold) is a 400, never a 500.
    let nul = client
        .get(format!("{base}/healthz?unit=a%00b"))
        .send()
        .await?;
    anyhow::ensure!(
        nul.status().as_u16() == 400,
        "a NUL in the query gave {}",
        nul.status()
    );
    // A path served with other methods is a 405 naming the ones it takes.
    let wrong = client.post(format!("{base}/healthz")).send().await?;
    anyhow::ensure!(
        wrong.status().as_u16() == 405,
        "POST /healthz gave {}",
        wrong.status()
    );
    anyhow::ensure!(
        wrong.headers().get("allow").and_then(|v| v.to_str().ok()) == Some("GET"),
        "405 without Allow: GET"
    );
    anyhow::ensure!(
        wrong
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            == Some("application/problem+json"),
        "405 is not problem+json"
    );
    let metrics = client
        .get(format!("{base}/metrics"))
        .send()
        .await?
        .text()
        .await?;
    for name in [
        format!(
            "{service}_http_requests_total{{method=\"GET\",route=\"/healthz\",status=\"200\"}} 1"
        ),
        format!("{service}_http_request_duration_seconds_bucket"),
        format!("{service}_outbox_backlog_messages "),
        format!("{service}_dead_letter_messages 0"),
        format!("{service}_nats_connected 1"),
    ] {
        anyhow::ensure!(metrics.contains(&name), "metrics lack {name}:\n{metrics}");
    }
    Ok(())
}

/// A NATS server with JetStream of the test's own (from the machine's `nats-server`, or
/// `NATS_SERVER_BIN`), on a free port with its own store, that a test can stop and restart.
pub struct OwnNats {
    pub port: u16,
    pub dir: std::path::PathBuf,
    child: Option<std::process::Child>,
    /// Server configuration added to the listener and JetStream store (TLS, users).
    extra: Option<String>,
}

impl OwnNats {
    pub fn start() -> anyhow::Result<OwnNats> {
        let port = free_port()?;
        let dir = std::env::temp_dir().join(format!("doithoai-nats-{}", unique_name()));
        std::fs::create_dir_all(&dir)?;
        let mut n = OwnNats {
            port,
            dir,
            child: None,
            extra: None,
        };
        n.restart()?;
        Ok(n)
    }

    /// A server with `extra` in its configuration file: `tls { … }`, `authorization { … }`.
    pub fn start_with(extra: &str) -> anyhow::Result<OwnNats> {
        let port = free_port()?;
        let dir = std::env::temp_dir().join(format!("doithoai-nats-{}", unique_name()));
        std::fs::create_dir_all(&dir)?;
        let mut n = OwnNats {
            port,
            dir,
            child: None,
            extra: Some(extra.to_owned()),
        };
        n.restart()?;
        Ok(n)
    }

    /// `tls { … }` for a server on 127.0.0.1 with the test certificate (`tls/`): clients must
    /// connect with TLS and trust [`test_ca_file`].
    pub fn test_tls_block() -> String {
        let tls = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tls");
        format!(
            "tls {{ cert_file: \"{}\", key_file: \"{}\" }}\n",
            tls.join("server.pem").display(),
            tls.join("server.key").display()
        )
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    fn binary() -> String {
        std::env::var("NATS_SERVER_BIN").unwrap_or_else(|_| {
            [
                "/usr/sbin/nats-server",
                "/usr/bin/nats-server",
                "/usr/local/bin/nats-server",
            ]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists())
            .unwrap_or("nats-server")
            .to_owned()
        })
    }

    /// Starts (again) on the same port and store, and waits until it accepts connections.
    pub fn restart(&mut self) -> anyhow::Result<()> {
        let port = self.port.to_string();
        let store = self.dir.to_string_lossy().into_owned();
        let log = self.dir.join("server.log").to_string_lossy().into_owned();
        if let Some(extra) = &self.extra {
            let conf = self.dir.join("server.conf");
            std::fs::write(
                &conf,
                format!(
                    "listen: 127.0.0.1:{port}\njetstream {{ store_dir: \"{store}\" }}\n{extra}"
                ),
            )?;
            let conf = conf.to_string_lossy().into_owned();
            self.child = Some(spawn_nats_server(&["-c", &conf, "-l", &log])?);
            return wait_for_port(self.port, "nats-server");
        }
        self.child = Some(spawn_nats_server(&[
            "-a",
            "127.0.0.1",
            "-p",
            &port,
            "-js",
            "-sd",
            &store,
            "-l",
            &log,
        ])?);
        wait_for_port(self.port, "nats-server")
    }

    /// Kills it at once (SIGKILL).
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for OwnNats {
    fn drop(&mut self) {
        self.kill();
        if std::env::var("KEEP_NATS_DIR").is_err() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// The CA that signed the test certificate (`tls/ca.pem`).
pub fn test_ca_file() -> String {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tls/ca.pem")
        .to_string_lossy()
        .into_owned()
}

/// A JetStream cluster of the test's own: `nodes` servers (from the same binary as
/// [`OwnNats`]) on free ports, routed to each other, each with its own store, any of which a
/// test can kill (`kill -9`) and start again.
pub struct NatsCluster {
    pub dir: std::path::PathBuf,
    ports: Vec<(u16, u16)>,
    children: Vec<Option<std::process::Child>>,
}

impl NatsCluster {
    /// Starts the nodes and waits until the cluster has elected its JetStream leader.
    pub async fn start(nodes: usize) -> anyhow::Result<NatsCluster> {
        let dir = std::env::temp_dir().join(format!("doithoai-nats-cluster-{}", unique_name()));
        std::fs::create_dir_all(&dir)?;
        let mut ports = Vec::new();
        for _ in 0..nodes {
            ports.push((free_port()?, free_port()?));
        }
        let mut c = NatsCluster {
            dir,
            children: (0..nodes).map(|_| None).collect(),
            ports,
        };
        for i in 0..nodes {
            c.start_node(i)?;
        }
        c.ready(Duration::from_secs(30)).await?;
        Ok(c)
    }

    /// Every node's client URL, comma-separated (what `NATS_URL` takes).
    pub fn url(&self) -> String {
        (0..self.ports.len())
            .map(|i| self.node_url(i))
            .collect::<Vec<_>>()
            .join(",")
    }

    pub fn node_url(&self, i: usize) -> String {
        format!("nats://127.0.0.1:{}", self.ports[i].0)
    }

    /// Starts node `i` (again), on its ports and store.
    pub fn start_node(&mut self, i: usize) -> anyhow::Result<()> {
        let (port, cluster_port) = self.ports[i];
        let routes: Vec<String> = self
            .ports
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, (_, c))| format!("\"nats-route://127.0.0.1:{c}\""))
            .collect();
        let node_dir = self.dir.join(format!("n{i}"));
        std::fs::create_dir_all(&node_dir)?;
        let conf = node_dir.join("server.conf");
        std::fs::write(
            &conf,
            format!(
                "server_name: n{i}\nlisten: 127.0.0.1:{port}\n\
                 jetstream {{ store_dir: \"{store}\" }}\n\
                 cluster {{ name: doithoai, listen: 127.0.0.1:{cluster_port}, routes: [{routes}] }}\n",
                store = node_dir.display(),
                routes = routes.join(", "),
            ),
        )?;
        let conf = conf.to_string_lossy().into_owned();
        let log = node_dir.join("server.log").to_string_lossy().into_owned();
        self.children[i] = Some(spawn_nats_server(&["-c", &conf, "-l", &log])?);
        wait_for_port(port, "nats-server")
    }

    /// Waits until JetStream answers through the cluster (its meta leader is elected).
    pub async fn ready(&self, within: Duration) -> anyhow::Result<()> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Ok(client) = async_nats::connect(self.url().split(',').collect::<Vec<_>>()).await
                && jetstream::new(client).query_account().await.is_ok()
            {
                return Ok(());
            }
            anyhow::ensure!(
                tokio::time::Instant::now() < deadline,
                "the NATS cluster elected no JetStream leader within {within:?} (logs in {})",
                self.dir.display()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Kills node `i` at once (SIGKILL).
    pub fn kill(&mut self, i: usize) {
        if let Some(mut c) = self.children[i].take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for NatsCluster {
    fn drop(&mut self) {
        for i in 0..self.children.len() {
            self.kill(i);
        }
        if std::env::var("KEEP_NATS_DIR").is_err() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Starts the NATS server binary ([`OwnNats`]'s) with `args`, its output discarded (it logs to
/// the file its arguments name).
fn spawn_nats_server(args: &[&str]) -> anyhow::Result<std::process::Child> {
    std::process::Command::new(OwnNats::binary())
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| {
            anyhow::anyhow!("starting nats-server (install it, or set NATS_SERVER_BIN): {e}")
        })
}

/// Waits (up to 5 s) until something accepts connections on `port` of 127.0.0.1.
pub fn wait_for_port(port: u16, what: &str) -> anyhow::Result<()> {
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    anyhow::bail!("{what} did not start on port {port}")
}

/// A free TCP port on 127.0.0.1 (bound, then released).
pub fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// A PostgreSQL server of the test's own (initdb in a temporary folder, from the machine's
/// PostgreSQL binaries), on a free port, that a test can restart or stop. As root it runs as
/// the `postgres` user, since PostgreSQL refuses to run as root.
pub struct OwnPostgres {
    pub port: u16,
    pub dir: std::path::PathBuf,
    bin: std::path::PathBuf,
}

impl OwnPostgres {
    pub fn start() -> anyhow::Result<OwnPostgres> {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .map_err(|e| {
                anyhow::anyhow!("PostgreSQL binaries not found in /usr/lib/postgresql: {e}")
            })?
            .filter_map(Result::ok)
            .map(|e| e.path().join("bin"))
            .filter(|p| p.join("initdb").exists())
            .max()
            .ok_or_else(|| anyhow::anyhow!("no initdb under /usr/lib/postgresql"))?;
        let port = free_port()?;
        let dir = std::env::temp_dir().join(format!("doithoai-pg-{}", unique_name()));
        std::fs::create_dir_all(&dir)?;
        let pg = OwnPostgres { port, dir, bin };
        if Self::is_root() {
            Self::run(
                std::process::Command::new("chown")
                    .arg("-R")
                    .arg("postgres:postgres")
                    .arg(&pg.dir),
            )?;
        }
        pg.pg(
            &pg.bin.join("initdb"),
            &[
                "-D",
                &pg.data(),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            ],
        )?;
        let log = pg.dir.join("server.log").to_string_lossy().into_owned();
        pg.ctl(&["start", "-w", "-t", "60", "-l", &log])?;
        Ok(pg)
    }

    fn is_root() -> bool {
        std::process::Command::new("id")
            .arg("-u")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
            .unwrap_or(false)
    }

    fn data(&self) -> String {
        self.dir.join("data").to_string_lossy().into_owned()
    }

    fn run(cmd: &mut std::process::Command) -> anyhow::Result<()> {
        let out = cmd.output()?;
        anyhow::ensure!(
            out.status.success(),
            "{cmd:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(())
    }

    fn pg(&self, program: &std::path::Path, args: &[&str]) -> anyhow::Result<()> {
        let mut cmd = if Self::is_root() {
            let mut c = std::process::Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            std::process::Command::new(program)
        };
        Self::run(cmd.args(args).stdout(std::process::Stdio::null()))
    }

    fn ctl(&self, args: &[&str]) -> anyhow::Result<()> {
        let data = self.data();
        let opts = format!(
            "-c listen_addresses=127.0.0.1 -p {} -k {} -c max_connections=100 -c fsync=off",
            self.port,
            self.dir.to_string_lossy()
        );
        let mut all: Vec<&str> = vec!["-D", &data, "-o", &opts];
        all.extend_from_slice(args);
        self.pg(&self.bin.join("pg_ctl"), &all)
    }

    /// `postgres://postgres@127.0.0.1:<port>`: the server URL, to which a test adds a database.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}", self.port)
    }

    /// Restarts in immediate mode: every connection is cut, as in a crash; recovery follows.
    pub fn restart_immediate(&self) -> anyhow::Result<()> {
        let log = self.dir.join("server.log").to_string_lossy().into_owned();
        self.ctl(&["restart", "-m", "immediate", "-w", "-t", "60", "-l", &log])
    }

    pub fn stop(&self) {
        let _ = self.ctl(&["stop", "-m", "immediate"]);
    }
}

impl Drop for OwnPostgres {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A real SMTP server process (aiosmtpd; `tests/run` installs it) that writes every message it
/// accepts to a folder, for tests of email delivery.
pub struct SmtpSink {
    pub port: u16,
    pub dir: std::path::PathBuf,
    child: std::process::Child,
}

impl SmtpSink {
    pub fn start() -> anyhow::Result<SmtpSink> {
        let port = free_port()?;
        let dir = std::env::temp_dir().join(format!("doithoai-smtp-{}", unique_name()));
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/smtp_sink.py");
        let child = std::process::Command::new(
            std::env::var("PYTHON").unwrap_or_else(|_| "python3".into()),
        )
        .arg(script)
        .arg(port.to_string())
        .arg(&dir)
        .stdout(std::process::Stdio::null())
        .spawn()
        .map_err(|e| anyhow::anyhow!("starting the SMTP sink (python3): {e}"))?;
        let sink = SmtpSink { port, dir, child };
        wait_for_port(port, "SMTP sink")?; // on failure, dropping `sink` kills the process
        Ok(sink)
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The raw messages received so far, oldest first.
    pub fn messages(&self) -> Vec<String> {
        let mut files: Vec<_> = std::fs::read_dir(&self.dir)
            .map(|d| {
                d.filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "eml"))
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        files
            .iter()
            .filter_map(|p| std::fs::read_to_string(p).ok())
            .collect()
    }

    /// The messages with base64 body parts decoded, so their Vietnamese text can be searched.
    pub fn decoded(&self) -> Vec<String> {
        self.messages().iter().map(|m| decode_eml(m)).collect()
    }

    /// Waits up to `wait` for at least `n` messages.
    pub async fn wait_for(&self, n: usize, wait: Duration) -> Vec<String> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let m = self.messages();
            if m.len() >= n || tokio::time::Instant::now() >= deadline {
                return m;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Headers as they are, followed by the body decoded from base64 when the message says so.
pub fn decode_eml(raw: &str) -> String {
    use base64::Engine;
    let (head, body) = raw
        .split_once("\r\n\r\n")
        .or_else(|| raw.split_once("\n\n"))
        .unwrap_or((raw, ""));
    if head
        .to_ascii_lowercase()
        .contains("content-transfer-encoding: base64")
    {
        let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
        if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(compact) {
            return format!("{head}\n\n{}", String::from_utf8_lossy(&bytes));
        }
    }
    raw.to_owned()
}
