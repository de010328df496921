//! Whole journeys through the five real binaries: submit → acknowledgement email → routed with
//! its working-day due date → draft → approval → answer email → public answer without personal
//! data → rating; a transfer outside competence; and each service killed with -9 mid-journey.

use doithoai_auth::Role;
use doithoai_journeys::Service;
use doithoai_testkit::{SmtpSink, TestEnv, token};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::Duration;

const SERVICES: [&str; 4] = ["intake", "routing", "answering", "notification"];

struct Platform {
    services: HashMap<&'static str, Service>,
    smtp: SmtpSink,
    client: reqwest::Client,
}

impl Platform {
    async fn start() -> Platform {
        let smtp = SmtpSink::start().unwrap();
        let ns = doithoai_testkit::unique_name();
        let sms_dir = std::env::temp_dir().join(format!("{ns}-sms"));
        let mut services = HashMap::new();
        for name in SERVICES {
            let env = TestEnv::with_name(&format!("{ns}_{name}"))
                .set("NATS_NAMESPACE", &ns)
                .set("INTAKE_SUBMIT_PER_MINUTE", "0")
                .set("INTAKE_LOOKUP_PER_MINUTE", "0")
                .set("NOTIFICATION_SMTP_URL", &smtp.url())
                .set("NOTIFICATION_SMS_DIR", &sms_dir.to_string_lossy())
                .set("NOTIFICATION_RETRY_BASE_SECONDS", "1")
                .set("HTTP_WORKERS", "1")
                .set("DB_POOL_SIZE", "4");
            services.insert(name, Service::start(name, env).unwrap());
        }
        for s in services.values() {
            s.ready(Duration::from_secs(60)).await.unwrap();
        }
        Platform {
            services,
            smtp,
            client: reqwest::Client::new(),
        }
    }

    fn url(&self, service: &str, path: &str) -> String {
        format!("{}{path}", self.services[service].base())
    }

    async fn get(&self, service: &str, path: &str, tok: Option<&str>) -> Value {
        let mut r = self.client.get(self.url(service, path));
        if let Some(t) = tok {
            r = r.bearer_auth(t);
        }
        r.send().await.unwrap().json().await.unwrap_or(Value::Null)
    }

    async fn post(
        &self,
        service: &str,
        path: &str,
        tok: Option<&str>,
        body: Value,
    ) -> (u16, Value) {
        let mut r = self.client.post(self.url(service, path)).json(&body);
        if let Some(t) = tok {
            r = r.bearer_auth(t);
        }
        let res = r.send().await.unwrap();
        (
            res.status().as_u16(),
            res.json().await.unwrap_or(Value::Null),
        )
    }

    async fn submit(&self, n: usize, field: &str) -> String {
        let (status, body) = self
            .post("intake", "/api/v1/petitions", None, json!({
                "unit": "phuong-lang", "kind": "feedback", "field": field, "content_type": 2,
                "title": format!("Phản ánh thủ tục số {n} ở phường Láng"),
                "content": "Tôi là Nguyễn Văn An, nhà số 12 ngõ 5 phố Láng, điện thoại 0912 345 678. Bộ phận một cửa yêu cầu giấy tờ trùng lặp.",
                "submitter": {"name": "Nguyễn Văn An", "address": "số 12 ngõ 5 phố Láng", "email": format!("an{n}@example.vn")}
            }))
            .await;
        assert_eq!(status, 201, "{body}");
        body["tracking_code"].as_str().unwrap().to_owned()
    }

