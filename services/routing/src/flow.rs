//! Routing's work: assign each received petition to a department with its due date; re-route
//! within the unit; transfer outside its competence. Each decision is stored with its history
//! row and its event in one transaction.

use crate::domain::calendar::{Calendar, Span};
use crate::domain::policy::PolicyClass;
use crate::domain::status::AssignmentStatus;
use crate::store::queries::{self, Assignment};
use chrono::{DateTime, Utc};
use diesel::QueryResult;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use doithoai_bus::outbox::{self, NewMessage};
use doithoai_contracts::subjects::{
    PETITION_REFUSED, PETITION_ROUTED, PETITION_TRANSFERRED, ROUTING,
};
use doithoai_contracts::{
    Envelope, PetitionReceivedV1, PetitionRefusedV1, PetitionRoutedV1, PetitionTransferredV1,
};
use doithoai_web::{ConsumeError, Core};
use std::collections::HashMap;

/// What routing's consumers need besides their connection.
pub struct Context {
    pub ns: String,
    pub cal: SharedCalendar,
}

/// The calendar, reloaded when city IT edits holidays.
pub use doithoai_calendar::SharedCalendar;

/// Reads the calendar city IT keeps (holidays, make-up working days, office hours) into `cal`.
pub async fn reload_calendar(core: &Core, cal: &SharedCalendar) -> anyhow::Result<()> {
    let mut conn = core.pool.get().await?;
    let fresh = queries::calendar(&mut conn).await?;
    if let Ok(mut c) = cal.write() {
        *c = fresh;
    }
    Ok(())
}

/// The calendar as scheduling asks for it ([`doithoai_contracts::HolidaysV1`]).
pub fn calendar_reply(cal: &Calendar) -> doithoai_contracts::HolidaysV1 {
    doithoai_contracts::HolidaysV1 {
        days: cal.holidays().copied().collect(),
        working_days: cal.working_days().copied().collect(),
        office_hours: Some(cal.hours.to_string()),
        unit_office_hours: cal
            .unit_hours()
            .map(|(unit, hours)| (unit.clone(), hours.to_string()))
            .collect(),
        deadlines: cal.deadlines().fold(
            std::collections::BTreeMap::new(),
            |mut all: std::collections::BTreeMap<String, std::collections::BTreeMap<_, _>>,
             (unit, class, span)| {
                all.entry(unit.to_owned())
                    .or_default()
                    .insert(class.to_owned(), span.to_string());
                all
            },
        ),
    }
}

/// The department that manages a ward's or commune's officials: internal affairs are
/// Phòng Văn hóa – Xã hội's (`data/departments.csv`), in wards and communes alike.
pub const OFFICIALS_DEPARTMENT: &str = "van-hoa-xa-hoi";

/// Reference look-ups memoised for one batch (one transaction): a batch of petitions of the
/// same few units asks each question once.
#[derive(Default)]
struct Lookups {
    holder: HashMap<String, Option<(String, String)>>,
    department: HashMap<(String, String, String, Option<i16>), Option<String>>,
    policy: HashMap<(String, PolicyClass), Span>,
    department_name: HashMap<String, String>,
    review_required: HashMap<String, bool>,
}

impl Lookups {
    async fn holder(
        &mut self,
        conn: &mut AsyncPgConnection,
        unit: &str,
    ) -> QueryResult<Option<(String, String)>> {
        if let Some(v) = self.holder.get(unit) {
            return Ok(v.clone());
        }
        let v = queries::holder(conn, unit).await?;
        self.holder.insert(unit.to_owned(), v.clone());
        Ok(v)
    }

    async fn department(
        &mut self,
        conn: &mut AsyncPgConnection,
        key: (String, String, String, Option<i16>),
    ) -> QueryResult<Option<String>> {
        if let Some(v) = self.department.get(&key) {
            return Ok(v.clone());
        }
        let v = queries::decide_department(conn, &key.0, &key.1, &key.2, key.3).await?;
        self.department.insert(key, v.clone());
        Ok(v)
    }

    async fn policy(
        &mut self,
        conn: &mut AsyncPgConnection,
        unit: &str,
        class: PolicyClass,
    ) -> QueryResult<Span> {
        let key = (unit.to_owned(), class);
        if let Some(v) = self.policy.get(&key) {
            return Ok(*v);
        }
        let v = queries::policy(conn, unit, class).await?;
        self.policy.insert(key, v);
        Ok(v)
    }

