//! The idempotent inbox: a consumer records the id of each event it processed in the same
//! transaction as the effect. A redelivered event finds its id there and is acknowledged
//! without doing anything again.

use crate::schema::inbox;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use doithoai_db::Prepared;
use uuid::Uuid;

/// How long an inbox row is kept: longer than a stream keeps its events
/// ([`crate::STREAM_MAX_AGE_DAYS`]), so no event that can still be delivered loses its row.
pub const RETENTION_DAYS: i64 = crate::STREAM_MAX_AGE_DAYS as i64 + 10;

/// Deletes the rows of events processed more than `days` ago (at least the streams' own
/// retention); returns how many.
pub async fn purge(conn: &mut AsyncPgConnection, days: i64) -> QueryResult<usize> {
    let days = days.max(crate::STREAM_MAX_AGE_DAYS as i64 + 1);
    let cutoff = chrono::Utc::now() - chrono::Duration::days(days);
    diesel::delete(inbox::table.filter(inbox::processed_at.lt(cutoff)))
        .execute(conn)
        .await
}

/// Records `event_id` for `consumer`. Returns `true` the first time, `false` when it was
/// already processed (the caller then skips the effect). Call it inside the effect's
/// transaction.
pub async fn record(
    conn: &mut AsyncPgConnection,
    consumer: &str,
    event_id: Uuid,
) -> QueryResult<bool> {
    let inserted = Prepared(
        diesel::insert_into(inbox::table)
            .values((inbox::consumer.eq(consumer), inbox::event_id.eq(event_id)))
            .on_conflict_do_nothing(),
    )
    .execute(conn)
    .await?;
    Ok(inserted == 1)
}

/// Records many event ids for `consumer` in one statement; returns those recorded now (the
/// others were processed before). Call it inside the effects' transaction.
pub async fn record_many(
    conn: &mut AsyncPgConnection,
    consumer: &str,
    event_ids: &[Uuid],
) -> QueryResult<std::collections::HashSet<Uuid>> {
    if event_ids.is_empty() {
        return Ok(Default::default());
    }
    // An array, not a multi-row VALUES: one statement text for every batch size, kept prepared.
    let fresh: Vec<Fresh> = Prepared(
        diesel::sql_query(
            "INSERT INTO inbox (consumer, event_id) SELECT $1, unnest($2::uuid[]) \
             ON CONFLICT DO NOTHING RETURNING event_id",
        )
        .bind::<diesel::sql_types::Text, _>(consumer)
        .bind::<diesel::sql_types::Array<diesel::sql_types::Uuid>, _>(event_ids),
    )
    .load(conn)
    .await?;
    Ok(fresh.into_iter().map(|f| f.event_id).collect())
}

#[derive(QueryableByName)]
struct Fresh {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    event_id: Uuid,
}
