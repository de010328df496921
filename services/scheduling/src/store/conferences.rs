//! Scheduling's writes and lists of conferences. Each state change names the statuses it may
//! start from in its `WHERE`, so two requests racing on one conference cannot both apply
//! (the second finds nothing to change and is answered 409); a change and its events commit
//! together.

use super::schema::{conference_history, conferences, publications, registrations};
use crate::commands::Plan;
use crate::domain::status::{ConferenceStatus, OutcomeKind};
use crate::flow::Conference;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use doithoai_bus::outbox::{self, NewMessage};
use uuid::Uuid;

/// Who changes a conference, and the namespace its events go to.
#[derive(Debug, Clone, Copy)]
pub struct By<'a> {
    /// The staff subject (or `system`).
    pub actor: &'a str,
    pub ns: &'a str,
}

/// Appends a line to a conference's history (in the caller's transaction).
pub async fn history(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    by: By<'_>,
    action: &str,
    note: Option<&str>,
) -> QueryResult<()> {
    diesel::insert_into(conference_history::table)
        .values((
            conference_history::conference_id.eq(id),
            conference_history::actor.eq(by.actor),
            conference_history::action.eq(action),
            conference_history::note.eq(note),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// A change of the conference itself (planned, noticed, moved, held, texts published, called
/// off): its history line and the `conference.recorded` event of its state after the change,
/// for the reports' read model of dialogues. Every such change goes through here.
pub async fn changed(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    by: By<'_>,
    action: &str,
    note: Option<&str>,
) -> QueryResult<()> {
    history(conn, id, by, action, note).await?;
    let c: Conference = conferences::table
        .find(id)
        .select(Conference::as_select())
        .first(conn)
        .await?;
    let record = outbox::event(
        by.ns,
        doithoai_contracts::subjects::SCHEDULING,
        doithoai_contracts::subjects::CONFERENCE_RECORDED,
        &c.unit_code,
        doithoai_contracts::ConferenceRecordV1 {
            conference_id: c.id,
            unit: c.unit_code.clone(),
            title: c.title.clone(),
            status: c.status.as_str().to_owned(),
            starts_at: c.starts_at,
            notice_published_at: c.notice_published_at,
            minutes_published_at: c.minutes_published_at,
            results_published_at: c.results_published_at,
            recorded_at: Utc::now(),
        },
    )
    .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
    outbox::enqueue(conn, &[record]).await.map(|_| ())
}

/// A conference's history, oldest first: (at, actor, action, note).
pub async fn history_of(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> QueryResult<Vec<(DateTime<Utc>, String, String, Option<String>)>> {
    conference_history::table
        .filter(conference_history::conference_id.eq(id))
        .order(conference_history::seq)
        .select((
            conference_history::at,
            conference_history::actor,
            conference_history::action,
            conference_history::note,
        ))
        .load(conn)
        .await
}

/// Every version of the minutes and the results notice: (kind, version, text, at, by).
pub async fn publications_of(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> QueryResult<Vec<(String, i32, String, DateTime<Utc>, String)>> {
    publications::table
        .filter(publications::conference_id.eq(id))
        .order((publications::kind, publications::version))
        .select((
            publications::kind,
            publications::version,
            publications::text,
            publications::published_at,
            publications::published_by,
        ))
        .load(conn)
        .await
}

/// Stores a planned conference of `unit` (with its record event).
pub async fn insert(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    unit: &str,
    plan: &Plan,
    by: By<'_>,
) -> QueryResult<()> {
    conn.transaction(async |conn| {
        diesel::insert_into(conferences::table)
            .values((
                conferences::id.eq(id),
                conferences::unit_code.eq(unit),
                conferences::title.eq(&plan.title),
                conferences::starts_at.eq(plan.starts_at),
                conferences::venue.eq(&plan.venue),
                conferences::online_link.eq(&plan.online_link),
                conferences::chair.eq(&plan.chair),
                conferences::co_organisers.eq(&plan.co_organisers),
                conferences::fields.eq(&plan.fields),
                conferences::created_by.eq(by.actor),
                conferences::format.eq(plan.format),
            ))
            .execute(conn)
            .await?;
        changed(conn, id, by, "planned", None).await
    })
    .await
}

/// A unit's conferences, latest first; only those whose notice is out when `noticed`.
pub async fn of_unit(
    conn: &mut AsyncPgConnection,
    unit: &str,
    noticed: bool,
) -> QueryResult<Vec<Conference>> {
    let mut q = conferences::table
        .filter(conferences::unit_code.eq(unit))
        .order(conferences::starts_at.desc())
        .select(Conference::as_select())
        .into_boxed();
    if noticed {
        q = q.filter(conferences::notice_published_at.is_not_null());
    }
    q.load(conn).await
}

/// Every conference that was not called off, earliest first (for compliance).
pub async fn not_cancelled(conn: &mut AsyncPgConnection) -> QueryResult<Vec<Conference>> {
    conferences::table
        .filter(conferences::status.ne(ConferenceStatus::Cancelled))
        .order(conferences::starts_at.asc())
        .select(Conference::as_select())
        .load(conn)
        .await
}

/// Publishes the notice of a planned conference with its event; `false` when it is no longer
/// planned.
pub async fn publish_notice(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    now: DateTime<Utc>,
    closes: DateTime<Utc>,
    events: &[NewMessage],
    by: By<'_>,
) -> QueryResult<bool> {
    conn.transaction(async |conn| {
        let n = diesel::update(
            conferences::table
                .find(id)
                .filter(conferences::status.eq(ConferenceStatus::Planned)),
        )
        .set((
            conferences::status.eq(ConferenceStatus::Noticed),
            conferences::notice_published_at.eq(now),
            conferences::registration_closes_at.eq(closes),
        ))
        .execute(conn)
        .await?;
        if n == 1 {
            outbox::enqueue(conn, events).await?;
            changed(conn, id, by, "noticed", None).await?;
        }
        Ok(n == 1)
    })
    .await
}

/// What became of a registered question, with the event that tells its registrant.
pub struct OutcomeRecord<'a> {
    pub conference_id: Uuid,
    pub petition_id: Uuid,
    pub outcome: OutcomeKind,
    pub answer: Option<&'a str>,
    pub department: Option<&'a str>,
    pub due_at: Option<DateTime<Utc>>,
    pub forwarded_to: Option<&'a str>,
}

pub async fn record_outcome(
    conn: &mut AsyncPgConnection,
    o: OutcomeRecord<'_>,
    event: NewMessage,
    by: By<'_>,
) -> QueryResult<()> {
    conn.transaction(async |conn| {
        diesel::update(registrations::table.find(o.petition_id))
            .set((
                registrations::outcome.eq(o.outcome),
                registrations::outcome_answer.eq(o.answer),
                registrations::outcome_department.eq(o.department),
                registrations::outcome_due_at.eq(o.due_at),
                registrations::forwarded_to.eq(o.forwarded_to),
            ))
            .execute(conn)
            .await?;
        outbox::enqueue(conn, &[event]).await?;
        history(
            conn,
            o.conference_id,
            by,
            "outcome_recorded",
            Some(&format!("{}: {}", o.petition_id, o.outcome.as_str())),
        )
        .await?;
        Ok(())
    })
    .await
}

/// Records the attendance of a noticed (or held) conference, which makes it held; `false` when
/// it is planned or called off.
pub async fn record_attendance(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    count: i32,
    by: By<'_>,
) -> QueryResult<bool> {
    conn.transaction(async |conn| {
        let n = diesel::update(conferences::table.find(id).filter(
            conferences::status.eq_any([ConferenceStatus::Noticed, ConferenceStatus::Held]),
        ))
        .set((
            conferences::attendance.eq(count),
            conferences::status.eq(ConferenceStatus::Held),
        ))
        .execute(conn)
        .await?;
        if n == 1 {
            changed(
                conn,
                id,
                by,
                "attendance_recorded",
                Some(&count.to_string()),
            )
            .await?;
        }
        Ok(n == 1)
    })
    .await
}

/// A text published after a conference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Publication {
    /// The biên bản.
    Minutes,
    /// The thông báo kết quả.
    Results,
}

/// Publishes the minutes or the results notice of a held conference; `false` when it is not
/// held.
/// Publishes the minutes or the results notice of a held conference (a new version), with
/// `events` (the results notice to the residential groups); `false` when it is not held.
pub async fn publish_text(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    (what, text): (Publication, &str),
    events: &[NewMessage],
    now: DateTime<Utc>,
    by: By<'_>,
) -> QueryResult<bool> {
    conn.transaction(async |conn| {
        let done = publish_text_in(conn, id, what, text, now, by).await?;
        if done {
            outbox::enqueue(conn, events).await?;
        }
        Ok(done)
    })
    .await
}

async fn publish_text_in(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    what: Publication,
    text: &str,
    now: DateTime<Utc>,
    by: By<'_>,
) -> QueryResult<bool> {
    let target = conferences::table
        .find(id)
        .filter(conferences::status.eq(ConferenceStatus::Held));
    let kind = match what {
        Publication::Minutes => "minutes",
        Publication::Results => "results",
    };
    let n = match what {
        Publication::Minutes => {
            diesel::update(target)
                .set((
                    conferences::minutes.eq(text),
                    conferences::minutes_published_at.eq(now),
                ))
                .execute(conn)
                .await?
        }
        Publication::Results => {
            diesel::update(target)
                .set((
                    conferences::results_notice.eq(text),
                    conferences::results_published_at.eq(now),
                ))
                .execute(conn)
                .await?
        }
    };
    if n != 1 {
        return Ok(false);
    }
    // A correction is a new version; none is overwritten.
    let version: i64 = publications::table
        .filter(publications::conference_id.eq(id))
        .filter(publications::kind.eq(kind))
        .count()
        .get_result(conn)
        .await?;
    let version = i32::try_from(version + 1).unwrap_or(i32::MAX);
    diesel::insert_into(publications::table)
        .values((
            publications::conference_id.eq(id),
            publications::kind.eq(kind),
            publications::version.eq(version),
            publications::text.eq(text),
            publications::published_at.eq(now),
            publications::published_by.eq(by.actor),
        ))
        .execute(conn)
        .await?;
    changed(
        conn,
        id,
        by,
        &format!("{kind}_published"),
        Some(&format!("version {version}")),
    )
    .await?;
    Ok(true)
}

/// A conference moved: its new start and venue, and (when its notice was out) the new notice's
/// registration cutoff.
pub struct Move<'a> {
    pub from: DateTime<Utc>,
    pub starts_at: DateTime<Utc>,
    pub venue: &'a str,
    /// `Some((now, cutoff))` for a noticed conference: the new notice is out now.
    pub renoticed: Option<(DateTime<Utc>, DateTime<Utc>)>,
    pub reason: &'a str,
}

/// Moves a planned or noticed conference that still starts at `m.from`, with its events (a new
/// notice, a message per registrant) and its history row; registrants will be reminded again
/// 48 hours before the new time. `false` when it was held, called off or moved meanwhile.
pub async fn reschedule(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    m: Move<'_>,
    events: &[NewMessage],
    by: By<'_>,
) -> QueryResult<bool> {
    conn.transaction(async |conn| {
        let target = conferences::table
            .find(id)
            .filter(
                conferences::status.eq_any([ConferenceStatus::Planned, ConferenceStatus::Noticed]),
            )
            .filter(conferences::starts_at.eq(m.from));
        let n = match m.renoticed {
            Some((now, closes)) => {
                diesel::update(target)
                    .set((
                        conferences::starts_at.eq(m.starts_at),
                        conferences::venue.eq(m.venue),
                        conferences::notice_published_at.eq(now),
                        conferences::registration_closes_at.eq(closes),
                    ))
                    .execute(conn)
                    .await?
            }
            None => {
                diesel::update(target)
                    .set((
                        conferences::starts_at.eq(m.starts_at),
                        conferences::venue.eq(m.venue),
                    ))
                    .execute(conn)
                    .await?
            }
        };
        if n == 0 {
            return Ok(false);
        }
        diesel::update(registrations::table.filter(registrations::conference_id.eq(id)))
            .set(registrations::reminded.eq(false))
            .execute(conn)
            .await?;
        outbox::enqueue(conn, events).await?;
        let note = format!(
            "{} → {}: {}",
            m.from.to_rfc3339(),
            m.starts_at.to_rfc3339(),
            m.reason
        );
        changed(conn, id, by, "rescheduled", Some(&note)).await?;
        Ok(true)
    })
    .await
}

/// Calls off a planned or noticed conference: every registered question is to be answered in
/// writing by `due`; the events tell the unit and each registrant. `false` when it was held or
/// called off already.
pub async fn cancel(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    reason: &str,
    due: DateTime<Utc>,
    events: &[NewMessage],
    by: By<'_>,
) -> QueryResult<bool> {
    conn.transaction(async |conn| {
        let n = diesel::update(conferences::table.find(id).filter(
            conferences::status.eq_any([ConferenceStatus::Planned, ConferenceStatus::Noticed]),
        ))
        .set((
            conferences::status.eq(ConferenceStatus::Cancelled),
            conferences::cancel_reason.eq(reason),
            conferences::written_answers_due_at.eq(due),
        ))
        .execute(conn)
        .await?;
        if n == 0 {
            return Ok(false);
        }
        diesel::update(registrations::table.filter(registrations::conference_id.eq(id)))
            .set((
                registrations::outcome.eq(OutcomeKind::Written),
                registrations::outcome_due_at.eq(due),
            ))
            .execute(conn)
            .await?;
        outbox::enqueue(conn, events).await?;
        changed(conn, id, by, "cancelled", Some(reason)).await?;
        Ok(true)
    })
    .await
}
