//! The typed bodies of answering's endpoints, each read by [`Command::parse`] with every field
//! at fault named at once.

use doithoai_web::input::{Command, Fields};

/// `POST /api/v1/staff/cases/{case}/drafts`.
#[derive(Debug)]
pub struct Draft {
    pub answer: String,
}

impl Command for Draft {
    fn parse(f: &mut Fields<'_>) -> Option<Self> {
        Some(Draft {
            answer: f.text("answer", 20_000, true)?,
        })
    }
}

/// A head's decision on a draft.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Approve,
    RequestChanges,
}

/// `POST /api/v1/staff/cases/{case}/review`.
#[derive(Debug)]
pub struct Review {
    pub decision: Decision,
    pub note: Option<String>,
}

impl Command for Review {
    fn parse(f: &mut Fields<'_>) -> Option<Self> {
        let decision = f.choice(
            "decision",
            &[
                ("approve", Decision::Approve),
                ("request_changes", Decision::RequestChanges),
            ],
            true,
        );
        let note = f.text("note", 2000, false);
        Some(Review {
            decision: decision?,
            note,
        })
    }
}

/// `POST /api/v1/answers/{tracking_code}/rating` (public): the submitter's score, proved by
/// the phone or email they gave.
#[derive(Debug)]
pub struct Rating {
    pub score: i16,
    pub comment: Option<String>,
    pub contact: String,
}

impl Command for Rating {
    fn parse(f: &mut Fields<'_>) -> Option<Self> {
        let score = f.integer("score", 1..=5, true);
        let comment = f.text("comment", 2000, false);
        let contact = f.text("contact", 254, true);
        Some(Rating {
            score: score? as i16,
            comment,
            contact: contact?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_rating_names_every_field_at_fault() {
        assert_eq!(
            Fields::codes::<Rating>(&json!({"score": 6, "comment": 1})),
            [
                "score:out_of_range",
                "comment:wrong_type",
                "contact:required"
            ]
        );
        assert_eq!(
            Fields::codes::<Rating>(&json!({"score": "5", "contact": "x"})),
            ["score:wrong_type"]
        );
    }

    #[test]
    fn a_review_is_approve_or_request_changes() {
        assert_eq!(
            Fields::codes::<Review>(&json!({"decision": "ok"})),
            ["decision:unknown_value"]
        );
        assert_eq!(
            Fields::codes::<Draft>(&json!({"answer": "  "})),
            ["answer:required"]
        );
    }
}
