//! A message's delivery status (the database's `messages_status_known` CHECK holds the same
//! list).

doithoai_db::text_enum! {
    /// Where a message stands.
    pub enum MessageStatus {
        /// Owed: to be sent when due (again, after a failed attempt).
        Pending = "pending",
        /// Claimed by a sender under a lease; back to claimable when the lease runs out.
        Sending = "sending",
        /// Handed to the relay or gateway.
        Sent = "sent",
        /// Every attempt failed: for staff to look at.
        Failed = "failed",
    }
}

impl MessageStatus {
    /// The statuses the delivery loop claims from.
    pub const CLAIMABLE: [MessageStatus; 2] = [MessageStatus::Pending, MessageStatus::Sending];

    /// Whether delivery is over, one way or the other.
    pub fn is_final(self) -> bool {
        matches!(self, MessageStatus::Sent | MessageStatus::Failed)
    }
}

#[cfg(test)]
mod tests {
    use super::MessageStatus as S;

    #[test]
    fn only_pending_and_sending_messages_are_claimed_and_they_are_not_final() {
        for st in S::ALL {
            assert_eq!(S::parse(st.as_str()), Some(*st));
            assert_eq!(S::CLAIMABLE.contains(st), !st.is_final());
        }
    }
}
