//! The portal in a real browser: Debian's headless Chromium, driven over WebDriver
//! (chromedriver, through thirtyfour), in front of the five real services. A citizen sends
//! feedback with the keyboard only; city IT creates the staff accounts; a clerk, an officer, a
//! head and a leader take the petition to a published answer (the leader sees the redacted
//! public version first); the citizen finds it without diacritics and rates it; a leader plans
//! and notices a conference and a citizen registers a question; a wrong password is throttled,
//! a forged CSRF token refused, and another unit's staff cannot reach the case.
//!
//! Every page visited is checked with axe-core (0 serious or critical violations) and for its
//! weight (HTML, CSS and script at most 60 KB), and photographed at 360 and 1280 px wide into
//! `target/screenshots/` (`SCREENSHOT_DIR`).

use crate::platform::Platform;
use chrono::{Duration as CDuration, Utc};
use doithoai_journeys::{Service, bin_dir, free_port, platform_env};
use serde_json::json;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use thirtyfour::prelude::*;
use thirtyfour::{ChromiumLikeCapabilities, Key};

/// A page's HTML, CSS and script together may weigh this much, uncompressed (issue 11).
const PAGE_BUDGET_BYTES: u64 = 60 * 1024;
const PASSWORD: &str = "Mat-khau-that-dai-2026";

/// Headless Chromium under chromedriver, with the axe-core script and where screenshots go.
struct Browser {
    driver: Child,
    c: WebDriver,
    base: String,
    axe: String,
    shots: PathBuf,
    checked: Vec<String>,
}