    /// Polls the public tracking view until `status`.
    async fn until_status(&self, code: &str, status: &str) -> Value {
        for _ in 0..300 {
            let v = self
                .get("intake", &format!("/api/v1/petitions/{code}"), None)
                .await;
            if v["status"] == status {
                return v;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("{code} never reached {status}");
    }

    /// The decoded emails to `to` so far.
    fn mail_to(&self, to: &str) -> Vec<String> {
        self.smtp
            .decoded()
            .into_iter()
            .filter(|m| m.to_ascii_lowercase().contains(&format!("to: {to}")))
            .collect()
    }

    async fn wait_mail(&self, to: &str, containing: &str) -> String {
        for _ in 0..300 {
            if let Some(m) = self
                .mail_to(to)
                .into_iter()
                .find(|m| m.contains(containing))
            {
                return m;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!(
            "no email to {to} containing {containing}; got {:?}",
            self.mail_to(to)
        );
    }

    async fn petition_id(&self, code: &str) -> String {
        let clerk = token(Role::Clerk, "phuong-lang");
        let v = self
            .get(
                "intake",
                &format!("/api/v1/staff/petitions/{code}"),
                Some(&clerk),
            )
            .await;
        v["petition_id"].as_str().unwrap().to_owned()
    }

    async fn answer(&self, code: &str, unit: &str) -> String {
        let id = self.petition_id(code).await;
        let officer = token(Role::Officer, unit);
        let leader = token(Role::Leader, unit);
        let path = format!("/api/v1/staff/cases/{id}");
        for _ in 0..300 {
            let c = self.get("answering", &path, Some(&officer)).await;
            if c["unit"] == unit {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let text = format!("Trả lời {code}: phường đã bỏ yêu cầu giấy tờ trùng lặp.");
        let (s, b) = self
            .post(
                "answering",
                &format!("{path}/drafts"),
                Some(&officer),
                json!({"answer": text}),
            )
            .await;
        assert_eq!(s, 201, "{b}");
        let (s, b) = self
            .post(
                "answering",
                &format!("{path}/approve"),
                Some(&officer),
                json!({}),
            )
            .await;
        assert_eq!(s, 403, "an officer cannot approve: {b}");
        let (s, b) = self
            .post(
                "answering",
                &format!("{path}/approve"),
                Some(&leader),
                json!({}),
            )
            .await;
        assert_eq!(s, 200, "{b}");
        b["official_number"].as_str().unwrap().to_owned()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_petition_goes_from_submission_to_a_rated_public_answer_and_the_citizen_is_told_each_step()
 {
    let p = Platform::start().await;
    let code = p.submit(1, "dat-dai").await;
    let ack = p.wait_mail("an1@example.vn", "Mã tra cứu").await;
    assert!(
        ack.contains(&code),
        "acknowledgement carries the tracking code"
    );

    let routed = p.until_status(&code, "routed").await;
    assert!(
        routed["holder"]["name"]
            .as_str()
            .unwrap()
            .starts_with("Phòng Kinh tế, Hạ tầng và Đô thị"),
        "{routed}"
    );
    let id = p.petition_id(&code).await;
    let clerk = token(Role::Clerk, "phuong-lang");
    let r = p
        .get(
            "routing",
            &format!("/api/v1/staff/routing/{id}"),
            Some(&clerk),
        )
        .await;
    assert_eq!(r["department"], "kinh-te-ha-tang-do-thi");
    assert_eq!(
        routed["due_at"], r["due_at"],
        "the tracking view shows the calendar's due date"
    );
    let assignment = p.wait_mail("an1@example.vn", "Hạn trả lời").await;
    assert!(assignment.contains("Phòng Kinh tế, Hạ tầng và Đô thị"));

    let number = p.answer(&code, "phuong-lang").await;
    let answer_mail = p.wait_mail("an1@example.vn", &number).await;
    assert!(
        answer_mail.contains("bỏ yêu cầu giấy tờ trùng lặp"),
        "the full answer goes to the submitter"
    );
    p.wait_mail("an1@example.vn", "đánh giá").await;

    let public = p
        .client
        .get(p.url("answering", &format!("/api/v1/answers/{code}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for leak in [
        "Nguyễn Văn An",
        "0912",
        "345 678",
        "số 12 ngõ 5",
        "an1@example.vn",
    ] {
        assert!(
            !public.contains(leak),
            "public answer leaks {leak}: {public}"
        );
    }
    let (s, _) = p
        .post(
            "answering",
            &format!("/api/v1/answers/{code}/rating"),
            None,
            json!({"score": 5, "contact": "an1@example.vn"}),
        )
        .await;
    assert_eq!(s, 201);

    let view = p.until_status(&code, "published").await;
    let steps: Vec<&str> = view["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["status"].as_str().unwrap())
        .collect();
    assert_eq!(steps, ["received", "routed", "answered", "published"]);
    // One message of each kind, none twice.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        p.mail_to("an1@example.vn").len(),
        4,
        "acknowledgement, assignment, answer, rating invitation"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transfer_lands_in_the_receiving_bodys_inbox_and_the_citizen_is_told() {
    let p = Platform::start().await;
    let code = p.submit(2, "xay-dung").await;
    p.until_status(&code, "routed").await;
    let id = p.petition_id(&code).await;
    let clerk = token(Role::Clerk, "phuong-lang");
    let (s, b) = p
        .post(
            "routing",
            &format!("/api/v1/staff/routing/{id}/transfer"),
            Some(&clerk),
            json!({"to": "so-xay-dung", "reason": "Công trình do Sở cấp phép"}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    p.wait_mail("an2@example.vn", "Sở Xây dựng").await;
    let view = p.until_status(&code, "transferred").await;
    assert!(
        view["holder"]["name"]
            .as_str()
            .unwrap()
            .contains("Sở Xây dựng"),
        "{view}"
    );
    let body_clerk = token(Role::Clerk, "so-xay-dung");
    let mut found = false;
    for _ in 0..100 {
        let inbox = p
            .get("answering", "/api/v1/staff/cases", Some(&body_clerk))
            .await;
        if inbox["cases"]
            .as_array()
            .is_some_and(|c| c.iter().any(|c| c["tracking_code"] == code.as_str()))
        {
            found = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(found, "the case is in the receiving body's inbox");
    let ward = p
        .get("answering", "/api/v1/staff/cases", Some(&clerk))
        .await;
    assert!(
        !ward["cases"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["tracking_code"] == code.as_str()),
        "and no longer in the ward's"
    );
    let number = p.answer(&code, "so-xay-dung").await;
    p.wait_mail("an2@example.vn", &number).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journeys_complete_when_each_service_is_killed_in_turn_and_nobody_is_told_twice() {
    let mut p = Platform::start().await;
    let mut codes = Vec::new();
    for (i, victim) in ["routing", "notification", "answering", "intake"]
        .iter()
        .enumerate()
    {
        let n = 10 + i;
        let code = p.submit(n, "ho-tich").await;
        p.services.get_mut(victim).unwrap().kill9();
        tokio::time::sleep(Duration::from_millis(300)).await;
        p.services.get_mut(victim).unwrap().restart().unwrap();
        p.services[victim]
            .ready(Duration::from_secs(60))
            .await
            .unwrap();
        p.until_status(&code, "routed").await;
        codes.push((n, code));
    }
    // Answer them all, killing notification right after each approval.
    for (n, code) in &codes {
        p.answer(code, "phuong-lang").await;
        p.services.get_mut("notification").unwrap().kill9();
        p.services
            .get_mut("notification")
            .unwrap()
            .restart()
            .unwrap();
        p.services["notification"]
            .ready(Duration::from_secs(60))
            .await
            .unwrap();
        p.wait_mail(&format!("an{n}@example.vn"), "đánh giá").await;
        p.until_status(code, "published").await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    for (n, _) in &codes {
        let mails = p.mail_to(&format!("an{n}@example.vn"));
        assert_eq!(
            mails.len(),
            4,
            "an{n}: acknowledgement, assignment, answer, rating invitation — each once"
        );
    }
}
