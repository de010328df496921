//! PostgreSQL plumbing shared by every service: a diesel-async connection pool, creation of the
//! service's own database when it is missing, and embedded migrations run at start-up.
//!
//! Architecture invariant: each service owns its database; nothing here lets one service name
//! another's tables.

use anyhow::Context;
use diesel::sql_types::Text;
use diesel::{QueryableByName, sql_query};
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_async::{AsyncConnection, AsyncMigrationHarness, AsyncPgConnection, RunQueryDsl};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness};
use std::time::Duration;

pub use diesel_async;

mod prepared;
mod text_enum;

pub use prepared::{Prepared, column};

/// A pool of async PostgreSQL connections.
pub type PgPool = Pool<AsyncPgConnection>;
/// A connection checked out of [`PgPool`].
pub type PooledConn = Object<AsyncPgConnection>;

/// The longest one statement of a service may run before PostgreSQL cancels it, unless the
/// deployment sets another (`DB_STATEMENT_TIMEOUT_MS`): a costly public query cannot hold a
/// connection of the shared pool for long.
pub const STATEMENT_TIMEOUT_MS: u64 = 10_000;

/// Builds a pool for `url` with at most `max_size` connections and the default statement
/// timeout. Connections are opened lazily.
pub fn pool(url: &str, max_size: usize) -> anyhow::Result<PgPool> {
    pool_with_timeout(url, max_size, STATEMENT_TIMEOUT_MS)
}

/// `url` with `statement_timeout` set for every session it opens (libpq's `options`), unless
/// the URL sets options of its own.
///
/// ```
/// let u = doithoai_db::with_statement_timeout("postgres://u@h/db", 5000);
/// assert_eq!(u, "postgres://u@h/db?options=-c%20statement_timeout%3D5000");
/// let u = doithoai_db::with_statement_timeout("postgres://u@h/db?sslmode=disable", 5000);
/// assert!(u.ends_with("&options=-c%20statement_timeout%3D5000"));
/// ```
pub fn with_statement_timeout(url: &str, timeout_ms: u64) -> String {
    if url.contains("options=") || timeout_ms == 0 {
        return url.to_owned();
    }
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}options=-c%20statement_timeout%3D{timeout_ms}")
}

/// [`pool`] with statements cancelled after `timeout_ms` (0: never).
pub fn pool_with_timeout(url: &str, max_size: usize, timeout_ms: u64) -> anyhow::Result<PgPool> {
    let url = with_statement_timeout(url, timeout_ms);
    // Connections are recycled without a test query (`SELECT 1` on every checkout was a round
    // trip for every transaction): a connection whose socket closed or whose transaction
    // manager broke is still discarded on its way back and on checkout, and one that breaks
    // in between fails its first statement, which the services answer as 503.
    let mut config = ManagerConfig::default();
    config.recycling_method = RecyclingMethod::Fast;
    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(url, config);
    Pool::builder(manager)
        .max_size(max_size)
        .wait_timeout(Some(Duration::from_secs(10)))
        .create_timeout(Some(Duration::from_secs(5)))
        .runtime(deadpool_runtime())
        .build()
        .context("building the PostgreSQL pool (check DATABASE_URL)")
}

fn deadpool_runtime() -> deadpool::Runtime {
    deadpool::Runtime::Tokio1
}

#[derive(QueryableByName)]
struct Exists {
    #[diesel(sql_type = Text)]
    #[allow(dead_code)]
    datname: String,
}

/// Splits `postgres://.../name?opts` into the URL of the `postgres` maintenance database and
/// the database name.
///
/// ```
/// let (admin, name) = doithoai_db::split_database_url("postgres://u@h:5432/doithoai_intake").unwrap();
/// assert_eq!(admin, "postgres://u@h:5432/postgres");
/// assert_eq!(name, "doithoai_intake");
/// ```
pub fn split_database_url(url: &str) -> anyhow::Result<(String, String)> {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let slash = base
        .rfind('/')
        .filter(|i| *i > "postgres://".len())
        .with_context(|| "DATABASE_URL has no database name")?;
    let name = base[slash + 1..].to_owned();
    anyhow::ensure!(
        !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
        "DATABASE_URL database name must be letters, digits and underscores"
    );
    let mut admin = format!("{}/postgres", &base[..slash]);
    if let Some(q) = query {
        admin.push('?');
        admin.push_str(q);
    }
    Ok((admin, name))
}

/// Creates the database named in `url` when it does not exist yet. Safe to call from several
/// replicas at once: the check and the creation run under a session advisory lock named after
/// the database (released when this connection closes), so one replica creates it and the
/// others find it.
pub async fn ensure_database(url: &str) -> anyhow::Result<()> {
    let (admin_url, name) = split_database_url(url)?;
    let mut admin = AsyncPgConnection::establish(&admin_url)
        .await
        .with_context(|| format!("connecting to PostgreSQL maintenance database for {name}"))?;
    sql_query("SELECT pg_advisory_lock(hashtext('doithoai create database ' || $1))")
        .bind::<Text, _>(&name)
        .execute(&mut admin)
        .await
        .with_context(|| format!("locking the creation of database {name}"))?;
    let found: Vec<Exists> =
        sql_query("SELECT datname::text AS datname FROM pg_database WHERE datname = $1")
            .bind::<Text, _>(&name)
            .load(&mut admin)
            .await?;
    if found.is_empty() {
        match sql_query(format!("CREATE DATABASE \"{name}\""))
            .execute(&mut admin)
            .await
        {
            Ok(_) => tracing::info!(database = %name, "created database {name}"),
            Err(e) if e.to_string().contains("already exists") => {}
            Err(e) => return Err(e).with_context(|| format!("creating database {name}")),
        }
    }
    Ok(())
}