impl Browser {
    async fn start(base: &str) -> Browser {
        let chromedriver = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
        let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        let axe_js =
            std::env::var("AXE_JS").expect("AXE_JS names axe.min.js (tests/run installs it)");
        let axe = std::fs::read_to_string(&axe_js).expect("axe-core's script");
        let port = free_port();
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("{chromedriver} (Debian's chromium-driver; tests/run installs it): {e}")
            });
        let url = format!("http://127.0.0.1:{port}");
        let profile = std::env::temp_dir().join(format!("chromium-{}", uuid::Uuid::new_v4()));
        let mut caps = DesiredCapabilities::chrome();
        caps.set_binary(&chromium).unwrap();
        for arg in [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--lang=vi",
            "--window-size=1280,900",
            &format!("--user-data-dir={}", profile.display()),
        ] {
            caps.add_arg(arg).unwrap();
        }
        // Vietnamese first: the browser asks for Vietnamese pages.
        caps.add_experimental_option("prefs", json!({"intl.accept_languages": "vi-VN,vi"}))
            .unwrap();
        let mut c = None;
        for _ in 0..100 {
            match WebDriver::new(&url, caps.clone()).await {
                Ok(d) => {
                    c = Some(d);
                    break;
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
        let shots = std::env::var("SCREENSHOT_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|_| bin_dir().join("..").join("screenshots"));
        std::fs::create_dir_all(&shots).unwrap();
        Browser {
            driver,
            c: c.expect("a WebDriver session with headless Chromium"),
            base: base.to_owned(),
            axe,
            shots,
            checked: Vec::new(),
        }
    }

    async fn go(&self, path: &str) {
        self.c.goto(format!("{}{path}", self.base)).await.unwrap();
    }

    async fn html(&self) -> String {
        self.c.source().await.unwrap()
    }

    async fn find(&self, css: &str) -> WebElement {
        self.c
            .find(By::Css(css.to_owned()))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
    }

    async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.unwrap()
    }

    /// Fills the input `css` (clearing it first) by typing.
    async fn fill(&self, css: &str, value: &str) {
        let e = self.find(css).await;
        e.clear().await.unwrap();
        e.send_keys(value).await.unwrap();
    }

    async fn click(&self, css: &str) {
        self.find(css).await.click().await.unwrap();
    }

    /// Runs `script` in the page with `args`, and returns what it returns.
    async fn js(&self, script: &str, args: Vec<serde_json::Value>) -> serde_json::Value {
        self.c.execute(script, args).await.unwrap().json().clone()
    }

    /// Opens an action's form (a `<details>`), fills it and sends it.
    async fn act(&self, id: &str, fields: &[(&str, &str)]) {
        self.click(&format!("#act-{id}")).await;
        for (name, value) in fields {
            let dom_id = format!("{id}-{name}");
            let css = format!("[id='{dom_id}']");
            let e = self.find(&css).await;
            let tag = e.tag_name().await.unwrap();
            let kind = e.attr("type").await.unwrap().unwrap_or_default();
            if kind == "datetime-local" || kind == "date" || tag == "select" {
                // A date picker's typing order follows the browser's locale: set the value.
                self.js(
                    "document.getElementById(arguments[0]).value = arguments[1];",
                    vec![json!(dom_id), json!(value)],
                )
                .await;
            } else {
                self.fill(&css, value).await;
            }
        }
        self.submit(&format!(
            "section[aria-labelledby='act-{id}'] button[type=submit]"
        ))
        .await;
    }

    /// Marks the page shown now, so [`Browser::wait_new_page`] can tell when the next arrived.
    async fn mark(&self) {
        self.js("window.__dtOld = true;", vec![]).await;
    }

    /// Waits (up to 15 s) until a new page replaced the marked one and has loaded.
    async fn wait_new_page(&self) {
        for _ in 0..300 {
            let ready = self
                .js(
                    "return window.__dtOld === undefined && document.readyState === 'complete';",
                    vec![],
                )
                .await;
            if ready == json!(true) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no new page after a form was sent");
    }

    /// Sends a form by clicking `css` and waits for the page that answers.
    async fn submit(&self, css: &str) {
        self.mark().await;
        self.click(css).await;
        self.wait_new_page().await;
    }

    /// The element that has the keyboard focus: its id.
    async fn focused(&self) -> String {
        self.js(
            "return document.activeElement ? document.activeElement.id : ''",
            vec![],
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
    }

    /// Presses Tab until the element `id` has the focus (at most 80 times).
    async fn tab_to(&self, id: &str) {
        for _ in 0..80 {
            if self.focused().await == id {
                return;
            }
            self.keys(Key::Tab + "").await;
        }
        panic!("Tab never reached #{id}");
    }

    /// Types `keys` into whatever has the focus.
    async fn keys(&self, keys: impl Into<thirtyfour::TypingData>) {
        self.c
            .active_element()
            .await
            .unwrap()
            .send_keys(keys)
            .await
            .unwrap();
    }

    async fn sign_in(&self, username: &str, password: &str) {
        self.go("/staff/sign-in").await;
        self.fill("#username", username).await;
        self.fill("#password", password).await;
        self.submit("main form button[type=submit]").await;
    }

    async fn sign_out(&self) {
        self.submit("nav.staff form button").await;
    }

    /// Checks the page now shown: axe-core finds no serious or critical violation, it weighs at
    /// most [`PAGE_BUDGET_BYTES`], and a screenshot at 360 and at 1280 px is written as `name`.
    async fn check(&mut self, name: &str) {
        self.c
            .execute(self.axe.as_str(), Vec::<serde_json::Value>::new())
            .await
            .unwrap();
        let found = self
            .c
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, {resultTypes: ['violations']})
                   .then(r => done(r.violations
                     .filter(v => v.impact === 'serious' || v.impact === 'critical')
                     .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.map(n => n.target.join(' ')).join(', '))))
                   .catch(e => done(['axe failed: ' + e]));",
                Vec::<serde_json::Value>::new(),
            )
            .await
            .unwrap()
            .json()
            .clone();
        let url = self.c.current_url().await.unwrap();
        assert_eq!(found, json!([]), "accessibility on {name} ({url})");
        let weight = self
            .js(
                "return new TextEncoder().encode(document.documentElement.outerHTML).length +
                   performance.getEntriesByType('resource')
                     .filter(r => ['css', 'link', 'script'].includes(r.initiatorType))
                     .reduce((n, r) => n + (r.decodedBodySize || 0), 0);",
                vec![],
            )
            .await
            .as_u64()
            .unwrap_or(u64::MAX);
        assert!(
            weight <= PAGE_BUDGET_BYTES,
            "{name} weighs {weight} bytes ({url})"
        );
        for (width, height) in [(360, 800), (1280, 900)] {
            self.c.set_window_rect(0, 0, width, height).await.unwrap();
            let png = self.c.screenshot_as_png().await.unwrap();
            std::fs::write(self.shots.join(format!("{name}-{width}.png")), png).unwrap();
        }
        self.c.set_window_rect(0, 0, 1280, 900).await.unwrap();
        self.checked.push(name.to_owned());
    }

    /// The action just sent was done (the page says so), else the messages it shows.
    async fn assert_done(&self, what: &str) {
        let html = self.html().await;
        let url = self.c.current_url().await.unwrap();
        assert!(
            html.contains("class=\"done\""),
            "{what} ({url}): {}",
            problems(&html)
        );
    }

    async fn close(mut self) {
        let _ = self.c.quit().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// The messages a refused form shows, for an assertion's message.
fn problems(html: &str) -> String {
    html.find("class=\"problems\"")
        .map(|at| html[at..].chars().take(600).collect())
        .unwrap_or_else(|| "no problems shown".to_owned())
}

#[tokio::test]
async fn citizens_staff_and_city_it_do_their_work_in_a_real_browser() {
    // The portal's key: it signs staff tokens, the services verify them with its key set.
    let ns = doithoai_testkit::unique_name();
    let key_file = std::env::temp_dir().join(format!("{ns}-portal-key.pem"));
    std::fs::write(&key_file, doithoai_auth::keys::generate_pem()).unwrap();
    let key =
        doithoai_auth::keys::SigningKey::from_file(&key_file.to_string_lossy(), "", "").unwrap();
    let jwks_file = std::env::temp_dir().join(format!("{ns}-jwks.json"));
    std::fs::write(&jwks_file, key.jwks().to_string()).unwrap();
    let p = Platform::start_with(&[("AUTH_JWKS_FILE", &jwks_file.to_string_lossy())]).await;
    let env = platform_env(&ns, "portal", &p.smtp.url())
        .set("PORTAL_SIGNING_KEY_FILE", &key_file.to_string_lossy())
        .set("PORTAL_INTAKE_URL", &p.services["intake"].base())
        .set("PORTAL_ROUTING_URL", &p.services["routing"].base())
        .set("PORTAL_ANSWERING_URL", &p.services["answering"].base())
        .set("PORTAL_SCHEDULING_URL", &p.services["scheduling"].base())
        .set("PORTAL_REPORTING_URL", &p.services["reporting"].base())
        .set(
            "PORTAL_NOTIFICATION_URL",
            &p.services["notification"].base(),
        )
        .set("HTTP_WORKERS", "2")
        .set("DB_POOL_SIZE", "4");
    let portal_db = env.overrides["DATABASE_URL"].clone();
    let portal = Service::start("portal", env).unwrap();
    portal.ready(Duration::from_secs(60)).await.unwrap();
    // City IT's first account, made by the documented command.
    let made = Command::new(bin_dir().join("portal"))
        .args(["create-admin", "quan.tri", "Quản trị Thành phố"])
        .env("PORTAL_DATABASE_URL", &portal_db)
        .env("PORTAL_ADMIN_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );

    let mut b = Browser::start(&portal.base()).await;

    // A citizen, keyboard only: the form, Tab from field to field, Enter to send.
    b.go("/units/phuong-lang/submit").await;
    b.check("citizen-submit").await;
    b.tab_to("field").await;
    b.keys(Key::Down + "").await;
    b.tab_to("content").await;
    b.keys(
        "Bộ phận một cửa yêu cầu nộp lại bản sao giấy khai sinh đã có trong cơ sở dữ liệu dân cư.",
    )
    .await;
    b.tab_to("name").await;
    b.keys("Nguyễn Văn Trí").await;
    b.tab_to("address").await;
    b.keys("Số 8 phố Láng").await;
    b.tab_to("email").await;
    b.keys("tri.browser@example.vn").await;
    b.mark().await;
    b.keys(Key::Enter + "").await;
    b.wait_new_page().await;
    let code = b.text("p.code").await;
    assert_eq!(code.len(), 13, "a tracking code on the receipt: {code}");
    b.check("citizen-receipt").await;

    // City IT makes the ward's accounts.
    b.sign_in("quan.tri", PASSWORD).await;
    b.check("cityit-home").await;
    b.go("/staff/accounts").await;
    b.check("cityit-accounts").await;
    for (user, name, role, unit, dept) in [
        ("an.van-thu", "Lê Văn An", "clerk", "phuong-lang", ""),
        (
            "binh.chuyen-vien",
            "Trần Thị Bình",
            "officer",
            "phuong-lang",
            "van-phong",
        ),
        (
            "cuong.truong-phong",
            "Phạm Văn Cường",
            "head",
            "phuong-lang",
            "van-phong",
        ),
        (
            "dung.chu-tich",
            "Nguyễn Văn Dũng",
            "leader",
            "phuong-lang",
            "",
        ),
        ("em.van-thu", "Đỗ Thị Em", "clerk", "phuong-ba-dinh", ""),
    ] {
        let mut fields = vec![
            ("username", user),
            ("display_name", name),
            ("role", role),
            ("unit", unit),
            ("password", PASSWORD),
        ];
        if !dept.is_empty() {
            fields.push(("department", dept));
        }
        b.act("create", &fields).await;
        let html = b.html().await;
        assert!(html.contains(user), "{user} listed: {}", problems(&html));
    }
    b.go("/staff/settings").await;
    b.check("cityit-settings").await;
    b.go("/staff/compliance").await;
    b.check("cityit-compliance").await;
    b.go("/staff/reports?by=field").await;
    b.check("cityit-reports").await;
    // A mistyped month is refused with reporting's reason beside the form.
    b.go("/staff/reports?month=2026-13").await;
    assert!(
        b.html().await.contains("Tháng theo dạng YYYY-MM"),
        "the reason shown"
    );
    b.go("/staff/accounts/an.van-thu").await;
    b.check("cityit-account").await;
    b.go("/staff/accounts/khong-co-ai").await;
    b.check("staff-not-found").await;
    b.sign_out().await;

    // The clerk finds it in the receipt book and accepts it as within the ward's competence.
    b.sign_in("an.van-thu", PASSWORD).await;
    b.check("clerk-home").await;
    b.go("/staff/petitions").await;
    b.check("clerk-receipt-book").await;
    b.click(&format!("a[href='/staff/petitions/{code}']")).await;
    b.check("clerk-petition").await;
    let case_link = b
        .find("a[href^='/staff/cases/']")
        .await
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    b.go(&case_link).await;
    b.act("accept", &[("note", "Đúng thẩm quyền của phường")])
        .await;
    b.assert_done("accepted").await;
    b.check("clerk-case").await;
    b.go("/staff/messages").await;
    b.check("clerk-messages").await;
    b.sign_out().await;

    // The officer drafts, naming the citizen (the public version must not).
    b.sign_in("binh.chuyen-vien", PASSWORD).await;
    b.go("/staff/inbox").await;
    b.check("officer-inbox").await;
    b.go(&case_link).await;
    b.act("draft", &[("answer", "Kính gửi ông Nguyễn Văn Trí: UBND phường Láng đã chấn chỉnh bộ phận một cửa, không yêu cầu nộp lại bản sao giấy khai sinh đã có trong cơ sở dữ liệu.")]).await;
    b.assert_done("drafted").await;
    b.check("officer-case").await;
    b.sign_out().await;

    b.sign_in("cuong.truong-phong", PASSWORD).await;
    b.go(&case_link).await;
    b.act("review", &[("decision", "approve")]).await;
    b.assert_done("reviewed").await;
    b.sign_out().await;

    // The leader sees the public version without the citizen's name, then signs.
    b.sign_in("dung.chu-tich", PASSWORD).await;
    b.go(&case_link).await;
    let preview = b.text("section.preview").await;
    assert!(
        !preview.contains("Trí") && preview.contains("đã được ẩn"),
        "{preview}"
    );
    b.check("leader-case-preview").await;
    b.act("approve", &[]).await;
    assert!(b.html().await.contains("TL-PAKN"), "an official number");
    // … and plans a dialogue conference, then publishes its notice.
    b.go("/staff/conferences").await;
    let starts = (Utc::now() + CDuration::days(20)).with_timezone(&doithoai_web::text::hanoi());
    b.act(
        "plan",
        &[
            ("title", "Đối thoại với nhân dân về thủ tục hộ tịch"),
            ("starts_at", &starts.format("%Y-%m-%dT09:00").to_string()),
            ("venue", "Hội trường UBND phường Láng"),
            ("chair", "Nguyễn Văn Dũng"),
        ],
    )
    .await;
    let html = b.html().await;
    assert!(
        html.contains("class=\"done\""),
        "planned: {}",
        problems(&html)
    );
    b.check("leader-conferences").await;
    b.click("table a[href^='/staff/conferences/']").await;
    let conference_page = b.c.current_url().await.unwrap();
    let conference_id = conference_page
        .path()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    b.act("notice", &[]).await;
    b.assert_done("noticed").await;
    b.check("leader-conference").await;
    b.sign_out().await;

    // The citizen finds the answer without diacritics and rates it with the emailed code.
    let invitation = p.wait_mail("tri.browser@example.vn", "đánh giá").await;
    b.go("/answers?q=ban+sao+giay+khai+sinh").await;
    b.check("citizen-answers").await;
    b.click(&format!("a[href='/answers/{code}']")).await;
    b.check("citizen-answer").await;
    let token = invitation
        .lines()
        .map(str::trim)
        .find(|l| l.len() == 32 && l.chars().all(|ch| ch.is_ascii_hexdigit()))
        .expect("the rating code in the invitation")
        .to_owned();
    b.click("input[name=score][value='5']").await;
    b.fill("#token", &token).await;
    b.submit("form[action$='/rating'] button[type=submit]")
        .await;
    assert!(b.html().await.contains("class=\"ok\""), "rated");
    // … and registers a question for the conference.
    b.go(&format!("/conferences/{conference_id}")).await;
    b.check("citizen-conference").await;
    // Intake learns of the notice from scheduling's event, a moment after it was published.
    let mut registered = String::new();
    for _ in 0..60 {
        b.go(&format!("/conferences/{conference_id}")).await;
        b.js(
            "document.getElementById('field').value = 'ho-tich';",
            vec![],
        )
        .await;
        b.fill(
            "#content",
            "Xin hỏi thời hạn cấp bản sao trích lục khai sinh?",
        )
        .await;
        b.fill("#name", "Nguyễn Văn Trí").await;
        b.fill("#address", "Số 8 phố Láng").await;
        b.fill("#email", "tri.browser@example.vn").await;
        b.submit("form[action$='/register'] button[type=submit]")
            .await;
        if b.html().await.contains("<p class=\"code\">") {
            registered = b.text("p.code").await;
            break;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert_eq!(registered.len(), 13, "the question's receipt");

    // The ward's leader reads this month's report: the answer, and the rating of 5 (a
    // satisfaction index of 100 %), once reporting has the events.
    b.sign_in("dung.chu-tich", PASSWORD).await;
    let mut reported = false;
    for _ in 0..100 {
        b.go("/staff/reports").await;
        if b.html().await.contains("100.0% (1 lượt đánh giá)") {
            reported = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert!(reported, "the report shows the rating: {}", b.html().await);
    assert!(
        b.html().await.contains("Văn phòng HĐND và UBND") || b.html().await.contains("Phòng "),
        "rows by department"
    );
    b.check("leader-reports").await;
    // The download links give the same figures as a file, through the portal, with the
    // leader's session (and nothing without it).
    let session = b.c.get_named_cookie("dt_session").await.unwrap();
    let client = reqwest::Client::new();
    let csv = client
        .get(format!("{}/staff/reports/export?format=csv", b.base))
        .header("cookie", format!("dt_session={}", session.value))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    assert!(
        csv.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("bao-cao-pakn")
    );
    let text = csv.text().await.unwrap();
    assert!(
        text.contains("\"Phòng, ban\",Tiếp nhận,Thụ lý") && text.contains("Tổng cộng,"),
        "{text}"
    );
    let anonymous = client
        .get(format!("{}/staff/reports/export?format=xlsx", b.base))
        .send()
        .await
        .unwrap();
    assert!(
        !anonymous.status().is_success() || anonymous.url().path().starts_with("/staff/sign-in"),
        "no report without a session"
    );
    b.sign_out().await;

    // Another ward's clerk cannot reach the case.
    b.sign_in("em.van-thu", PASSWORD).await;
    b.go(&case_link).await;
    let html = b.html().await;
    assert!(
        !html.contains(&code) && !html.contains("Trí"),
        "another ward sees nothing of it"
    );
    // A forged CSRF token is refused.
    b.go("/staff/petitions").await;
    b.js(
        "document.querySelectorAll('input[name=csrf]').forEach(i => i.value = 'forged')",
        vec![],
    )
    .await;
    b.act("record", &[("content", "x")]).await;
    assert!(
        b.html().await.contains("Invalid form session"),
        "forged CSRF refused"
    );
    b.go("/staff").await;
    b.sign_out().await;
    // A wrong password, again and again, is throttled.
    let mut throttled = false;
    for _ in 0..8 {
        b.sign_in("an.van-thu", "sai-mat-khau-roi").await;
        let html = b.html().await;
        if html.contains("tạm khóa 15 phút") || html.contains("locked for 15 minutes") {
            throttled = true;
            break;
        }
    }
    assert!(throttled, "sign-in throttled");
    b.go("/staff/sign-in").await;
    b.check("sign-in").await;
    b.go("/").await;
    b.check("citizen-home").await;
    b.go("/units/phuong-lang").await;
    b.check("citizen-unit").await;
    b.go("/track").await;
    b.check("citizen-track").await;
    // English, by the visible switch.
    b.go("/lang/en?next=/units/phuong-lang/submit").await;
    assert!(
        b.html().await.contains("Send feedback or a recommendation"),
        "English"
    );
    b.check("citizen-submit-en").await;
    b.go("/answers/KHONG-CO-MA").await;
    b.check("citizen-not-found-en").await;
    eprintln!(
        "checked with axe-core and photographed: {}",
        b.checked.join(", ")
    );
    b.close().await;
}