    async fn department_name(
        &mut self,
        conn: &mut AsyncPgConnection,
        code: &str,
    ) -> QueryResult<String> {
        if let Some(v) = self.department_name.get(code) {
            return Ok(v.clone());
        }
        let v = queries::department_name(conn, code)
            .await?
            .unwrap_or_else(|| code.to_owned());
        self.department_name.insert(code.to_owned(), v.clone());
        Ok(v)
    }

    async fn review_required(
        &mut self,
        conn: &mut AsyncPgConnection,
        unit: &str,
    ) -> QueryResult<bool> {
        if let Some(v) = self.review_required.get(unit) {
            return Ok(*v);
        }
        let v = queries::review_required(conn, unit).await?;
        self.review_required.insert(unit.to_owned(), v);
        Ok(v)
    }
}

/// Consumer of `petition.received`, a batch at a time inside the consumer's transaction (the
/// inbox has recorded the events already): each petition gets its department and due date;
/// the assignments, their history rows and the `petition.routed` events are written with one
/// statement each for the whole batch.
pub async fn on_received_batch(
    conn: &mut AsyncPgConnection,
    cx: &Context,
    batch: Vec<Envelope<PetitionReceivedV1>>,
) -> Result<(), ConsumeError> {
    let calendar = doithoai_web::calendar::now(&cx.cal);
    let mut look = Lookups::default();
    let mut assignments = Vec::with_capacity(batch.len());
    let mut events = Vec::with_capacity(batch.len());
    let mut triage = Vec::with_capacity(batch.len());
    for env in batch {
        let cause = env.id;
        let mut p = env.data;
        // Routing never contacts the submitter: it forwards their name and address once, with
        // this first assignment (answering keeps them for redaction and letters), and stores
        // nothing of them; later routing events carry an empty name.
        p.submitter = p.submitter.without_contact();
        let mut kept = p.clone();
        kept.submitter = p.submitter.withheld();
        let Some((unit_name, kind)) = look.holder(conn, &p.unit).await? else {
            return Err(ConsumeError::Poison(format!("unknown unit {}", p.unit)));
        };
        let department = look
            .department(
                conn,
                (
                    p.unit.clone(),
                    kind.clone(),
                    p.field.clone(),
                    p.content_type,
                ),
            )
            .await?
            .unwrap_or_else(|| "van-phong".to_owned());
        // Decree 20, Art. 9: about an official's conduct, it goes to whoever manages the
        // unit's officials.
        let department = if p.official_conduct {
            OFFICIALS_DEPARTMENT.to_owned()
        } else {
            department
        };
        let span = look.policy(conn, &p.unit, PolicyClass::Answer).await?;
        let mut due_at = calendar.for_unit(&p.unit).due(p.received_at, span);
        // Decree 20, Art. 9: classified, and transferred if need be, within the unit's
        // transfer deadline (5 working days by default).
        let transfer = look.policy(conn, &p.unit, PolicyClass::Transfer).await?;
        triage.push((
            p.petition_id,
            p.unit.clone(),
            p.tracking_code.clone(),
            calendar.for_unit(&p.unit).due(p.received_at, transfer),
        ));
        // A question registered for a dialogue conference is prepared for the conference.
        if let Some(starts) = p.conference_starts_at {
            due_at = due_at.min(starts);
        }
        let a = Assignment {
            petition_id: p.petition_id,
            tracking_code: p.tracking_code.clone(),
            origin_unit: p.unit.clone(),
            unit_code: p.unit.clone(),
            department_code: department.clone(),
            received_at: p.received_at,
            due_at,
            status: AssignmentStatus::Routed,
            petition: serde_json::to_string(&kept)
                .map_err(|e| ConsumeError::Poison(e.to_string()))?,
        };
        let department_name = look.department_name(conn, &department).await?;
        let review_required = look.review_required(conn, &p.unit).await?;
        events.push(doithoai_telemetry::caused_by(cause, || {
            routed_message(
                &cx.ns,
                &a,
                &unit_name,
                department_name,
                review_required,
                "initial",
                (None, None),
                p,
            )
        })?);
        assignments.push(a);
    }
    queries::record_initial_many(conn, &assignments).await?;
    queries::open_triage(conn, &triage).await?;
    outbox::enqueue(conn, &events).await?;
    Ok(())
}

