//! The batching writer: how intake turns many concurrent submissions into few commits.
//!
//! Handlers hand a [`PendingWrite`] (petition row, outbox event and idempotency key, all
//! prepared) to [`Writer::submit`] and wait. A few writer tasks each take
//! whatever is queued (up to `max_batch`) and store it in one transaction with multi-row
//! inserts, so one WAL flush covers the whole batch (group commit). The handler answers 2xx only
//! after that commit, so a 2xx always means durably stored with its event.
//!
//! If a batch fails (a tracking-code collision, say), each of its writes is retried alone, so
//! one bad write never fails its neighbours.

use super::petitions::{NewIdempotencyKey, NewPetition};
use super::schema::idempotency_keys;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use doithoai_bus::outbox::{self, NewMessage, RelayHandle};
use doithoai_db::{PgPool, Prepared, column};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::{Mutex, mpsc, oneshot};

/// Everything one accepted submission writes.
#[derive(Debug, Clone)]
pub struct PendingWrite {
    pub petition: NewPetition,
    /// The petition's events: the one on intake's stream, and the same with the submitter's
    /// phone and email on the contacts stream (for notification only).
    pub events: Vec<NewMessage>,
    pub idempotency: Option<NewIdempotencyKey>,
}

/// What became of a write.
#[derive(Debug, Clone, PartialEq)]
pub enum WriteResult {
    /// Stored now.
    Created,
    /// The idempotency key was seen before with the same request: here is the first response.
    Replayed { status: i16, response: String },
    /// The idempotency key was seen before with a different request.
    KeyReused,
    /// The tracking code is taken: make another and submit again.
    CodeCollision,
}

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("database: {0}")]
    Database(#[from] DieselError),
    #[error("database pool: {0}")]
    Pool(String),
    #[error("writer stopped")]
    Stopped,
}

impl From<WriteError> for doithoai_web::ApiError {
    /// A writer without a connection or stopped is a 503 with `Retry-After`; a database
    /// error is judged like any other.
    fn from(e: WriteError) -> Self {
        match e {
            WriteError::Database(e) => e.into(),
            WriteError::Pool(_) | WriteError::Stopped => doithoai_web::ApiError::failure(
                anyhow::Error::new(e).context(doithoai_web::Unavailable("petition writer")),
            ),
        }
    }
}

struct Job {
    write: PendingWrite,
    reply: oneshot::Sender<Result<WriteResult, WriteError>>,
}

/// The handle handlers submit through.
#[derive(Clone)]
pub struct Writer {
    tx: mpsc::Sender<Job>,
}

impl Writer {
    /// Starts `workers` writer tasks taking up to `max_batch` writes per transaction.
    pub fn start(pool: PgPool, relay: RelayHandle, workers: usize, max_batch: usize) -> Writer {
        let (tx, rx) = mpsc::channel::<Job>(max_batch * workers * 4);
        let rx = Arc::new(Mutex::new(rx));
        for _ in 0..workers.max(1) {
            let rx = rx.clone();
            let pool = pool.clone();
            let relay = relay.clone();
            tokio::spawn(async move {
                loop {
                    let mut jobs = Vec::with_capacity(max_batch);
                    {
                        let mut rx = rx.lock().await;
                        match rx.recv().await {
                            Some(j) => jobs.push(j),
                            None => break,
                        }
                        while jobs.len() < max_batch {
                            match rx.try_recv() {
                                Ok(j) => jobs.push(j),
                                Err(_) => break,
                            }
                        }
                    }
                    run_batch(&pool, jobs).await;
                    relay.wake();
                }
            });
        }
        Writer { tx }
    }

    /// Stores `write` (in some batch) and says what became of it.
    pub async fn submit(&self, write: PendingWrite) -> Result<WriteResult, WriteError> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Job { write, reply })
            .await
            .map_err(|_| WriteError::Stopped)?;
        rx.await.map_err(|_| WriteError::Stopped)?
    }
}

async fn run_batch(pool: &PgPool, jobs: Vec<Job>) {
    let mut conn = match pool.get().await {
        Ok(c) => c,
        Err(e) => {
            for j in jobs {
                let _ = j.reply.send(Err(WriteError::Pool(e.to_string())));
            }
            return;
        }
    };
    let writes: Vec<&PendingWrite> = jobs.iter().map(|j| &j.write).collect();
    match write_batch(&mut conn, &writes).await {
        Ok(results) => {
            for (job, r) in jobs.into_iter().zip(results) {
                let _ = job.reply.send(Ok(r));
            }
        }
        Err(e) if jobs.len() > 1 => {
            tracing::warn!(error = %e, batch = jobs.len(), "batch write failed, retrying each write alone: {e}");
            for job in jobs {
                let r = match write_batch(&mut conn, &[&job.write]).await {
                    Ok(mut rs) => Ok(rs.pop().unwrap_or(WriteResult::Created)),
                    Err(e) => single_failure(e),
                };
                let _ = job.reply.send(r);
            }
        }
        Err(e) => {
            let r = single_failure(e);
            for job in jobs {
                let _ = job.reply.send(
                    r.as_ref()
                        .map(Clone::clone)
                        .map_err(|e| WriteError::Pool(e.to_string())),
                );
            }
        }
    }
}

