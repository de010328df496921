//! What city IT sets and the public reads: units, holidays and make-up working days, office
//! hours, deadline policies, routing rules.

use super::schema::{
    deadline_policies as d, holidays, office_hours, procedure_fields, routing_rules as r, units,
};
use crate::domain::policy::{DayKind, PolicyClass};
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// (code, Vietnamese name, kind) of every unit, by code.
pub async fn units(conn: &mut AsyncPgConnection) -> QueryResult<Vec<(String, String, String)>> {
    units::table
        .order(units::code)
        .select((units::code, units::name_vi, units::kind_en))
        .load(conn)
        .await
}

/// (code, name) of every city body a unit may transfer a petition to, by code.
pub async fn bodies(conn: &mut AsyncPgConnection) -> QueryResult<Vec<(String, String)>> {
    use super::schema::bodies;
    bodies::table
        .order(bodies::code)
        .select((bodies::code, bodies::name_vi))
        .load(conn)
        .await
}

/// (code, Vietnamese name, English name, kinds of unit it exists in) of every department.
pub async fn departments(
    conn: &mut AsyncPgConnection,
) -> QueryResult<Vec<(String, String, String, Vec<String>)>> {
    use super::schema::departments;
    departments::table
        .order(departments::code)
        .select((
            departments::code,
            departments::name_vi,
            departments::name_en,
            departments::applies_to,
        ))
        .load(conn)
        .await
}

/// A day of the calendar as city IT keeps it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = holidays)]
pub struct Day {
    pub day: NaiveDate,
    pub name_vi: String,
    pub name_en: String,
    pub note: Option<String>,
    pub kind: DayKind,
    /// Not yet fixed by the Government's decision for that year.
    pub provisional: bool,
}

/// Every holiday and make-up working day, by day.
pub async fn holidays(conn: &mut AsyncPgConnection) -> QueryResult<Vec<Day>> {
    holidays::table
        .order(holidays::day)
        .select(Day::as_select())
        .load(conn)
        .await
}

/// Sets a day (a holiday or a make-up working day), keeping any note city IT wrote.
pub async fn upsert_holiday(
    conn: &mut AsyncPgConnection,
    day: NaiveDate,
    (name_vi, name_en): (&str, &str),
    kind: DayKind,
    provisional: bool,
) -> QueryResult<()> {
    diesel::insert_into(holidays::table)
        .values((
            holidays::day.eq(day),
            holidays::name_vi.eq(name_vi),
            holidays::name_en.eq(name_en),
            holidays::kind.eq(kind),
            holidays::provisional.eq(provisional),
        ))
        .on_conflict(holidays::day)
        .do_update()
        .set((
            holidays::name_vi.eq(name_vi),
            holidays::name_en.eq(name_en),
            holidays::kind.eq(kind),
            holidays::provisional.eq(provisional),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// (unit code or `*`, sessions) of every office-hours row, the city's first.
pub async fn office_hours(conn: &mut AsyncPgConnection) -> QueryResult<Vec<(String, String)>> {
    office_hours::table
        .order(office_hours::unit_code)
        .select((office_hours::unit_code, office_hours::sessions))
        .load(conn)
        .await
}

/// Sets the office hours of `unit` (`*`: the city's default).
pub async fn upsert_office_hours(
    conn: &mut AsyncPgConnection,
    unit: &str,
    sessions: &str,
    actor: &str,
) -> QueryResult<()> {
    diesel::insert_into(office_hours::table)
        .values((
            office_hours::unit_code.eq(unit),
            office_hours::sessions.eq(sessions),
            office_hours::updated_by.eq(actor),
        ))
        .on_conflict(office_hours::unit_code)
        .do_update()
        .set((
            office_hours::sessions.eq(sessions),
            office_hours::updated_by.eq(actor),
            office_hours::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Whether `unit` kept office hours of its own (now back to the city's).
pub async fn delete_office_hours(conn: &mut AsyncPgConnection, unit: &str) -> QueryResult<bool> {
    let n = diesel::delete(office_hours::table.find(unit))
        .execute(conn)
        .await?;
    Ok(n > 0)
}

/// Whether a holiday was there to delete.
pub async fn delete_holiday(conn: &mut AsyncPgConnection, day: NaiveDate) -> QueryResult<bool> {
    let n = diesel::delete(holidays::table.find(day))
        .execute(conn)
        .await?;
    Ok(n > 0)
}

/// A deadline policy as stored: (unit or `None` for the city default, class, working days,
/// working hours, review required).
pub type PolicyRow = (Option<String>, String, Option<i32>, Option<i32>, bool);

pub async fn policies(conn: &mut AsyncPgConnection) -> QueryResult<Vec<PolicyRow>> {
    d::table
        .select((
            d::unit_code,
            d::class,
            d::working_days,
            d::working_hours,
            d::review_required,
        ))
        .load(conn)
        .await
}

pub async fn upsert_policy(
    conn: &mut AsyncPgConnection,
    unit: Option<&str>,
    class: PolicyClass,
    (days, hours): (Option<i32>, Option<i32>),
    review: bool,
) -> QueryResult<()> {
    diesel::insert_into(d::table)
        .values((
            d::unit_code.eq(unit),
            d::class.eq(class),
            d::working_days.eq(days),
            d::working_hours.eq(hours),
            d::review_required.eq(review),
        ))
        .on_conflict((d::unit_code, d::class))
        .do_update()
        .set((
            d::working_days.eq(days),
            d::working_hours.eq(hours),
            d::review_required.eq(review),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// A routing rule as stored: (unit or `None` for every unit, field, content type, department).
pub type RuleRow = (Option<String>, String, Option<i16>, String);

pub async fn rules(conn: &mut AsyncPgConnection) -> QueryResult<Vec<RuleRow>> {
    r::table
        .select((
            r::unit_code,
            r::field_code,
            r::content_type,
            r::department_code,
        ))
        .load(conn)
        .await
}

pub async fn field_exists(conn: &mut AsyncPgConnection, code: &str) -> QueryResult<bool> {
    let n: i64 = procedure_fields::table
        .filter(procedure_fields::code.eq(code))
        .count()
        .get_result(conn)
        .await?;
    Ok(n > 0)
}

pub async fn upsert_rule(conn: &mut AsyncPgConnection, rule: &RuleRow) -> QueryResult<()> {
    let (unit, field, content_type, department) = rule;
    diesel::insert_into(r::table)
        .values((
            r::unit_code.eq(unit),
            r::field_code.eq(field),
            r::content_type.eq(content_type),
            r::department_code.eq(department),
        ))
        .on_conflict((r::unit_code, r::field_code, r::content_type))
        .do_update()
        .set(r::department_code.eq(department))
        .execute(conn)
        .await
        .map(|_| ())
}
