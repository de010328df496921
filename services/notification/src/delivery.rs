//! Channels: email through SMTP (lettre) or, for local runs, `.eml` files in a folder; SMS
//! through an HTTP gateway or, locally, text files in a folder.

use lettre::message::header::ContentType;
use lettre::transport::smtp::client::AsyncSmtpConnection;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::PathBuf;
use std::time::Duration;
use uuid::Uuid;

/// Where email goes.
#[derive(Clone)]
pub enum Email {
    /// A relay reached with TLS or credentials: lettre's transport and pool.
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// A plain `smtp://host:port` relay (a local MTA or sidecar): lettre's SMTP client on
    /// connections of our own with Nagle's algorithm off (see [`PlainRelay`]).
    Plain(std::sync::Arc<PlainRelay>),
    Folder(AsyncFileTransport<Tokio1Executor>, PathBuf),
}

/// Connections to a plain SMTP relay, kept open between sends. lettre writes a message's body
/// and its terminating `.` in two writes; with Nagle's algorithm on (lettre's own connector
/// leaves it on), the second waits for the server's delayed ACK of the first, about 40 ms per
/// message. These connections set `TCP_NODELAY`, so a send costs its round trips only.
pub struct PlainRelay {
    addr: String,
    hello: lettre::transport::smtp::extension::ClientId,
    timeout: Duration,
    idle: std::sync::Mutex<Vec<(AsyncSmtpConnection, std::time::Instant)>>,
}

/// An idle connection older than this is closed rather than reused: relays drop idle clients
/// (Postfix after 300 s), and a send on a dropped connection would fail and wait for a retry.
const RELAY_IDLE: Duration = Duration::from_secs(10);

impl PlainRelay {
    /// `smtp://host[:port]` with nothing else (no credentials, no query), else `None`.
    fn from_url(url: &str, timeout: Duration) -> Option<PlainRelay> {
        let rest = url.strip_prefix("smtp://")?.trim_end_matches('/');
        if rest.is_empty() || rest.contains(['@', '?', '/']) {
            return None;
        }
        let addr = if rest
            .rsplit_once(':')
            .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
        {
            rest.to_owned()
        } else {
            format!("{rest}:25")
        };
        Some(PlainRelay {
            addr,
            hello: lettre::transport::smtp::extension::ClientId::default(),
            timeout,
            idle: std::sync::Mutex::new(Vec::new()),
        })
    }

    async fn connect(&self) -> anyhow::Result<AsyncSmtpConnection> {
        let tcp = tokio::net::TcpStream::connect(&self.addr).await?;
        tcp.set_nodelay(true)?;
        Ok(AsyncSmtpConnection::connect_with_transport(Box::new(tcp), &self.hello).await?)
    }

    fn take_idle(&self) -> Option<AsyncSmtpConnection> {
        let mut idle = self.idle.lock().ok()?;
        while let Some((conn, since)) = idle.pop() {
            if since.elapsed() < RELAY_IDLE && !conn.has_broken() {
                return Some(conn);
            }
        }
        None
    }

    /// Sends on an idle connection or a new one, within the timeout; the connection goes back
    /// to the idle list only after a clean send.
    async fn send(&self, message: &Message) -> anyhow::Result<()> {
        let bytes = message.formatted();
        let envelope = message.envelope();
        tokio::time::timeout(self.timeout, async {
            let mut conn = match self.take_idle() {
                Some(conn) => conn,
                None => self.connect().await?,
            };
            conn.send(envelope, &bytes).await?;
            if let Ok(mut idle) = self.idle.lock() {
                idle.push((conn, std::time::Instant::now()));
            }
            anyhow::Ok(())
        })
        .await
        .map_err(|_| anyhow::anyhow!("SMTP send timed out after {:?}", self.timeout))?
    }
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
    /// `notification_sends_total{channel, outcome}`: every try, `sent` or `error` (an SMTP
    /// server or gateway failing shows as a streak of errors with nothing sent).
    pub sends: prometheus::IntCounterVec,
}