fn single_failure(e: DieselError) -> Result<WriteResult, WriteError> {
    match &e {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info)
            if info.constraint_name() == Some("petitions_tracking_code_key") =>
        {
            Ok(WriteResult::CodeCollision)
        }
        _ => Err(WriteError::Database(e)),
    }
}

#[derive(Queryable)]
struct StoredKey {
    request_hash: String,
    status_code: i16,
    response: String,
}

/// One transaction for all `writes`: idempotency keys first (so a replay creates nothing),
/// then petitions and outbox events as multi-row inserts. (The receipt is the first step of a
/// petition's timeline, derived from its row; `petition_timeline` holds the later steps.)
async fn write_batch(
    conn: &mut AsyncPgConnection,
    writes: &[&PendingWrite],
) -> Result<Vec<WriteResult>, DieselError> {
    conn.transaction::<_, DieselError, _>(async |conn| {
        let mut results: Vec<Option<WriteResult>> = vec![None; writes.len()];

        // Idempotency: the first write of each key in the batch claims it; later ones in the
        // batch, and every one whose key is already stored, are answered from the stored row.
        let mut first_of_key: HashMap<(&str, &str), usize> = HashMap::new();
        let mut claims: Vec<(usize, &NewIdempotencyKey)> = Vec::new();
        for (i, w) in writes.iter().enumerate() {
            if let Some(k) = &w.idempotency {
                match first_of_key.get(&(k.scope.as_str(), k.key.as_str())) {
                    Some(&first) => {
                        let first_key = writes[first].idempotency.as_ref();
                        results[i] = Some(
                            if first_key.map(|f| &f.request_hash) == Some(&k.request_hash) {
                                WriteResult::Replayed {
                                    status: k.status_code,
                                    response: String::new(),
                                }
                            } else {
                                WriteResult::KeyReused
                            },
                        );
                    }
                    None => {
                        first_of_key.insert((k.scope.as_str(), k.key.as_str()), i);
                        claims.push((i, k));
                    }
                }
            }
        }
        if !claims.is_empty() {
            // A fixed order, so concurrent batches take key locks in the same order.
            claims.sort_by(|a, b| (&a.1.scope, &a.1.key).cmp(&(&b.1.scope, &b.1.key)));
            let rows: Vec<&NewIdempotencyKey> = claims.iter().map(|(_, k)| *k).collect();
            let claimed: Vec<(String, String)> = diesel::insert_into(idempotency_keys::table)
                .values(rows.into_iter().cloned().collect::<Vec<_>>())
                .on_conflict_do_nothing()
                .returning((idempotency_keys::scope, idempotency_keys::key))
                .get_results(conn)
                .await?;
            for (i, k) in &claims {
                let won = claimed
                    .iter()
                    .any(|(s, key)| s == &k.scope && key == &k.key);
                if won {
                    continue;
                }
                let stored: StoredKey = idempotency_keys::table
                    .filter(idempotency_keys::scope.eq(&k.scope))
                    .filter(idempotency_keys::key.eq(&k.key))
                    .select((
                        idempotency_keys::request_hash,
                        idempotency_keys::status_code,
                        idempotency_keys::response,
                    ))
                    .first(conn)
                    .await?;
                results[*i] = Some(if stored.request_hash == k.request_hash {
                    WriteResult::Replayed {
                        status: stored.status_code,
                        response: stored.response,
                    }
                } else {
                    WriteResult::KeyReused
                });
            }
            // Later writes of a key follow what became of its first write.
            for (i, w) in writes.iter().enumerate() {
                if let (Some(k), Some(WriteResult::Replayed { response, .. })) =
                    (&w.idempotency, &results[i])
                    && response.is_empty()
                {
                    let first = first_of_key[&(k.scope.as_str(), k.key.as_str())];
                    results[i] = Some(match &results[first] {
                        Some(r @ WriteResult::Replayed { .. }) => r.clone(),
                        Some(WriteResult::KeyReused) => WriteResult::KeyReused,
                        _ => {
                            let f = writes[first].idempotency.as_ref();
                            WriteResult::Replayed {
                                status: f.map_or(k.status_code, |f| f.status_code),
                                response: f.map_or_else(String::new, |f| f.response.clone()),
                            }
                        }
                    });
                }
            }
        }

        let fresh: Vec<&PendingWrite> = writes
            .iter()
            .zip(&results)
            .filter(|(_, r)| r.is_none())
            .map(|(w, _)| *w)
            .collect();
        if !fresh.is_empty() {
            insert_petitions(conn, &fresh).await?;
            let events: Vec<NewMessage> = fresh
                .iter()
                .flat_map(|w| w.events.iter().cloned())
                .collect();
            outbox::enqueue(conn, &events).await?;
        }
        Ok(results
            .into_iter()
            .map(|r| r.unwrap_or(WriteResult::Created))
            .collect())
    })
    .await
}

