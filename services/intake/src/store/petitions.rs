//! Rows and queries of petitions and their timeline.

use super::schema::{idempotency_keys, petition_timeline, petitions};
use crate::domain::status::PetitionStatus;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use doithoai_db::{Prepared, column};
use uuid::Uuid;

/// A petition row to insert (by the writer, as arrays: `writer::insert_petitions`).
#[derive(Debug, Clone)]
pub struct NewPetition {
    pub id: Uuid,
    pub tracking_code: String,
    pub unit_code: String,
    pub kind: String,
    pub field_code: String,
    pub procedure_code: Option<String>,
    pub content_type: Option<i16>,
    pub title: Option<String>,
    pub content: String,
    pub submitter_kind: String,
    pub submitter_name: String,
    pub submitter_organization: Option<String>,
    pub submitter_address: String,
    pub submitter_phone: Option<String>,
    pub submitter_email: Option<String>,
    pub consent_to_publish_identity: bool,
    pub conference_id: Option<Uuid>,
    pub channel: String,
    pub received_at: DateTime<Utc>,
    pub recorded_by: Option<String>,
    pub status: PetitionStatus,
    pub not_accepted_reason: Option<String>,
    pub holder_code: String,
    pub holder_name: String,
    pub due_at: Option<DateTime<Utc>>,
    pub trace_id: Option<String>,
    /// What a clerk must decide it is (status `awaiting_triage`).
    pub triage_suspect: Option<String>,
    pub official_conduct: bool,
}

/// A stored petition, with the submitter's personal data (staff view only).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = petitions)]
pub struct Petition {
    pub id: Uuid,
    pub tracking_code: String,
    pub unit_code: String,
    pub kind: String,
    pub field_code: String,
    pub procedure_code: Option<String>,
    pub content_type: Option<i16>,
    pub title: Option<String>,
    pub content: String,
    pub submitter_kind: String,
    pub submitter_name: String,
    pub submitter_organization: Option<String>,
    pub submitter_address: String,
    pub submitter_phone: Option<String>,
    pub submitter_email: Option<String>,
    pub consent_to_publish_identity: bool,
    pub conference_id: Option<Uuid>,
    pub channel: String,
    pub received_at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: Option<String>,
    pub status: PetitionStatus,
    pub not_accepted_reason: Option<String>,
    pub holder_code: String,
    pub holder_name: String,
    pub due_at: Option<DateTime<Utc>>,
    pub triage_suspect: Option<String>,
    pub official_conduct: bool,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = petition_timeline)]
pub struct NewTimelineEntry {
    pub petition_id: Uuid,
    pub at: DateTime<Utc>,
    pub status: PetitionStatus,
    pub actor: Option<String>,
    pub note: Option<String>,
    pub event_id: Option<Uuid>,
}

/// A lifecycle step to record: its timeline entry, and the holder and due date it brings.
#[derive(Debug, Clone)]
pub struct StepRecord {
    pub entry: NewTimelineEntry,
    pub holder: Option<(String, String)>,
    pub due_at: Option<DateTime<Utc>>,
}

