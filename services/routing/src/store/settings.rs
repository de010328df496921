//! What city IT sets and the public reads: units, holidays, deadline policies, routing rules.

use super::schema::{
    deadline_policies as d, holidays, procedure_fields, routing_rules as r, units,
};
use crate::domain::policy::PolicyClass;
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

/// (day, Vietnamese name, English name) of every holiday, by day.
pub async fn holidays(
    conn: &mut AsyncPgConnection,
) -> QueryResult<Vec<(NaiveDate, String, String)>> {
    holidays::table
        .order(holidays::day)
        .select((holidays::day, holidays::name_vi, holidays::name_en))
        .load(conn)
        .await
}

pub async fn upsert_holiday(
    conn: &mut AsyncPgConnection,
    day: NaiveDate,
    name_vi: &str,
    name_en: &str,
) -> QueryResult<()> {
    diesel::insert_into(holidays::table)
        .values((
            holidays::day.eq(day),
            holidays::name_vi.eq(name_vi),
            holidays::name_en.eq(name_en),
        ))
        .on_conflict(holidays::day)
        .do_update()
        .set((holidays::name_vi.eq(name_vi), holidays::name_en.eq(name_en)))
        .execute(conn)
        .await
        .map(|_| ())
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
