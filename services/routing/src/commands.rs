//! The typed bodies of routing's staff endpoints, each read by [`Command::parse`] with every
//! field at fault named at once. What needs the database (does that department, unit or field
//! exist?) is checked by the handler after.

use crate::domain::calendar::OfficeHours;
use crate::domain::policy::DayKind;
use doithoai_web::input::{Command, Fields};

/// `POST /api/v1/staff/routing/{petition}/reroute`.
#[derive(Debug, utoipa::ToSchema)]
pub struct Reroute {
    /// A department code of the unit.
    #[schema(min_length = 1, max_length = 64)]
    pub department: String,
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
}

impl Command for Reroute {
    fn parse(f: &mut Fields<'_>) -> Option<Self> {
        let department = f.line("department", 64, true);
        let reason = f.text("reason", 2000, true);
        Some(Reroute {
            department: department?,
            reason: reason?,
        })
    }
}

/// `POST /api/v1/staff/routing/{petition}/transfer`.
#[derive(Debug, utoipa::ToSchema)]
pub struct Transfer {
    /// The code of the unit or city body that takes it.
    #[schema(min_length = 1, max_length = 64)]
    pub to: String,
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
}

impl Command for Transfer {
    fn parse(f: &mut Fields<'_>) -> Option<Self> {
        let to = f.line("to", 64, true);
        let reason = f.text("reason", 2000, true);
        Some(Transfer {
            to: to?,
            reason: reason?,
        })
    }
}

/// `POST /api/v1/staff/routing/{petition}/refuse` and `…/urgent`: why.
#[derive(Debug, utoipa::ToSchema)]
pub struct Refuse {
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
}

impl Command for Refuse {
    fn parse(f: &mut Fields<'_>) -> Option<Self> {
        Some(Refuse {
            reason: f.text("reason", 2000, true)?,
        })
    }
}

/// `POST /api/v1/staff/routing/{petition}/accept`.
#[derive(Debug, utoipa::ToSchema)]
pub struct Accept {
    /// Why, for the history (optional).
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

impl Command for Accept {
    fn parse(f: &mut Fields<'_>) -> Option<Self> {
        Some(Accept {
            note: f.text("note", 2000, false),
        })
    }
}

/// `PUT /api/v1/staff/holidays/{date}`.
#[derive(Debug, utoipa::ToSchema)]
pub struct Holiday {
    #[schema(min_length = 1, max_length = 200)]
    pub name_vi: String,
    /// Empty when not given.
    #[schema(max_length = 200)]
    pub name_en: String,
    /// `holiday` (the default) or `working_day`: a Saturday or Sunday worked in exchange for a
    /// bridge day off.
    #[schema(value_type = String)]
    pub kind: DayKind,
    /// Not yet fixed by the Government's decision for that year (default false).
    pub provisional: bool,
}

impl Command for Holiday {
    fn parse(f: &mut Fields<'_>) -> Option<Self> {
        let name_vi = f.line("name_vi", 200, true);
        let name_en = f.line("name_en", 200, false).unwrap_or_default();
        // Absent is a holiday; a value not in the list is named at fault.
        let kind = f
            .choice("kind", &DayKind::choices(), false)
            .unwrap_or(DayKind::Holiday);
        let provisional = f.boolean("provisional").unwrap_or(false);
        Some(Holiday {
            name_vi: name_vi?,
            name_en,
            kind,
            provisional,
        })
    }
}

/// `PUT /api/v1/staff/office-hours/{unit|default}`.
#[derive(Debug, utoipa::ToSchema)]
pub struct Hours {
    /// One to four sessions in order, e.g. `07:30-11:30,13:30-17:00` (Asia/Ho_Chi_Minh).
    #[schema(value_type = String, min_length = 11, max_length = 100, example = "08:00-12:00,13:00-17:00")]
    pub sessions: OfficeHours,
}

impl Command for Hours {
    fn parse(f: &mut Fields<'_>) -> Option<Self> {
        let text = f.line("sessions", 100, true)?;
        let Some(sessions) = OfficeHours::parse(&text) else {
            f.error(
                "sessions",
                "invalid_office_hours",
                "Một đến bốn buổi theo thứ tự, dạng 07:30-11:30,13:30-17:00",
                "One to four sessions in order, as 07:30-11:30,13:30-17:00",
            );
            return None;
        };
        Some(Hours { sessions })
    }
}

/// The length of a deadline: exactly one of working days or working hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Length {
    WorkingDays(i32),
    WorkingHours(i32),
}

