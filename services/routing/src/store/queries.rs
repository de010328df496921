//! Routing's reads and writes.

use super::schema::{
    assignments, bodies, deadline_policies, departments, holidays, procedure_fields,
    routing_history, routing_rules, units,
};
use crate::domain::calendar::{Calendar, OfficeHours, Span};
use crate::domain::policy::DayKind;
use crate::domain::policy::PolicyClass;
use crate::domain::rules::{self, Rule};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use doithoai_db::{Prepared, column};
use uuid::Uuid;

/// The working-day calendar as city IT keeps it: holidays, make-up working days, office hours
/// (the city's, `*`, and each unit's own) and the deadline lengths of `deadline_policies`.
pub async fn calendar(conn: &mut AsyncPgConnection) -> QueryResult<Calendar> {
    use super::schema::office_hours;
    let days: Vec<(NaiveDate, DayKind)> = holidays::table
        .select((holidays::day, holidays::kind))
        .load(conn)
        .await?;
    let hours: Vec<(String, String)> = office_hours::table
        .select((office_hours::unit_code, office_hours::sessions))
        .load(conn)
        .await?;
    let mut city = OfficeHours::default();
    let mut units = Vec::new();
    for (unit, text) in hours {
        // Stored only after `OfficeHours::parse` accepted it.
        let Some(h) = OfficeHours::parse(&text) else {
            continue;
        };
        if unit == CITY_HOURS {
            city = h;
        } else {
            units.push((unit, h));
        }
    }
    let (off, worked): (Vec<_>, Vec<_>) = days
        .into_iter()
        .partition(|(_, kind)| *kind == DayKind::Holiday);
    type PolicyRow = (Option<String>, String, Option<i32>, Option<i32>);
    let policies: Vec<PolicyRow> = deadline_policies::table
        .select((
            deadline_policies::unit_code,
            deadline_policies::class,
            deadline_policies::working_days,
            deadline_policies::working_hours,
        ))
        .load(conn)
        .await?;
    let deadlines = policies
        .into_iter()
        .filter_map(|(unit, class, days, hours)| {
            let span = match (days, hours) {
                (Some(d), _) => Span::WorkingDays(u32::try_from(d).ok()?),
                (None, Some(h)) => Span::WorkingHours(u32::try_from(h).ok()?),
                (None, None) => return None,
            };
            Some((unit.unwrap_or_else(|| CITY_HOURS.to_owned()), class, span))
        });
    Ok(Calendar::new(off.into_iter().map(|(d, _)| d), city)
        .with_working_days(worked.into_iter().map(|(d, _)| d))
        .with_unit_hours(units)
        .with_deadlines(deadlines))
}

/// The `office_hours` row of the city's default.
pub const CITY_HOURS: &str = "*";

/// A unit's name and kind (`ward` / `commune`), or a body's name (kind `body`).
pub async fn holder(
    conn: &mut AsyncPgConnection,
    code: &str,
) -> QueryResult<Option<(String, String)>> {
    let unit: Option<(String, String)> = units::table
        .filter(units::code.eq(code))
        .select((units::name_vi, units::kind_en))
        .first(conn)
        .await
        .optional()?;
    if unit.is_some() {
        return Ok(unit);
    }
    Ok(bodies::table
        .filter(bodies::code.eq(code))
        .select(bodies::name_vi)
        .first::<String>(conn)
        .await
        .optional()?
        .map(|n| (n, "body".to_owned())))
}

pub async fn department_name(
    conn: &mut AsyncPgConnection,
    code: &str,
) -> QueryResult<Option<String>> {
    departments::table
        .filter(departments::code.eq(code))
        .select(departments::name_vi)
        .first(conn)
        .await
        .optional()
}

/// Departments a unit of `kind` has.
pub async fn departments_for(conn: &mut AsyncPgConnection, kind: &str) -> QueryResult<Vec<String>> {
    let all: Vec<(String, Vec<String>)> = departments::table
        .select((departments::code, departments::applies_to))
        .load(conn)
        .await?;
    Ok(all
        .into_iter()
        .filter(|(_, a)| a.iter().any(|k| k == kind))
        .map(|(c, _)| c)
        .collect())
}

/// The department for a submission: the most specific rule, else the field's default for the
/// unit's kind.
pub async fn decide_department(
    conn: &mut AsyncPgConnection,
    unit: &str,
    kind: &str,
    field: &str,
    content_type: Option<i16>,
) -> QueryResult<Option<String>> {
    let rows: Vec<(Option<String>, String, Option<i16>, String)> = routing_rules::table
        .filter(routing_rules::field_code.eq(field))
        .select((
            routing_rules::unit_code,
            routing_rules::field_code,
            routing_rules::content_type,
            routing_rules::department_code,
        ))
        .load(conn)
        .await?;
    let rules: Vec<Rule> = rows
        .into_iter()
        .map(|(unit, field, content_type, department)| Rule {
            unit,
            field,
            content_type,
            department,
        })
        .collect();
    if let Some(r) = rules::pick(&rules, unit, field, content_type) {
        return Ok(Some(r.department.clone()));
    }
    let defaults: Option<(String, String)> = procedure_fields::table
        .filter(procedure_fields::code.eq(field))
        .select((
            procedure_fields::default_department_ward,
            procedure_fields::default_department_commune,
        ))
        .first(conn)
        .await
        .optional()?;
    Ok(defaults.map(|(ward, commune)| if kind == "commune" { commune } else { ward }))
}

