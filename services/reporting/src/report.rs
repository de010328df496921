//! What a report says: the period and the selection asked for, the measures of each group and
//! of the whole, and how they are derived from the sums (rates, the median time to answer,
//! the satisfaction index against the city's 86 % target).

use chrono::{Datelike, Months, NaiveDate};
use serde::Serialize;

/// The city's satisfaction target, in percent (seed 004).
pub const SATISFACTION_TARGET: f64 = 86.0;

/// Upper bounds, in days, of the bins the time to answer is counted in (as `answer_bin` in
/// the migration); the last bin holds everything from 60 days on.
pub const BIN_BOUNDS: [f64; 11] = [1.0, 2.0, 3.0, 5.0, 7.0, 10.0, 15.0, 20.0, 30.0, 45.0, 60.0];
pub const BINS: usize = BIN_BOUNDS.len() + 1;

/// How a report's rows are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    Unit,
    Field,
    Department,
    Month,
}

impl Dimension {
    pub fn parse(s: &str) -> Option<Dimension> {
        match s {
            "unit" => Some(Dimension::Unit),
            "field" => Some(Dimension::Field),
            "department" => Some(Dimension::Department),
            "month" => Some(Dimension::Month),
            _ => None,
        }
    }

    /// The SQL expression of a row's key in the sums.
    pub fn sql(self) -> &'static str {
        match self {
            Dimension::Unit => "unit",
            Dimension::Field => "field",
            Dimension::Department => "department",
            Dimension::Month => "to_char(day, 'YYYY-MM')",
        }
    }
}

/// A period of whole days, `from` to `to` inclusive (Hanoi dates), split into the whole
/// months the monthly sums answer and the days at its edges the daily sums answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// The parts of a [`Period`]: `months` (first days, end exclusive) and up to two day ranges
/// (end exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Split {
    pub months: (NaiveDate, NaiveDate),
    pub head: (NaiveDate, NaiveDate),
    pub tail: (NaiveDate, NaiveDate),
}

fn first_of_month(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

fn next_month(d: NaiveDate) -> NaiveDate {
    first_of_month(d)
        .checked_add_months(Months::new(1))
        .unwrap_or(d)
}

impl Period {
    /// ```
    /// use chrono::NaiveDate;
    /// use reporting::report::Period;
    /// let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    /// let s = Period { from: d("2026-01-15"), to: d("2026-04-10") }.split();
    /// assert_eq!(s.months, (d("2026-02-01"), d("2026-04-01")));
    /// assert_eq!(s.head, (d("2026-01-15"), d("2026-02-01")));
    /// assert_eq!(s.tail, (d("2026-04-01"), d("2026-04-11")));
    /// // Whole months only: no days.
    /// let s = Period { from: d("2026-01-01"), to: d("2026-12-31") }.split();
    /// assert_eq!(s.months, (d("2026-01-01"), d("2027-01-01")));
    /// assert_eq!(s.head.0, s.head.1);
    /// assert_eq!(s.tail.0, s.tail.1);
    /// // Within one month: days only.
    /// let s = Period { from: d("2026-03-03"), to: d("2026-03-20") }.split();
    /// assert_eq!(s.months.0, s.months.1);
    /// assert_eq!(s.head, (d("2026-03-03"), d("2026-03-21")));
    /// ```
    pub fn split(self) -> Split {
        let end = self.to.succ_opt().unwrap_or(self.to);
        let first_full = if self.from.day() == 1 {
            self.from
        } else {
            next_month(self.from)
        };
        let last_full_end = first_of_month(end);
        if first_full >= last_full_end {
            return Split {
                months: (first_full, first_full),
                head: (self.from, end),
                tail: (end, end),
            };
        }
        Split {
            months: (first_full, last_full_end),
            head: (self.from, first_full),
            tail: (last_full_end, end),
        }
    }

    /// The month `yyyy-mm`'s first and last days.
    pub fn month(year: i32, month: u32) -> Option<Period> {
        let from = NaiveDate::from_ymd_opt(year, month, 1)?;
        let to = next_month(from).pred_opt()?;
        Some(Period { from, to })
    }
}

/// The sums of one group, as stored.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sums {
    pub received: i64,
    pub accepted: i64,
    pub not_accepted: i64,
    pub refused: i64,
    pub transferred: i64,
    pub on_time: i64,
    pub late: i64,
    pub answer_days: f64,
    pub bins: [i64; BINS],
    pub rated: i64,
    pub satisfied: i64,
    pub score: i64,
}

