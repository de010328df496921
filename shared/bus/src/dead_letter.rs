//! Dead letters: events a consumer set aside, with the reason, instead of dropping them.
//!
//! A message lands here when it cannot be decoded, when its handler says it can never be
//! processed, or when it failed on every one of its deliveries. `doithoai-dead-letters`
//! lists them and replays them: a replay writes the event back to the outbox under a fresh
//! `Nats-Msg-Id`, so it reaches the stream again; consumers that already processed it find its
//! event id in their inbox and skip it, and the one that set it aside processes it anew.

use crate::outbox::{self, NewMessage};
use crate::schema::dead_letter;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use uuid::Uuid;

/// A message to set aside.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = dead_letter)]
pub struct NewDeadLetter {
    pub consumer: String,
    pub subject: String,
    pub event_id: Option<Uuid>,
    pub payload: String,
    pub reason: String,
    pub deliveries: i64,
}

/// A stored dead letter.
#[derive(Debug, Clone, Queryable, Serialize)]
pub struct DeadLetter {
    pub id: i64,
    pub consumer: String,
    pub subject: String,
    pub event_id: Option<Uuid>,
    pub payload: String,
    pub reason: String,
    pub deliveries: i64,
    pub failed_at: DateTime<Utc>,
    pub replayed_at: Option<DateTime<Utc>>,
}

/// Stores a dead letter (in its own statement: it must survive the failed effect's rollback).
pub async fn record(conn: &mut AsyncPgConnection, letter: &NewDeadLetter) -> QueryResult<()> {
    diesel::insert_into(dead_letter::table)
        .values(letter)
        .execute(conn)
        .await?;
    Ok(())
}

/// Dead letters not replayed yet: the `<service>_dead_letter_messages` gauge.
pub async fn waiting(conn: &mut AsyncPgConnection) -> QueryResult<i64> {
    dead_letter::table
        .filter(dead_letter::replayed_at.is_null())
        .count()
        .get_result(conn)
        .await
}

/// The dead letters, oldest first; only those waiting unless `all`.
pub async fn list(conn: &mut AsyncPgConnection, all: bool) -> QueryResult<Vec<DeadLetter>> {
    let mut q = dead_letter::table.order(dead_letter::id).into_boxed();
    if !all {
        q = q.filter(dead_letter::replayed_at.is_null());
    }
    q.load(conn).await
}

/// Replays the waiting dead letters (all of them, or the one with `id`): each goes back to the
/// outbox under a fresh message id and is marked replayed, in one transaction. Returns how
/// many were replayed.
pub async fn replay(conn: &mut AsyncPgConnection, id: Option<i64>) -> QueryResult<usize> {
    conn.transaction::<usize, diesel::result::Error, _>(async |conn| {
        let letters: Vec<DeadLetter> = dead_letter::table
            .filter(dead_letter::replayed_at.is_null())
            .filter(
                dead_letter::id
                    .eq(id.unwrap_or(0))
                    .or(id.is_none().into_sql::<diesel::sql_types::Bool>()),
            )
            .order(dead_letter::id)
            .for_update()
            .load(conn)
            .await?;
        let messages: Vec<NewMessage> = letters
            .iter()
            .map(|l| NewMessage {
                id: Uuid::now_v7(),
                subject: l.subject.clone(),
                payload: l.payload.clone(),
                trace_id: None,
            })
            .collect();
        outbox::enqueue(conn, &messages).await?;
        let ids: Vec<i64> = letters.iter().map(|l| l.id).collect();
        diesel::update(dead_letter::table.filter(dead_letter::id.eq_any(&ids)))
            .set(dead_letter::replayed_at.eq(diesel::dsl::now))
            .execute(conn)
            .await?;
        Ok(letters.len())
    })
    .await
}
