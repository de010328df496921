//! Reporting's consumers: each batch of events changes the facts of its petitions (or a
//! conference's record) in the consumer's batch transaction. The petitions' rows are locked
//! and their old contributions to the daily and monthly sums staged; the events change the
//! facts, in the order they came; then the difference between the new contributions and the
//! old is added to the sums once for the batch. So the sums always equal what the facts say,
//! whatever the order in which events of different streams arrive.

use crate::schema::transfers;
use diesel::prelude::*;
use diesel::sql_types::{Array, Int2, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use doithoai_contracts::subjects::{
    CONFERENCE_RECORDED, PETITION_ANSWERED, PETITION_NOT_ACCEPTED, PETITION_RATED,
    PETITION_RECEIVED, PETITION_REFUSED, PETITION_ROUTED, PETITION_TRANSFERRED,
};
use doithoai_contracts::{
    ConferenceRecordV1, Envelope, PetitionAnsweredV1, PetitionNotAcceptedV1, PetitionRatedV1,
    PetitionReceivedV1, PetitionRefusedV1, PetitionRoutedV1, PetitionTransferredV1,
};
use doithoai_db::Prepared;
use doithoai_web::{ConsumeError, typed};
use uuid::Uuid;

/// One event reporting follows, decoded.
enum Change {
    Received(PetitionReceivedV1),
    NotAccepted(PetitionNotAcceptedV1),
    Routed(Box<PetitionRoutedV1>),
    Transferred(Uuid, chrono::DateTime<chrono::Utc>, PetitionTransferredV1),
    Refused(PetitionRefusedV1),
    Answered(PetitionAnsweredV1),
    Rated(PetitionRatedV1),
    Recorded(ConferenceRecordV1),
}

impl Change {
    fn decode(env: Envelope<serde_json::Value>) -> Result<Change, ConsumeError> {
        Ok(match env.event.as_str() {
            PETITION_RECEIVED => Change::Received(typed(env)?.data),
            PETITION_NOT_ACCEPTED => Change::NotAccepted(typed(env)?.data),
            PETITION_ROUTED => Change::Routed(Box::new(typed(env)?.data)),
            PETITION_TRANSFERRED => {
                let env = typed::<PetitionTransferredV1>(env)?;
                Change::Transferred(env.id, env.occurred_at, env.data)
            }
            PETITION_REFUSED => Change::Refused(typed(env)?.data),
            PETITION_ANSWERED => Change::Answered(typed(env)?.data),
            PETITION_RATED => {
                let d: PetitionRatedV1 = typed(env)?.data;
                if !(1..=5).contains(&d.score) {
                    return Err(ConsumeError::Poison(format!(
                        "score {} out of 1-5",
                        d.score
                    )));
                }
                Change::Rated(d)
            }
            CONFERENCE_RECORDED => Change::Recorded(typed(env)?.data),
            other => return Err(ConsumeError::Poison(format!("unexpected event {other}"))),
        })
    }

    /// The petition whose facts it changes (none for a conference).
    fn petition(&self) -> Option<Uuid> {
        Some(match self {
            Change::Received(d) => d.petition_id,
            Change::NotAccepted(d) => d.petition_id,
            Change::Routed(d) => d.petition_id,
            Change::Transferred(_, _, d) => d.petition_id,
            Change::Refused(d) => d.petition_id,
            Change::Answered(d) => d.petition_id,
            Change::Rated(d) => d.petition_id,
            Change::Recorded(_) => return None,
        })
    }

    async fn apply(self, conn: &mut AsyncPgConnection) -> QueryResult<()> {
        match self {
            Change::Received(d) => received(conn, d).await,
            Change::NotAccepted(d) => not_accepted(conn, d).await,
            Change::Routed(d) => routed(conn, *d).await,
            Change::Transferred(id, at, d) => transferred(conn, id, at, d).await,
            Change::Refused(d) => refused(conn, d).await,
            Change::Answered(d) => answered(conn, d).await,
            Change::Rated(d) => rated(conn, d).await,
            Change::Recorded(d) => recorded(conn, d).await,
        }
    }
}

/// A batch of events from one of the four streams, in the order the stream holds them.
pub async fn on_batch(
    conn: &mut AsyncPgConnection,
    events: Vec<Envelope<serde_json::Value>>,
) -> Result<(), ConsumeError> {
    let changes = events
        .into_iter()
        .map(Change::decode)
        .collect::<Result<Vec<_>, _>>()?;
    let mut ids: Vec<Uuid> = changes.iter().filter_map(Change::petition).collect();
    ids.sort_unstable();
    ids.dedup();
    if !ids.is_empty() {
        contributions(conn, "SELECT stage_contributions($1, -1)", &ids).await?;
    }
    for change in changes {
        change.apply(conn).await?;
    }
    if !ids.is_empty() {
        contributions(conn, "SELECT fold_contributions($1)", &ids).await?;
    }
    Ok(())
}

/// Calls one of the migration's contribution functions for the petitions `ids`.
async fn contributions(
    conn: &mut AsyncPgConnection,
    call: &'static str,
    ids: &[Uuid],
) -> QueryResult<()> {
    Prepared(diesel::sql_query(call).bind::<Array<SqlUuid>, _>(ids))
        .execute(conn)
        .await
        .map(|_| ())
}

/// An update of the petition `id` (`$1`), binds to follow; run by [`run`].
fn update(sql: &str, id: Uuid) -> Update {
    diesel::sql_query(sql.to_owned())
        .into_boxed()
        .bind::<SqlUuid, _>(id)
}

type Update =
    diesel::query_builder::BoxedSqlQuery<'static, diesel::pg::Pg, diesel::query_builder::SqlQuery>;

/// Runs an [`update`], kept prepared on the connection.
async fn run(conn: &mut AsyncPgConnection, update: Update) -> QueryResult<()> {
    Prepared(update).execute(conn).await.map(|_| ())
}

/// `petition.received`: a PAKN, accepted (unless routing refused it already).
async fn received(conn: &mut AsyncPgConnection, d: PetitionReceivedV1) -> QueryResult<()> {
    run(
        conn,
        update(
            "UPDATE petitions SET tracking_code = $2, received_unit = coalesce(received_unit, $3), \
         unit = coalesce(unit, $3), field = $4, received_at = $5, \
         outcome = CASE WHEN outcome = 'refused' THEN 'refused' ELSE 'accepted' END, \
         updated_at = now() WHERE petition_id = $1",
            d.petition_id,
        )
        .bind::<Text, _>(d.tracking_code)
        .bind::<Text, _>(d.unit)
        .bind::<Text, _>(d.field)
        .bind::<Timestamptz, _>(d.received_at),
    )
    .await
}

/// `petition.not_accepted`: a complaint, denunciation or anonymous letter, recorded at the
/// unit that received it.
async fn not_accepted(conn: &mut AsyncPgConnection, d: PetitionNotAcceptedV1) -> QueryResult<()> {
    run(conn, update(
        "UPDATE petitions SET tracking_code = $2, received_unit = $3, unit = coalesce(unit, $3), \
         received_at = $4, outcome = 'not_accepted', updated_at = now() WHERE petition_id = $1",
        d.petition_id,
    )
    .bind::<Text, _>(d.tracking_code)
    .bind::<Text, _>(d.unit)
    .bind::<Timestamptz, _>(d.received_at))
    .await
}

/// `petition.routed`: the holder and its department, and the due date; at the receiving unit,
/// also the department that counts its receipt.
async fn routed(conn: &mut AsyncPgConnection, d: PetitionRoutedV1) -> QueryResult<()> {
    let p = d.petition;
    run(
        conn,
        update(
            "UPDATE petitions SET tracking_code = $2, received_unit = coalesce(received_unit, $3), \
         field = $4, received_at = coalesce(received_at, $5), unit = $6, department = $7, \
         due_at = $8, outcome = coalesce(outcome, 'accepted'), \
         received_department = CASE WHEN $6 = coalesce(received_unit, $3) THEN $7 \
                                    ELSE received_department END, \
         updated_at = now() WHERE petition_id = $1",
            d.petition_id,
        )
        .bind::<Text, _>(d.tracking_code)
        .bind::<Text, _>(p.unit)
        .bind::<Text, _>(p.field)
        .bind::<Timestamptz, _>(p.received_at)
        .bind::<Text, _>(d.unit)
        .bind::<Text, _>(d.department)
        .bind::<Timestamptz, _>(d.due_at),
    )
    .await
}

/// `petition.transferred`: one more transfer out of `from_unit` (the receiving body's
/// `petition.routed` moves the holder).
async fn transferred(
    conn: &mut AsyncPgConnection,
    event_id: Uuid,
    at: chrono::DateTime<chrono::Utc>,
    d: PetitionTransferredV1,
) -> QueryResult<()> {
    diesel::insert_into(transfers::table)
        .values((
            transfers::event_id.eq(event_id),
            transfers::petition_id.eq(d.petition_id),
            transfers::from_unit.eq(&d.from_unit),
            transfers::at.eq(at),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(|_| ())
}

/// `petition.refused`: refused on triage.
async fn refused(conn: &mut AsyncPgConnection, d: PetitionRefusedV1) -> QueryResult<()> {
    run(conn, update(
        "UPDATE petitions SET outcome = 'refused', received_unit = coalesce(received_unit, $2), \
         unit = coalesce(unit, $2), updated_at = now() WHERE petition_id = $1",
        d.petition_id,
    )
    .bind::<Text, _>(d.unit))
    .await
}

/// `petition.answered`: signed by the holder's leader.
async fn answered(conn: &mut AsyncPgConnection, d: PetitionAnsweredV1) -> QueryResult<()> {
    run(
        conn,
        update(
            "UPDATE petitions SET answered_at = $2, unit = $3, department = $4, updated_at = now() \
         WHERE petition_id = $1",
            d.petition_id,
        )
        .bind::<Timestamptz, _>(d.answered_at)
        .bind::<Text, _>(d.unit)
        .bind::<Text, _>(d.department),
    )
    .await
}

/// `petition.rated`: the submitter's score (4 or 5 is satisfied).
async fn rated(conn: &mut AsyncPgConnection, d: PetitionRatedV1) -> QueryResult<()> {
    run(
        conn,
        update(
            "UPDATE petitions SET score = $2, rated_at = $3, unit = coalesce(unit, $4), \
         updated_at = now() WHERE petition_id = $1",
            d.petition_id,
        )
        .bind::<Int2, _>(d.score)
        .bind::<Timestamptz, _>(d.rated_at)
        .bind::<Text, _>(d.unit),
    )
    .await
}

/// `conference.recorded`: the conference's latest state (an older record never overwrites a
/// newer one).
async fn recorded(conn: &mut AsyncPgConnection, d: ConferenceRecordV1) -> QueryResult<()> {
    Prepared(
        diesel::sql_query(
            "INSERT INTO conferences AS c (conference_id, unit, title, status, starts_at, \
             notice_published_at, minutes_published_at, results_published_at, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (conference_id) DO UPDATE SET unit = excluded.unit, title = excluded.title, \
             status = excluded.status, starts_at = excluded.starts_at, \
             notice_published_at = excluded.notice_published_at, \
             minutes_published_at = excluded.minutes_published_at, \
             results_published_at = excluded.results_published_at, \
             recorded_at = excluded.recorded_at \
         WHERE c.recorded_at <= excluded.recorded_at",
        )
        .bind::<SqlUuid, _>(d.conference_id)
        .bind::<Text, _>(d.unit)
        .bind::<Text, _>(d.title)
        .bind::<Text, _>(d.status)
        .bind::<Timestamptz, _>(d.starts_at)
        .bind::<Nullable<Timestamptz>, _>(d.notice_published_at)
        .bind::<Nullable<Timestamptz>, _>(d.minutes_published_at)
        .bind::<Nullable<Timestamptz>, _>(d.results_published_at)
        .bind::<Timestamptz, _>(d.recorded_at),
    )
    .execute(conn)
    .await
    .map(|_| ())
}
