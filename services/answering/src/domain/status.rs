//! A case's status and what it allows: one definition, used by the inbox, the deadline watch and
//! the answering steps (the database's `cases_status_known` CHECK holds the same list).

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseStatus {
    /// In a department's inbox, no draft yet (or changes were requested).
    Assigned,
    /// A draft waits for review or approval.
    Drafted,
    /// The head approved the draft; the leader signs.
    Reviewed,
    /// Signed and numbered: answered.
    Approved,
    /// Refused by routing: out of the inbox.
    Refused,
}

impl CaseStatus {
    /// Every status, in the order a case moves through them.
    pub const ALL: [CaseStatus; 5] = [
        CaseStatus::Assigned,
        CaseStatus::Drafted,
        CaseStatus::Reviewed,
        CaseStatus::Approved,
        CaseStatus::Refused,
    ];
    /// The statuses of closed cases, for SQL filters (`status.ne_all(CLOSED)`).
    pub const CLOSED: [&'static str; 2] = ["approved", "refused"];

    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Assigned => "assigned",
            CaseStatus::Drafted => "drafted",
            CaseStatus::Reviewed => "reviewed",
            CaseStatus::Approved => "approved",
            CaseStatus::Refused => "refused",
        }
    }

    /// The status stored as `s` (`None` for a value the database would refuse).
    pub fn parse(s: &str) -> Option<CaseStatus> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Still to be answered: neither approved nor refused. Only an open case can be overdue,
    /// drafted or reviewed.
    pub fn is_open(self) -> bool {
        !matches!(self, CaseStatus::Approved | CaseStatus::Refused)
    }
}

/// Whether the case stored with status `s` is open (an unknown status counts as open, so a
/// case is never hidden by a value this version does not know).
pub fn is_open(s: &str) -> bool {
    CaseStatus::parse(s).is_none_or(CaseStatus::is_open)
}

/// Whether a case with status `s`, due at `due_at`, is overdue at `now`: open and past due.
pub fn is_overdue(
    s: &str,
    due_at: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
) -> bool {
    is_open(s) && due_at < now
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, Utc};

    #[test]
    fn every_status_reads_back_as_itself() {
        for st in CaseStatus::ALL {
            assert_eq!(CaseStatus::parse(st.as_str()), Some(st));
        }
        assert_eq!(CaseStatus::parse("done"), None);
    }

    #[test]
    fn only_approved_and_refused_cases_are_closed() {
        let closed: Vec<&str> = CaseStatus::ALL
            .into_iter()
            .filter(|s| !s.is_open())
            .map(CaseStatus::as_str)
            .collect();
        assert_eq!(closed, CaseStatus::CLOSED);
    }

    #[test]
    fn a_refused_case_past_its_date_is_not_overdue() {
        let now = Utc::now();
        let past = now - Duration::days(3);
        assert!(!is_overdue("refused", past, now));
        assert!(!is_overdue("approved", past, now));
        assert!(is_overdue("drafted", past, now));
        assert!(!is_overdue("assigned", now + Duration::days(1), now));
    }
}
