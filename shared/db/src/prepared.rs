//! Statements PostgreSQL keeps prepared on the connection.
//!
//! Diesel prepares and caches a statement per connection only when it can key it by the Rust
//! type of the query. It declines for every statement whose SQL text may vary for the same type:
//! raw `sql_query`, `UPDATE`, upserts, and inserts of rows with optional fields. Those are
//! parsed, analysed and planned by PostgreSQL at every execution — at load about a third of
//! PostgreSQL's CPU on the platform's hot paths (consumer inboxes, the outbox and its relay,
//! intake's writer).
//!
//! [`Prepared`] opts one query into the cache, keyed by its SQL text and bind types (never by its
//! Rust type), which is right for any statement. Wrap only statements whose text takes a bounded
//! number of shapes: a multi-row `VALUES` insert has a text per row count, so hot batch inserts
//! bind arrays (`unnest`) instead, one text for every size.

use diesel::QueryResult;
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};

/// `query`, prepared once per connection and reused. See the module's documentation.
#[derive(Debug, Clone, Copy)]
pub struct Prepared<Q>(pub Q);

impl<Q: QueryFragment<Pg>> QueryFragment<Pg> for Prepared<Q> {
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.0.walk_ast(pass)
    }

    // diesel's hook for backends (public through the feature `diesel-async` needs, named in the
    // workspace's Cargo.toml): the statement cache asks it before caching.
    fn is_safe_to_cache_prepared(&self, _backend: &Pg) -> QueryResult<bool> {
        Ok(true)
    }
}

/// No static id: the cache keys the statement by its SQL text and bind types.
impl<Q> QueryId for Prepared<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: Query> Query for Prepared<Q> {
    type SqlType = Q::SqlType;
}

/// One column of `rows` as a vector, to bind as an array in an `unnest` insert (one text for
/// every batch size, so it stays [`Prepared`]).
///
/// ```
/// let rows = [("a", 1), ("b", 2)];
/// assert_eq!(doithoai_db::column(&rows, |r| r.0), ["a", "b"]);
/// ```
pub fn column<'a, R, V>(rows: &'a [R], f: impl FnMut(&'a R) -> V) -> Vec<V> {
    rows.iter().map(f).collect()
}
