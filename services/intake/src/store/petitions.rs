//! Rows and queries of petitions and their timeline.

use super::schema::{idempotency_keys, petition_timeline, petitions};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// A petition row to insert.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = petitions)]
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
    pub status: String,
    pub not_accepted_reason: Option<String>,
    pub holder_code: String,
    pub holder_name: String,
    pub due_at: Option<DateTime<Utc>>,
    pub trace_id: Option<String>,
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
    pub status: String,
    pub not_accepted_reason: Option<String>,
    pub holder_code: String,
    pub holder_name: String,
    pub due_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = petition_timeline)]
pub struct NewTimelineEntry {
    pub petition_id: Uuid,
    pub at: DateTime<Utc>,
    pub status: String,
    pub actor: Option<String>,
    pub note: Option<String>,
    pub event_id: Option<Uuid>,
}

/// Rank of a status in the lifecycle: a late event never moves a petition backwards.
pub fn status_rank(status: &str) -> u8 {
    match status {
        "received" => 0,
        "routed" | "transferred" => 1,
        "answered" | "not_accepted" => 2,
        "published" => 3,
        _ => 0,
    }
}

/// Records a lifecycle step: a timeline entry always; status, holder and due date when the step
/// does not move the petition backwards. Returns false if the petition is unknown.
pub async fn record_step(
    conn: &mut AsyncPgConnection,
    entry: NewTimelineEntry,
    holder: Option<(String, String)>,
    due_at: Option<DateTime<Utc>>,
) -> QueryResult<bool> {
    let current: Option<String> = petitions::table
        .find(entry.petition_id)
        .select(petitions::status)
        .for_update()
        .first(conn)
        .await
        .optional()?;
    let Some(current) = current else {
        return Ok(false);
    };
    if status_rank(&entry.status) >= status_rank(&current) {
        diesel::update(petitions::table.find(entry.petition_id))
            .set(petitions::status.eq(&entry.status))
            .execute(conn)
            .await?;
        if let Some((code, name)) = holder {
            diesel::update(petitions::table.find(entry.petition_id))
                .set((
                    petitions::holder_code.eq(code),
                    petitions::holder_name.eq(name),
                ))
                .execute(conn)
                .await?;
        }
        if let Some(due) = due_at {
            diesel::update(petitions::table.find(entry.petition_id))
                .set(petitions::due_at.eq(due))
                .execute(conn)
                .await?;
        }
    }
    diesel::insert_into(petition_timeline::table)
        .values(&entry)
        .execute(conn)
        .await?;
    Ok(true)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = petition_timeline)]
pub struct TimelineEntry {
    pub at: DateTime<Utc>,
    pub status: String,
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
        status: if not_pakn.is_some() {
            "not_accepted"
        } else {
            "received"
        }
        .to_owned(),
        actor: p.recorded_by.clone(),
        note: Some(match not_pakn {
            Some(n) => n.reason_vi().to_owned(),
            None => crate::domain::submission::receipt_note(&p.channel).to_owned(),
        }),
    };
    Ok(std::iter::once(receipt).chain(later).collect())
}

/// A page of a unit's receipt book (sổ tiếp nhận), newest first, received before `before`.
pub async fn receipt_book(
    conn: &mut AsyncPgConnection,
    unit: &str,
    before: Option<DateTime<Utc>>,
    status: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<Petition>> {
    let mut q = petitions::table
        .filter(petitions::unit_code.eq(unit))
        .select(Petition::as_select())
        .order((petitions::received_at.desc(), petitions::id.desc()))
        .limit(limit)
        .into_boxed();
    if let Some(b) = before {
        q = q.filter(petitions::received_at.lt(b));
    }
    if let Some(s) = status {
        q = q.filter(petitions::status.eq(s.to_owned()));
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