/// The `petition.routed` event of an assignment, with its names already looked up.
#[allow(clippy::too_many_arguments)]
fn routed_message(
    ns: &str,
    a: &Assignment,
    unit_name: &str,
    department_name: String,
    review_required: bool,
    reason_code: &str,
    (reason, actor): (Option<&str>, Option<&str>),
    petition: PetitionReceivedV1,
) -> Result<NewMessage, ConsumeError> {
    outbox::event(
        ns,
        ROUTING,
        PETITION_ROUTED,
        &a.unit_code,
        PetitionRoutedV1 {
            petition_id: a.petition_id,
            tracking_code: a.tracking_code.clone(),
            unit: a.unit_code.clone(),
            unit_name: unit_name.to_owned(),
            department: a.department_code.clone(),
            department_name,
            due_at: a.due_at,
            reason_code: reason_code.to_owned(),
            reason: reason.map(str::to_owned),
            actor: actor.map(str::to_owned),
            review_required,
            petition,
        },
    )
    .map_err(|e| ConsumeError::Poison(e.to_string()))
}

#[allow(clippy::too_many_arguments)]
async fn routed_event(
    conn: &mut AsyncPgConnection,
    ns: &str,
    a: &Assignment,
    unit_name: &str,
    reason_code: &str,
    reason: Option<&str>,
    actor: Option<&str>,
    petition: PetitionReceivedV1,
) -> Result<NewMessage, ConsumeError> {
    let department_name = queries::department_name(conn, &a.department_code)
        .await?
        .unwrap_or_else(|| a.department_code.clone());
    let review_required = queries::review_required(conn, &a.unit_code).await?;
    routed_message(
        ns,
        a,
        unit_name,
        department_name,
        review_required,
        reason_code,
        (reason, actor),
        petition,
    )
}

/// Why a staff routing action was refused.
#[derive(Debug)]
pub enum Refusal {
    NotFound,
    /// (field, code, Vietnamese, English)
    Invalid(&'static str, &'static str, &'static str, &'static str),
}

/// A staff action found the petition changed since its author read it (another action, or
/// the answer, came first): nothing was written.
#[derive(Debug)]
pub struct Stale;

impl std::fmt::Display for Stale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the petition changed meanwhile")
    }
}

impl std::error::Error for Stale {}

/// An urgent mark that would not bring the due date forward: the petition is due sooner
/// already (it was marked urgent, or its deadline is that close).
#[derive(Debug)]
pub struct DueSooner(pub DateTime<Utc>);

impl std::fmt::Display for DueSooner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "already due at {}", self.0)
    }
}

impl std::error::Error for DueSooner {}

