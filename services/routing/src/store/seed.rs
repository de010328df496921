//! Loads the reference data from the project's `data/` (compiled in) into routing's tables,
//! inserting what is missing and leaving rows city IT already has untouched (`ON CONFLICT DO
//! NOTHING`), so a restart never undoes an edit.

use super::schema::{content_types, departments, holidays, procedure_fields, units};
use crate::domain::policy::DayKind;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

const UNITS: &str = include_str!("../../../../data/hanoi-units.csv");
const DEPARTMENTS: &str = include_str!("../../../../data/departments.csv");
const FIELDS: &str = include_str!("../../../../data/procedure-fields.csv");
const CONTENT_TYPES: &str = include_str!("../../../../data/content-types.csv");
/// One file a year (`date,name_vi,name_en,note[,kind,provisional]`): a year the Government has
/// not fixed yet is marked provisional, for city IT to confirm or correct.
const HOLIDAYS: &[&str] = &[
    include_str!("../../../../data/holidays-2026.csv"),
    include_str!("../../../../data/holidays-2027.csv"),
];

fn rows(text: &str) -> anyhow::Result<Vec<Vec<String>>> {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    r.records()
        .map(|rec| Ok(rec?.iter().map(str::to_owned).collect()))
        .collect()
}

fn col(row: &[String], i: usize) -> anyhow::Result<String> {
    row.get(i)
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("reference row {row:?} has no column {i}"))
}

/// How many rows of each table the seed inserted.
#[derive(Debug, Default)]
pub struct Seeded {
    pub units: usize,
    pub departments: usize,
    pub fields: usize,
    pub content_types: usize,
    pub holidays: usize,
}

pub async fn seed(conn: &mut AsyncPgConnection) -> anyhow::Result<Seeded> {
    let unit_rows = rows(UNITS)?
        .iter()
        .map(|r| {
            Ok((
                units::code.eq(col(r, 0)?),
                units::name_vi.eq(col(r, 1)?),
                units::kind_vi.eq(col(r, 2)?),
                units::kind_en.eq(col(r, 3)?),
                units::parent.eq(col(r, 4)?),
            ))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let dept_rows = rows(DEPARTMENTS)?
        .iter()
        .map(|r| {
            let applies: Vec<String> = col(r, 3)?.split(';').map(|s| s.trim().to_owned()).collect();
            Ok((
                departments::code.eq(col(r, 0)?),
                departments::name_vi.eq(col(r, 1)?),
                departments::name_en.eq(col(r, 2)?),
                departments::applies_to.eq(applies),
                departments::handles.eq(col(r, 4)?),
            ))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let field_rows = rows(FIELDS)?
        .iter()
        .map(|r| {
            Ok((
                procedure_fields::code.eq(col(r, 0)?),
                procedure_fields::name_vi.eq(col(r, 1)?),
                procedure_fields::name_en.eq(col(r, 2)?),
                procedure_fields::default_department_ward.eq(col(r, 3)?),
                procedure_fields::default_department_commune.eq(col(r, 4)?),
            ))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let ct_rows = rows(CONTENT_TYPES)?
        .iter()
        .map(|r| {
            Ok((
                content_types::code.eq(col(r, 0)?.parse::<i16>()?),
                content_types::name_vi.eq(col(r, 1)?),
                content_types::name_en.eq(col(r, 2)?),
            ))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut holiday_rows = Vec::new();
    for file in HOLIDAYS {
        for r in rows(file)? {
            let note = col(&r, 3)?;
            let kind = match r.get(4).map(String::as_str) {
                None | Some("") => DayKind::Holiday,
                Some(k) => DayKind::parse(k)
                    .ok_or_else(|| anyhow::anyhow!("holiday row {r:?}: unknown kind {k}"))?,
            };
            let provisional = r.get(5).is_some_and(|p| p == "true");
            holiday_rows.push((
                holidays::day.eq(chrono::NaiveDate::parse_from_str(&col(&r, 0)?, "%Y-%m-%d")?),
                holidays::name_vi.eq(col(&r, 1)?),
                holidays::name_en.eq(col(&r, 2)?),
                holidays::note.eq((!note.is_empty()).then_some(note)),
                holidays::kind.eq(kind),
                holidays::provisional.eq(provisional),
            ));
        }
    }

    let seeded = conn
        .transaction::<Seeded, diesel::result::Error, _>(async |conn| {
            Ok(Seeded {
                units: diesel::insert_into(units::table)
                    .values(&unit_rows)
                    .on_conflict_do_nothing()
                    .execute(conn)
                    .await?,
                departments: diesel::insert_into(departments::table)
                    .values(&dept_rows)
                    .on_conflict_do_nothing()
                    .execute(conn)
                    .await?,
                fields: diesel::insert_into(procedure_fields::table)
                    .values(&field_rows)
                    .on_conflict_do_nothing()
                    .execute(conn)
                    .await?,
                content_types: diesel::insert_into(content_types::table)
                    .values(&ct_rows)
                    .on_conflict_do_nothing()
                    .execute(conn)
                    .await?,
                holidays: diesel::insert_into(holidays::table)
                    .values(&holiday_rows)
                    .on_conflict_do_nothing()
                    .execute(conn)
                    .await?,
            })
        })
        .await?;
    Ok(seeded)
}

#[cfg(test)]
mod bodies_tests {
    /// The city bodies routing transfers to are the ones whose staff may hold tokens.
    #[test]
    fn the_bodies_table_holds_the_city_bodies_tokens_may_name() {
        let sql = include_str!("../../migrations/2026-11-22-000002_routing/up.sql");
        let start = sql.find("INSERT INTO bodies").unwrap();
        let end = start + sql[start..].find(';').unwrap();
        let mut in_sql: Vec<&str> = sql[start..end]
            .lines()
            .filter_map(|l| l.trim().strip_prefix("('"))
            .filter_map(|l| l.split('\'').next())
            .collect();
        let mut in_csv: Vec<&str> = doithoai_auth::city_bodies().collect();
        in_sql.sort();
        in_csv.sort();
        assert_eq!(in_sql, in_csv);
        assert_eq!(in_csv.len(), 11);
    }
}
