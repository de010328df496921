//! The five real binaries started together on one NATS namespace, each with its own database,
//! with a real SMTP server for the citizens' email.

use doithoai_auth::Role;
use doithoai_journeys::{SERVICES, Service, platform_env};
use doithoai_testkit::{SmtpSink, token, token_in};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::Duration;

pub struct Platform {
    pub services: HashMap<&'static str, Service>,
    pub smtp: SmtpSink,
    pub client: reqwest::Client,
}

impl Platform {
    pub async fn start() -> Platform {
        Self::start_with(&[]).await
    }

    /// [`Platform::start`] with `extra` settings for every service.
    pub async fn start_with(extra: &[(&str, &str)]) -> Platform {
        let smtp = SmtpSink::start().unwrap();
        let ns = doithoai_testkit::unique_name();
        let mut services = HashMap::new();
        for name in SERVICES {
            let log = std::env::temp_dir().join(format!("{ns}-{name}.log"));
            let mut env = platform_env(&ns, name, &smtp.url())
                .set("SERVICE_LOG_FILE", &log.to_string_lossy())
                .set("NOTIFICATION_RETRY_BASE_SECONDS", "1")
                .set("NOTIFICATION_SEND_LEASE_SECONDS", "3")
                .set("HTTP_WORKERS", "1")
                .set("DB_POOL_SIZE", "4");
            for (k, v) in extra {
                env = env.set(k, v);
            }
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

    /// The day comes: conference `id`'s times move back so it began a minute ago (its notice
    /// and registration cutoff move with it, keeping their distance to the start).
    pub async fn conference_begins(&self, id: &str) {
        use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
        let url = &self.services["scheduling"].env.overrides["DATABASE_URL"];
        let mut conn = AsyncPgConnection::establish(url).await.unwrap();
        diesel::sql_query(
            "UPDATE conferences SET \
             notice_published_at = notice_published_at - (starts_at - (now() - interval '1 minute')), \
             registration_closes_at = registration_closes_at - (starts_at - (now() - interval '1 minute')), \
             starts_at = now() - interval '1 minute' \
             WHERE id = $1::uuid",
        )
        .bind::<diesel::sql_types::Text, _>(id)
        .execute(&mut conn)
        .await
        .unwrap();
    }

    /// Everything the five services logged so far (at info).
    pub fn logs(&self) -> String {
        self.services
            .values()
            .filter_map(|s| s.env.overrides.get("SERVICE_LOG_FILE"))
            .filter_map(|path| std::fs::read_to_string(path).ok())
            .collect::<Vec<_>>()
            .join("\n")
    }

    pub fn url(&self, service: &str, path: &str) -> String {
        format!("{}{path}", self.services[service].base())
    }

    pub async fn get(&self, service: &str, path: &str, tok: Option<&str>) -> Value {
        let mut r = self.client.get(self.url(service, path));
        if let Some(t) = tok {
            r = r.bearer_auth(t);
        }
        r.send().await.unwrap().json().await.unwrap_or(Value::Null)
    }

    pub async fn post(
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

    pub async fn submit(&self, n: usize, field: &str) -> String {
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
    pub async fn until_status(&self, code: &str, status: &str) -> Value {
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
    pub fn mail_to(&self, to: &str) -> Vec<String> {
        self.smtp
            .decoded()
            .into_iter()
            .filter(|m| m.to_ascii_lowercase().contains(&format!("to: {to}")))
            .collect()
    }

    pub async fn wait_mail(&self, to: &str, containing: &str) -> String {
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

    pub async fn petition_id(&self, code: &str) -> String {
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

    pub async fn answer(&self, code: &str, unit: &str) -> String {
        let id = self.petition_id(code).await;
        let leader = token(Role::Leader, unit);
        let path = format!("/api/v1/staff/cases/{id}");
        let mut case = Value::Null;
        for _ in 0..300 {
            case = self.get("answering", &path, Some(&leader)).await;
            if case["unit"] == unit {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        // An officer of the department that holds the case drafts; another department's finds
        // nothing.
        let department = case["department"].as_str().unwrap_or_default().to_owned();
        let officer = token_in(Role::Officer, unit, &department);
        let elsewhere = if department == "van-phong" {
            "van-hoa-xa-hoi"
        } else {
            "van-phong"
        };
        let stranger = token_in(Role::Officer, unit, elsewhere);
        let (s, _) = self
            .post(
                "answering",
                &format!("{path}/drafts"),
                Some(&stranger),
                json!({"answer": "x"}),
            )
            .await;
        assert_eq!(s, 404, "an officer of another department drafts nothing");
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