/// Runs the pending embedded migrations on one connection from `url`. Diesel's migration
/// harness is synchronous, so it runs on a blocking thread that drives the async connection
/// (this works under both the multi-thread and the current-thread tokio runtime).
///
/// Replicas starting together do not race: the migrations run under a session advisory lock
/// held on a second connection, so one replica migrates and the others wait, then find nothing
/// pending.
pub async fn run_migrations(url: &str, migrations: EmbeddedMigrations) -> anyhow::Result<()> {
    let mut lock = AsyncPgConnection::establish(url)
        .await
        .with_context(|| "connecting to take the migration lock")?;
    sql_query("SELECT pg_advisory_lock($1)")
        .bind::<diesel::sql_types::BigInt, _>(MIGRATION_LOCK)
        .execute(&mut lock)
        .await
        .with_context(|| "taking the migration lock")?;
    let result = run_migrations_locked(url, migrations).await;
    // Dropping the connection releases the lock too; unlock explicitly to be prompt.
    let _ = sql_query("SELECT pg_advisory_unlock($1)")
        .bind::<diesel::sql_types::BigInt, _>(MIGRATION_LOCK)
        .execute(&mut lock)
        .await;
    result
}

/// The advisory lock key under which a service's migrations run.
const MIGRATION_LOCK: i64 = 0x0D01_3161_7A7E;

async fn run_migrations_locked(url: &str, migrations: EmbeddedMigrations) -> anyhow::Result<()> {
    let url = url.to_owned();
    let applied = tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<String>> {
        let handle = tokio::runtime::Handle::current();
        let conn = handle
            .block_on(AsyncPgConnection::establish(&url))
            .with_context(|| "connecting to run migrations")?;
        let mut harness = AsyncMigrationHarness::new(conn);
        harness
            .run_pending_migrations(migrations)
            .map(|v| v.iter().map(|m| m.to_string()).collect())
            .map_err(|e| anyhow::anyhow!("running migrations: {e}"))
    })
    .await??;
    for m in applied {
        tracing::info!(migration = %m, "applied migration {m}");
    }
    Ok(())
}

/// `ensure_database`, then `run_migrations`, then a pool.
pub async fn prepare(
    url: &str,
    migrations: EmbeddedMigrations,
    max_size: usize,
) -> anyhow::Result<PgPool> {
    ensure_database(url).await?;
    run_migrations(url, migrations).await?;
    pool(url, max_size)
}

/// Whether an error means the database is unreachable, restarting, or a connection broke —
/// a 503 with `Retry-After` for the client, not a 500. Looks through the whole cause chain.
///
/// ```
/// let e = anyhow::Error::from(diesel::result::Error::BrokenTransactionManager);
/// assert!(doithoai_db::is_unavailable(&e));
/// assert!(!doithoai_db::is_unavailable(&anyhow::Error::from(diesel::result::Error::NotFound)));
/// ```
pub fn is_unavailable(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        if let Some(d) = cause.downcast_ref::<diesel::result::Error>() {
            return diesel_unavailable(d);
        }
        cause
            .downcast_ref::<diesel_async::pooled_connection::deadpool::PoolError>()
            .is_some()
            || cause.downcast_ref::<diesel::ConnectionError>().is_some()
    })
}

/// [`is_unavailable`] for a diesel error.
pub fn diesel_unavailable(e: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    match e {
        Error::BrokenTransactionManager | Error::AlreadyInTransaction => true,
        Error::DatabaseError(DatabaseErrorKind::ClosedConnection, _) => true,
        Error::DatabaseError(DatabaseErrorKind::UnableToSendCommand, _) => true,
        Error::DatabaseError(_, info) => {
            // Connection exceptions and server shutdown/start-up (SQLSTATE 08xxx, 57P0x) reach
            // diesel-async as messages.
            let m = info.message();
            [
                "connection",
                "terminating",
                "shutting down",
                "starting up",
                "not yet accepting",
                "recovery mode",
                "administrator command",
                "closed",
            ]
            .iter()
            .any(|k| m.contains(k))
        }
        _ => false,
    }
}

/// `SELECT 1` through the pool within `timeout`: the readiness check.
pub async fn ping(pool: &PgPool, timeout: Duration) -> bool {
    let check = async {
        let mut conn = pool.get().await.ok()?;
        sql_query("SELECT 1").execute(&mut conn).await.ok()
    };
    matches!(tokio::time::timeout(timeout, check).await, Ok(Some(_)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_url_keeps_its_options_when_split() {
        let (admin, name) = split_database_url("postgres://a@h/x_1?sslmode=disable").unwrap();
        assert_eq!(admin, "postgres://a@h/postgres?sslmode=disable");
        assert_eq!(name, "x_1");
    }

    #[test]
    fn database_url_with_a_quote_in_its_name_is_refused() {
        assert!(split_database_url("postgres://a@h/x\"y").is_err());
        assert!(split_database_url("postgres://a@h/").is_err());
    }
}
