//! The deadlines of the citizen's first notices (BRIEF: iHanoi's rules): the acknowledgement
//! within 8 working hours, a non-acceptance or refusal within 3 working days — or what the
//! unit's own deadline policy says (routing's `acknowledgement` and `refusal` policies, carried
//! by the calendar) — counted by the unit's office hours from when the notice was owed.
//!
//! Every minute the watch looks at the notices still not delivered: emails and SMS the mail
//! server or gateway has not taken yet, and letters the reception has not marked posted. Once
//! a quarter of the time is left (`Span::warning`) it records the notice as due soon
//! (`messages.due_soon_at`); past the deadline, as overdue (`messages.overdue_at`). Each step
//! happens once per notice: it is announced (`citizen_notice.due_soon` / `.overdue`, for city
//! IT's alerts and the reports) and the unit's reception is told by email, in the same
//! transaction, to post the letter or reach the citizen some other way. The gauges
//! `notification_citizen_notices_{due_soon,overdue}{kind}` count what stands.

use crate::store::schema::messages;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use doithoai_calendar::{Calendar, SharedCalendar, Span};
use doithoai_contracts::NoticeDeadlineV1;
use doithoai_contracts::subjects::{NOTICE_DUE_SOON, NOTICE_OVERDUE};
use doithoai_web::Core;
use uuid::Uuid;

/// The notices with a deadline: the message kind, the routing policy class that sets its
/// length for a unit, and the city's default when no policy does.
pub const DEADLINES: &[(&str, &str, Span)] = &[
    ("acknowledgement", "acknowledgement", Span::WorkingHours(8)),
    ("not_accepted", "refusal", Span::WorkingDays(3)),
    ("refusal", "refusal", Span::WorkingDays(3)),
];

/// When a notice of `kind` owed at `owed` to a citizen of `unit` falls due, and when it is
/// due soon; `None` for a kind without a deadline.
///
/// ```
/// use chrono::{DateTime, Utc};
/// use doithoai_calendar::{Calendar, CITY, Span};
/// let cal = Calendar::default().with_deadlines([
///     ("xa-soc-son".to_owned(), "acknowledgement".to_owned(), Span::WorkingHours(4)),
///     (CITY.to_owned(), "refusal".to_owned(), Span::WorkingDays(2)),
/// ]);
/// let owed: DateTime<Utc> = "2026-03-02T02:00:00Z".parse().unwrap(); // Monday 09:00 in Hanoi
/// let (soon, due) = notification::watch::deadline(&cal, "xa-soc-son", "acknowledgement", owed).unwrap();
/// assert_eq!(due.to_rfc3339(), "2026-03-02T07:00:00+00:00"); // 14:00: 3 hours before lunch, 1 after
/// assert_eq!(soon.to_rfc3339(), "2026-03-02T05:00:00+00:00"); // 12:00: a quarter left
/// let (_, due) = notification::watch::deadline(&cal, "phuong-lang", "acknowledgement", owed).unwrap();
/// assert_eq!(due.to_rfc3339(), "2026-03-03T02:00:00+00:00"); // the city's 8 hours: Tuesday 09:00
/// let (_, due) = notification::watch::deadline(&cal, "phuong-lang", "not_accepted", owed).unwrap();
/// assert_eq!(due.to_rfc3339(), "2026-03-04T10:00:00+00:00"); // the city's policy: 2 working days
/// assert!(notification::watch::deadline(&cal, "phuong-lang", "answer", owed).is_none());
/// ```
pub fn deadline(
    cal: &Calendar,
    unit: &str,
    kind: &str,
    owed: DateTime<Utc>,
) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let (_, class, default) = DEADLINES.iter().find(|(k, _, _)| *k == kind)?;
    let unit_cal = cal.for_unit(unit);
    let span = unit_cal.deadline(class, *default);
    Some((unit_cal.due(owed, span.warning()), unit_cal.due(owed, span)))
}

/// A notice with a deadline, not delivered yet.
#[derive(Queryable, Selectable)]
#[diesel(table_name = messages)]
struct Undelivered {
    id: Uuid,
    unit_code: String,
    tracking_code: Option<String>,
    kind: String,
    channel: String,
    created_at: DateTime<Utc>,
    due_soon_at: Option<DateTime<Utc>>,
}

/// What stands after a round, per kind: (kind, due soon, overdue).
pub type Counts = Vec<(String, i64, i64)>;