/// The unit's policy for `class`, else the city default.
pub async fn policy(
    conn: &mut AsyncPgConnection,
    unit: &str,
    class: PolicyClass,
) -> QueryResult<Span> {
    let rows: Vec<(Option<String>, Option<i32>, Option<i32>)> = deadline_policies::table
        .filter(deadline_policies::class.eq(class))
        .filter(
            deadline_policies::unit_code
                .eq(unit)
                .or(deadline_policies::unit_code.is_null()),
        )
        .select((
            deadline_policies::unit_code,
            deadline_policies::working_days,
            deadline_policies::working_hours,
        ))
        .load(conn)
        .await?;
    let best = rows.iter().max_by_key(|(u, _, _)| u.is_some());
    Ok(match best {
        Some((_, Some(d), _)) => Span::WorkingDays(*d as u32),
        Some((_, None, Some(h))) => Span::WorkingHours(*h as u32),
        _ => Span::WorkingDays(15),
    })
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = assignments)]
pub struct Assignment {
    pub petition_id: Uuid,
    pub tracking_code: String,
    pub origin_unit: String,
    pub unit_code: String,
    pub department_code: String,
    pub received_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub status: crate::domain::status::AssignmentStatus,
    pub petition: String,
}

/// By petition id or tracking code (any spelling).
pub async fn assignment(
    conn: &mut AsyncPgConnection,
    key: &str,
) -> QueryResult<Option<Assignment>> {
    if let Ok(id) = Uuid::parse_str(key) {
        return assignments::table
            .find(id)
            .select(Assignment::as_select())
            .first(conn)
            .await
            .optional();
    }
    let formatted = doithoai_web::input::tracking_code(key);
    assignments::table
        .filter(assignments::tracking_code.eq(formatted))
        .select(Assignment::as_select())
        .first(conn)
        .await
        .optional()
}

#[allow(clippy::too_many_arguments)]
/// Locks the assignment until the transaction ends and says whether it is still as `a` was
/// read (same holder, department and status) and still open to triage: a staff action applies
/// only to what its author saw, so two actions sent together cannot both apply.
pub async fn still_as(conn: &mut AsyncPgConnection, a: &Assignment) -> QueryResult<bool> {
    type Now = (
        String,
        String,
        crate::domain::status::AssignmentStatus,
        DateTime<Utc>,
    );
    let now: Option<Now> = assignments::table
        .find(a.petition_id)
        .select((
            assignments::unit_code,
            assignments::department_code,
            assignments::status,
            assignments::due_at,
        ))
        .for_update()
        .first(conn)
        .await
        .optional()?;
    Ok(now.is_some_and(|(unit, department, status, due_at)| {
        unit == a.unit_code
            && department == a.department_code
            && status == a.status
            && due_at == a.due_at
            && status.open_for_triage()
    }))
}

