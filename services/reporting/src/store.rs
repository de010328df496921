//! Reads of the read model: the sums of a period by group, the petitions overdue now, the
//! conferences; and the bulk paths (rebuild the sums from the facts, generate a volume).

use crate::report::{BINS, Dimension, Period, Sums};
use crate::schema::conferences;
use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Double, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// What a report selects: a period, and optionally one unit, field and department.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    pub period: Period,
    pub unit: Option<String>,
    pub field: Option<String>,
    pub department: Option<String>,
}

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = Text)]
    key: String,
    #[diesel(sql_type = BigInt)]
    received: i64,
    #[diesel(sql_type = BigInt)]
    accepted: i64,
    #[diesel(sql_type = BigInt)]
    not_accepted: i64,
    #[diesel(sql_type = BigInt)]
    refused: i64,
    #[diesel(sql_type = BigInt)]
    transferred: i64,
    #[diesel(sql_type = BigInt)]
    on_time: i64,
    #[diesel(sql_type = BigInt)]
    late: i64,
    #[diesel(sql_type = Double)]
    answer_days: f64,
    #[diesel(sql_type = diesel::sql_types::Array<BigInt>)]
    bins: Vec<i64>,
    #[diesel(sql_type = BigInt)]
    rated: i64,
    #[diesel(sql_type = BigInt)]
    satisfied: i64,
    #[diesel(sql_type = BigInt)]
    score: i64,
}

const SUMS: &str = "sum(received)::int8 AS received, sum(accepted)::int8 AS accepted, \
    sum(not_accepted)::int8 AS not_accepted, sum(refused)::int8 AS refused, \
    sum(transferred)::int8 AS transferred, sum(on_time)::int8 AS on_time, \
    sum(late)::int8 AS late, coalesce(sum(answer_days), 0)::float8 AS answer_days, \
    ARRAY[sum(b0), sum(b1), sum(b2), sum(b3), sum(b4), sum(b5), sum(b6), sum(b7), sum(b8), \
    sum(b9), sum(b10), sum(b11)]::int8[] AS bins, \
    sum(rated)::int8 AS rated, sum(satisfied)::int8 AS satisfied, sum(score)::int8 AS score";

/// The sums of the selection, grouped by `by` (one row per key; the key is '' when `by` is
/// `None`). Whole months come from the monthly sums, the days at the period's edges from the
/// daily ones.
pub async fn sums(
    conn: &mut AsyncPgConnection,
    s: &Selection,
    by: Option<Dimension>,
) -> QueryResult<Vec<(String, Sums)>> {
    let split = s.period.split();
    let key = by.map_or("''", Dimension::sql);
    let (selected, values) = filters(s, 6);
    let filters = format!(" AND grain = {}{selected}", grain(s, by));
    let sql = format!(
        "SELECT {key} AS key, {SUMS} FROM ( \
           SELECT * FROM monthly WHERE day >= $1 AND day < $2{filters} \
           UNION ALL \
           SELECT * FROM daily WHERE ((day >= $3 AND day < $4) OR (day >= $5 AND day < $6)){filters} \
         ) r GROUP BY 1 ORDER BY 1"
    );
    let mut q = diesel::sql_query(sql)
        .into_boxed()
        .bind::<Date, _>(split.months.0)
        .bind::<Date, _>(split.months.1)
        .bind::<Date, _>(split.head.0)
        .bind::<Date, _>(split.head.1)
        .bind::<Date, _>(split.tail.0)
        .bind::<Date, _>(split.tail.1);
    for v in values {
        q = q.bind::<Text, _>(v);
    }
    let rows: Vec<Row> = q.load(conn).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let mut bins = [0i64; BINS];
            for (b, v) in bins.iter_mut().zip(r.bins) {
                *b = v;
            }
            (
                r.key,
                Sums {
                    received: r.received,
                    accepted: r.accepted,
                    not_accepted: r.not_accepted,
                    refused: r.refused,
                    transferred: r.transferred,
                    on_time: r.on_time,
                    late: r.late,
                    answer_days: r.answer_days,
                    bins,
                    rated: r.rated,
                    satisfied: r.satisfied,
                    score: r.score,
                },
            )
        })
        .collect())
}

