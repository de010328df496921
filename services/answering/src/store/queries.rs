//! The queries behind answering's pages: a unit's inbox, a case's history, published answers
//! and their search, ratings.

use super::schema::{case_history, cases, ratings};
use crate::domain::status::CaseStatus;
use crate::flow::Case;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use doithoai_web::cursor::Cursor;
use uuid::Uuid;

/// A unit's cases, soonest due first, `limit` at a time after `after` (keyset on due date and
/// petition id): of one department when named, open ones unless `include_answered`.
pub async fn inbox(
    conn: &mut AsyncPgConnection,
    unit: &str,
    department: Option<&str>,
    include_answered: bool,
    after: Option<Cursor>,
    limit: i64,
) -> QueryResult<Vec<Case>> {
    let mut query = cases::table
        .filter(cases::unit_code.eq(unit))
        .select(Case::as_select())
        .order((cases::due_at.asc(), cases::petition_id.asc()))
        .limit(limit)
        .into_boxed();
    if let Some(d) = department {
        query = query.filter(cases::department_code.eq(d.to_owned()));
    }
    if !include_answered {
        query = query.filter(cases::status.ne_all(CaseStatus::CLOSED));
    }
    if let Some(c) = after {
        query = query.filter(
            cases::due_at
                .gt(c.at)
                .or(cases::due_at.eq(c.at).and(cases::petition_id.gt(c.id))),
        );
    }
    query.load(conn).await
}

/// How many of a unit's open cases (of one department when named) are past due.
pub async fn overdue_count(
    conn: &mut AsyncPgConnection,
    unit: &str,
    department: Option<&str>,
    now: DateTime<Utc>,
) -> QueryResult<i64> {
    let mut query = cases::table
        .filter(cases::unit_code.eq(unit))
        .filter(cases::status.ne_all(CaseStatus::CLOSED))
        .filter(cases::due_at.lt(now))
        .count()
        .into_boxed();
    if let Some(d) = department {
        query = query.filter(cases::department_code.eq(d.to_owned()));
    }
    query.get_result(conn).await
}

/// A case's history: (at, actor, action, note), oldest first.
pub async fn history(
    conn: &mut AsyncPgConnection,
    petition_id: Uuid,
) -> QueryResult<Vec<(DateTime<Utc>, String, String, Option<String>)>> {
    case_history::table
        .filter(case_history::petition_id.eq(petition_id))
        .order(case_history::seq)
        .select((
            case_history::at,
            case_history::actor,
            case_history::action,
            case_history::note,
        ))
        .load(conn)
        .await
}

/// What the public sees of an answer: the redacted question and answer, never the submitter.
#[derive(Debug, Queryable, QueryableByName, Selectable, serde::Serialize)]
#[diesel(table_name = cases)]
pub struct PublicAnswer {
    #[serde(skip)]
    pub petition_id: Uuid,
    pub tracking_code: String,
    #[serde(rename = "unit")]
    pub unit_code: String,
    pub unit_name: String,
    #[serde(rename = "field")]
    pub field_code: String,
    #[serde(rename = "title")]
    pub public_title: Option<String>,
    #[serde(rename = "question")]
    pub public_question: Option<String>,
    #[serde(rename = "answer")]
    pub public_answer: Option<String>,
    pub official_number: Option<String>,
    #[serde(serialize_with = "millis")]
    pub published_at: Option<DateTime<Utc>>,
}

fn millis<S: serde::Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&doithoai_web::text::ts(*t)),
        None => s.serialize_none(),
    }
}

/// Published cases by tracking code (in any spelling); a petition id never finds one, so the
/// public cannot probe by internal ids.
fn published_by_code(key: &str) -> cases::BoxedQuery<'static, diesel::pg::Pg> {
    cases::table
        .filter(cases::tracking_code.eq(doithoai_web::input::tracking_code(key)))
        .filter(cases::published_at.is_not_null())
        .into_boxed()
}

/// The public view of the answer published under `code`.
pub async fn public_answer(
    conn: &mut AsyncPgConnection,
    code: &str,
) -> QueryResult<Option<PublicAnswer>> {
    published_by_code(code)
        .select(PublicAnswer::as_select())
        .first(conn)
        .await
        .optional()
}

/// The case published under `code`, with its submitter (for rating).
pub async fn published_case(conn: &mut AsyncPgConnection, code: &str) -> QueryResult<Option<Case>> {
    published_by_code(code)
        .select(Case::as_select())
        .first(conn)
        .await
        .optional()
}

/// Published answers, newest first: of a unit and field when named, every folded word of
/// `words` (at most 8) in the folded text.
pub async fn search(
    conn: &mut AsyncPgConnection,
    unit: Option<&str>,
    field: Option<&str>,
    before: Option<Cursor>,
    limit: i64,
) -> QueryResult<Vec<PublicAnswer>> {
    let mut query = cases::table
        .filter(cases::published_at.is_not_null())
        .select(PublicAnswer::as_select())
        .order((cases::published_at.desc(), cases::petition_id.desc()))
        .limit(limit)
        .into_boxed();
    if let Some(c) = before {
        query = query.filter(
            cases::published_at.lt(c.at).or(cases::published_at
                .eq(c.at)
                .and(cases::petition_id.lt(c.id))),
        );
    }
    if let Some(u) = unit {
        query = query.filter(cases::unit_code.eq(u.to_owned()));
    }
    if let Some(f) = field {
        query = query.filter(cases::field_code.eq(f.to_owned()));
    }
    query.load(conn).await
}