/// Records many steps, in order, with a fixed number of statements: the petitions are read
/// (and locked) at once, their new status, holder and due date computed as [`record_step`]
/// would one step after another (a timeline entry always; status, holder and due date when the step
/// does not move the petition backwards), then written with one `UPDATE` and the timeline entries with
/// one `INSERT`. Returns the ids of petitions it does not know (their steps are not recorded).
pub async fn record_steps(
    conn: &mut AsyncPgConnection,
    steps: Vec<StepRecord>,
) -> QueryResult<Vec<Uuid>> {
    use std::collections::HashMap;
    if steps.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = steps.iter().map(|s| s.entry.petition_id).collect();
    let current: Vec<(Uuid, PetitionStatus)> = petitions::table
        .filter(petitions::id.eq_any(&ids))
        .select((petitions::id, petitions::status))
        .for_update()
        .load(conn)
        .await?;
    /// A petition's state as the batch's steps move it.
    struct State {
        status: PetitionStatus,
        holder: Option<(String, String)>,
        due_at: Option<DateTime<Utc>>,
        changed: bool,
    }
    let mut states: HashMap<Uuid, State> = current
        .into_iter()
        .map(|(id, status)| {
            (
                id,
                State {
                    status,
                    holder: None,
                    due_at: None,
                    changed: false,
                },
            )
        })
        .collect();
    let mut unknown = Vec::new();
    let mut entries = Vec::with_capacity(steps.len());
    for step in steps {
        let Some(state) = states.get_mut(&step.entry.petition_id) else {
            unknown.push(step.entry.petition_id);
            continue;
        };
        if step.entry.status.rank() >= state.status.rank() {
            state.status = step.entry.status;
            state.holder = step.holder.or(state.holder.take());
            state.due_at = step.due_at.or(state.due_at);
            state.changed = true;
        }
        entries.push(step.entry);
    }
    let changed: Vec<(&Uuid, &State)> = states.iter().filter(|(_, s)| s.changed).collect();
    if !changed.is_empty() {
        use diesel::sql_types::{Array, Nullable, Text, Timestamptz};
        Prepared(
            diesel::sql_query(
                "UPDATE petitions p SET status = u.status, \
                 holder_code = COALESCE(u.holder_code, p.holder_code), \
                 holder_name = COALESCE(u.holder_name, p.holder_name), \
                 due_at = COALESCE(u.due_at, p.due_at) \
             FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[]) \
                 AS u(id, status, holder_code, holder_name, due_at) \
             WHERE p.id = u.id",
            )
            .bind::<Array<diesel::sql_types::Uuid>, _>(column(&changed, |(id, _)| **id))
            .bind::<Array<Text>, _>(column(&changed, |(_, s)| s.status.as_str()))
            .bind::<Array<Nullable<Text>>, _>(column(&changed, |(_, s)| {
                s.holder.as_ref().map(|h| h.0.as_str())
            }))
            .bind::<Array<Nullable<Text>>, _>(column(&changed, |(_, s)| {
                s.holder.as_ref().map(|h| h.1.as_str())
            }))
            .bind::<Array<Nullable<Timestamptz>>, _>(column(&changed, |(_, s)| s.due_at)),
        )
        .execute(conn)
        .await?;
    }
    if !entries.is_empty() {
        diesel::insert_into(petition_timeline::table)
            .values(&entries)
            .execute(conn)
            .await?;
    }
    Ok(unknown)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = petition_timeline)]
pub struct TimelineEntry {
    pub at: DateTime<Utc>,
    pub status: PetitionStatus,
    pub actor: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = idempotency_keys)]
pub struct NewIdempotencyKey {
    pub scope: String,
    pub key: String,
    pub request_hash: String,
    pub petition_id: Uuid,
    pub status_code: i16,
    pub response: String,
}

pub async fn by_tracking_code(
    conn: &mut AsyncPgConnection,
    code: &str,
) -> QueryResult<Option<Petition>> {
    petitions::table
        .filter(petitions::tracking_code.eq(code))
        .select(Petition::as_select())
        .first(conn)
        .await
        .optional()
}

/// A petition's timeline: its receipt (derived from the row itself, so accepting a submission
/// writes one row fewer), then the steps recorded since.
pub async fn timeline(
    conn: &mut AsyncPgConnection,
    p: &Petition,
) -> QueryResult<Vec<TimelineEntry>> {
    let later: Vec<TimelineEntry> = petition_timeline::table
        .filter(petition_timeline::petition_id.eq(p.id))
        .order(petition_timeline::seq)
        .select(TimelineEntry::as_select())
        .load(conn)
        .await?;
    let not_pakn = crate::domain::complaint::NotPakn::from_kind(&p.kind);
    let receipt = TimelineEntry {
        at: p.received_at,
        // Held for a clerk at receipt: the clerk's decision is a later step.
        status: if p.triage_suspect.is_some() {
            PetitionStatus::AwaitingTriage
        } else if not_pakn.is_some() {
            PetitionStatus::NotAccepted
        } else {
            PetitionStatus::Received
        },
        actor: p.recorded_by.clone(),
        note: Some(match not_pakn {
            Some(n) if p.triage_suspect.is_none() => n.reason_vi().to_owned(),
            _ => crate::domain::submission::receipt_note(&p.channel).to_owned(),
        }),
    };
    Ok(std::iter::once(receipt).chain(later).collect())
}