impl Sums {
    pub fn add(&mut self, o: &Sums) {
        self.received += o.received;
        self.accepted += o.accepted;
        self.not_accepted += o.not_accepted;
        self.refused += o.refused;
        self.transferred += o.transferred;
        self.on_time += o.on_time;
        self.late += o.late;
        self.answer_days += o.answer_days;
        for (a, b) in self.bins.iter_mut().zip(o.bins) {
            *a += b;
        }
        self.rated += o.rated;
        self.satisfied += o.satisfied;
        self.score += o.score;
    }

    /// Whether nothing is counted (a group whose petitions all moved elsewhere keeps a row of
    /// zeros in the sums).
    pub fn is_empty(&self) -> bool {
        [
            self.received,
            self.accepted,
            self.not_accepted,
            self.refused,
            self.transferred,
            self.on_time,
            self.late,
            self.rated,
            self.satisfied,
        ]
        .iter()
        .all(|n| *n == 0)
    }

    /// The measures people read, with the petitions overdue now.
    pub fn measures(&self, overdue_now: i64) -> Measures {
        let answered = self.on_time + self.late;
        let pct = |n: i64, of: i64| (of > 0).then(|| round1(100.0 * n as f64 / of as f64));
        let satisfaction_index = pct(self.satisfied, self.rated);
        Measures {
            received: self.received,
            accepted: self.accepted,
            not_accepted: self.not_accepted,
            refused: self.refused,
            transferred: self.transferred,
            answered,
            answered_on_time: self.on_time,
            answered_late: self.late,
            on_time_rate: pct(self.on_time, answered),
            median_days_to_answer: median(&self.bins).map(round1),
            mean_days_to_answer: (answered > 0).then(|| round1(self.answer_days / answered as f64)),
            overdue_now,
            ratings: self.rated,
            satisfied: self.satisfied,
            average_score: (self.rated > 0).then(|| round1(self.score as f64 / self.rated as f64)),
            satisfaction_index,
            meets_satisfaction_target: satisfaction_index.map(|i| i >= SATISFACTION_TARGET),
        }
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// The measures of a group.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Measures {
    /// Submissions received (PAKN and those not accepted), by the day of receipt.
    pub received: i64,
    /// Of those, accepted as PAKN (and not refused).
    pub accepted: i64,
    /// Not accepted: complaints, denunciations, anonymous letters (Decree 20).
    pub not_accepted: i64,
    /// Refused on triage.
    pub refused: i64,
    /// Transferred to another body, by the day of the transfer.
    pub transferred: i64,
    /// Answered (signed), by the day of the answer.
    pub answered: i64,
    pub answered_on_time: i64,
    pub answered_late: i64,
    /// Percent of answers on time.
    pub on_time_rate: Option<f64>,
    /// Median days from receipt to answer (estimated within the bins beyond 3 days).
    pub median_days_to_answer: Option<f64>,
    pub mean_days_to_answer: Option<f64>,
    /// Open petitions past their due date now (whatever the period).
    pub overdue_now: i64,
    /// Ratings given in the period.
    pub ratings: i64,
    /// Ratings of 4 or 5.
    pub satisfied: i64,
    pub average_score: Option<f64>,
    /// Percent of ratings satisfied; the target is 86 %.
    pub satisfaction_index: Option<f64>,
    pub meets_satisfaction_target: Option<bool>,
}

/// The median of the counts in `bins`, interpolated within its bin (the bins' bounds are
/// [`BIN_BOUNDS`]; the last, open bin gives its lower bound).
///
/// ```
/// use reporting::report::{median, BINS};
/// let mut bins = [0i64; BINS];
/// assert_eq!(median(&bins), None);
/// bins[5] = 10; // all between 7 and 10 days
/// assert_eq!(median(&bins), Some(8.5));
/// bins[0] = 10; // half under a day, half 7 to 10 days
/// assert_eq!(median(&bins), Some(1.0));
/// ```
pub fn median(bins: &[i64; BINS]) -> Option<f64> {
    let n: i64 = bins.iter().sum();
    if n <= 0 {
        return None;
    }
    let half = n as f64 / 2.0;
    let mut below = 0.0;
    for (i, &c) in bins.iter().enumerate() {
        let c = c as f64;
        if c > 0.0 && below + c >= half {
            let lo = if i == 0 { 0.0 } else { BIN_BOUNDS[i - 1] };
            let Some(&hi) = BIN_BOUNDS.get(i) else {
                return Some(lo);
            };
            return Some(lo + (hi - lo) * (half - below) / c);
        }
        below += c;
    }
    Some(BIN_BOUNDS[BIN_BOUNDS.len() - 1])
}
