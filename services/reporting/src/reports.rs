//! A whole report, put together from the read model: the groups' and the total measures, the
//! petitions overdue now, and the dialogue compliance of the units selected.

use crate::report::{Dimension, Measures, Period, SATISFACTION_TARGET, Sums};
use crate::store::{self, Overdue, Selection};
use chrono::{DateTime, NaiveTime, TimeZone, Utc};
use diesel_async::AsyncPgConnection;
use doithoai_calendar::dialogue::{self, Dialogue, Rule};
use doithoai_web::Lang;
use doithoai_web::reference::{self, UNITS};
use serde::Serialize;

/// How many of the longest-overdue petitions a report lists.
pub const OLDEST_LISTED: i64 = 50;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Report {
    pub from: chrono::NaiveDate,
    pub to: chrono::NaiveDate,
    pub unit: Option<String>,
    pub field: Option<String>,
    pub department: Option<String>,
    pub by: Dimension,
    pub satisfaction_target: f64,
    pub totals: Measures,
    pub rows: Vec<Group>,
    /// The petitions longest overdue now (at most 50).
    pub oldest_overdue: Vec<Overdue>,
    pub dialogue: Compliance,
}

/// One group of a report.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Group {
    pub key: String,
    /// The group's name in the reader's language.
    pub name: String,
    #[serde(flatten)]
    pub measures: Measures,
}

/// Dialogue compliance of the units selected, at the end of the period (or now).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Compliance {
    pub as_of: DateTime<Utc>,
    pub units: usize,
    pub on_track: usize,
    /// Percent of units on track.
    pub rate: Option<f64>,
    /// Conferences held in the period (noticed 7 days ahead, with minutes).
    pub held_in_period: usize,
    pub per_unit: Vec<UnitCompliance>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitCompliance {
    pub unit: String,
    pub name: String,
    pub on_track: bool,
    pub held_in_period: usize,
    pub held_this_year: usize,
    pub last: Option<DateTime<Utc>>,
    pub next: Option<DateTime<Utc>>,
    /// Why it is off track (codes; the portal reads them out).
    pub reasons: Vec<&'static str>,
}

/// The name of `key` of `by`, in `lang`.
pub fn name_of(by: Dimension, key: &str, lang: Lang) -> String {
    let named = |n: &reference::Named| lang.pick(&n.name_vi, &n.name_en).to_owned();
    match by {
        Dimension::Unit => reference::unit(key).map_or_else(|| key.to_owned(), |u| u.name.clone()),
        Dimension::Field => reference::field(key).map_or_else(
            || lang.pick("Chưa rõ lĩnh vực", "Field not known").to_owned(),
            named,
        ),
        Dimension::Department => reference::department(key).map_or_else(
            || lang.pick("Chưa phân công", "Not assigned yet").to_owned(),
            named,
        ),
        Dimension::Month => key.to_owned(),
    }
}

