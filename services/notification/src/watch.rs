//! The deadlines of the citizen's first notices (BRIEF: iHanoi's rules): the acknowledgement
//! within 8 working hours, a non-acceptance or refusal within 3 working days, counted by the
//! unit's office hours from when the notice was owed. Every minute the watch looks for notices
//! still not delivered past their deadline (the mail server or the SMS gateway down, a number
//! that fails), records each once (`messages.overdue_at`), announces it as
//! `citizen_notice.overdue` for city IT's alerts, and keeps the gauge
//! `notification_citizen_notices_overdue{kind}`.

use crate::store::schema::messages;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use doithoai_calendar::{SharedCalendar, Span};
use doithoai_contracts::NoticeOverdueV1;
use doithoai_web::Core;
use uuid::Uuid;

/// The notices with a deadline and how long each may take (the city's defaults).
pub const DEADLINES: &[(&str, Span)] = &[
    ("acknowledgement", Span::WorkingHours(8)),
    ("not_accepted", Span::WorkingDays(3)),
    ("refusal", Span::WorkingDays(3)),
];

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
}

/// One round: records and announces the notices that went overdue since the last one, and
/// returns how many are overdue and still undelivered, per kind.
pub async fn round(
    core: &Core,
    cal: &SharedCalendar,
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<(String, i64)>> {
    let calendar = doithoai_web::calendar::now(cal);
    let kinds: Vec<&str> = DEADLINES.iter().map(|(k, _)| *k).collect();
    let mut conn = core.pool.get().await?;
    // Older than the shortest deadline could be, so the rows the round reads stay few.
    let pending: Vec<Undelivered> = messages::table
        .filter(messages::status.ne("sent"))
        .filter(messages::overdue_at.is_null())
        .filter(messages::kind.eq_any(&kinds))
        .filter(messages::created_at.lt(now - chrono::Duration::hours(4)))
        .select(Undelivered::as_select())
        .limit(1000)
        .load(&mut conn)
        .await?;
    for Undelivered {
        id,
        unit_code: unit,
        tracking_code,
        kind,
        channel,
        created_at,
    } in pending
    {
        let Some((_, span)) = DEADLINES.iter().find(|(k, _)| *k == kind) else {
            continue;
        };
        let due_at = calendar.for_unit(&unit).due(created_at, *span);
        if due_at > now {
            continue;
        }
        let event = core.event(
            doithoai_contracts::subjects::NOTICE_OVERDUE,
            &unit,
            NoticeOverdueV1 {
                message_id: id,
                unit: unit.clone(),
                tracking_code,
                kind,
                channel,
                due_at,
            },
        )?;
        // Once: of two replicas, only the one whose update still finds it unrecorded
        // announces it.
        conn.transaction::<(), anyhow::Error, _>(async |conn| {
            let n = diesel::update(
                messages::table
                    .find(id)
                    .filter(messages::overdue_at.is_null()),
            )
            .set(messages::overdue_at.eq(now))
            .execute(conn)
            .await?;
            if n == 1 {
                doithoai_bus::outbox::enqueue(conn, &[event]).await?;
            }
            Ok(())
        })
        .await?;
    }
    core.relay.wake();
    let counts: Vec<(String, i64)> = messages::table
        .filter(messages::status.ne("sent"))
        .filter(messages::overdue_at.is_not_null())
        .group_by(messages::kind)
        .select((messages::kind, diesel::dsl::count_star()))
        .load(&mut conn)
        .await?;
    Ok(counts)
}
