//! The typed bodies of answering's endpoints, each read by [`Command::parse`] with every field
//! at fault named at once.

use doithoai_web::input::{Command, Fields};

/// `POST /api/v1/staff/cases/{case}/drafts`.
#[derive(Debug, utoipa::ToSchema)]
pub struct Draft {
    #[schema(min_length = 1, max_length = 20000)]
    pub answer: String,
    /// Names of people other than the submitter that the public version must not show (the
    /// submitter's own are removed without being listed).
    #[schema(max_items = 50)]
    pub private_names: Vec<String>,
}

impl Command for Draft {
    fn parse(f: &mut Fields<'_>) -> Option<Self> {
        let private_names = f.strings("private_names", 50, 200);
        Some(Draft {
            answer: f.text("answer", 20_000, true)?,
            private_names,
        })
    }
}

doithoai_db::text_enum! {
    /// A head's decision on a draft.
    pub enum Decision {
        Approve = "approve",
        RequestChanges = "request_changes",
    }
}

/// `POST /api/v1/staff/cases/{case}/review`.
#[derive(Debug, utoipa::ToSchema)]
pub struct Review {
    pub decision: Decision,
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

impl Command for Review {
    fn parse(f: &mut Fields<'_>) -> Option<Self> {
        let decision = f.choice("decision", &Decision::choices(), true);
        let note = f.text("note", 2000, false);
        Some(Review {
            decision: decision?,
            note,
        })
    }
}

/// `POST /api/v1/staff/cases/{case}/approve` (the leader): after the preview, the public version
/// as the leader edited it, or the reason to withhold it; an empty body publishes the preview.
#[derive(Debug, Default, utoipa::ToSchema)]
pub struct Approval {
    #[schema(max_length = 250)]
    pub public_title: Option<String>,
    #[schema(max_length = 10000)]
    pub public_question: Option<String>,
    #[schema(max_length = 20000)]
    pub public_answer: Option<String>,
    /// Publish nothing, for this reason (recorded in the history); the submitter still gets
    /// the answer.
    #[schema(max_length = 2000)]
    pub withhold_reason: Option<String>,
}

impl Command for Approval {
    fn parse(f: &mut Fields<'_>) -> Option<Self> {
        Some(Approval {
            public_title: f.line("public_title", 250, false),
            public_question: f.text("public_question", 10_000, false),
            public_answer: f.text("public_answer", 20_000, false),
            withhold_reason: f.text("withhold_reason", 2000, false),
        })
    }
}

/// `POST /api/v1/answers/{tracking_code}/rating` (public): the submitter's score, proved by
/// the one-time token sent to them with the answer.
#[derive(Debug, utoipa::ToSchema)]
pub struct Rating {
    #[schema(minimum = 1, maximum = 5)]
    pub score: i16,
    #[schema(max_length = 2000)]
    pub comment: Option<String>,
    /// The one-time rating token from the answer's email or SMS.
    #[schema(min_length = 1, max_length = 64)]
    pub token: String,
}

impl Command for Rating {
    fn parse(f: &mut Fields<'_>) -> Option<Self> {
        let score = f.integer("score", 1..=5, true);
        let comment = f.text("comment", 2000, false);
        let token = f.line("token", 64, true);
        Some(Rating {
            score: score? as i16,
            comment,
            token: token?,
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
            ["score:out_of_range", "comment:wrong_type", "token:required"]
        );
        assert_eq!(
            Fields::codes::<Rating>(&json!({"score": "5", "token": "x"})),
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
