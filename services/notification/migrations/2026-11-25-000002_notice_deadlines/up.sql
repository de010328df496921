-- The citizen's first notices have deadlines (BRIEF: iHanoi acknowledges within 8 working hours;
-- a refusal or non-acceptance is notified within 3 working days): when one is still not
-- delivered by then, the watch records it here once and announces it.
ALTER TABLE messages ADD COLUMN overdue_at TIMESTAMPTZ;
CREATE INDEX messages_undelivered_notices ON messages (created_at)
    WHERE status <> 'sent' AND overdue_at IS NULL
      AND kind IN ('acknowledgement', 'not_accepted', 'refusal');
