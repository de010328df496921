//! City IT's dashboards read real data: Prometheus (Debian's package) scrapes the five real
//! services, with the project's rules (`deploy/monitoring/alerts.yml`) loaded, while a petition
//! is submitted, answered and rated; then every query of every dashboard in
//! `deploy/monitoring/dashboards/` must return data.

use crate::platform::Platform;
use doithoai_journeys::free_port;
use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn monitoring_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../deploy/monitoring")
}

/// Every `expr` of every panel of the dashboards, with the dashboard and panel titles.
fn dashboard_queries() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let dir = monitoring_dir().join("dashboards");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 3, "the three dashboards");
    for f in files {
        let d: Value = serde_json::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
        for p in d["panels"].as_array().unwrap() {
            for t in p["targets"].as_array().unwrap() {
                out.push((
                    format!(
                        "{} / {}",
                        d["title"].as_str().unwrap(),
                        p["title"].as_str().unwrap()
                    ),
                    t["expr"].as_str().unwrap().to_owned(),
                ));
            }
        }
    }
    out
}

#[tokio::test]
async fn every_dashboard_query_returns_data_from_the_running_platform() {
    let prometheus = std::env::var("PROMETHEUS").unwrap_or_else(|_| "prometheus".into());
    // The operations gauges are counted every second here (a minute by default).
    let p = Platform::start_with(&[("GAUGES_SECONDS", "1")]).await;
    // Work for the dashboards to show: petitions, one answered and rated.
    let code = p.submit(1, "ho-tich").await;
    for n in 2..=4 {
        p.submit(n, "ho-tich").await;
    }
    p.answer(&code, "phuong-lang").await;
    let invitation = p.wait_mail("an1@example.vn", "đánh giá").await;
    let token = invitation
        .lines()
        .map(str::trim)
        .find(|l| l.len() == 32 && l.chars().all(|c| c.is_ascii_hexdigit()))
        .expect("the rating token")
        .to_owned();
    let (s, _) = p
        .post(
            "answering",
            &format!("/api/v1/answers/{code}/rating"),
            None,
            serde_json::json!({"score": 5, "token": token}),
        )
        .await;
    assert_eq!(s, 201);

    // Prometheus of its own: every second, each service a job named after it.
    let dir = std::env::temp_dir().join(format!("prometheus-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let rules = monitoring_dir().join("alerts.yml");
    let mut config = format!(
        "global: {{scrape_interval: 1s, evaluation_interval: 1s}}\nrule_files: [{}]\nscrape_configs:\n",
        rules.display()
    );
    for (name, s) in &p.services {
        config.push_str(&format!(
            "  - job_name: {name}\n    static_configs: [{{targets: [\"127.0.0.1:{}\"]}}]\n",
            s.port
        ));
    }
    std::fs::write(dir.join("prometheus.yml"), config).unwrap();
    let port = free_port();
    let mut server = Command::new(&prometheus)
        .arg(format!(
            "--config.file={}",
            dir.join("prometheus.yml").display()
        ))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.join("data").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("{prometheus} (Debian's prometheus; tests/run installs it): {e}")
        });
    let c = reqwest::Client::new();
    let query = |expr: String| {
        let c = c.clone();
        async move {
            let r = c
                .post(format!("http://127.0.0.1:{port}/api/v1/query"))
                .form(&[("query", expr.as_str())])
                .send()
                .await
                .ok()?;
            r.json::<Value>().await.ok()
        }
    };
    // Every query, until each returned data (at most a minute: rates need two scrapes, the
    // recording rules an evaluation).
    let mut waiting = dashboard_queries();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut last = Value::Null;
    while !waiting.is_empty() && Instant::now() < deadline {
        let mut still = Vec::new();
        for (panel, expr) in waiting {
            match query(expr.clone()).await {
                Some(v)
                    if v["status"] == "success"
                        && v["data"]["result"]
                            .as_array()
                            .is_some_and(|r| !r.is_empty()) => {}
                Some(v) => {
                    last = v;
                    still.push((panel, expr));
                }
                None => still.push((panel, expr)),
            }
        }
        waiting = still;
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let _ = server.kill();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        waiting.is_empty(),
        "dashboard queries with no data: {waiting:#?} (last answer: {last})"
    );
}
