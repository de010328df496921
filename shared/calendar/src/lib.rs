//! The working-day calendar: Monday to Friday in Asia/Ho_Chi_Minh (UTC+7 all year: Vietnam
//! keeps no daylight saving time), minus the public holidays city IT keeps in the `holidays`
//! table (QĐ 188/1999/QĐ-TTg; Labour Code 2019, Art. 112), with office hours.
//!
//! Deadlines count from the time of receipt:
//! - in working days: a submission received on a working day within office hours is counted
//!   from that day; one received later, on a weekend or on a holiday, from the next working day
//!   (its "day of receipt"). The deadline is the end of office hours of the N-th working day
//!   after the day of receipt. Received Friday 13 February 2026, 5 working days → Friday
//!   27 February 2026 (the Tết break is 16–20 February).
//! - in working hours: N hours of office time from the receipt (or from the next opening).
//!
//! A make-up working day (a Saturday worked in exchange for a bridge day off) counts as a
//! working day; office hours are the city's unless a unit keeps its own ([`Calendar::for_unit`]).

pub mod dialogue;

use chrono::{
    DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc, Weekday,
};
use std::collections::{BTreeMap, BTreeSet};

/// Asia/Ho_Chi_Minh.
pub fn vietnam() -> FixedOffset {
    const SEVEN_HOURS: i32 = 7 * 3600;
    match FixedOffset::east_opt(SEVEN_HOURS) {
        Some(tz) => tz,
        None => unreachable_offset(),
    }
}

#[cold]
fn unreachable_offset() -> FixedOffset {
    // 7 hours is always within chrono's ±24 h range; this only satisfies the type.
    chrono::Offset::fix(&Utc)
}

/// Office hours: a morning and an afternoon session (default 08:00–12:00, 13:00–17:00). Each
/// unit may keep its own (set by city IT; the city's default otherwise).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficeHours {
    pub sessions: Vec<(NaiveTime, NaiveTime)>,
}

impl Default for OfficeHours {
    fn default() -> Self {
        let t = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap_or_default();
        Self {
            sessions: vec![(t(8), t(12)), (t(13), t(17))],
        }
    }
}

impl OfficeHours {
    pub fn opens(&self) -> NaiveTime {
        self.sessions.first().map(|s| s.0).unwrap_or_default()
    }

    pub fn closes(&self) -> NaiveTime {
        self.sessions.last().map(|s| s.1).unwrap_or_default()
    }

    /// Reads `07:30-11:30,13:30-17:00`: one to four sessions, each starting before it ends,
    /// in order and not overlapping. `None` for anything else.
    ///
    /// ```
    /// use doithoai_calendar::OfficeHours;
    /// let h = OfficeHours::parse("07:30-11:30, 13:30-17:00").unwrap();
    /// assert_eq!(h.to_string(), "07:30-11:30,13:30-17:00");
    /// assert!(OfficeHours::parse("13:00-12:00").is_none());
    /// assert!(OfficeHours::parse("08:00-12:00,11:00-17:00").is_none());
    /// ```
    pub fn parse(text: &str) -> Option<Self> {
        let mut sessions = Vec::new();
        for part in text.split(',') {
            let (a, b) = part.trim().split_once('-')?;
            let a = NaiveTime::parse_from_str(a.trim(), "%H:%M").ok()?;
            let b = NaiveTime::parse_from_str(b.trim(), "%H:%M").ok()?;
            if a >= b || sessions.last().is_some_and(|&(_, end)| end > a) {
                return None;
            }
            sessions.push((a, b));
        }
        (1..=4)
            .contains(&sessions.len())
            .then_some(Self { sessions })
    }
}

impl std::fmt::Display for OfficeHours {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self
            .sessions
            .iter()
            .map(|(a, b)| format!("{}-{}", a.format("%H:%M"), b.format("%H:%M")))
            .collect();
        f.write_str(&parts.join(","))
    }
}

/// A deadline length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Span {
    WorkingDays(u32),
    WorkingHours(u32),
}

