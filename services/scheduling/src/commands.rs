//! The typed bodies of scheduling's staff endpoints, each read by [`Command::parse`] with every
//! field at fault named at once.

use crate::domain::status::ConferenceFormat;
pub use crate::domain::status::OutcomeKind;
use chrono::{DateTime, Utc};
use doithoai_web::input::{Command, Fields};

/// `POST /api/v1/staff/conferences`.
#[derive(Debug, utoipa::ToSchema)]
pub struct Plan {
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    /// In the future, RFC 3339 with its offset.
    pub starts_at: DateTime<Utc>,
    #[schema(min_length = 1, max_length = 500)]
    pub venue: String,
    /// An https:// link, without credentials.
    #[schema(max_length = 500, pattern = "^https://[^@/?#\\s]+([/?#]\\S*)?$")]
    pub online_link: Option<String>,
    #[schema(min_length = 1, max_length = 200)]
    pub chair: String,
    #[schema(max_items = 50)]
    pub co_organisers: Vec<String>,
    /// Procedure field codes.
    #[schema(max_items = 50)]
    pub fields: Vec<String>,
    /// `hoi_nghi` (default), `toa_dam` or `gap_go`.
    pub format: ConferenceFormat,
}

impl Command for Plan {
    fn parse(f: &mut Fields<'_>) -> Option<Self> {
        let title = f.line("title", 300, true);
        let starts_at = f.time("starts_at", true);
        let venue = f.line("venue", 500, true);
        let online_link = f.link("online_link", 500, false);
        let chair = f.line("chair", 200, true);
        let co_organisers = f.strings("co_organisers", 50, 200);
        let fields = f.strings("fields", 50, 200);
        let format = f.choice("format", &ConferenceFormat::choices(), false);
        if starts_at.is_some_and(|t| t <= Utc::now()) {
            f.error(
                "starts_at",
                "in_past",
                "Thời điểm phải ở tương lai",
                "Must be in the future",
            );
        }
        Some(Plan {
            title: title?,
            starts_at: starts_at?,
            venue: venue?,
            online_link,
            chair: chair?,
            co_organisers,
            fields,
            format: format.unwrap_or(ConferenceFormat::Conference),
        })
    }
}

/// `POST /api/v1/staff/conferences/{id}/outcomes`: the fields each outcome needs are required
/// with it.
#[derive(Debug, utoipa::ToSchema)]
pub struct Outcome {
    /// The petition id or its tracking code, as typed.
    #[schema(min_length = 1, max_length = 64)]
    pub petition: String,
    pub outcome: OutcomeKind,
    /// Required with `answered`.
    #[schema(max_length = 20000)]
    pub answer: Option<String>,
    /// Required with `written`.
    #[schema(max_length = 64)]
    pub department: Option<String>,
    /// Required with `written`.
    pub due_at: Option<DateTime<Utc>>,
    /// Required with `forwarded`.
    #[schema(max_length = 200)]
    pub forwarded_to: Option<String>,
}

impl Command for Outcome {
    fn parse(f: &mut Fields<'_>) -> Option<Self> {
        let petition = f.line("petition", 64, true);
        let kind = f.choice("outcome", &OutcomeKind::choices(), true);
        let answer = f.text("answer", 20_000, kind == Some(OutcomeKind::Answered));
        let department = f.line("department", 64, kind == Some(OutcomeKind::Written));
        let due_at = f.time("due_at", kind == Some(OutcomeKind::Written));
        let forwarded_to = f.line("forwarded_to", 200, kind == Some(OutcomeKind::Forwarded));
        Some(Outcome {
            petition: petition?,
            outcome: kind?,
            answer,
            department,
            due_at,
            forwarded_to,
        })
    }
}

/// `POST /api/v1/staff/conferences/{id}/attendance`.
#[derive(Debug, utoipa::ToSchema)]
pub struct Attendance {
    #[schema(minimum = 0, maximum = 100000)]
    pub count: i32,
}

impl Command for Attendance {
    fn parse(f: &mut Fields<'_>) -> Option<Self> {
        let count = f.integer("count", 0..=100_000, true)?;
        Some(Attendance {
            count: i32::try_from(count).ok()?,
        })
    }
}

/// `POST /api/v1/staff/conferences/{id}/minutes` and `/results`.
#[derive(Debug, utoipa::ToSchema)]
pub struct Publication {
    #[schema(min_length = 1, max_length = 100000)]
    pub text: String,
    /// Names the public text must not show; phones, ID numbers, emails, addresses and names
    /// after an honorific or a surname are removed without being listed.
    #[schema(max_items = 50)]
    pub private_names: Vec<String>,
}

impl Command for Publication {
    fn parse(f: &mut Fields<'_>) -> Option<Self> {
        let private_names = f.strings("private_names", 50, 200);
        Some(Publication {
            text: f.text("text", 100_000, true)?,
            private_names,
        })
    }
}

/// `POST /api/v1/staff/conferences/{id}/cancel`.
#[derive(Debug, utoipa::ToSchema)]
pub struct Cancel {
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
    /// In the future: every registered question is answered in writing by then.
    pub written_answers_due_at: DateTime<Utc>,
}

