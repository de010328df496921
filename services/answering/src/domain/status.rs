//! A case's status and what it allows: one definition, used by the inbox, the deadline watch and
//! the answering steps (the database's `cases_status_known` CHECK holds the same list).

doithoai_db::text_enum! {
    /// Where a case stands.
    pub enum CaseStatus {
        /// In a department's inbox, no draft yet (or changes were requested).
        Assigned = "assigned",
        /// A draft waits for review or approval.
        Drafted = "drafted",
        /// The head approved the draft; the leader signs.
        Reviewed = "reviewed",
        /// Signed and numbered: answered.
        Approved = "approved",
        /// Refused by routing: out of the inbox.
        Refused = "refused",
    }
}

impl CaseStatus {
    /// The statuses of closed cases, for SQL filters (`status.ne_all(CLOSED)`).
    pub const CLOSED: [CaseStatus; 2] = [CaseStatus::Approved, CaseStatus::Refused];

    /// Still to be answered: neither approved nor refused. Only an open case can be overdue,
    /// drafted or reviewed.
    pub fn is_open(self) -> bool {
        !Self::CLOSED.contains(&self)
    }

    /// Whether a case in this status, due at `due_at`, is overdue at `now`: open and past due.
    pub fn is_overdue(
        self,
        due_at: chrono::DateTime<chrono::Utc>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> bool {
        self.is_open() && due_at < now
    }

    /// A head reviews a draft.
    pub fn can_review(self) -> bool {
        self == CaseStatus::Drafted
    }

    /// The leader signs a draft: once reviewed when the unit's policy asks for review, else
    /// once drafted.
    pub fn can_approve(self, review_required: bool) -> bool {
        if review_required {
            self == CaseStatus::Reviewed
        } else {
            matches!(self, CaseStatus::Drafted | CaseStatus::Reviewed)
        }
    }

    /// A refusal from routing closes an open case; an answered one stays answered.
    pub fn can_refuse(self) -> bool {
        self != CaseStatus::Approved
    }
}

#[cfg(test)]
mod tests {
    use super::CaseStatus as S;
    use chrono::{Duration, Utc};

    #[test]
    fn only_approved_and_refused_cases_are_closed() {
        let closed: Vec<S> = S::ALL.iter().copied().filter(|s| !s.is_open()).collect();
        assert_eq!(closed, S::CLOSED);
    }

    #[test]
    fn a_refused_case_past_its_date_is_not_overdue() {
        let now = Utc::now();
        let past = now - Duration::days(3);
        assert!(!S::Refused.is_overdue(past, now));
        assert!(!S::Approved.is_overdue(past, now));
        assert!(S::Drafted.is_overdue(past, now));
        assert!(!S::Assigned.is_overdue(now + Duration::days(1), now));
    }

    #[test]
    fn review_and_approval_follow_the_draft_and_the_units_policy() {
        assert!(S::Drafted.can_review() && !S::Assigned.can_review());
        assert!(S::Drafted.can_approve(false) && S::Reviewed.can_approve(false));
        assert!(!S::Drafted.can_approve(true) && S::Reviewed.can_approve(true));
        assert!(!S::Assigned.can_approve(false) && !S::Approved.can_approve(false));
        assert!(S::Drafted.can_refuse() && !S::Approved.can_refuse());
    }
}
