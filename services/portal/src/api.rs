//! The six services, called over their HTTP APIs as any client would: the portal keeps no
//! data of theirs. Each call has a timeout; a service away becomes a page that says so (503),
//! never a broken page. The citizen's address is passed on (`X-Forwarded-For`) so each
//! service's rate limits count the citizen, not the portal (the services list the portal in
//! `TRUSTED_PROXIES`).

use doithoai_web::Settings;
use serde_json::Value;
use std::time::Duration;

#[derive(Clone)]
pub struct Api {
    client: reqwest::Client,
    pub intake: String,
    pub routing: String,
    pub answering: String,
    pub scheduling: String,
    pub notification: String,
    pub reporting: String,
}

/// What a service answered: its status and JSON body (`Null` when it sent none).
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
}

impl Reply {
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// A service could not be reached or answered garbage.
#[derive(Debug)]
pub struct Away;

impl std::fmt::Display for Away {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a service is unavailable")
    }
}

impl Api {
    /// `PORTAL_INTAKE_URL`, `PORTAL_ROUTING_URL`, `PORTAL_ANSWERING_URL`,
    /// `PORTAL_SCHEDULING_URL`, `PORTAL_NOTIFICATION_URL`, `PORTAL_REPORTING_URL` (defaults:
    /// the local ports 8081–8086).
    pub fn from_settings(s: &Settings) -> anyhow::Result<Self> {
        Ok(Api {
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .connect_timeout(Duration::from_secs(2))
                .build()?,
            intake: s.string("INTAKE_URL", "http://127.0.0.1:8081"),
            routing: s.string("ROUTING_URL", "http://127.0.0.1:8082"),
            answering: s.string("ANSWERING_URL", "http://127.0.0.1:8083"),
            scheduling: s.string("SCHEDULING_URL", "http://127.0.0.1:8084"),
            notification: s.string("NOTIFICATION_URL", "http://127.0.0.1:8085"),
            reporting: s.string("REPORTING_URL", "http://127.0.0.1:8086"),
        })
    }

    pub async fn get(&self, base: &str, path: &str, ctx: &Ctx) -> Result<Reply, Away> {
        self.send(self.client.get(format!("{base}{path}")), ctx)
            .await
    }

    /// A GET on behalf of a signed-in staff member, with the token minted for it.
    pub async fn get_as(
        &self,
        base: &str,
        path: &str,
        token: &str,
        ctx: &Ctx,
    ) -> Result<Reply, Away> {
        self.send(
            self.client.get(format!("{base}{path}")).bearer_auth(token),
            ctx,
        )
        .await
    }

    /// A staff action on behalf of a signed-in account: `verb` with a JSON body (none for a
    /// `DELETE`), and the form's Idempotency-Key for a create a client may retry.
    #[allow(clippy::too_many_arguments)]
    pub async fn call_as(
        &self,
        base: &str,
        verb: crate::actions::Verb,
        path: &str,
        body: &Value,
        token: &str,
        idempotency_key: Option<&str>,
        ctx: &Ctx,
    ) -> Result<Reply, Away> {
        use crate::actions::Verb;
        let url = format!("{base}{path}");
        let mut req = match verb {
            Verb::Post => self.client.post(url).json(body),
            Verb::Put => self.client.put(url).json(body),
            Verb::Delete => self.client.delete(url),
        }
        .bearer_auth(token);
        if let Some(k) = idempotency_key {
            req = req.header("idempotency-key", k);
        }
        self.send(req, ctx).await
    }

    /// The raw body of a GET (a calendar file), with its content type.
    pub async fn get_raw(
        &self,
        base: &str,
        path: &str,
        ctx: &Ctx,
    ) -> Result<(u16, String, Vec<u8>), Away> {
        self.raw(self.client.get(format!("{base}{path}")), ctx)
            .await
    }

    /// [`Api::get_raw`] on behalf of a signed-in account (the printable agenda).
    pub async fn get_raw_as(
        &self,
        base: &str,
        path: &str,
        token: &str,
        ctx: &Ctx,
    ) -> Result<(u16, String, Vec<u8>), Away> {
        self.raw(
            self.client.get(format!("{base}{path}")).bearer_auth(token),
            ctx,
        )
        .await
    }

    async fn raw(
        &self,
        req: reqwest::RequestBuilder,
        ctx: &Ctx,
    ) -> Result<(u16, String, Vec<u8>), Away> {
        let res = ctx.headers(req).send().await.map_err(|e| away(&e))?;
        let status = res.status().as_u16();
        let kind = res
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/octet-stream")
            .to_owned();
        let body = res.bytes().await.map_err(|e| away(&e))?;
        Ok((status, kind, body.to_vec()))
    }

    pub async fn post(
        &self,
        base: &str,
        path: &str,
        body: &Value,
        idempotency_key: Option<&str>,
        ctx: &Ctx,
    ) -> Result<Reply, Away> {
        let mut req = self.client.post(format!("{base}{path}")).json(body);
        if let Some(k) = idempotency_key {
            req = req.header("idempotency-key", k);
        }
        self.send(req, ctx).await
    }

    async fn send(&self, req: reqwest::RequestBuilder, ctx: &Ctx) -> Result<Reply, Away> {
        let res = ctx.headers(req).send().await.map_err(|e| away(&e))?;
        let status = res.status().as_u16();
        if status >= 500 {
            tracing::warn!(status, "a service answered {status}");
            return Err(Away);
        }
        let text = res.text().await.map_err(|e| away(&e))?;
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).map_err(|e| {
                tracing::warn!(error = %e, "a service answered something other than JSON: {e}");
                Away
            })?
        };
        Ok(Reply { status, body })
    }
}

fn away(e: &reqwest::Error) -> Away {
    tracing::warn!(error = %e, "a service could not be reached: {e}");
    Away
}

/// Who is asking: their language and address, passed on to the services.
pub struct Ctx {
    pub lang: &'static str,
    pub client_addr: Option<String>,
}

impl Ctx {
    /// The reader's language and address, and the page's trace (`traceparent`), so the
    /// service's work joins the trace of the page that asked for it.
    fn headers(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        let mut req = req.header("accept-language", self.lang);
        if let Some(trace) = doithoai_telemetry::current_trace_id() {
            req = req.header("traceparent", doithoai_telemetry::traceparent(&trace));
        }
        match &self.client_addr {
            Some(a) => req.header("x-forwarded-for", a),
            None => req,
        }
    }
}