/// Full-text search of the published answers (`tsquery`: [`crate::domain::search::tsquery`]),
/// best match first (`ts_rank_cd`: how many of the words, how close together), then newest;
/// `limit` from `offset`. The GIN index over `search_vector` finds the matches. Among many
/// matches only the newest [`RANKED_AT_MOST`] are ranked, so a query of common words costs
/// the same as a rare one.
pub async fn full_text(
    conn: &mut AsyncPgConnection,
    unit: Option<&str>,
    field: Option<&str>,
    tsquery: &str,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<PublicAnswer>> {
    use diesel::sql_types::{BigInt, Nullable, Text};
    // The tsquery stays a plain parameter (not a CTE) so the planner sees how common its
    // words are: for common ones it walks the newest answers and stops at the cap; for rare
    // ones it asks the GIN index.
    diesel::sql_query(
        "SELECT c.petition_id, c.tracking_code, c.unit_code, c.unit_name, c.field_code, \
                c.public_title, c.public_question, c.public_answer, c.official_number, c.published_at \
         FROM ( \
           SELECT petition_id, published_at, search_vector FROM cases \
           WHERE published_at IS NOT NULL AND search_vector @@ to_tsquery('simple', $1) \
             AND ($2::text IS NULL OR unit_code = $2) \
             AND ($3::text IS NULL OR field_code = $3) \
           ORDER BY published_at DESC, petition_id DESC LIMIT $6) h \
         JOIN cases c USING (petition_id) \
         ORDER BY ts_rank_cd(h.search_vector, to_tsquery('simple', $1)) DESC, \
                  h.published_at DESC, c.petition_id DESC \
         OFFSET $4 LIMIT $5",
    )
    .bind::<Text, _>(tsquery)
    .bind::<Nullable<Text>, _>(unit)
    .bind::<Nullable<Text>, _>(field)
    .bind::<BigInt, _>(offset)
    .bind::<BigInt, _>(limit)
    .bind::<BigInt, _>(RANKED_AT_MOST)
    .load(conn)
    .await
}

/// Matches ranked at most, newest first (see [`full_text`]).
pub const RANKED_AT_MOST: i64 = 1_000;

/// Stores the one rating a published case may get, if `token_hash` is its unused rating
/// token: the token is cleared in the same transaction, so a token rates once. `false` for any
/// failure (not published, wrong or used token), all alike.
pub async fn rate(
    conn: &mut AsyncPgConnection,
    ns: &str,
    petition_id: Uuid,
    token_hash: &str,
    score: i16,
    comment: Option<&str>,
) -> QueryResult<bool> {
    conn.transaction(async |conn| {
        let taken: Option<(String, String)> = diesel::update(
            cases::table
                .find(petition_id)
                .filter(cases::published_at.is_not_null())
                .filter(cases::rating_token_hash.eq(token_hash)),
        )
        .set(cases::rating_token_hash.eq(None::<String>))
        .returning((cases::unit_code, cases::tracking_code))
        .get_result(conn)
        .await
        .optional()?;
        let Some((unit, tracking_code)) = taken else {
            return Ok(false);
        };
        // The rating's event, for the reports' satisfaction index, with the rating itself.
        let rated = doithoai_bus::outbox::event(
            ns,
            doithoai_contracts::subjects::ANSWERING,
            doithoai_contracts::subjects::PETITION_RATED,
            &unit,
            doithoai_contracts::PetitionRatedV1 {
                petition_id,
                tracking_code,
                unit: unit.clone(),
                score,
                rated_at: chrono::Utc::now(),
            },
        )
        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
        doithoai_bus::outbox::enqueue(conn, &[rated]).await?;
        let inserted = diesel::insert_into(ratings::table)
            .values((
                ratings::petition_id.eq(petition_id),
                ratings::unit_code.eq(&unit),
                ratings::score.eq(score),
                ratings::comment.eq(comment),
            ))
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
        Ok(inserted == 1)
    })
    .await
}

/// Every score given, of one unit when named.
pub async fn scores(conn: &mut AsyncPgConnection, unit: Option<&str>) -> QueryResult<Vec<i16>> {
    let mut query = ratings::table.select(ratings::score).into_boxed();
    if let Some(u) = unit {
        query = query.filter(ratings::unit_code.eq(u.to_owned()));
    }
    query.load(conn).await
}

/// A count by unit and a yes/no split, for the operations gauges.
#[derive(Debug, QueryableByName)]
pub struct UnitSplit {
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub unit: String,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub yes: bool,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub n: i64,
}

/// Answered cases per unit, on time (answered by their due date) or late.
pub async fn answered_by_timeliness(conn: &mut AsyncPgConnection) -> QueryResult<Vec<UnitSplit>> {
    diesel::sql_query(
        "SELECT unit_code AS unit, answered_at <= due_at AS yes, count(*) AS n \
         FROM cases WHERE answered_at IS NOT NULL GROUP BY 1, 2",
    )
    .load(conn)
    .await
}

/// Ratings per unit, satisfied (4 or 5) or not: the satisfaction index's parts.
pub async fn ratings_by_satisfaction(conn: &mut AsyncPgConnection) -> QueryResult<Vec<UnitSplit>> {
    diesel::sql_query(
        "SELECT unit_code AS unit, score >= 4 AS yes, count(*) AS n FROM ratings GROUP BY 1, 2",
    )
    .load(conn)
    .await
}
