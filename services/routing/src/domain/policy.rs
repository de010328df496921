//! The deadline classes a policy sets (the `deadline_policies.class` CHECK holds the same list).

doithoai_db::text_enum! {
    /// What a deadline is for.
    pub enum PolicyClass {
        /// Acknowledging receipt to the submitter.
        Acknowledgement = "acknowledgement",
        /// Transferring what is outside the unit's competence.
        Transfer = "transfer",
        /// Answering (and whether a head reviews drafts first).
        Answer = "answer",
        /// Telling the submitter it is not accepted.
        Refusal = "refusal",
        /// Handling an item marked urgent (iHanoi: within 4 working hours).
        Urgent = "urgent",
    }
}

doithoai_db::text_enum! {
    /// What a day of the `holidays` table is (its CHECK holds the same list).
    pub enum DayKind {
        /// A public holiday or a day off in lieu (Labour Code 2019, Art. 112).
        Holiday = "holiday",
        /// A weekend day worked in exchange for a bridge day off (the Government's yearly
        /// decision on the holidays).
        WorkingDay = "working_day",
    }
}