/// Inserts the petitions of `writes` in one statement that binds a column's values as one array:
/// the same text for every batch size, so PostgreSQL keeps it prepared instead of parsing and
/// planning a `VALUES` list of a new length for each batch. `unnest` pairs the arrays row by row.
async fn insert_petitions(
    conn: &mut AsyncPgConnection,
    writes: &[&PendingWrite],
) -> Result<usize, DieselError> {
    use diesel::sql_types::{Array, Bool, Int2, Nullable, Text, Timestamptz, Uuid};
    let p: Vec<&NewPetition> = writes.iter().map(|w| &w.petition).collect();
    Prepared(
        diesel::sql_query(
            "INSERT INTO petitions (id, tracking_code, unit_code, kind, field_code, \
             procedure_code, content_type, title, content, submitter_kind, submitter_name, \
             submitter_organization, submitter_address, submitter_phone, submitter_email, \
             consent_to_publish_identity, conference_id, channel, received_at, recorded_by, \
             status, not_accepted_reason, holder_code, holder_name, due_at, trace_id, \
             triage_suspect, official_conduct) \
             SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], \
             $6::text[], $7::int2[], $8::text[], $9::text[], $10::text[], $11::text[], \
             $12::text[], $13::text[], $14::text[], $15::text[], $16::bool[], $17::uuid[], \
             $18::text[], $19::timestamptz[], $20::text[], $21::text[], $22::text[], \
             $23::text[], $24::text[], $25::timestamptz[], $26::text[], $27::text[], $28::bool[])",
        )
        .bind::<Array<Uuid>, _>(column(&p, |r| r.id))
        .bind::<Array<Text>, _>(column(&p, |r| r.tracking_code.as_str()))
        .bind::<Array<Text>, _>(column(&p, |r| r.unit_code.as_str()))
        .bind::<Array<Text>, _>(column(&p, |r| r.kind.as_str()))
        .bind::<Array<Text>, _>(column(&p, |r| r.field_code.as_str()))
        .bind::<Array<Nullable<Text>>, _>(column(&p, |r| r.procedure_code.as_deref()))
        .bind::<Array<Nullable<Int2>>, _>(column(&p, |r| r.content_type))
        .bind::<Array<Nullable<Text>>, _>(column(&p, |r| r.title.as_deref()))
        .bind::<Array<Text>, _>(column(&p, |r| r.content.as_str()))
        .bind::<Array<Text>, _>(column(&p, |r| r.submitter_kind.as_str()))
        .bind::<Array<Text>, _>(column(&p, |r| r.submitter_name.as_str()))
        .bind::<Array<Nullable<Text>>, _>(column(&p, |r| r.submitter_organization.as_deref()))
        .bind::<Array<Text>, _>(column(&p, |r| r.submitter_address.as_str()))
        .bind::<Array<Nullable<Text>>, _>(column(&p, |r| r.submitter_phone.as_deref()))
        .bind::<Array<Nullable<Text>>, _>(column(&p, |r| r.submitter_email.as_deref()))
        .bind::<Array<Bool>, _>(column(&p, |r| r.consent_to_publish_identity))
        .bind::<Array<Nullable<Uuid>>, _>(column(&p, |r| r.conference_id))
        .bind::<Array<Text>, _>(column(&p, |r| r.channel.as_str()))
        .bind::<Array<Timestamptz>, _>(column(&p, |r| r.received_at))
        .bind::<Array<Nullable<Text>>, _>(column(&p, |r| r.recorded_by.as_deref()))
        .bind::<Array<Text>, _>(column(&p, |r| r.status.as_str()))
        .bind::<Array<Nullable<Text>>, _>(column(&p, |r| r.not_accepted_reason.as_deref()))
        .bind::<Array<Text>, _>(column(&p, |r| r.holder_code.as_str()))
        .bind::<Array<Text>, _>(column(&p, |r| r.holder_name.as_str()))
        .bind::<Array<Nullable<Timestamptz>>, _>(column(&p, |r| r.due_at))
        .bind::<Array<Nullable<Text>>, _>(column(&p, |r| r.trace_id.as_deref()))
        .bind::<Array<Nullable<Text>>, _>(column(&p, |r| r.triage_suspect.as_deref()))
        .bind::<Array<Bool>, _>(column(&p, |r| r.official_conduct)),
    )
    .execute(conn)
    .await
}