impl Command for Cancel {
    fn parse(f: &mut Fields<'_>) -> Option<Self> {
        let reason = f.text("reason", 2000, true);
        let due = f.time("written_answers_due_at", true);
        if due.is_some_and(|d| d <= Utc::now()) {
            f.error(
                "written_answers_due_at",
                "in_past",
                "Phải ở tương lai",
                "Must be in the future",
            );
        }
        Some(Cancel {
            reason: reason?,
            written_answers_due_at: due?,
        })
    }
}

/// `PUT /api/v1/staff/residential-groups/{code}`: a residential group of the token's unit and
/// its head, to whom dialogue notices and results notices go.
#[derive(Debug, utoipa::ToSchema)]
pub struct Group {
    #[schema(min_length = 1, max_length = 200, example = "Tổ dân phố số 5")]
    pub name_vi: String,
    #[schema(max_length = 150)]
    pub head_name: Option<String>,
    #[schema(max_length = 254)]
    pub head_email: Option<String>,
    /// Any usual spelling of a Vietnamese number; kept as E.164.
    #[schema(max_length = 32)]
    pub head_phone: Option<String>,
}

impl Command for Group {
    fn parse(f: &mut Fields<'_>) -> Option<Self> {
        let name_vi = f.line("name_vi", 200, true);
        let head_name = f.line("head_name", 150, false);
        let head_email = f.line("head_email", 254, false);
        if let Some(e) = &head_email {
            let ok = e.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty() && domain.contains('.') && !domain.starts_with('.')
            }) && !e.contains(char::is_whitespace);
            if !ok {
                f.error(
                    "head_email",
                    "invalid_email",
                    "Địa chỉ thư điện tử không hợp lệ",
                    "Not an email address",
                );
            }
        }
        let head_phone = match f.line("head_phone", 32, false) {
            None => None,
            Some(p) => match phonenumber::parse(Some(phonenumber::country::Id::VN), &p) {
                Ok(n) if phonenumber::is_valid(&n) => {
                    Some(n.format().mode(phonenumber::Mode::E164).to_string())
                }
                _ => {
                    f.error(
                        "head_phone",
                        "invalid_phone",
                        "Số điện thoại Việt Nam không hợp lệ",
                        "Not a valid Vietnamese phone number",
                    );
                    None
                }
            },
        };
        Some(Group {
            name_vi: name_vi?,
            head_name,
            head_email,
            head_phone,
        })
    }
}

/// `POST /api/v1/staff/conferences/{id}/reschedule`.
#[derive(Debug, utoipa::ToSchema)]
pub struct Reschedule {
    /// The new start, in the future (at least 7 days ahead once the notice is out: a new notice
    /// goes out now).
    pub starts_at: DateTime<Utc>,
    /// A new venue, if it changes too.
    #[schema(max_length = 500)]
    pub venue: Option<String>,
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
}

impl Command for Reschedule {
    fn parse(f: &mut Fields<'_>) -> Option<Self> {
        let starts_at = f.time("starts_at", true);
        if starts_at.is_some_and(|d| d <= Utc::now()) {
            f.error(
                "starts_at",
                "in_past",
                "Phải ở tương lai",
                "Must be in the future",
            );
        }
        let venue = f.line("venue", 500, false);
        let reason = f.text("reason", 2000, true);
        Some(Reschedule {
            starts_at: starts_at?,
            venue,
            reason: reason?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_outcome_requires_its_own_fields() {
        assert_eq!(
            Fields::codes::<Outcome>(&json!({"petition": "X", "outcome": "written"})),
            ["department:required", "due_at:required"]
        );
        assert_eq!(
            Fields::codes::<Outcome>(&json!({"petition": "X", "outcome": "answered"})),
            ["answer:required"]
        );
        assert_eq!(
            Fields::codes::<Outcome>(&json!({"outcome": "maybe"})),
            ["petition:required", "outcome:unknown_value"]
        );
        assert!(
            Fields::codes::<Outcome>(
                &json!({"petition": "X", "outcome": "forwarded", "forwarded_to": "Sở Xây dựng"})
            )
            .is_empty()
        );
    }

    #[test]
    fn a_plan_in_the_past_or_with_a_bad_link_names_both() {
        assert_eq!(
            Fields::codes::<Plan>(
                &json!({"title": "T", "starts_at": "2020-01-01T08:00:00+07:00", "venue": "V",
                "chair": "C", "online_link": "http://zoom.us/x", "fields": ["a", 3]})
            ),
            [
                "online_link:invalid_url",
                "fields:wrong_type",
                "starts_at:in_past"
            ]
        );
    }

    #[test]
    fn attendance_is_a_count_and_cancel_a_future_date() {
        assert_eq!(
            Fields::codes::<Attendance>(&json!({"count": -1})),
            ["count:out_of_range"]
        );
        assert_eq!(Fields::codes::<Attendance>(&json!({})), ["count:required"]);
        assert_eq!(
            Fields::codes::<Cancel>(
                &json!({"reason": "Bão", "written_answers_due_at": "2020-01-01T00:00:00Z"})
            ),
            ["written_answers_due_at:in_past"]
        );
    }
}
