//! Drops the databases and JetStream streams a test run left behind:
//! `doithoai-test-cleanup` removes everything named with this run's prefix
//! (`dt_test_<TEST_RUN_ID>`).

use diesel::sql_types::Text;
use diesel::{QueryableByName, sql_query};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use futures_util::StreamExt;

#[derive(QueryableByName)]
struct Db {
    #[diesel(sql_type = Text)]
    datname: String,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let prefix = doithoai_testkit::run_prefix();
    let mut conn =
        AsyncPgConnection::establish(&format!("{}/postgres", doithoai_testkit::pg_server_url()))
            .await?;
    let dbs: Vec<Db> =
        sql_query("SELECT datname::text AS datname FROM pg_database WHERE datname LIKE $1")
            .bind::<Text, _>(format!("{prefix}\\_%"))
            .load(&mut conn)
            .await?;
    for db in &dbs {
        let _ = sql_query(format!(
            "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
            db.datname
        ))
        .execute(&mut conn)
        .await;
    }
    let client = async_nats::connect(doithoai_testkit::nats_url()).await?;
    let js = async_nats::jetstream::new(client);
    let upper = prefix.to_uppercase();
    let mut names = js.stream_names();
    let mut streams = Vec::new();
    while let Some(Ok(name)) = names.next().await {
        if name.starts_with(&upper) {
            streams.push(name);
        }
    }
    for s in &streams {
        let _ = js.delete_stream(s).await;
    }
    println!(
        "cleanup: dropped {} databases and {} streams of {prefix}",
        dbs.len(),
        streams.len()
    );
    Ok(())
}
