//! The documented bulk path: `reporting generate <petitions> [years]` fills an empty read
//! model with a plausible volume directly in PostgreSQL (`generate_series`, no events: tens of
//! millions of events would take hours), then computes the sums from the facts with the same
//! `contributions` view the events keep them by. For the benchmark and for trying the reports
//! at city scale; refused on a read model that holds anything.

use diesel::sql_types::{Array, BigInt, Bool, Double, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use doithoai_web::reference::{FIELD_DEPARTMENTS, FIELDS, UNITS};

/// Generated petitions: receipt spread evenly over the last `years` before `now`; 3 % not
/// accepted and 2 % refused; the rest due 15 days after receipt and answered 0.5 to 20.5 days
/// after it (0.2 % never), if that time has come; 40 % of answers rated (mostly 4 or 5);
/// 1 % transferred out two days after receipt. Each unit holds two dialogues a year, noticed
/// 10 days ahead with their minutes — except one unit in ten, which held none in the last year.
pub async fn generate(
    conn: &mut AsyncPgConnection,
    petitions: i64,
    years: f64,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<()> {
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    // Minutes of work in a few statements: no statement timeout on this connection.
    diesel::sql_query("SET statement_timeout = 0")
        .execute(conn)
        .await?;
    let held: N = diesel::sql_query("SELECT count(*) AS n FROM petitions")
        .get_result(conn)
        .await?;
    anyhow::ensure!(
        held.n == 0,
        "the read model holds {} petitions: generate fills an empty one only",
        held.n
    );
    let units: Vec<String> = UNITS.iter().map(|u| u.code.clone()).collect();
    let wards: Vec<bool> = UNITS.iter().map(|u| u.kind == "ward").collect();
    let fields: Vec<String> = FIELDS.iter().map(|f| f.code.clone()).collect();
    let (dept_ward, dept_commune): (Vec<String>, Vec<String>) =
        FIELD_DEPARTMENTS.iter().cloned().unzip();
    let span_days = years * 365.25;
    diesel::sql_query(
        "INSERT INTO petitions (petition_id, tracking_code, received_unit, received_department, \
             unit, department, field, received_at, outcome, due_at, answered_at, score, rated_at) \
         SELECT gen_random_uuid(), 'GEN-' || i, u, d, u, d, f, r, o, due, answered, \
                CASE WHEN answered IS NOT NULL AND sr < 0.4 THEN least(5, 1 + floor(5 * sqrt(sc)))::int2 END, \
                CASE WHEN answered IS NOT NULL AND sr < 0.4 THEN answered + interval '3 days' END \
         FROM ( \
           SELECT i, u, f, r, sr, sc, \
                  CASE WHEN w THEN $4[jf] ELSE $5[jf] END AS d, \
                  CASE WHEN ro < 0.03 THEN 'not_accepted' WHEN ro < 0.05 THEN 'refused' \
                       ELSE 'accepted' END AS o, \
                  CASE WHEN ro >= 0.05 THEN r + interval '15 days' END AS due, \
                  CASE WHEN ro >= 0.05 AND rn < 0.998 \
                        AND r + (0.5 + 20 * ra * ra) * interval '1 day' < $7 \
                       THEN r + (0.5 + 20 * ra * ra) * interval '1 day' END AS answered \
           FROM ( \
             SELECT i, $1[iu] AS u, $2[iu] AS w, $3[jf] AS f, jf, \
                    $7 - random() * $6 * interval '1 day' AS r, \
                    random() AS ro, random() AS rn, random() AS ra, random() AS sr, random() AS sc \
             FROM (SELECT i, 1 + floor(random() * array_length($3, 1))::int AS jf, \
                          1 + floor(random() * array_length($1, 1))::int AS iu \
                   FROM generate_series(1, $8) i) s \
           ) x \
         ) y",
    )
    .bind::<Array<Text>, _>(&units)
    .bind::<Array<Bool>, _>(&wards)
    .bind::<Array<Text>, _>(&fields)
    .bind::<Array<Text>, _>(&dept_ward)
    .bind::<Array<Text>, _>(&dept_commune)
    .bind::<Double, _>(span_days)
    .bind::<Timestamptz, _>(now)
    .bind::<BigInt, _>(petitions)
    .execute(conn)
    .await?;
    diesel::sql_query(
        "INSERT INTO transfers (event_id, petition_id, from_unit, at) \
         SELECT gen_random_uuid(), petition_id, received_unit, received_at + interval '2 days' \
         FROM petitions WHERE outcome = 'accepted' AND random() < 0.01",
    )
    .execute(conn)
    .await?;
    diesel::sql_query(
        "INSERT INTO conferences (conference_id, unit, title, status, starts_at, \
             notice_published_at, minutes_published_at, results_published_at, recorded_at) \
         SELECT gen_random_uuid(), u, 'Hội nghị đối thoại', 'held', s, s - interval '10 days', \
                s + interval '1 day', s + interval '5 days', s + interval '5 days' \
         FROM unnest($1::text[]) WITH ORDINALITY AS t(u, n), \
              generate_series(0, ceil($2 * 2)::int - 1) k, \
              LATERAL (SELECT $3 - (k * 182 + 30 + n % 60) * interval '1 day' AS s) x \
         WHERE NOT (n % 10 = 0 AND k < 2)",
    )
    .bind::<Array<Text>, _>(&units)
    .bind::<Double, _>(years)
    .bind::<Timestamptz, _>(now)
    .execute(conn)
    .await?;
    crate::store::rebuild_sums(conn).await?;
    // What autovacuum would do after such a load: statistics, and the visibility map the
    // overdue count's index-only scan relies on.
    diesel::sql_query("VACUUM ANALYZE").execute(conn).await?;
    Ok(())
}
