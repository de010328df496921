//! Portal benchmark (a command, not a test): the five release services and the portal on one
//! NATS namespace, and `BENCH_USERS` simulated people using the portal at once, each waiting
//! `BENCH_THINK_MS` (± half) between pages, for `BENCH_SECONDS`. Citizens (two in three) open
//! the home page, a ward's page, the feedback form, search answers and follow a petition by
//! its code; ward staff (one in three, signed in) open their inbox, the receipt book and a case.
//! It prints, per page and overall, requests, p50/p99/max server time as the client sees it on
//! loopback, and the page's size; errors (any status but 200) are counted.
//!
//! `tests/bench-portal` builds and runs it. Settings: BENCH_USERS (100), BENCH_SECONDS (30),
//! BENCH_THINK_MS (1000), BENCH_PETITIONS (40: submitted first, so pages have content).

use doithoai_journeys::bench::{ms, percentile, setting};
use doithoai_journeys::{SERVICES, Service, bin_dir, platform_env, submission};
use doithoai_testkit::SmtpSink;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const PASSWORD: &str = "Mat-khau-do-hieu-nang-2026";

/// A signed-in session: its cookie and CSRF token.
#[derive(Clone)]
struct Session {
    cookie: String,
    csrf: String,
}

fn hidden(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let at = html.find(&marker)? + marker.len();
    Some(html[at..][..html[at..].find('"')?].to_owned())
}

async fn sign_in(c: &reqwest::Client, base: &str, user: &str) -> anyhow::Result<Session> {
    let form = c.get(format!("{base}/staff/sign-in")).send().await?;
    let cookie = form
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .collect::<Vec<_>>()
        .join("; ");
    let csrf = hidden(&form.text().await?, "csrf").ok_or_else(|| anyhow::anyhow!("no csrf"))?;
    let res = c
        .post(format!("{base}/staff/sign-in"))
        .header("cookie", cookie)
        .form(&[("username", user), ("password", PASSWORD), ("csrf", &csrf)])
        .send()
        .await?;
    let session = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("dt_session="))
        .and_then(|v| v.split(';').next())
        .ok_or_else(|| anyhow::anyhow!("{user} not signed in ({})", res.status()))?
        .to_owned();
    let home = c
        .get(format!("{base}/staff"))
        .header("cookie", &session)
        .send()
        .await?
        .text()
        .await?;
    let csrf = hidden(&home, "csrf").ok_or_else(|| anyhow::anyhow!("no session csrf"))?;
    Ok(Session {
        cookie: session,
        csrf,
    })
}

#[derive(Default)]
struct Seen {
    by_page: BTreeMap<&'static str, (Vec<Duration>, usize)>,
    errors: BTreeMap<String, usize>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    doithoai_testkit::install_tls_provider();
    let users = setting("BENCH_USERS", 100) as usize;
    let seconds = setting("BENCH_SECONDS", 30);
    let think = setting("BENCH_THINK_MS", 1000);
    let petitions = setting("BENCH_PETITIONS", 40) as usize;

