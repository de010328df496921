//! An assignment's status (the database's `assignments_status_known` CHECK holds the same list).

doithoai_db::text_enum! {
    /// Where a petition stands in routing.
    pub enum AssignmentStatus {
        /// With a department of the unit (first routing, or rerouted).
        Routed = "routed",
        /// Sent to another unit or city body outside the unit's competence.
        Transferred = "transferred",
        /// Not accepted on triage: final.
        NotAccepted = "not_accepted",
        /// Answered (learnt from answering's `petition.answered`): final.
        Answered = "answered",
    }
}

impl AssignmentStatus {
    /// Whether staff may still reroute, transfer or refuse it: not once refused or answered.
    pub fn open_for_triage(self) -> bool {
        !matches!(
            self,
            AssignmentStatus::NotAccepted | AssignmentStatus::Answered
        )
    }
}

#[cfg(test)]
mod tests {
    use super::AssignmentStatus as S;

    #[test]
    fn a_refused_or_answered_petition_is_closed_to_triage_and_the_others_are_not() {
        for st in S::ALL {
            assert_eq!(S::parse(st.as_str()), Some(*st));
            assert_eq!(
                st.open_for_triage(),
                !matches!(st, S::NotAccepted | S::Answered)
            );
        }
    }
}
