//! A conference's status and what each allows: one definition, used by the staff actions, the
//! public pages and the timers (the database's `conferences_status_known` CHECK holds the same
//! list).

doithoai_db::text_enum! {
    /// Where a conference stands.
    pub enum ConferenceStatus {
        /// Planned by the unit; nothing public yet.
        Planned = "planned",
        /// The notice is out: the public sees it and registers questions.
        Noticed = "noticed",
        /// It took place (attendance recorded).
        Held = "held",
        /// Called off: every registered question gets a written answer.
        Cancelled = "cancelled",
    }
}

doithoai_db::text_enum! {
    /// The form a dialogue takes (Decision 5087/QĐ-UBND; the `conferences_format_known` CHECK
    /// holds the same list).
    pub enum ConferenceFormat {
        /// Hội nghị đối thoại.
        Conference = "hoi_nghi",
        /// Tọa đàm.
        Seminar = "toa_dam",
        /// Gặp gỡ.
        Meeting = "gap_go",
    }
}

impl ConferenceFormat {
    /// How the public reads it.
    pub fn label_vi(self) -> &'static str {
        match self {
            ConferenceFormat::Conference => "Hội nghị đối thoại",
            ConferenceFormat::Seminar => "Tọa đàm",
            ConferenceFormat::Meeting => "Gặp gỡ",
        }
    }
}

doithoai_db::text_enum! {
    /// What became of a registered question at the conference (the `registrations_outcome_known`
    /// CHECK holds the same list).
    pub enum OutcomeKind {
        /// Answered on the spot (with the answer given).
        Answered = "answered",
        /// To be answered in writing by a department, by a date (also every question of a
        /// cancelled conference).
        Written = "written",
        /// Sent on to another body.
        Forwarded = "forwarded",
    }
}

impl ConferenceStatus {
    /// The notice can be published only once, from a plan.
    pub fn can_notice(self) -> bool {
        self == ConferenceStatus::Planned
    }

    /// Outcomes of registered questions and attendance are recorded once the notice is out and
    /// until it is called off.
    pub fn can_record_outcomes(self) -> bool {
        matches!(self, ConferenceStatus::Noticed | ConferenceStatus::Held)
    }

    /// Minutes and the results notice follow a conference that was held.
    pub fn can_publish_results(self) -> bool {
        self == ConferenceStatus::Held
    }

    /// Only a conference that has not been held or called off can be called off.
    pub fn can_cancel(self) -> bool {
        matches!(self, ConferenceStatus::Planned | ConferenceStatus::Noticed)
    }

    /// Counts towards the unit's dialogues (everything but a cancellation).
    pub fn counts_for_compliance(self) -> bool {
        self != ConferenceStatus::Cancelled
    }
}

#[cfg(test)]
mod tests {
    use super::ConferenceStatus as S;

    #[test]
    fn each_status_allows_its_own_steps() {
        let allowed =
            |f: fn(S) -> bool| S::ALL.iter().copied().filter(|s| f(*s)).collect::<Vec<_>>();
        assert_eq!(allowed(S::can_notice), [S::Planned]);
        assert_eq!(allowed(S::can_record_outcomes), [S::Noticed, S::Held]);
        assert_eq!(allowed(S::can_publish_results), [S::Held]);
        assert_eq!(allowed(S::can_cancel), [S::Planned, S::Noticed]);
        assert_eq!(
            allowed(S::counts_for_compliance),
            [S::Planned, S::Noticed, S::Held]
        );
    }
}