pub async fn record(
    conn: &mut AsyncPgConnection,
    a: &Assignment,
    actor: &str,
    action: &str,
    from_unit: Option<&str>,
    reason: Option<&str>,
) -> QueryResult<()> {
    upsert(conn, &[a]).await?;
    triaged(conn, a.petition_id).await?;
    diesel::insert_into(routing_history::table)
        .values((
            routing_history::petition_id.eq(a.petition_id),
            routing_history::actor.eq(actor),
            routing_history::action.eq(action),
            routing_history::from_unit.eq(from_unit),
            routing_history::to_unit.eq(&a.unit_code),
            routing_history::department.eq(&a.department_code),
            routing_history::reason.eq(reason),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, Queryable, serde::Serialize)]
pub struct HistoryRow {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub from_unit: Option<String>,
    pub to_unit: String,
    pub department: String,
    pub reason: Option<String>,
}

pub async fn history(
    conn: &mut AsyncPgConnection,
    petition_id: Uuid,
) -> QueryResult<Vec<HistoryRow>> {
    routing_history::table
        .filter(routing_history::petition_id.eq(petition_id))
        .order(routing_history::seq)
        .select((
            routing_history::at,
            routing_history::actor,
            routing_history::action,
            routing_history::from_unit,
            routing_history::to_unit,
            routing_history::department,
            routing_history::reason,
        ))
        .load(conn)
        .await
}

/// Whether the unit's answer policy (else the city default) asks a head to review drafts.
pub async fn review_required(conn: &mut AsyncPgConnection, unit: &str) -> QueryResult<bool> {
    let rows: Vec<(Option<String>, bool)> = deadline_policies::table
        .filter(deadline_policies::class.eq(PolicyClass::Answer))
        .filter(
            deadline_policies::unit_code
                .eq(unit)
                .or(deadline_policies::unit_code.is_null()),
        )
        .select((
            deadline_policies::unit_code,
            deadline_policies::review_required,
        ))
        .load(conn)
        .await?;
    Ok(rows
        .iter()
        .max_by_key(|(u, _)| u.is_some())
        .map(|(_, r)| *r)
        .unwrap_or(false))
}

/// Records the first assignment of many petitions and their history rows: two statements for
/// the whole batch (a petition seen twice keeps its last row).
pub async fn record_initial_many(
    conn: &mut AsyncPgConnection,
    batch: &[Assignment],
) -> QueryResult<()> {
    if batch.is_empty() {
        return Ok(());
    }
    let mut seen = std::collections::HashSet::new();
    let unique: Vec<&Assignment> = batch
        .iter()
        .rev()
        .filter(|a| seen.insert(a.petition_id))
        .collect();
    upsert(conn, &unique).await?;
    use diesel::sql_types::{Array, Text, Uuid as SqlUuid};
    Prepared(
        diesel::sql_query(
            "INSERT INTO routing_history (petition_id, actor, action, to_unit, department) \
             SELECT id, 'system', 'initial', unit, department \
             FROM unnest($1::uuid[], $2::text[], $3::text[]) AS u(id, unit, department)",
        )
        .bind::<Array<SqlUuid>, _>(column(&unique, |a| a.petition_id))
        .bind::<Array<Text>, _>(column(&unique, |a| a.unit_code.as_str()))
        .bind::<Array<Text>, _>(column(&unique, |a| a.department_code.as_str())),
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Inserts assignments, or moves existing ones (unit, department, due date, status) to the
/// values given: one statement for all of them.
async fn upsert(conn: &mut AsyncPgConnection, batch: &[&Assignment]) -> QueryResult<()> {
    use diesel::sql_types::{Array, Text, Timestamptz, Uuid as SqlUuid};
    // Arrays, not a multi-row VALUES: one statement text for every batch size, kept prepared.
    Prepared(
        diesel::sql_query(
            "INSERT INTO assignments (petition_id, tracking_code, origin_unit, unit_code, \
                 department_code, received_at, due_at, status, petition) \
             SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], \
                 $6::timestamptz[], $7::timestamptz[], $8::text[], $9::text[]) \
             ON CONFLICT (petition_id) DO UPDATE SET unit_code = excluded.unit_code, \
                 department_code = excluded.department_code, due_at = excluded.due_at, \
                 status = excluded.status, updated_at = now()",
        )
        .bind::<Array<SqlUuid>, _>(column(batch, |a| a.petition_id))
        .bind::<Array<Text>, _>(column(batch, |a| a.tracking_code.as_str()))
        .bind::<Array<Text>, _>(column(batch, |a| a.origin_unit.as_str()))
        .bind::<Array<Text>, _>(column(batch, |a| a.unit_code.as_str()))
        .bind::<Array<Text>, _>(column(batch, |a| a.department_code.as_str()))
        .bind::<Array<Timestamptz>, _>(column(batch, |a| a.received_at))
        .bind::<Array<Timestamptz>, _>(column(batch, |a| a.due_at))
        .bind::<Array<Text>, _>(column(batch, |a| a.status.as_str()))
        .bind::<Array<Text>, _>(column(batch, |a| a.petition.as_str())),
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Records a petition's triage deadline (for the watch), in the consumer's transaction.
pub async fn open_triage(
    conn: &mut AsyncPgConnection,
    rows: &[(Uuid, String, String, DateTime<Utc>)],
) -> QueryResult<()> {
    use diesel::sql_types::{Array, Text, Timestamptz, Uuid as SqlUuid};
    if rows.is_empty() {
        return Ok(());
    }
    Prepared(
        diesel::sql_query(
            "INSERT INTO triage_deadlines (petition_id, unit_code, tracking_code, due_at) \
             SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[]) \
             ON CONFLICT DO NOTHING",
        )
        .bind::<Array<SqlUuid>, _>(column(rows, |r| r.0))
        .bind::<Array<Text>, _>(column(rows, |r| r.1.as_str()))
        .bind::<Array<Text>, _>(column(rows, |r| r.2.as_str()))
        .bind::<Array<Timestamptz>, _>(column(rows, |r| r.3)),
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The petition was triaged (a staff action on it, or its answer): its deadline is met.
pub async fn triaged(conn: &mut AsyncPgConnection, petition_id: Uuid) -> QueryResult<()> {
    use super::schema::triage_deadlines as t;
    diesel::update(t::table.find(petition_id).filter(t::triaged_at.is_null()))
        .set(t::triaged_at.eq(diesel::dsl::now))
        .execute(conn)
        .await?;
    Ok(())
}

/// A petition's triage deadline and when it was triaged, if it has one.
pub async fn triage_of(
    conn: &mut AsyncPgConnection,
    petition_id: Uuid,
) -> QueryResult<Option<(DateTime<Utc>, Option<DateTime<Utc>>)>> {
    use super::schema::triage_deadlines as t;
    t::table
        .find(petition_id)
        .select((t::due_at, t::triaged_at))
        .first(conn)
        .await
        .optional()
}