/// A page of a unit's receipt book (sổ tiếp nhận), newest first, received before `before`.
pub async fn receipt_book(
    conn: &mut AsyncPgConnection,
    unit: &str,
    before: Option<doithoai_web::cursor::Cursor>,
    status: Option<PetitionStatus>,
    limit: i64,
) -> QueryResult<Vec<Petition>> {
    let mut q = petitions::table
        .filter(petitions::unit_code.eq(unit))
        .select(Petition::as_select())
        .order((petitions::received_at.desc(), petitions::id.desc()))
        .limit(limit)
        .into_boxed();
    // Keyset paging on (received_at, id): rows sharing the boundary time are neither skipped
    // nor repeated.
    if let Some(c) = before {
        q = q.filter(
            petitions::received_at
                .lt(c.at)
                .or(petitions::received_at.eq(c.at).and(petitions::id.lt(c.id))),
        );
    }
    if let Some(s) = status {
        q = q.filter(petitions::status.eq(s));
    }
    q.load(conn).await
}

/// Deletes idempotency keys older than `days`.
pub async fn expire_idempotency_keys(
    conn: &mut AsyncPgConnection,
    days: i64,
) -> QueryResult<usize> {
    let cutoff = Utc::now() - chrono::Duration::days(days);
    diesel::delete(idempotency_keys::table.filter(idempotency_keys::created_at.lt(cutoff)))
        .execute(conn)
        .await
}

/// A clerk's triage of a held petition, as stored.
pub struct Triage<'a> {
    /// The kind it is now: `feedback`, `recommendation`, `complaint` or `denunciation`.
    pub kind: &'a str,
    pub status: PetitionStatus,
    pub official_conduct: bool,
    pub not_accepted_reason: Option<&'a str>,
    pub actor: &'a str,
    pub note: String,
}

/// Applies `t` to the petition `id` if it is still awaiting triage, with its timeline step, in
/// the caller's transaction; the row as it is now, or `None` when another clerk came first.
pub async fn triage(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    t: Triage<'_>,
) -> QueryResult<Option<Petition>> {
    let updated: Option<Petition> = diesel::update(
        petitions::table
            .filter(petitions::id.eq(id))
            .filter(petitions::status.eq(PetitionStatus::AwaitingTriage)),
    )
    .set((
        petitions::kind.eq(t.kind),
        petitions::status.eq(t.status),
        petitions::official_conduct.eq(t.official_conduct),
        petitions::not_accepted_reason.eq(t.not_accepted_reason),
    ))
    .returning(Petition::as_returning())
    .get_result(conn)
    .await
    .optional()?;
    if updated.is_some() {
        diesel::insert_into(petition_timeline::table)
            .values(NewTimelineEntry {
                petition_id: id,
                at: Utc::now(),
                status: t.status,
                actor: Some(t.actor.to_owned()),
                note: Some(t.note),
                event_id: None,
            })
            .execute(conn)
            .await?;
    }
    Ok(updated)
}

impl From<&Petition> for NewPetition {
    fn from(p: &Petition) -> Self {
        NewPetition {
            id: p.id,
            tracking_code: p.tracking_code.clone(),
            unit_code: p.unit_code.clone(),
            kind: p.kind.clone(),
            field_code: p.field_code.clone(),
            procedure_code: p.procedure_code.clone(),
            content_type: p.content_type,
            title: p.title.clone(),
            content: p.content.clone(),
            submitter_kind: p.submitter_kind.clone(),
            submitter_name: p.submitter_name.clone(),
            submitter_organization: p.submitter_organization.clone(),
            submitter_address: p.submitter_address.clone(),
            submitter_phone: p.submitter_phone.clone(),
            submitter_email: p.submitter_email.clone(),
            consent_to_publish_identity: p.consent_to_publish_identity,
            conference_id: p.conference_id,
            channel: p.channel.clone(),
            received_at: p.received_at,
            recorded_by: p.recorded_by.clone(),
            status: p.status,
            not_accepted_reason: p.not_accepted_reason.clone(),
            holder_code: p.holder_code.clone(),
            holder_name: p.holder_name.clone(),
            due_at: p.due_at,
            trace_id: None,
            triage_suspect: p.triage_suspect.clone(),
            official_conduct: p.official_conduct,
        }
    }
}
