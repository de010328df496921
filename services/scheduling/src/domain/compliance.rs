//! Whether a unit keeps to its dialogues (Decision 5087/QĐ-UBND: at least one conference every
//! 6 months and 2 a year; the results notice within 10 days): one pure function, used by the
//! city's compliance view and by the timer that reminds leaders.

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

/// The standing of a unit with `dialogues` (in any order) at `now`.
pub fn assess(dialogues: &[Dialogue], now: DateTime<Utc>) -> Standing {
    let tz = doithoai_web::text::hanoi();
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
    if last.is_none_or(|l| now - l > SIX_MONTHS) {
        reasons.push("no_conference_in_6_months");
    }
    match (last, next) {
        (Some(l), Some(n)) if n - l > SIX_MONTHS => {
            reasons.push("next_more_than_6_months_after_last")
        }
        (_, None) => reasons.push("none_planned"),
        _ => {}
    }
    if planned_this_year < 2 {
        reasons.push("fewer_than_2_this_year");
    }
    if results_overdue {
        reasons.push("results_notice_overdue");
    }

    let mut reminders = Vec::new();
    if next.is_none() && last.is_none_or(|l| now + Duration::days(REMIND_DAYS) > l + SIX_MONTHS) {
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
            let s = assess(&[c], now);
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
        );
        assert!(s.on_track(), "{s:?}");
        assert_eq!(s.held_this_year, 1);
        assert!(s.reminders.is_empty());
    }

    #[test]
    fn nothing_held_and_nothing_planned_is_every_reason_and_a_reminder() {
        let s = assess(&[], at("2026-09-01T09:00:00+07:00"));
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
        );
        assert_eq!(s.reasons, ["next_more_than_6_months_after_last"]);
    }

    #[test]
    fn a_leader_is_reminded_30_days_before_6_months_run_out_with_nothing_planned() {
        let s = assess(
            &[d("2026-03-10T08:00:00+07:00", true)],
            at("2026-08-15T09:00:00+07:00"),
        );
        assert_eq!(s.reminders, ["due_within_30_days"]);
        let s = assess(
            &[d("2026-03-10T08:00:00+07:00", true)],
            at("2026-07-15T09:00:00+07:00"),
        );
        assert!(s.reminders.is_empty());
    }
}
