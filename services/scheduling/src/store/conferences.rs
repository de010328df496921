//! Scheduling's writes and lists of conferences. Each state change names the statuses it may
//! start from in its `WHERE`, so two requests racing on one conference cannot both apply
//! (the second finds nothing to change and is answered 409); a change and its events commit
//! together.

use super::schema::{conferences, registrations};
use crate::commands::Plan;
use crate::domain::status::{ConferenceStatus, OutcomeKind};
use crate::flow::Conference;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use doithoai_bus::outbox::{self, NewMessage};
use uuid::Uuid;

/// Stores a planned conference of `unit`.
pub async fn insert(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    unit: &str,
    plan: &Plan,
    created_by: &str,
) -> QueryResult<()> {
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
            conferences::created_by.eq(created_by),
        ))
        .execute(conn)
        .await
        .map(|_| ())
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
    event: NewMessage,
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
            outbox::enqueue(conn, &[event]).await?;
        }
        Ok(n == 1)
    })
    .await
}

/// What became of a registered question, with the event that tells its registrant.
pub struct OutcomeRecord<'a> {
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
) -> QueryResult<bool> {
    let n =
        diesel::update(conferences::table.find(id).filter(
            conferences::status.eq_any([ConferenceStatus::Noticed, ConferenceStatus::Held]),
        ))
        .set((
            conferences::attendance.eq(count),
            conferences::status.eq(ConferenceStatus::Held),
        ))
        .execute(conn)
        .await?;
    Ok(n == 1)
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
pub async fn publish_text(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    what: Publication,
    text: &str,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    let target = conferences::table
        .find(id)
        .filter(conferences::status.eq(ConferenceStatus::Held));
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
    Ok(n == 1)
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
        Ok(true)
    })
    .await
}