impl Span {
    /// Reads `3d` (working days) or `8h` (working hours), as [`Span`]'s `Display` writes it.
    ///
    /// ```
    /// use doithoai_calendar::Span;
    /// assert_eq!(Span::parse("3d"), Some(Span::WorkingDays(3)));
    /// assert_eq!(Span::parse("8h").map(|s| s.to_string()).as_deref(), Some("8h"));
    /// assert_eq!(Span::parse("8"), None);
    /// ```
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let (n, unit) = text.split_at(text.len().checked_sub(1)?);
        let n: u32 = n.parse().ok()?;
        match unit {
            "d" => Some(Span::WorkingDays(n)),
            "h" => Some(Span::WorkingHours(n)),
            _ => None,
        }
    }

    /// When to warn that a deadline of this length is near: a quarter of it (at least one
    /// hour, or the last working day) before it falls due, counted from the same start.
    ///
    /// ```
    /// use doithoai_calendar::Span;
    /// assert_eq!(Span::WorkingHours(8).warning(), Span::WorkingHours(6));
    /// assert_eq!(Span::WorkingHours(1).warning(), Span::WorkingHours(0));
    /// assert_eq!(Span::WorkingDays(3).warning(), Span::WorkingDays(2));
    /// ```
    pub fn warning(self) -> Span {
        match self {
            Span::WorkingHours(n) => Span::WorkingHours(n - (n / 4).max(1).min(n)),
            Span::WorkingDays(n) => Span::WorkingDays(n.saturating_sub(1)),
        }
    }
}

impl std::fmt::Display for Span {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Span::WorkingDays(n) => write!(f, "{n}d"),
            Span::WorkingHours(n) => write!(f, "{n}h"),
        }
    }
}

/// A calendar the services share between their HTTP handlers and timers, replaced when the
/// holidays change (routing reloads them from its table, scheduling asks routing).
pub type SharedCalendar = std::sync::Arc<std::sync::RwLock<Calendar>>;

/// Working days and office hours.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    holidays: BTreeSet<NaiveDate>,
    /// Make-up working days: a Saturday or Sunday worked in exchange for a bridge day off
    /// (the Government fixes them with the year's holidays).
    working_days: BTreeSet<NaiveDate>,
    /// The city's office hours, for every unit without its own.
    pub hours: OfficeHours,
    unit_hours: BTreeMap<String, OfficeHours>,
    /// Deadline lengths by class (`acknowledgement`, `refusal`, …): the city's (unit `*`)
    /// and those units set for themselves (routing's deadline policies).
    deadlines: BTreeMap<(String, String), Span>,
}

/// The unit of [`Calendar`]'s deadlines that holds the city's default.
pub const CITY: &str = "*";

/// One unit's view of the calendar: the city's days with the unit's office hours and
/// deadlines.
#[derive(Debug, Clone, Copy)]
pub struct UnitCalendar<'a> {
    cal: &'a Calendar,
    unit: &'a str,
    hours: &'a OfficeHours,
}

impl Calendar {
    pub fn new(holidays: impl IntoIterator<Item = NaiveDate>, hours: OfficeHours) -> Self {
        Self {
            holidays: holidays.into_iter().collect(),
            working_days: BTreeSet::new(),
            hours,
            unit_hours: BTreeMap::new(),
            deadlines: BTreeMap::new(),
        }
    }

    /// With deadline lengths: `(unit or CITY, class, span)`.
    pub fn with_deadlines(
        mut self,
        deadlines: impl IntoIterator<Item = (String, String, Span)>,
    ) -> Self {
        self.deadlines = deadlines
            .into_iter()
            .map(|(unit, class, span)| ((unit, class), span))
            .collect();
        self
    }

    /// The deadline lengths it knows: `(unit or CITY, class, span)`.
    pub fn deadlines(&self) -> impl Iterator<Item = (&str, &str, Span)> {
        self.deadlines
            .iter()
            .map(|((u, c), s)| (u.as_str(), c.as_str(), *s))
    }

    /// With make-up working days (weekend days worked).
    pub fn with_working_days(mut self, days: impl IntoIterator<Item = NaiveDate>) -> Self {
        self.working_days = days.into_iter().collect();
        self
    }

    /// With the office hours of the units that keep their own.
    pub fn with_unit_hours(
        mut self,
        hours: impl IntoIterator<Item = (String, OfficeHours)>,
    ) -> Self {
        self.unit_hours = hours.into_iter().collect();
        self
    }

    /// The calendar as `unit` keeps it: its own office hours, or the city's.
    pub fn for_unit<'a>(&'a self, unit: &'a str) -> UnitCalendar<'a> {
        UnitCalendar {
            cal: self,
            unit,
            hours: self.unit_hours.get(unit).unwrap_or(&self.hours),
        }
    }

