//! Channels: email through SMTP (lettre) or, for local runs, `.eml` files in a folder; SMS
//! through an HTTP gateway or, locally, text files in a folder.

use lettre::message::header::ContentType;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::PathBuf;
use std::time::Duration;
use uuid::Uuid;

/// Where email goes.
#[derive(Clone)]
pub enum Email {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Folder(AsyncFileTransport<Tokio1Executor>, PathBuf),
}

/// Where SMS goes.
#[derive(Clone)]
pub enum Sms {
    Gateway {
        url: String,
        client: reqwest::Client,
    },
    Folder(PathBuf),
}

#[derive(Clone)]
pub struct Channels {
    pub email: Email,
    pub sms: Sms,
    pub from: lettre::message::Mailbox,
}

impl Channels {
    /// `NOTIFICATION_SMTP_URL` (e.g. `smtp://127.0.0.1:2525`, `smtps://user:pass@host`) or,
    /// when unset, `.eml` files in `NOTIFICATION_MAIL_DIR`; `NOTIFICATION_SMS_GATEWAY_URL` or,
    /// when unset, text files in `NOTIFICATION_SMS_DIR`.
    pub fn from_settings(s: &doithoai_web::Settings) -> anyhow::Result<Channels> {
        let email = match s.raw("SMTP_URL") {
            Some(url) => Email::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(&url)
                    .map_err(|e| anyhow::anyhow!("setting NOTIFICATION_SMTP_URL: {e}"))?
                    .timeout(Some(Duration::from_secs(20)))
                    // One connection per concurrent send: lettre writes a message's body and
                    // its terminating dot separately, so Nagle's algorithm and the server's
                    // delayed ACK hold each message about 40 ms; throughput comes from
                    // sending on many connections at once.
                    .pool_config(
                        lettre::transport::smtp::PoolConfig::new()
                            .max_size(crate::flow::SEND_CONCURRENCY as u32),
                    )
                    .build(),
            ),
            None => {
                let dir = PathBuf::from(s.string("MAIL_DIR", ".local/mail"));
                std::fs::create_dir_all(&dir).map_err(|e| {
                    anyhow::anyhow!("setting NOTIFICATION_MAIL_DIR={}: {e}", dir.display())
                })?;
                Email::Folder(AsyncFileTransport::<Tokio1Executor>::new(&dir), dir)
            }
        };
        let sms = match s.raw("SMS_GATEWAY_URL") {
            Some(url) => Sms::Gateway {
                url,
                client: reqwest::Client::builder()
                    .timeout(Duration::from_secs(15))
                    .build()?,
            },
            None => {
                let dir = PathBuf::from(s.string("SMS_DIR", ".local/sms"));
                std::fs::create_dir_all(&dir).map_err(|e| {
                    anyhow::anyhow!("setting NOTIFICATION_SMS_DIR={}: {e}", dir.display())
                })?;
                Sms::Folder(dir)
            }
        };
        let from = s
            .string(
                "MAIL_FROM",
                "Đối Thoại Hà Nội <khong-tra-loi@doithoai.hanoi.gov.vn>",
            )
            .parse()
            .map_err(|e| anyhow::anyhow!("setting NOTIFICATION_MAIL_FROM: {e}"))?;
        Ok(Channels { email, sms, from })
    }

    /// Sends one message. The message id travels as the email's Message-ID and the SMS
    /// gateway's Idempotency-Key, so a resend after a crash can be recognised downstream.
    pub async fn send(
        &self,
        id: Uuid,
        channel: &str,
        to: &str,
        subject: &str,
        body: &str,
    ) -> anyhow::Result<()> {
        match channel {
            "email" => {
                let message = Message::builder()
                    .from(self.from.clone())
                    .to(to.parse()?)
                    .subject(subject)
                    .message_id(Some(format!("<{id}@doithoai.hanoi.gov.vn>")))
                    .header(ContentType::TEXT_PLAIN)
                    .body(body.to_owned())?;
                match &self.email {
                    Email::Smtp(t) => {
                        t.send(message).await?;
                    }
                    Email::Folder(t, _) => {
                        t.send(message).await?;
                    }
                }
                Ok(())
            }
            "sms" => match &self.sms {
                Sms::Gateway { url, client } => {
                    let res = client
                        .post(url)
                        .header("Idempotency-Key", id.to_string())
                        .json(&serde_json::json!({"id": id, "to": to, "text": subject}))
                        .send()
                        .await?;
                    anyhow::ensure!(
                        res.status().is_success(),
                        "SMS gateway answered {}",
                        res.status()
                    );
                    Ok(())
                }
                Sms::Folder(dir) => {
                    tokio::fs::write(
                        dir.join(format!("{id}.txt")),
                        format!("To: {to}\n\n{subject}\n"),
                    )
                    .await?;
                    Ok(())
                }
            },
            other => anyhow::bail!("unknown channel {other}"),
        }
    }
}