impl Channels {
    /// `NOTIFICATION_SMTP_URL` (e.g. `smtp://127.0.0.1:2525`, `smtps://user:pass@host`) or,
    /// when unset, `.eml` files in `NOTIFICATION_MAIL_DIR`; `NOTIFICATION_SMS_GATEWAY_URL` or,
    /// when unset, text files in `NOTIFICATION_SMS_DIR`.
    pub fn from_settings(s: &doithoai_web::Settings) -> anyhow::Result<Channels> {
        let email = match s.raw("SMTP_URL") {
            Some(url) => match PlainRelay::from_url(&url, Duration::from_secs(20)) {
                Some(relay) => Email::Plain(std::sync::Arc::new(relay)),
                None => Email::Smtp(
                    AsyncSmtpTransport::<Tokio1Executor>::from_url(&url)
                        .map_err(|e| anyhow::anyhow!("setting NOTIFICATION_SMTP_URL: {e}"))?
                        .timeout(Some(Duration::from_secs(20)))
                        // One connection per concurrent send.
                        .pool_config(
                            lettre::transport::smtp::PoolConfig::new()
                                .max_size(crate::flow::SEND_CONCURRENCY as u32),
                        )
                        .build(),
                ),
            },
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
                client: gateway_client(s.raw("SMS_GATEWAY_CA").map(PathBuf::from))?,
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
        let sends = prometheus::IntCounterVec::new(
            prometheus::Opts::new(
                "notification_sends_total",
                "Tries to send a message, by channel (email, sms, post) and outcome (sent, error)",
            ),
            &["channel", "outcome"],
        )?;
        for channel in ["email", "sms"] {
            for outcome in ["sent", "error"] {
                sends.with_label_values(&[channel, outcome]);
            }
        }
        Ok(Channels {
            email,
            sms,
            from,
            sends,
        })
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
                    Email::Plain(relay) => relay.send(&message).await?,
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

/// The SMS gateway's HTTP client: HTTPS by rustls (ring), trusting the public roots
/// (webpki-roots) and, when `NOTIFICATION_SMS_GATEWAY_CA` names a PEM file, the CAs in it (a
/// gateway behind a city-internal CA).
fn gateway_client(extra_ca: Option<PathBuf>) -> anyhow::Result<reqwest::Client> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(path) = extra_ca {
        let setting = || format!("setting NOTIFICATION_SMS_GATEWAY_CA={}", path.display());
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&path)
            .and_then(|certs| certs.collect())
            .map_err(|e| anyhow::anyhow!("{}: {e}", setting()))?;
        anyhow::ensure!(!certs.is_empty(), "{}: no certificate in it", setting());
        for cert in certs {
            roots
                .add(cert)
                .map_err(|e| anyhow::anyhow!("{}: {e}", setting()))?;
        }
    }
    let tls = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(reqwest::Client::builder()
        .use_preconfigured_tls(tls)
        .timeout(Duration::from_secs(15))
        .build()?)
}

#[cfg(test)]
mod tests {
    use super::PlainRelay;
    use std::time::Duration;

    #[test]
    fn only_a_plain_smtp_url_uses_the_relay_connections_of_our_own() {
        let t = Duration::from_secs(1);
        let addr = |u: &str| PlainRelay::from_url(u, t).map(|r| r.addr);
        assert_eq!(
            addr("smtp://127.0.0.1:2525").as_deref(),
            Some("127.0.0.1:2525")
        );
        assert_eq!(addr("smtp://mail.local").as_deref(), Some("mail.local:25"));
        assert_eq!(addr("smtps://mail.example.vn"), None);
        assert_eq!(addr("smtp://user:secret@mail.example.vn:587"), None);
        assert_eq!(addr("smtp://mail.example.vn:587?tls=required"), None);
    }
}
