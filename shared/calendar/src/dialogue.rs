//! Dialogue compliance (shared by scheduling, which reminds leaders, and reporting, which
//! reports it).
//!
//! Whether an organiser keeps to its dialogues (seed 000; Decision 5087/QĐ-UBND): wards,
//! communes and the city's departments at least one conference every 6 months (2 a year), the
//! city itself at least 2 a year; the results notice within 10 days. One pure function, used by
//! the city's compliance view and by the timer that reminds leaders.

use chrono::{DateTime, Datelike, Duration, Utc};

/// The most time between two conferences.
pub const SIX_MONTHS: Duration = Duration::days(183);
/// Days after a conference by which its results notice is due.
pub const RESULTS_DAYS: i64 = 10;
/// How far ahead a leader is reminded that the next conference falls due.
pub const REMIND_DAYS: i64 = 30;

/// Days before its start a conference must be noticed to count (Decision 5087/QĐ-UBND).
pub const NOTICE_DAYS: i64 = 7;

/// A unit's conference as compliance sees it (cancelled ones are left out by the caller).
#[derive(Debug, Clone, Copy)]
pub struct Dialogue {
    pub starts_at: DateTime<Utc>,
    pub notice_published_at: Option<DateTime<Utc>>,
    pub minutes_published_at: Option<DateTime<Utc>>,
    pub results_published_at: Option<DateTime<Utc>>,
}

impl Dialogue {
    /// Held, as the law counts it: noticed at least [`NOTICE_DAYS`] ahead, started, and with
    /// its minutes. A conference whose time merely passed is not a dialogue held.
    pub fn held_by(&self, now: DateTime<Utc>) -> bool {
        self.starts_at <= now
            && self.minutes_published_at.is_some()
            && self
                .notice_published_at
                .is_some_and(|n| self.starts_at - n >= Duration::days(NOTICE_DAYS))
    }
}

/// Where a unit stands at a moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    /// The last conference that has started.
    pub last: Option<DateTime<Utc>>,
    /// The next one planned.
    pub next: Option<DateTime<Utc>>,
    /// Conferences held this calendar year (Hanoi time).
    pub held_this_year: usize,
    /// Why the unit is off track (empty when on track), for the city's view.
    pub reasons: Vec<&'static str>,
    /// What its leader is to be reminded of now.
    pub reminders: Vec<&'static str>,
}

impl Standing {
    pub fn on_track(&self) -> bool {
        self.reasons.is_empty()
    }
}

/// How often an organiser must hold a dialogue (seed 000).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Wards, communes and the city's departments (sở, ban, ngành): at least once every 6
    /// months.
    EverySixMonths,
    /// The city itself: at least twice a year.
    TwiceAYear,
}

impl Rule {
    pub fn code(self) -> &'static str {
        match self {
            Rule::EverySixMonths => "every_6_months",
            Rule::TwiceAYear => "twice_a_year",
        }
    }
}