/// The grain of the sums that answers `s` grouped by `by` with the fewest rows: 1 (by unit
/// only) when neither field nor department matters, 2 (the city's, by field and department)
/// when the unit does not, else 0 (everything).
fn grain(s: &Selection, by: Option<Dimension>) -> i16 {
    let unit = s.unit.is_some() || by == Some(Dimension::Unit);
    let detail = s.field.is_some()
        || s.department.is_some()
        || matches!(by, Some(Dimension::Field | Dimension::Department));
    match (unit, detail) {
        (true, false) => 1,
        (false, _) => 2,
        (true, true) => 0,
    }
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = Text)]
    key: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The open petitions past their due date at `now`, counted by `by` (not by month: they are
/// overdue now, whatever the period).
pub async fn overdue_counts(
    conn: &mut AsyncPgConnection,
    s: &Selection,
    by: Option<Dimension>,
    now: DateTime<Utc>,
) -> QueryResult<Vec<(String, i64)>> {
    let key = match by {
        Some(Dimension::Unit) => "unit",
        Some(Dimension::Field) => "coalesce(field, '')",
        Some(Dimension::Department) => "coalesce(department, '')",
        Some(Dimension::Month) | None => "''",
    };
    let (filters, values) = filters(s, 1);
    let sql = format!(
        "SELECT {key} AS key, count(*) AS n FROM petitions \
         WHERE outcome = 'accepted' AND answered_at IS NULL AND due_at IS NOT NULL \
           AND due_at < $1{filters} GROUP BY 1"
    );
    let mut q = diesel::sql_query(sql)
        .into_boxed()
        .bind::<Timestamptz, _>(now);
    for v in values {
        q = q.bind::<Text, _>(v);
    }
    let rows: Vec<Count> = q.load(conn).await?;
    Ok(rows.into_iter().map(|c| (c.key, c.n)).collect())
}

/// ` AND unit = $n …` for the selection's unit, field and department, numbered after `after`,
/// with their values in order.
fn filters(s: &Selection, after: usize) -> (String, Vec<String>) {
    let mut filters = String::new();
    let mut values = Vec::new();
    let mut n = after;
    for (column, value) in [
        ("unit", &s.unit),
        ("field", &s.field),
        ("department", &s.department),
    ] {
        if let Some(v) = value {
            n += 1;
            filters.push_str(&format!(" AND {column} = ${n}"));
            values.push(v.clone());
        }
    }
    (filters, values)
}

/// A petition overdue now.
#[derive(Debug, Clone, QueryableByName, serde::Serialize, utoipa::ToSchema)]
pub struct Overdue {
    #[diesel(sql_type = Text)]
    pub tracking_code: String,
    #[diesel(sql_type = Text)]
    pub unit: String,
    #[diesel(sql_type = Text)]
    pub department: String,
    #[diesel(sql_type = Text)]
    pub field: String,
    #[diesel(sql_type = Timestamptz)]
    pub due_at: DateTime<Utc>,
}

/// The `limit` petitions longest overdue at `now`.
pub async fn oldest_overdue(
    conn: &mut AsyncPgConnection,
    s: &Selection,
    now: DateTime<Utc>,
    limit: i64,
) -> QueryResult<Vec<Overdue>> {
    let (filters, values) = filters(s, 2);
    let sql = format!(
        "SELECT coalesce(tracking_code, '') AS tracking_code, unit, \
                coalesce(department, '') AS department, coalesce(field, '') AS field, due_at \
         FROM petitions \
         WHERE outcome = 'accepted' AND answered_at IS NULL AND due_at IS NOT NULL \
           AND due_at < $1{filters} ORDER BY due_at LIMIT $2"
    );
    let mut q = diesel::sql_query(sql)
        .into_boxed()
        .bind::<Timestamptz, _>(now)
        .bind::<BigInt, _>(limit);
    for v in values {
        q = q.bind::<Text, _>(v);
    }
    q.load(conn).await
}

/// A conference as the compliance rule reads it.
#[derive(Debug, Clone, Queryable)]
pub struct ConferenceRow {
    pub unit: String,
    pub starts_at: DateTime<Utc>,
    pub notice_published_at: Option<DateTime<Utc>>,
    pub minutes_published_at: Option<DateTime<Utc>>,
    pub results_published_at: Option<DateTime<Utc>>,
}

/// The conferences not called off, of one unit or all.
pub async fn conferences(
    conn: &mut AsyncPgConnection,
    unit: Option<&str>,
) -> QueryResult<Vec<ConferenceRow>> {
    let mut q = conferences::table
        .filter(conferences::status.ne("cancelled"))
        .select((
            conferences::unit,
            conferences::starts_at,
            conferences::notice_published_at,
            conferences::minutes_published_at,
            conferences::results_published_at,
        ))
        .into_boxed();
    if let Some(u) = unit {
        q = q.filter(conferences::unit.eq(u.to_owned()));
    }
    q.load(conn).await
}

/// Recomputes the daily and monthly sums from the facts.
pub async fn rebuild_sums(conn: &mut AsyncPgConnection) -> QueryResult<()> {
    diesel::sql_query("SELECT rebuild_sums()")
        .execute(conn)
        .await
        .map(|_| ())
}