/// One round: records and announces the notices that came near or past their deadline since
/// the last one, and counts those still undelivered, per kind.
pub async fn round(
    core: &Core,
    cal: &SharedCalendar,
    domain: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<Counts> {
    let calendar = doithoai_web::calendar::now(cal);
    let kinds: Vec<&str> = DEADLINES.iter().map(|(k, _, _)| *k).collect();
    let mut conn = core.pool.get().await?;
    // Oldest first, so a long backlog is worked through in order (the index
    // `messages_undelivered_notices` holds exactly these rows).
    let pending: Vec<Undelivered> = messages::table
        .filter(messages::status.ne("sent"))
        .filter(messages::overdue_at.is_null())
        .filter(messages::kind.eq_any(&kinds))
        .order(messages::created_at)
        .select(Undelivered::as_select())
        .limit(1000)
        .load(&mut conn)
        .await?;
    for notice in pending {
        let Some((soon, due)) = deadline(
            &calendar,
            &notice.unit_code,
            &notice.kind,
            notice.created_at,
        ) else {
            continue;
        };
        if due <= now {
            step(core, &mut conn, &notice, due, true, domain, now).await?;
        } else if soon <= now && notice.due_soon_at.is_none() {
            step(core, &mut conn, &notice, due, false, domain, now).await?;
        }
    }
    core.relay.wake();
    let overdue: Vec<(String, i64)> = messages::table
        .filter(messages::status.ne("sent"))
        .filter(messages::kind.eq_any(&kinds))
        .filter(messages::overdue_at.is_not_null())
        .group_by(messages::kind)
        .select((messages::kind, diesel::dsl::count_star()))
        .load(&mut conn)
        .await?;
    let soon: Vec<(String, i64)> = messages::table
        .filter(messages::status.ne("sent"))
        .filter(messages::kind.eq_any(&kinds))
        .filter(messages::overdue_at.is_null())
        .filter(messages::due_soon_at.is_not_null())
        .group_by(messages::kind)
        .select((messages::kind, diesel::dsl::count_star()))
        .load(&mut conn)
        .await?;
    let of = |counts: &[(String, i64)], kind: &str| {
        counts
            .iter()
            .find(|(k, _)| k == kind)
            .map_or(0, |(_, n)| *n)
    };
    // Every kind, zero included: an alert on the gauge needs the series to exist.
    Ok(kinds
        .iter()
        .map(|kind| ((*kind).to_owned(), of(&soon, kind), of(&overdue, kind)))
        .collect())
}

/// Records one step of one notice (due soon, or overdue), announces it and tells the unit's
/// reception — once: of two replicas, only the one whose update still finds the step
/// unrecorded does.
async fn step(
    core: &Core,
    conn: &mut AsyncPgConnection,
    notice: &Undelivered,
    due_at: DateTime<Utc>,
    overdue: bool,
    domain: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let data = NoticeDeadlineV1 {
        message_id: notice.id,
        unit: notice.unit_code.clone(),
        tracking_code: notice.tracking_code.clone(),
        kind: notice.kind.clone(),
        channel: notice.channel.clone(),
        due_at,
    };
    let (subject, body) = crate::templates::notice_deadline(&data, overdue)?;
    let subject_name = if overdue {
        NOTICE_OVERDUE
    } else {
        NOTICE_DUE_SOON
    };
    let event = core.event(subject_name, &notice.unit_code, data)?;
    let reception = format!("tiep-nhan.{}@{domain}", notice.unit_code);
    let event_id = event.id;
    let id = notice.id;
    let unit = notice.unit_code.clone();
    let tracking_code = notice.tracking_code.clone();
    conn.transaction::<(), anyhow::Error, _>(async |conn| {
        let unrecorded = messages::table
            .find(id)
            .filter(messages::overdue_at.is_null());
        let n = if overdue {
            diesel::update(unrecorded)
                .set(messages::overdue_at.eq(now))
                .execute(conn)
                .await?
        } else {
            diesel::update(unrecorded.filter(messages::due_soon_at.is_null()))
                .set(messages::due_soon_at.eq(now))
                .execute(conn)
                .await?
        };
        if n == 1 {
            doithoai_bus::outbox::enqueue(conn, &[event]).await?;
            diesel::insert_into(messages::table)
                .values((
                    messages::id.eq(Uuid::now_v7()),
                    messages::event_id.eq(event_id),
                    messages::unit_code.eq(&unit),
                    messages::tracking_code.eq(&tracking_code),
                    messages::kind.eq("notice_deadline"),
                    messages::channel.eq("email"),
                    messages::recipient.eq(&reception),
                    messages::subject.eq(&subject),
                    messages::body.eq(&body),
                ))
                .on_conflict_do_nothing()
                .execute(conn)
                .await?;
        }
        Ok(())
    })
    .await
}