/// The report of `s`, grouped by `by`, at `now`.
/// The sums, the overdue counts and list, and the conferences are read at once, each on a
/// connection of its own.
pub async fn build(
    pool: &doithoai_db::PgPool,
    s: &Selection,
    by: Dimension,
    now: DateTime<Utc>,
    lang: Lang,
) -> anyhow::Result<Report> {
    let (groups, overdue, oldest_overdue, dialogue) = tokio::try_join!(
        async {
            let mut conn = pool.get().await?;
            anyhow::Ok(store::sums(&mut conn, s, Some(by)).await?)
        },
        async {
            let mut conn = pool.get().await?;
            anyhow::Ok(store::overdue_counts(&mut conn, s, Some(by), now).await?)
        },
        async {
            let mut conn = pool.get().await?;
            anyhow::Ok(store::oldest_overdue(&mut conn, s, now, OLDEST_LISTED).await?)
        },
        async {
            let mut conn = pool.get().await?;
            compliance(&mut conn, s, now).await
        },
    )?;
    let overdue_total: i64 = overdue.iter().map(|(_, n)| n).sum();
    let mut total = Sums::default();
    let mut rows: Vec<Group> = groups
        .iter()
        .filter(|(key, sums)| !sums.is_empty() || overdue.iter().any(|(k, _)| k == key))
        .map(|(key, sums)| {
            total.add(sums);
            let n = overdue
                .iter()
                .find(|(k, _)| k == key)
                .map_or(0, |(_, n)| *n);
            Group {
                key: key.clone(),
                name: name_of(by, key, lang),
                measures: sums.measures(n),
            }
        })
        .collect();
    // Groups with overdue petitions but nothing in the period still show.
    for (key, n) in &overdue {
        if by != Dimension::Month && !rows.iter().any(|r| &r.key == key) {
            rows.push(Group {
                key: key.clone(),
                name: name_of(by, key, lang),
                measures: Sums::default().measures(*n),
            });
        }
    }
    if by != Dimension::Month {
        rows.sort_by(|a, b| a.name.cmp(&b.name));
    }
    Ok(Report {
        from: s.period.from,
        to: s.period.to,
        unit: s.unit.clone(),
        field: s.field.clone(),
        department: s.department.clone(),
        by,
        satisfaction_target: SATISFACTION_TARGET,
        totals: total.measures(overdue_total),
        rows,
        oldest_overdue,
        dialogue,
    })
}

/// End of the period's last day in Hanoi, or `now` if that is later.
fn end_of(period: Period, now: DateTime<Utc>) -> DateTime<Utc> {
    let tz = doithoai_calendar::vietnam();
    let end = period
        .to
        .succ_opt()
        .and_then(|d| tz.from_local_datetime(&d.and_time(NaiveTime::MIN)).single())
        .map_or(now, |t| t.with_timezone(&Utc));
    end.min(now)
}

async fn compliance(
    conn: &mut AsyncPgConnection,
    s: &Selection,
    now: DateTime<Utc>,
) -> anyhow::Result<Compliance> {
    let as_of = end_of(s.period, now);
    let rows = store::conferences(conn, s.unit.as_deref()).await?;
    let tz = doithoai_calendar::vietnam();
    let in_period = |t: DateTime<Utc>| {
        let d = t.with_timezone(&tz).date_naive();
        d >= s.period.from && d <= s.period.to
    };
    let units: Vec<(&str, &str)> = match &s.unit {
        Some(u) => vec![(
            u.as_str(),
            reference::unit(u).map_or(u.as_str(), |x| x.name.as_str()),
        )],
        None => UNITS
            .iter()
            .map(|u| (u.code.as_str(), u.name.as_str()))
            .collect(),
    };
    let mut per_unit = Vec::with_capacity(units.len());
    for (code, name) in units {
        let mine: Vec<Dialogue> = rows
            .iter()
            .filter(|c| c.unit == code)
            .map(|c| Dialogue {
                starts_at: c.starts_at,
                notice_published_at: c.notice_published_at,
                minutes_published_at: c.minutes_published_at,
                results_published_at: c.results_published_at,
            })
            .collect();
        let standing = dialogue::assess(&mine, as_of, Rule::EverySixMonths);
        let held_in_period = mine
            .iter()
            .filter(|d| d.held_by(as_of) && in_period(d.starts_at))
            .count();
        per_unit.push(UnitCompliance {
            unit: code.to_owned(),
            name: name.to_owned(),
            on_track: standing.on_track(),
            held_in_period,
            held_this_year: standing.held_this_year,
            last: standing.last,
            next: standing.next,
            reasons: standing.reasons,
        });
    }
    let on_track = per_unit.iter().filter(|u| u.on_track).count();
    let n = per_unit.len();
    Ok(Compliance {
        as_of,
        units: n,
        on_track,
        rate: (n > 0).then(|| (1000.0 * on_track as f64 / n as f64).round() / 10.0),
        held_in_period: per_unit.iter().map(|u| u.held_in_period).sum(),
        per_unit,
    })
}