/// Marks a petition urgent (BRIEF: iHanoi's rules, urgent items handled within 4 working
/// hours): its due date comes to the unit's `urgent` policy (4 working hours by default) from
/// `now`, by the unit's office hours, and the department holding it is told through a
/// `petition.routed` with `reason_code` `urgent`. Refused ([`DueSooner`]) when that would not
/// bring the due date forward.
pub async fn make_urgent(
    core: &Core,
    cal: &SharedCalendar,
    a: Assignment,
    reason: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Assignment, anyhow::Error> {
    let span = {
        let mut conn = core.pool.get().await?;
        queries::policy(&mut conn, &a.unit_code, PolicyClass::Urgent).await?
    };
    let ns = core.bus.namespace.clone();
    // To the second: the stored due date, the event's and the answer's are the same instant.
    let due_at = chrono::SubsecRound::trunc_subsecs(
        doithoai_web::calendar::now(cal)
            .for_unit(&a.unit_code)
            .due(now, span),
        0,
    );
    if due_at >= a.due_at {
        return Err(DueSooner(a.due_at).into());
    }
    let next = Assignment {
        due_at,
        ..a.clone()
    };
    restep(core, &ns, &a, next, ("urgent", None), reason, actor).await
}

/// Moves the unit's assignment `a` to `next` (another department, an earlier due date) if it is
/// still as its author read it: the history row `action` and a `petition.routed` with that
/// reason code, in one transaction.
async fn restep(
    core: &Core,
    ns: &str,
    a: &Assignment,
    next: Assignment,
    (action, from_unit): (&str, Option<&str>),
    reason: &str,
    actor: &str,
) -> Result<Assignment, anyhow::Error> {
    let mut conn = core.pool.get().await?;
    let petition: PetitionReceivedV1 = serde_json::from_str(&a.petition)?;
    conn.transaction::<(), anyhow::Error, _>(async |conn| {
        if !queries::still_as(conn, a).await? {
            return Err(Stale.into());
        }
        let (unit_name, _) = queries::holder(conn, &next.unit_code)
            .await?
            .unwrap_or_default();
        queries::record(conn, &next, actor, action, from_unit, Some(reason)).await?;
        let event = routed_event(
            conn,
            ns,
            &next,
            &unit_name,
            action,
            Some(reason),
            Some(actor),
            petition,
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        outbox::enqueue(conn, &[event]).await?;
        Ok(())
    })
    .await?;
    core.relay.wake();
    Ok(next)
}

/// Re-routes within the holding unit to `department`.
pub async fn reroute(
    core: &Core,
    a: Assignment,
    department: &str,
    reason: &str,
    actor: &str,
) -> Result<Assignment, anyhow::Error> {
    let mut next = a.clone();
    next.department_code = department.to_owned();
    next.status = AssignmentStatus::Routed;
    let ns = core.bus.namespace.clone();
    let from = a.unit_code.clone();
    restep(core, &ns, &a, next, ("reroute", Some(&from)), reason, actor).await
}

/// Transfers to another unit or body, which works it in its own inbox with a fresh answer
/// deadline counted from now; tells whether the transfer met its own deadline (5 working days
/// of receipt by default).
#[allow(clippy::too_many_arguments)] // one call site; a struct would only rename the list
pub async fn transfer(
    core: &Core,
    cal: &SharedCalendar,
    a: Assignment,
    to: &str,
    to_name: &str,
    reason: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<(Assignment, DateTime<Utc>), anyhow::Error> {
    let mut conn = core.pool.get().await?;
    let ns = core.bus.namespace.clone();
    let result = conn
        .transaction::<(Assignment, DateTime<Utc>), anyhow::Error, _>(async |conn| {
            if !queries::still_as(conn, &a).await? {
                return Err(Stale.into());
            }
            transfer_in(conn, &ns, cal, a, to, to_name, reason, actor, now).await
        })
        .await?;
    core.relay.wake();
    Ok(result)
}

/// [`transfer`] on a connection inside the caller's transaction.
#[allow(clippy::too_many_arguments)]
async fn transfer_in(
    conn: &mut AsyncPgConnection,
    ns: &str,
    cal: &SharedCalendar,
    a: Assignment,
    to: &str,
    to_name: &str,
    reason: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<(Assignment, DateTime<Utc>), anyhow::Error> {
    let calendar = doithoai_web::calendar::now(cal);
    let petition: PetitionReceivedV1 = serde_json::from_str(&a.petition)?;
    {
        {
            let transfer_span = queries::policy(conn, &a.unit_code, PolicyClass::Transfer).await?;
            let transfer_due = calendar
                .for_unit(&a.unit_code)
                .due(a.received_at, transfer_span);
            let answer_span = queries::policy(conn, to, PolicyClass::Answer)
                .await
                .unwrap_or(Span::WorkingDays(15));
            let (_, kind) = queries::holder(conn, to).await?.unwrap_or_default();
            let department = if kind == "body" {
                "van-phong".to_owned()
            } else {
                queries::decide_department(conn, to, &kind, &petition.field, petition.content_type)
                    .await?
                    .unwrap_or_else(|| "van-phong".to_owned())
            };
            let next = Assignment {
                unit_code: to.to_owned(),
                department_code: department,
                due_at: calendar.for_unit(to).due(now, answer_span),
                status: AssignmentStatus::Transferred,
                ..a.clone()
            };
            queries::record(
                conn,
                &next,
                actor,
                "transfer",
                Some(&a.unit_code),
                Some(reason),
            )
            .await?;
            // Decree 20/2008/NĐ-CP, Art. 9: a petition outside a unit's competence is transferred
            // within 5 working days of receipt. A later transfer is still made (the citizen is
            // better served late than never) but recorded as late, for the unit's record.
            let late = now > transfer_due;
            if late {
                queries::record(
                    conn,
                    &next,
                    actor,
                    "late_transfer",
                    Some(&a.unit_code),
                    Some(&format!("due {}", doithoai_web::text::ts(transfer_due))),
                )
                .await?;
            }
            let transferred = outbox::event(
                ns,
                ROUTING,
                PETITION_TRANSFERRED,
                &a.unit_code,
                PetitionTransferredV1 {
                    petition_id: a.petition_id,
                    tracking_code: a.tracking_code.clone(),
                    from_unit: a.unit_code.clone(),
                    to_unit: to.to_owned(),
                    to_unit_name: to_name.to_owned(),
                    reason: reason.to_owned(),
                    actor: actor.to_owned(),
                    transfer_due_at: transfer_due,
                    late,
                    submitter: petition.submitter.clone(),
                },
            )?;
            let routed = routed_event(
                conn,
                ns,
                &next,
                to_name,
                "transfer",
                Some(reason),
                Some(actor),
                petition.clone(),
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
            outbox::enqueue(conn, &[transferred, routed]).await?;
            Ok((next, transfer_due))
        }
    }
}

/// Refuses on triage: the petition is not accepted, with the reason; the submitter is told.
pub async fn refuse(
    core: &Core,
    a: Assignment,
    reason: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Assignment, anyhow::Error> {
    let mut conn = core.pool.get().await?;
    let ns = core.bus.namespace.clone();
    let petition: PetitionReceivedV1 = serde_json::from_str(&a.petition)?;
    let next = Assignment {
        status: AssignmentStatus::NotAccepted,
        ..a.clone()
    };
    conn.transaction::<(), anyhow::Error, _>(async |conn| {
        if !queries::still_as(conn, &a).await? {
            return Err(Stale.into());
        }
        let (unit_name, _) = queries::holder(conn, &a.unit_code)
            .await?
            .unwrap_or_default();
        queries::record(
            conn,
            &next,
            actor,
            "refuse",
            Some(&a.unit_code),
            Some(reason),
        )
        .await?;
        let refused = outbox::event(
            &ns,
            ROUTING,
            PETITION_REFUSED,
            &a.unit_code,
            PetitionRefusedV1 {
                petition_id: a.petition_id,
                tracking_code: a.tracking_code.clone(),
                unit: a.unit_code.clone(),
                unit_name,
                reason: reason.to_owned(),
                actor: actor.to_owned(),
                refused_at: now,
                submitter: petition.submitter.clone(),
            },
        )?;
        outbox::enqueue(conn, &[refused]).await?;
        Ok(())
    })
    .await?;
    core.relay.wake();
    Ok(next)
}

/// Consumer of `petition.answered` (answering): the petition is answered, so routing no longer
/// moves or refuses it.
pub async fn on_answered(
    conn: &mut AsyncPgConnection,
    _cx: &Context,
    env: Envelope<doithoai_contracts::PetitionAnsweredV1>,
) -> Result<(), ConsumeError> {
    use crate::store::schema::assignments;
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    diesel::update(
        assignments::table
            .find(env.data.petition_id)
            .filter(assignments::status.ne(AssignmentStatus::NotAccepted)),
    )
    .set(assignments::status.eq(AssignmentStatus::Answered))
    .execute(conn)
    .await?;
    queries::triaged(conn, env.data.petition_id).await?;
    Ok(())
}

/// Accepts a petition as within the unit's competence, as assigned (Decree 20, Art. 9): its
/// triage deadline is met; nothing else changes and no event is sent.
pub async fn accept(
    core: &Core,
    a: &Assignment,
    note: Option<&str>,
    actor: &str,
) -> Result<(), anyhow::Error> {
    let mut conn = core.pool.get().await?;
    conn.transaction::<(), anyhow::Error, _>(async |conn| {
        if !queries::still_as(conn, a).await? {
            return Err(Stale.into());
        }
        queries::record(conn, a, actor, "accepted", None, note).await?;
        Ok(())
    })
    .await
}

/// An untriaged petition's deadline: (id, unit, tracking code, due).
type Deadline = (uuid::Uuid, String, String, DateTime<Utc>);

/// One round of the triage watch: each untriaged petition whose deadline is within a day is
/// announced once as `petition.triage_due_soon`, and once past it as `petition.triage_overdue`
/// (`triage_deadlines.announced` holds how far it got).
/// Returns, per unit (every unit, zero included), how many are past their deadline and how many
/// transfers were made late.
pub async fn watch_triage(core: &Core, now: DateTime<Utc>) -> anyhow::Result<Vec<TriageCount>> {
    use crate::store::schema::triage_deadlines as t;
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    use doithoai_contracts::subjects::{TRIAGE_DUE_SOON, TRIAGE_OVERDUE};
    let mut conn = core.pool.get().await?;
    // Stage 1 within a day of the deadline (not past it: the overdue announcement says it
    // all), stage 2 past it; each announced once, whichever replica's update finds it below.
    let stages = [
        (1i16, TRIAGE_DUE_SOON, now, now + chrono::Duration::days(1)),
        (2, TRIAGE_OVERDUE, DateTime::<Utc>::UNIX_EPOCH, now),
    ];
    for (stage, name, after, until) in stages {
        let due: Vec<Deadline> = t::table
            .filter(t::triaged_at.is_null())
            .filter(t::announced.lt(stage))
            .filter(t::due_at.gt(after).and(t::due_at.le(until)))
            .select((t::petition_id, t::unit_code, t::tracking_code, t::due_at))
            .limit(500)
            .load(&mut conn)
            .await?;
        for (petition_id, unit, tracking_code, due_at) in due {
            let event = core.event(
                name,
                &unit,
                doithoai_contracts::TriageDeadlineV1 {
                    petition_id,
                    tracking_code,
                    unit: unit.clone(),
                    due_at,
                },
            )?;
            conn.transaction::<(), anyhow::Error, _>(async |conn| {
                let n = diesel::update(t::table.find(petition_id).filter(t::announced.lt(stage)))
                    .set(t::announced.eq(stage))
                    .execute(conn)
                    .await?;
                if n == 1 {
                    outbox::enqueue(conn, &[event]).await?;
                }
                Ok(())
            })
            .await?;
        }
    }
    core.relay.wake();
    let late: Vec<(String, i64)> = t::table
        .filter(t::triaged_at.is_null())
        .filter(t::due_at.lt(now))
        .group_by(t::unit_code)
        .select((t::unit_code, diesel::dsl::count_star()))
        .load(&mut conn)
        .await?;
    use crate::store::schema::routing_history as h;
    let late_transfers: Vec<(Option<String>, i64)> = h::table
        .filter(h::action.eq("late_transfer"))
        .group_by(h::from_unit)
        .select((h::from_unit, diesel::dsl::count_star()))
        .load(&mut conn)
        .await?;
    // Every unit, zero included: an alert on a unit's series needs it to exist.
    let units: Vec<String> = crate::store::schema::units::table
        .select(crate::store::schema::units::code)
        .load(&mut conn)
        .await?;
    Ok(units
        .into_iter()
        .map(|u| {
            let untriaged = late.iter().find(|(l, _)| *l == u).map_or(0, |(_, n)| *n);
            let transfers = late_transfers
                .iter()
                .find(|(l, _)| l.as_deref() == Some(u.as_str()))
                .map_or(0, |(_, n)| *n);
            TriageCount {
                unit: u,
                untriaged,
                late_transfers: transfers,
            }
        })
        .collect())
}

/// What the triage watch counts for a unit.
pub struct TriageCount {
    pub unit: String,
    /// Untriaged petitions past their deadline now.
    pub untriaged: i64,
    /// Transfers made after the deadline, as recorded in the history (all time).
    pub late_transfers: i64,
}

/// Consumer of `conference.outcome_recorded`: a question found outside the unit's competence
/// at a dialogue conference ("forwarded") is transferred to the body named, and tracked like
/// any transfer. Idempotent by state: once the petition is held by that body, a redelivery
/// changes nothing.
pub async fn on_conference_outcome(
    conn: &mut AsyncPgConnection,
    cx: &Context,
    env: Envelope<doithoai_contracts::ConferenceOutcomeV1>,
) -> Result<(), ConsumeError> {
    let (ns, cal) = (cx.ns.as_str(), &cx.cal);
    let d = env.data;
    let Some(to) = d
        .forwarded_to
        .as_deref()
        .filter(|_| d.outcome == "forwarded")
    else {
        return Ok(());
    };
    let Some(a) = queries::assignment(conn, &d.registrant.petition_id.to_string()).await? else {
        return Err(ConsumeError::Transient(anyhow::anyhow!(
            "petition {} not routed yet",
            d.registrant.petition_id
        )));
    };
    if a.unit_code == to {
        return Ok(());
    }
    let Some((to_name, _)) = queries::holder(conn, to).await? else {
        tracing::warn!(petition = %a.petition_id, to, "conference forwarded {} to unknown body {to}: left for staff", a.petition_id);
        return Ok(());
    };
    let reason = format!("Chuyển theo kết luận hội nghị đối thoại \"{}\"", d.title);
    transfer_in(
        conn,
        ns,
        cal,
        a,
        to,
        &to_name,
        &reason,
        "conference",
        Utc::now(),
    )
    .await
    .map_err(ConsumeError::Transient)?;
    Ok(())
}
