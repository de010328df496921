-- Every message notification owes someone: exactly one per (event, recipient, channel), with
-- its delivery attempts.
CREATE TABLE messages (
    id              UUID PRIMARY KEY,
    event_id        UUID NOT NULL,
    unit_code       TEXT NOT NULL,
    tracking_code   TEXT,
    -- acknowledgement | not_accepted | assignment | transfer | answer | rating_invitation |
    -- due_soon | overdue
    kind            TEXT NOT NULL,
    -- email | sms
    channel         TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    -- pending | sending | sent | failed
    status          TEXT NOT NULL DEFAULT 'pending',
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_error      TEXT,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    sent_at         TIMESTAMPTZ,
    UNIQUE (event_id, recipient, channel)
);
CREATE INDEX messages_due ON messages (next_attempt_at) WHERE status IN ('pending', 'sending');
CREATE INDEX messages_unit ON messages (unit_code, status, created_at DESC);