/// The standing of an organiser bound by `rule`, with `dialogues` (in any order), at `now`.
pub fn assess(dialogues: &[Dialogue], now: DateTime<Utc>, rule: Rule) -> Standing {
    let tz = crate::vietnam();
    let year = now.with_timezone(&tz).year();
    let in_year = |t: DateTime<Utc>| t.with_timezone(&tz).year() == year;
    let held = || dialogues.iter().filter(|d| d.held_by(now));
    let last = held().map(|d| d.starts_at).max();
    let next = dialogues
        .iter()
        .filter(|d| d.starts_at > now)
        .map(|d| d.starts_at)
        .min();
    let held_this_year = held().filter(|d| in_year(d.starts_at)).count();
    let planned_this_year = dialogues.iter().filter(|d| in_year(d.starts_at)).count();
    let results_overdue = dialogues.iter().filter(|d| d.starts_at <= now).any(|d| {
        d.results_published_at.is_none() && now - d.starts_at > Duration::days(RESULTS_DAYS)
    });

    let mut reasons = Vec::new();
    let six_monthly = rule == Rule::EverySixMonths;
    if six_monthly && last.is_none_or(|l| now - l > SIX_MONTHS) {
        reasons.push("no_conference_in_6_months");
    }
    match (last, next) {
        (Some(l), Some(n)) if six_monthly && n - l > SIX_MONTHS => {
            reasons.push("next_more_than_6_months_after_last")
        }
        // Twice a year: nothing more need be planned once two are this year's.
        (_, None) if six_monthly || planned_this_year < 2 => reasons.push("none_planned"),
        _ => {}
    }
    if planned_this_year < 2 {
        reasons.push("fewer_than_2_this_year");
    }
    if results_overdue {
        reasons.push("results_notice_overdue");
    }

    let mut reminders = Vec::new();
    let falls_due = match rule {
        Rule::EverySixMonths => {
            last.is_none_or(|l| now + Duration::days(REMIND_DAYS) > l + SIX_MONTHS)
        }
        Rule::TwiceAYear => planned_this_year < 2,
    };
    if next.is_none() && falls_due {
        reminders.push("due_within_30_days");
    }
    if results_overdue {
        reminders.push("results_notice_overdue");
    }
    Standing {
        last,
        next,
        held_this_year,
        reasons,
        reminders,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn d(s: &str, results: bool) -> Dialogue {
        Dialogue {
            starts_at: at(s),
            notice_published_at: Some(at(s) - Duration::days(10)),
            minutes_published_at: Some(at(s) + Duration::days(1)),
            results_published_at: results.then(|| at(s) + Duration::days(3)),
        }
    }

    /// A conference whose time passed without a notice 7 days ahead, or without minutes, was
    /// not a dialogue held.
    #[test]
    fn only_a_noticed_started_conference_with_minutes_counts_as_held() {
        let now = at("2026-09-01T09:00:00+07:00");
        let mut late_notice = d("2026-08-20T09:00:00+07:00", true);
        late_notice.notice_published_at = Some(late_notice.starts_at - Duration::days(3));
        let mut no_minutes = d("2026-08-21T09:00:00+07:00", true);
        no_minutes.minutes_published_at = None;
        let mut never_noticed = d("2026-08-22T09:00:00+07:00", true);
        never_noticed.notice_published_at = None;
        for c in [late_notice, no_minutes, never_noticed] {
            assert!(!c.held_by(now));
            let s = assess(&[c], now, Rule::EverySixMonths);
            assert_eq!(s.held_this_year, 0);
            assert!(s.reasons.contains(&"no_conference_in_6_months"));
        }
        assert!(d("2026-08-23T09:00:00+07:00", true).held_by(now));
        assert!(
            !d("2026-09-02T09:00:00+07:00", true).held_by(now),
            "not started"
        );
    }

    #[test]
    fn a_unit_with_two_conferences_a_year_and_its_results_out_is_on_track() {
        let now = at("2026-09-01T09:00:00+07:00");
        let s = assess(
            &[
                d("2026-05-10T08:00:00+07:00", true),
                d("2026-10-20T08:00:00+07:00", false),
            ],
            now,
            Rule::EverySixMonths,
        );
        assert!(s.on_track(), "{s:?}");
        assert_eq!(s.held_this_year, 1);
        assert!(s.reminders.is_empty());
    }

    #[test]
    fn nothing_held_and_nothing_planned_is_every_reason_and_a_reminder() {
        let s = assess(&[], at("2026-09-01T09:00:00+07:00"), Rule::EverySixMonths);
        assert_eq!(
            s.reasons,
            [
                "no_conference_in_6_months",
                "none_planned",
                "fewer_than_2_this_year"
            ]
        );
        assert_eq!(s.reminders, ["due_within_30_days"]);
    }

    #[test]
    fn a_late_results_notice_is_off_track_and_reminded() {
        let now = at("2026-06-01T09:00:00+07:00");
        let s = assess(
            &[
                d("2026-05-10T08:00:00+07:00", false),
                d("2026-10-20T08:00:00+07:00", false),
            ],
            now,
            Rule::EverySixMonths,
        );
        assert_eq!(s.reasons, ["results_notice_overdue"]);
        assert_eq!(s.reminders, ["results_notice_overdue"]);
    }

    #[test]
    fn the_next_more_than_6_months_after_the_last_is_off_track() {
        let now = at("2026-03-01T09:00:00+07:00");
        let s = assess(
            &[
                d("2026-02-10T08:00:00+07:00", true),
                d("2026-09-20T08:00:00+07:00", false),
            ],
            now,
            Rule::EverySixMonths,
        );
        assert_eq!(s.reasons, ["next_more_than_6_months_after_last"]);
    }

    #[test]
    fn a_leader_is_reminded_30_days_before_6_months_run_out_with_nothing_planned() {
        let s = assess(
            &[d("2026-03-10T08:00:00+07:00", true)],
            at("2026-08-15T09:00:00+07:00"),
            Rule::EverySixMonths,
        );
        assert_eq!(s.reminders, ["due_within_30_days"]);
        let s = assess(
            &[d("2026-03-10T08:00:00+07:00", true)],
            at("2026-07-15T09:00:00+07:00"),
            Rule::EverySixMonths,
        );
        assert!(s.reminders.is_empty());
    }

    /// Seed 000: the city holds at least 2 dialogues a year, with no 6-month gap rule; a sở, like
    /// a ward, at least one every 6 months.
    #[test]
    fn the_city_needs_two_a_year_and_a_department_one_every_6_months() {
        let now = at("2026-11-01T09:00:00+07:00");
        // Held in January and in October: 9 months apart.
        let two = [
            d("2026-01-15T08:00:00+07:00", true),
            d("2026-10-10T08:00:00+07:00", true),
        ];
        let city = assess(&two, now, Rule::TwiceAYear);
        assert!(city.on_track(), "{city:?}");
        assert!(city.reminders.is_empty());
        let department = assess(&two, now, Rule::EverySixMonths);
        assert_eq!(department.reasons, ["none_planned"]);
        // One in the year, none planned: the city is off track and its leader reminded.
        let one = assess(&two[..1], now, Rule::TwiceAYear);
        assert_eq!(one.reasons, ["none_planned", "fewer_than_2_this_year"]);
        assert_eq!(one.reminders, ["due_within_30_days"]);
    }
}
