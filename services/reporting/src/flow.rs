//! Reporting's consumers: each event changes the facts of one petition (or a conference's
//! record) in the consumer's batch transaction. A change of a petition's facts takes back the
//! petition's old contributions to the daily and monthly sums and adds its new ones, with the
//! petition's row locked, so the sums always equal what the facts say, whatever the order in
//! which events of different streams arrive.

use crate::schema::{petitions, transfers};
use diesel::prelude::*;
use diesel::sql_types::{Int2, Int4, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use doithoai_contracts::subjects::{
    CONFERENCE_RECORDED, PETITION_ANSWERED, PETITION_NOT_ACCEPTED, PETITION_RATED,
    PETITION_RECEIVED, PETITION_REFUSED, PETITION_ROUTED, PETITION_TRANSFERRED,
};
use doithoai_contracts::{
    ConferenceRecordV1, Envelope, PetitionAnsweredV1, PetitionNotAcceptedV1, PetitionRatedV1,
    PetitionReceivedV1, PetitionRefusedV1, PetitionRoutedV1, PetitionTransferredV1,
};
use doithoai_web::{ConsumeError, typed};
use uuid::Uuid;

/// Every event reporting follows, from any of the four streams.
pub async fn on_event(
    conn: &mut AsyncPgConnection,
    env: Envelope<serde_json::Value>,
) -> Result<(), ConsumeError> {
    match env.event.as_str() {
        PETITION_RECEIVED => received(conn, typed(env)?.data).await,
        PETITION_NOT_ACCEPTED => not_accepted(conn, typed(env)?.data).await,
        PETITION_ROUTED => routed(conn, typed(env)?.data).await,
        PETITION_TRANSFERRED => {
            let env = typed::<PetitionTransferredV1>(env)?;
            transferred(conn, env.id, env.occurred_at, env.data).await
        }
        PETITION_REFUSED => refused(conn, typed(env)?.data).await,
        PETITION_ANSWERED => answered(conn, typed(env)?.data).await,
        PETITION_RATED => rated(conn, typed(env)?.data).await,
        CONFERENCE_RECORDED => recorded(conn, typed(env)?.data).await,
        other => Err(ConsumeError::Poison(format!("unexpected event {other}"))),
    }
}

/// Locks the petition's facts (creating them if this is the first event seen) and takes back
/// its contributions; [`end`] adds the new ones. One statement both creates and locks: an
/// upsert that updates takes the row's lock.
async fn begin(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<()> {
    diesel::insert_into(petitions::table)
        .values(petitions::petition_id.eq(id))
        .on_conflict(petitions::petition_id)
        .do_update()
        .set(petitions::updated_at.eq(diesel::dsl::now))
        .execute(conn)
        .await?;
    apply(conn, id, -1).await
}

async fn end(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<()> {
    apply(conn, id, 1).await
}

async fn apply(conn: &mut AsyncPgConnection, id: Uuid, sign: i32) -> QueryResult<()> {
    diesel::sql_query("SELECT apply_contributions($1, $2)")
        .bind::<SqlUuid, _>(id)
        .bind::<Int4, _>(sign)
        .execute(conn)
        .await
        .map(|_| ())
}

/// Runs `update` (an `UPDATE petitions … WHERE petition_id = $1`) between [`begin`] and
/// [`end`].
async fn change(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    update: diesel::query_builder::BoxedSqlQuery<
        '_,
        diesel::pg::Pg,
        diesel::query_builder::SqlQuery,
    >,
) -> Result<(), ConsumeError> {
    begin(conn, id).await?;
    update.execute(conn).await?;
    end(conn, id).await?;
    Ok(())
}

fn update(
    sql: &str,
    id: Uuid,
) -> diesel::query_builder::BoxedSqlQuery<'static, diesel::pg::Pg, diesel::query_builder::SqlQuery>
{
    diesel::sql_query(sql.to_owned())
        .into_boxed()
        .bind::<SqlUuid, _>(id)
}

/// `petition.received`: a PAKN, accepted (unless routing refused it already).
async fn received(conn: &mut AsyncPgConnection, d: PetitionReceivedV1) -> Result<(), ConsumeError> {
    let q = update(
        "UPDATE petitions SET tracking_code = $2, received_unit = coalesce(received_unit, $3), \
         unit = coalesce(unit, $3), field = $4, received_at = $5, \
         outcome = CASE WHEN outcome = 'refused' THEN 'refused' ELSE 'accepted' END, \
         updated_at = now() WHERE petition_id = $1",
        d.petition_id,
    )
    .bind::<Text, _>(d.tracking_code)
    .bind::<Text, _>(d.unit)
    .bind::<Text, _>(d.field)
    .bind::<Timestamptz, _>(d.received_at);
    change(conn, d.petition_id, q).await
}

/// `petition.not_accepted`: a complaint, denunciation or anonymous letter, recorded at the
/// unit that received it.
async fn not_accepted(
    conn: &mut AsyncPgConnection,
    d: PetitionNotAcceptedV1,
) -> Result<(), ConsumeError> {
    let q = update(
        "UPDATE petitions SET tracking_code = $2, received_unit = $3, unit = coalesce(unit, $3), \
         received_at = $4, outcome = 'not_accepted', updated_at = now() WHERE petition_id = $1",
        d.petition_id,
    )
    .bind::<Text, _>(d.tracking_code)
    .bind::<Text, _>(d.unit)
    .bind::<Timestamptz, _>(d.received_at);
    change(conn, d.petition_id, q).await
}

/// `petition.routed`: the holder and its department, and the due date; at the receiving unit,
/// also the department that counts its receipt.
async fn routed(conn: &mut AsyncPgConnection, d: PetitionRoutedV1) -> Result<(), ConsumeError> {
    let p = d.petition;
    let q = update(
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
    .bind::<Timestamptz, _>(d.due_at);
    change(conn, d.petition_id, q).await
}

/// `petition.transferred`: one more transfer out of `from_unit` (the receiving body's
/// `petition.routed` moves the holder).
async fn transferred(
    conn: &mut AsyncPgConnection,
    event_id: Uuid,
    at: chrono::DateTime<chrono::Utc>,
    d: PetitionTransferredV1,
) -> Result<(), ConsumeError> {
    begin(conn, d.petition_id).await?;
    diesel::insert_into(transfers::table)
        .values((
            transfers::event_id.eq(event_id),
            transfers::petition_id.eq(d.petition_id),
            transfers::from_unit.eq(&d.from_unit),
            transfers::at.eq(at),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    end(conn, d.petition_id).await?;
    Ok(())
}

/// `petition.refused`: refused on triage.
async fn refused(conn: &mut AsyncPgConnection, d: PetitionRefusedV1) -> Result<(), ConsumeError> {
    let q = update(
        "UPDATE petitions SET outcome = 'refused', received_unit = coalesce(received_unit, $2), \
         unit = coalesce(unit, $2), updated_at = now() WHERE petition_id = $1",
        d.petition_id,
    )
    .bind::<Text, _>(d.unit);
    change(conn, d.petition_id, q).await
}

/// `petition.answered`: signed by the holder's leader.
async fn answered(conn: &mut AsyncPgConnection, d: PetitionAnsweredV1) -> Result<(), ConsumeError> {
    let q = update(
        "UPDATE petitions SET answered_at = $2, unit = $3, department = $4, updated_at = now() \
         WHERE petition_id = $1",
        d.petition_id,
    )
    .bind::<Timestamptz, _>(d.answered_at)
    .bind::<Text, _>(d.unit)
    .bind::<Text, _>(d.department);
    change(conn, d.petition_id, q).await
}

/// `petition.rated`: the submitter's score (4 or 5 is satisfied).
async fn rated(conn: &mut AsyncPgConnection, d: PetitionRatedV1) -> Result<(), ConsumeError> {
    if !(1..=5).contains(&d.score) {
        return Err(ConsumeError::Poison(format!(
            "score {} out of 1-5",
            d.score
        )));
    }
    let q = update(
        "UPDATE petitions SET score = $2, rated_at = $3, unit = coalesce(unit, $4), \
         updated_at = now() WHERE petition_id = $1",
        d.petition_id,
    )
    .bind::<Int2, _>(d.score)
    .bind::<Timestamptz, _>(d.rated_at)
    .bind::<Text, _>(d.unit);
    change(conn, d.petition_id, q).await
}

/// `conference.recorded`: the conference's latest state (an older record never overwrites a
/// newer one).
async fn recorded(conn: &mut AsyncPgConnection, d: ConferenceRecordV1) -> Result<(), ConsumeError> {
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
    .bind::<Timestamptz, _>(d.recorded_at)
    .execute(conn)
    .await?;
    Ok(())
}
