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
    }
}