    /// The calendar with the city's office hours.
    fn city(&self) -> UnitCalendar<'_> {
        UnitCalendar {
            cal: self,
            unit: CITY,
            hours: &self.hours,
        }
    }

    /// A weekday that is no holiday, or a make-up working day.
    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        self.working_days.contains(&d)
            || (!matches!(d.weekday(), Weekday::Sat | Weekday::Sun) && !self.holidays.contains(&d))
    }

    pub fn previous_working_day(&self, d: NaiveDate) -> NaiveDate {
        let mut n = d - Duration::days(1);
        while !self.is_working_day(n) {
            n -= Duration::days(1);
        }
        n
    }

    pub fn next_working_day(&self, d: NaiveDate) -> NaiveDate {
        let mut n = d + Duration::days(1);
        while !self.is_working_day(n) {
            n += Duration::days(1);
        }
        n
    }

    /// The holidays the calendar skips.
    pub fn holidays(&self) -> impl Iterator<Item = &NaiveDate> {
        self.holidays.iter()
    }

    /// The make-up working days it counts.
    pub fn working_days(&self) -> impl Iterator<Item = &NaiveDate> {
        self.working_days.iter()
    }

    /// The units with office hours of their own.
    pub fn unit_hours(&self) -> impl Iterator<Item = (&String, &OfficeHours)> {
        self.unit_hours.iter()
    }

    /// [`UnitCalendar::registration_cutoff`] with the city's office hours.
    pub fn registration_cutoff(&self, starts: DateTime<Utc>, days_before: i64) -> DateTime<Utc> {
        self.city().registration_cutoff(starts, days_before)
    }

    /// [`UnitCalendar::day_of_receipt`] with the city's office hours.
    pub fn day_of_receipt(&self, at: DateTime<Utc>) -> NaiveDate {
        self.city().day_of_receipt(at)
    }

    /// [`UnitCalendar::due`] with the city's office hours.
    pub fn due(&self, received: DateTime<Utc>, span: Span) -> DateTime<Utc> {
        self.city().due(received, span)
    }
}

impl UnitCalendar<'_> {
    /// The office hours this unit keeps.
    pub fn hours(&self) -> &OfficeHours {
        self.hours
    }

    /// How long this unit has for a deadline of `class`: its own setting, else the city's,
    /// else `default`.
    pub fn deadline(&self, class: &str, default: Span) -> Span {
        let get = |unit: &str| self.cal.deadlines.get(&(unit.to_owned(), class.to_owned()));
        get(self.unit)
            .or_else(|| get(CITY))
            .copied()
            .unwrap_or(default)
    }

    /// When registration of questions for a dialogue conference starting at `starts` closes:
    /// the end of office hours of the last working day at least `days_before` calendar days
    /// before the conference (seed 001: "up to 7 days before", Monday–Friday in office hours).
    pub fn registration_cutoff(&self, starts: DateTime<Utc>, days_before: i64) -> DateTime<Utc> {
        let limit = starts.with_timezone(&vietnam()).date_naive() - Duration::days(days_before);
        let day = if self.cal.is_working_day(limit) {
            limit
        } else {
            self.cal.previous_working_day(limit)
        };
        at_local(day, self.hours.closes())
    }

    /// The working day a receipt at `at` counts as received on.
    pub fn day_of_receipt(&self, at: DateTime<Utc>) -> NaiveDate {
        let local = at.with_timezone(&vietnam());
        let d = local.date_naive();
        if self.cal.is_working_day(d) && local.time() < self.hours.closes() {
            d
        } else {
            self.cal.next_working_day(d)
        }
    }

    /// When a deadline of `span` from a receipt at `received` falls due.
    pub fn due(&self, received: DateTime<Utc>, span: Span) -> DateTime<Utc> {
        match span {
            Span::WorkingDays(n) => {
                let mut d = self.day_of_receipt(received);
                for _ in 0..n {
                    d = self.cal.next_working_day(d);
                }
                at_local(d, self.hours.closes())
            }
            Span::WorkingHours(n) => self.add_office_time(received, Duration::hours(i64::from(n))),
        }
    }

    /// Adds `left` of office time to `from`.
    fn add_office_time(&self, from: DateTime<Utc>, mut left: Duration) -> DateTime<Utc> {
        let local = from.with_timezone(&vietnam());
        let mut day = local.date_naive();
        let mut time = local.time();
        // Bounded: a year of days is far beyond any policy.
        for _ in 0..400 {
            if self.cal.is_working_day(day) {
                for &(start, end) in &self.hours.sessions {
                    if time >= end {
                        continue;
                    }
                    let begin = time.max(start);
                    let available = end - begin;
                    if left <= available {
                        return at_local(day, begin + left);
                    }
                    left -= available;
                    time = end;
                }
            }
            day = self.cal.next_working_day(day);
            time = NaiveTime::MIN;
        }
        at_local(day, self.hours.closes())
    }
}