    // The platform, the portal with a key of its own, the services verifying with its set.
    let smtp = SmtpSink::start()?;
    let ns = doithoai_testkit::unique_name();
    let key_file = std::env::temp_dir().join(format!("{ns}-portal-key.pem"));
    std::fs::write(&key_file, doithoai_auth::keys::generate_pem())?;
    let key = doithoai_auth::keys::SigningKey::from_file(&key_file.to_string_lossy(), "", "")?;
    let jwks_file = std::env::temp_dir().join(format!("{ns}-jwks.json"));
    std::fs::write(&jwks_file, key.jwks().to_string())?;
    let mut services = BTreeMap::new();
    for name in SERVICES {
        let env = platform_env(&ns, name, &smtp.url())
            .set("AUTH_JWKS_FILE", &jwks_file.to_string_lossy())
            .set("READS_PER_MINUTE", "0")
            .set("WRITES_PER_MINUTE", "0")
            .set("HTTP_WORKERS", "2");
        services.insert(name, Service::start(name, env)?);
    }
    for s in services.values() {
        s.ready(Duration::from_secs(60)).await?;
    }
    let portal_env = platform_env(&ns, "portal", &smtp.url())
        .set("PORTAL_SIGNING_KEY_FILE", &key_file.to_string_lossy())
        .set("PORTAL_INTAKE_URL", &services["intake"].base())
        .set("PORTAL_ROUTING_URL", &services["routing"].base())
        .set("PORTAL_ANSWERING_URL", &services["answering"].base())
        .set("PORTAL_SCHEDULING_URL", &services["scheduling"].base())
        .set("PORTAL_REPORTING_URL", &services["reporting"].base())
        .set("PORTAL_NOTIFICATION_URL", &services["notification"].base())
        .set("HTTP_WORKERS", "2")
        .set("DB_POOL_SIZE", "8");
    let portal_db = portal_env.overrides["DATABASE_URL"].clone();
    let portal = Service::start("portal", portal_env)?;
    portal.ready(Duration::from_secs(60)).await?;
    let base = portal.base();
    let made = std::process::Command::new(bin_dir().join("portal"))
        .args(["create-admin", "quan.tri", "Quản trị"])
        .env("PORTAL_DATABASE_URL", &portal_db)
        .env("PORTAL_ADMIN_PASSWORD", PASSWORD)
        .output()?;
    anyhow::ensure!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let c = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(users)
        .build()?;
    let admin = sign_in(&c, &base, "quan.tri").await?;
    for (user, role, dept) in [
        ("an.clerk", "clerk", ""),
        ("binh.officer", "officer", "van-phong"),
    ] {
        let mut form = vec![
            ("csrf", admin.csrf.as_str()),
            ("page", "accounts"),
            ("record", ""),
            ("action", "create"),
            ("username", user),
            ("display_name", user),
            ("role", role),
            ("unit", "phuong-lang"),
            ("password", PASSWORD),
        ];
        if !dept.is_empty() {
            form.push(("department", dept));
        }
        let res = c
            .post(format!("{base}/staff/act"))
            .header("cookie", &admin.cookie)
            .form(&form)
            .send()
            .await?;
        anyhow::ensure!(res.status() == 303, "account {user}: {}", res.status());
    }
    // Content: petitions, routed to the department.
    let intake = services["intake"].base();
    let mut codes = Vec::new();
    for n in 0..petitions {
        let res = c
            .post(format!("{intake}/api/v1/petitions"))
            .json(&submission(n))
            .send()
            .await?;
        let body: serde_json::Value = res.json().await?;
        if let Some(code) = body["tracking_code"].as_str() {
            codes.push(code.to_owned());
        }
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let clerk = sign_in(&c, &base, "an.clerk").await?;
    let officer = sign_in(&c, &base, "binh.officer").await?;
    let inbox = c
        .get(format!("{base}/staff/inbox"))
        .header("cookie", &officer.cookie)
        .send()
        .await?
        .text()
        .await?;
    let case = inbox
        .find("/staff/cases/")
        .map(|at| inbox[at..][..inbox[at..].find('"').unwrap_or(0)].to_owned())
        .ok_or_else(|| anyhow::anyhow!("no case in the officer's inbox"))?;

    println!(
        "portal benchmark: {users} simulated people, {think} ms ± 50 % between pages, {seconds} s; {} petitions",
        codes.len()
    );
    let seen = Arc::new(Mutex::new(Seen::default()));
    let sizes = Arc::new(Mutex::new(BTreeMap::<&'static str, usize>::new()));
    let codes = Arc::new(codes);
    let end = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for u in 0..users {
        let (c, base, seen, sizes, codes, case) = (
            c.clone(),
            base.clone(),
            seen.clone(),
            sizes.clone(),
            codes.clone(),
            case.clone(),
        );
        let staff = match u % 3 {
            0 if u % 2 == 0 => Some(clerk.clone()),
            0 => Some(officer.clone()),
            _ => None,
        };
        tasks.push(tokio::spawn(async move {
            let mut step = u;
            // Spread the first requests over one think time.
            tokio::time::sleep(Duration::from_millis(
                (u as u64 * think) / users.max(1) as u64,
            ))
            .await;
            while Instant::now() < end {
                step += 1;
                let code = &codes[step % codes.len().max(1)];
                let (page, req) = match (&staff, step % 3) {
                    (Some(s), 0) => (
                        "staff inbox",
                        c.get(format!("{base}/staff/inbox"))
                            .header("cookie", &s.cookie),
                    ),
                    (Some(s), 1) => (
                        "receipt book",
                        c.get(format!("{base}/staff/petitions"))
                            .header("cookie", &s.cookie),
                    ),
                    (Some(s), _) => (
                        "case",
                        c.get(format!("{base}{case}")).header("cookie", &s.cookie),
                    ),
                    (None, _) => match step % 6 {
                        0 => ("home", c.get(format!("{base}/"))),
                        1 => ("ward page", c.get(format!("{base}/units/phuong-lang"))),
                        2 => (
                            "feedback form",
                            c.get(format!("{base}/units/phuong-lang/submit")),
                        ),
                        3 => (
                            "answers search",
                            c.get(format!("{base}/answers?q=khai+sinh")),
                        ),
                        4 => ("follow form", c.get(format!("{base}/track"))),
                        _ => (
                            "follow a petition",
                            c.post(format!("{base}/track"))
                                .form(&[("code", code.as_str())]),
                        ),
                    },
                };
                let t = Instant::now();
                let res = req.send().await;
                let outcome = match res {
                    Ok(r) => {
                        let status = r.status().as_u16();
                        let body = r.bytes().await.map(|b| b.len()).unwrap_or(0);
                        (status, body)
                    }
                    Err(_) => (0, 0),
                };
                let took = t.elapsed();
                {
                    let mut s = seen.lock().unwrap_or_else(|e| e.into_inner());
                    if outcome.0 == 200 {
                        let e = s.by_page.entry(page).or_default();
                        e.0.push(took);
                        e.1 += 1;
                        sizes
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .insert(page, outcome.1);
                    } else {
                        *s.errors
                            .entry(format!("{page}: {}", outcome.0))
                            .or_default() += 1;
                    }
                }
                let jitter = (step as u64 * 7919) % think.max(1);
                tokio::time::sleep(Duration::from_millis(think / 2 + jitter)).await;
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let s = seen.lock().unwrap_or_else(|e| e.into_inner());
    let sizes = sizes.lock().unwrap_or_else(|e| e.into_inner());
    let mut all = Vec::new();
    println!(
        "  {:<18} {:>7} {:>10} {:>10} {:>10} {:>9}",
        "page", "pages", "p50 ms", "p99 ms", "max ms", "bytes"
    );
    for (page, (times, n)) in &s.by_page {
        let mut t = times.clone();
        t.sort();
        all.extend(t.iter().copied());
        println!(
            "  {page:<18} {n:>7} {:>10.1} {:>10.1} {:>10.1} {:>9}",
            ms(percentile(&t, 0.5)),
            ms(percentile(&t, 0.99)),
            ms(t.last().copied().unwrap_or_default()),
            sizes.get(page).copied().unwrap_or(0)
        );
    }
    all.sort();
    println!(
        "  {:<18} {:>7} {:>10.1} {:>10.1} {:>10.1}   ({:.0} pages/s)",
        "all",
        all.len(),
        ms(percentile(&all, 0.5)),
        ms(percentile(&all, 0.99)),
        ms(all.last().copied().unwrap_or_default()),
        all.len() as f64 / elapsed
    );
    let errors: usize = s.errors.values().sum();
    println!("errors: {errors} {:?}", s.errors);
    println!(
        "server time p99 {:.1} ms at {users} simulated people: {}",
        ms(percentile(&all, 0.99)),
        if ms(percentile(&all, 0.99)) <= 50.0 && errors == 0 {
            "within the 50 ms budget"
        } else {
            "over the 50 ms budget"
        }
    );
    let peak = |s: &Service| {
        s.peak_memory_kib()
            .map_or("?".to_owned(), |k| format!("{} MiB", k / 1024))
    };
    println!(
        "peak resident memory: portal {}, {}",
        peak(&portal),
        services
            .iter()
            .map(|(name, s)| format!("{name} {}", peak(s)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    drop(portal);
    drop(services);
    Ok(())
}
