//! A unit's residential groups (tổ dân phố, thôn), kept by the unit: the notice and the results
//! notice of its dialogues go to their heads.

use super::schema::residential_groups as g;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// A residential group and its head.
#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = g)]
pub struct Group {
    pub unit_code: String,
    pub code: String,
    pub name_vi: String,
    pub head_name: Option<String>,
    pub head_email: Option<String>,
    pub head_phone: Option<String>,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
}

impl Group {
    /// Whether a notice can reach its head.
    pub fn reachable(&self) -> bool {
        self.head_email.is_some() || self.head_phone.is_some()
    }
}

/// The unit's groups, by code.
pub async fn of_unit(conn: &mut AsyncPgConnection, unit: &str) -> QueryResult<Vec<Group>> {
    g::table
        .filter(g::unit_code.eq(unit))
        .order(g::code)
        .select(Group::as_select())
        .load(conn)
        .await
}

/// What a unit sets for one group.
pub struct NewGroup<'a> {
    pub unit: &'a str,
    pub code: &'a str,
    pub name_vi: &'a str,
    pub head_name: Option<&'a str>,
    pub head_email: Option<&'a str>,
    pub head_phone: Option<&'a str>,
    pub actor: &'a str,
}

/// Creates or replaces a group.
pub async fn upsert(conn: &mut AsyncPgConnection, n: NewGroup<'_>) -> QueryResult<Group> {
    diesel::insert_into(g::table)
        .values((
            g::unit_code.eq(n.unit),
            g::code.eq(n.code),
            g::name_vi.eq(n.name_vi),
            g::head_name.eq(n.head_name),
            g::head_email.eq(n.head_email),
            g::head_phone.eq(n.head_phone),
            g::updated_by.eq(n.actor),
        ))
        .on_conflict((g::unit_code, g::code))
        .do_update()
        .set((
            g::name_vi.eq(n.name_vi),
            g::head_name.eq(n.head_name),
            g::head_email.eq(n.head_email),
            g::head_phone.eq(n.head_phone),
            g::updated_by.eq(n.actor),
            g::updated_at.eq(diesel::dsl::now),
        ))
        .returning(Group::as_returning())
        .get_result(conn)
        .await
}

/// Whether the unit had the group.
pub async fn delete(conn: &mut AsyncPgConnection, unit: &str, code: &str) -> QueryResult<bool> {
    let n = diesel::delete(g::table.find((unit, code)))
        .execute(conn)
        .await?;
    Ok(n > 0)
}