fn at_local(d: NaiveDate, t: NaiveTime) -> DateTime<Utc> {
    vietnam()
        .from_local_datetime(&d.and_time(t))
        .single()
        .map(|x| x.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&d.and_time(t)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calendar() -> Calendar {
        // data/holidays-2026.csv
        let days = [
            "2026-01-01",
            "2026-02-16",
            "2026-02-17",
            "2026-02-18",
            "2026-02-19",
            "2026-02-20",
            "2026-04-27",
            "2026-04-30",
            "2026-05-01",
            "2026-09-02",
        ];
        Calendar::new(
            days.iter().map(|d| d.parse().unwrap()),
            OfficeHours::default(),
        )
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn due_days(received: &str, n: u32) -> String {
        calendar()
            .due(at(received), Span::WorkingDays(n))
            .with_timezone(&vietnam())
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }

    #[test]
    fn tet_example_friday_13_february_plus_5_is_friday_27_february() {
        assert_eq!(due_days("2026-02-13T10:00:00+07:00", 5), "2026-02-27 17:00");
    }

    #[test]
    fn receipt_after_office_hours_counts_from_the_next_working_day() {
        assert_eq!(due_days("2026-02-13T18:30:00+07:00", 5), "2026-03-02 17:00");
        assert_eq!(due_days("2026-03-02T17:00:00+07:00", 1), "2026-03-04 17:00");
        assert_eq!(due_days("2026-03-02T16:59:00+07:00", 1), "2026-03-03 17:00");
    }

    #[test]
    fn new_year_day_is_skipped() {
        // Wed 31 Dec 2025 → Thu 1 Jan holiday → Fri 2 Jan is day 1.
        assert_eq!(due_days("2025-12-31T09:00:00+07:00", 1), "2026-01-02 17:00");
        // Received on the holiday itself: day of receipt is Fri 2 Jan.
        assert_eq!(due_days("2026-01-01T09:00:00+07:00", 1), "2026-01-05 17:00");
    }

    #[test]
    fn receipt_during_tet_counts_from_monday_23_february() {
        assert_eq!(due_days("2026-02-17T09:00:00+07:00", 1), "2026-02-24 17:00");
        assert_eq!(
            due_days("2026-02-21T09:00:00+07:00", 15),
            "2026-03-16 17:00"
        );
    }

    #[test]
    fn hung_kings_day_in_lieu_and_30_april_1_may_are_skipped() {
        // Fri 24 Apr: Mon 27 Apr (in lieu) off → Tue 28 (1), Wed 29 (2), Thu 30 off, Fri 1 May off,
        // Mon 4 May (3).
        assert_eq!(due_days("2026-04-24T09:00:00+07:00", 3), "2026-05-04 17:00");
        assert_eq!(due_days("2026-04-29T09:00:00+07:00", 1), "2026-05-04 17:00");
    }

    #[test]
    fn national_day_is_skipped() {
        // Tue 1 Sep → Wed 2 Sep off → Thu 3 Sep.
        assert_eq!(due_days("2026-09-01T09:00:00+07:00", 1), "2026-09-03 17:00");
    }

    #[test]
    fn weekend_receipt_counts_from_monday() {
        assert_eq!(due_days("2026-03-07T09:00:00+07:00", 1), "2026-03-10 17:00");
    }

    #[test]
    fn utc_times_are_read_in_vietnam_time() {
        // 2026-02-13T02:00Z is 09:00 in Hanoi.
        assert_eq!(due_days("2026-02-13T02:00:00Z", 5), "2026-02-27 17:00");
        // 2026-02-13T11:00Z is 18:00 in Hanoi: after hours.
        assert_eq!(due_days("2026-02-13T11:00:00Z", 5), "2026-03-02 17:00");
    }

    #[test]
    fn registration_closes_on_the_last_working_day_at_least_7_days_before() {
        let c = calendar();
        let cutoff = |s: &str| {
            c.registration_cutoff(at(s), 7)
                .with_timezone(&vietnam())
                .format("%Y-%m-%d %H:%M")
                .to_string()
        };
        // Conference Thursday 12 March: 7 days before is Thursday 5 March, a working day.
        assert_eq!(cutoff("2026-03-12T08:00:00+07:00"), "2026-03-05 17:00");
        // Conference Monday 16 March: 7 days before is Monday 9 March.
        assert_eq!(cutoff("2026-03-16T08:00:00+07:00"), "2026-03-09 17:00");
        // Conference Sunday 15 March: Sunday 8 March is off → Friday 6 March.
        assert_eq!(cutoff("2026-03-15T08:00:00+07:00"), "2026-03-06 17:00");
        // Conference Friday 27 February: Friday 20 February is Tết → Friday 13 February.
        assert_eq!(cutoff("2026-02-27T08:00:00+07:00"), "2026-02-13 17:00");
        // Conference Friday 8 May: Friday 1 May and Thursday 30 April are holidays → Wed 29 April.
        assert_eq!(cutoff("2026-05-08T08:00:00+07:00"), "2026-04-29 17:00");
    }

    #[test]
    fn working_hours_skip_lunch_nights_weekends_and_tet() {
        let c = calendar();
        let due = |s: &str, h| {
            c.due(at(s), Span::WorkingHours(h))
                .with_timezone(&vietnam())
                .format("%Y-%m-%d %H:%M")
                .to_string()
        };
        assert_eq!(due("2026-03-02T09:00:00+07:00", 2), "2026-03-02 11:00");
        assert_eq!(due("2026-03-02T11:00:00+07:00", 2), "2026-03-02 14:00");
        assert_eq!(due("2026-03-02T16:00:00+07:00", 8), "2026-03-03 16:00");
        assert_eq!(due("2026-02-13T15:00:00+07:00", 4), "2026-02-23 10:00");
        assert_eq!(due("2026-03-07T10:00:00+07:00", 1), "2026-03-09 09:00");
    }

    #[test]
    fn a_make_up_saturday_is_a_working_day() {
        // Say Friday 4 September were a bridge day off, worked back on Saturday 12 September.
        let c = calendar().with_working_days(["2026-09-12".parse().unwrap()]);
        let sat = "2026-09-12".parse().unwrap();
        assert!(c.is_working_day(sat));
        // Received Friday 11 September, 1 working day → Saturday 12 September.
        assert_eq!(
            c.due(at("2026-09-11T09:00:00+07:00"), Span::WorkingDays(1))
                .with_timezone(&vietnam())
                .format("%Y-%m-%d %H:%M")
                .to_string(),
            "2026-09-12 17:00"
        );
        // A receipt on that Saturday counts from that Saturday.
        assert_eq!(c.day_of_receipt(at("2026-09-12T09:00:00+07:00")), sat);
    }

    #[test]
    fn a_unit_with_its_own_office_hours_counts_by_them() {
        let c = calendar().with_unit_hours([(
            "xa-soc-son".to_owned(),
            OfficeHours::parse("07:30-11:30,13:30-16:30").unwrap(),
        )]);
        let fmt = |d: DateTime<Utc>| {
            d.with_timezone(&vietnam())
                .format("%Y-%m-%d %H:%M")
                .to_string()
        };
        let received = at("2026-03-02T16:45:00+07:00");
        // After 16:30 in Sóc Sơn: counted from the next day, due at its 16:30.
        assert_eq!(
            fmt(c.for_unit("xa-soc-son").due(received, Span::WorkingDays(1))),
            "2026-03-04 16:30"
        );
        // Elsewhere the city's hours: still the day of receipt.
        assert_eq!(
            fmt(c
                .for_unit("phuong-lang")
                .due(received, Span::WorkingDays(1))),
            "2026-03-03 17:00"
        );
        // Four working hours from 11:00 in Sóc Sơn: 30 minutes before lunch, 3.5 after.
        assert_eq!(
            fmt(c
                .for_unit("xa-soc-son")
                .due(at("2026-03-02T11:00:00+07:00"), Span::WorkingHours(4))),
            "2026-03-03 08:00"
        );
    }

    /// A unit's own deadline policy wins over the city's, and the city's over the caller's
    /// default (routing's `deadline_policies`, read by notification's notice watch).
    #[test]
    fn a_units_own_deadline_comes_before_the_citys() {
        let c = calendar().with_deadlines([
            (
                CITY.to_owned(),
                "acknowledgement".to_owned(),
                Span::WorkingHours(8),
            ),
            (
                "xa-soc-son".to_owned(),
                "acknowledgement".to_owned(),
                Span::WorkingHours(4),
            ),
        ]);
        let default = Span::WorkingHours(16);
        assert_eq!(
            c.for_unit("xa-soc-son")
                .deadline("acknowledgement", default),
            Span::WorkingHours(4)
        );
        assert_eq!(
            c.for_unit("phuong-lang")
                .deadline("acknowledgement", default),
            Span::WorkingHours(8)
        );
        assert_eq!(
            c.for_unit("phuong-lang")
                .deadline("refusal", Span::WorkingDays(3)),
            Span::WorkingDays(3)
        );
    }
}