impl Length {
    /// `(working_days, working_hours)` as stored.
    pub fn columns(self) -> (Option<i32>, Option<i32>) {
        match self {
            Length::WorkingDays(d) => (Some(d), None),
            Length::WorkingHours(h) => (None, Some(h)),
        }
    }
}

/// `PUT /api/v1/staff/policies/{unit|default}/{class}`.
#[derive(Debug, utoipa::ToSchema)]
pub struct Policy {
    /// Exactly one of `working_days` and `working_hours`.
    #[schema(minimum = 1, maximum = 365)]
    pub working_days: Option<i32>,
    #[schema(minimum = 1, maximum = 365)]
    pub working_hours: Option<i32>,
    /// For the answer class: a head reviews drafts before the leader signs.
    pub review_required: bool,
}

impl Policy {
    pub fn length(&self) -> Length {
        match (self.working_days, self.working_hours) {
            (Some(d), _) => Length::WorkingDays(d),
            (None, Some(h)) => Length::WorkingHours(h),
            // `parse` takes exactly one.
            (None, None) => Length::WorkingDays(15),
        }
    }
}

impl Command for Policy {
    fn parse(f: &mut Fields<'_>) -> Option<Self> {
        let days = f.integer("working_days", 1..=365, false);
        let hours = f.integer("working_hours", 1..=365, false);
        let review_required = f.boolean("review_required").unwrap_or(false);
        let length = match (days, hours) {
            (Some(d), None) => Some(Length::WorkingDays(d as i32)),
            (None, Some(h)) => Some(Length::WorkingHours(h as i32)),
            _ if f.has_errors() => None,
            _ => {
                f.error(
                    "working_days",
                    "one_required",
                    "Cần đúng một trong working_days hoặc working_hours",
                    "Give exactly one of working_days or working_hours",
                );
                None
            }
        };
        let (working_days, working_hours) = length?.columns();
        Some(Policy {
            working_days,
            working_hours,
            review_required,
        })
    }
}

/// `PUT /api/v1/staff/rules`: a rule for every unit (no `unit`) or one unit's override.
#[derive(Debug, utoipa::ToSchema)]
pub struct Rule {
    /// A unit's override; absent for every unit (a unit that is not a string is an error).
    #[schema(max_length = 64)]
    pub unit: Option<String>,
    /// A procedure field code.
    #[schema(min_length = 1, max_length = 64)]
    pub field: String,
    #[schema(minimum = 1, maximum = 8)]
    pub content_type: Option<i16>,
    #[schema(min_length = 1, max_length = 64)]
    pub department: String,
}

impl Command for Rule {
    fn parse(f: &mut Fields<'_>) -> Option<Self> {
        let field = f.line("field", 64, true);
        let department = f.line("department", 64, true);
        let unit = f.line("unit", 64, false);
        let content_type = f.integer("content_type", 1..=8, false);
        Some(Rule {
            unit,
            field: field?,
            content_type: content_type.map(|n| n as i16),
            department: department?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_policy_is_days_or_hours_never_both() {
        assert_eq!(
            Fields::codes::<Policy>(&json!({"working_days": 5, "working_hours": 8})),
            ["working_days:one_required"]
        );
        assert_eq!(
            Fields::codes::<Policy>(&json!({})),
            ["working_days:one_required"]
        );
        assert_eq!(
            Fields::codes::<Policy>(&json!({"working_days": 0, "review_required": "yes"})),
            ["working_days:out_of_range", "review_required:wrong_type"]
        );
        let p =
            Fields::run::<Policy>(&json!({"working_hours": 8}), doithoai_web::Lang::Vi).unwrap();
        assert_eq!(p.length().columns(), (None, Some(8)));
    }

    #[test]
    fn a_rule_with_a_numeric_unit_is_refused_not_city_wide() {
        assert_eq!(
            Fields::codes::<Rule>(
                &json!({"unit": 5, "field": "dat_dai", "department": "dc", "content_type": 9})
            ),
            ["unit:wrong_type", "content_type:out_of_range"]
        );
    }
}
