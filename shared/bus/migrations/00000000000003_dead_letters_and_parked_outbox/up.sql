-- Events a consumer could not process: undecodable ones, and those that failed on every
-- delivery. Kept with the reason until city IT replays them (`doithoai-dead-letters replay`).
CREATE TABLE dead_letter (
    id          BIGSERIAL PRIMARY KEY,
    consumer    TEXT NOT NULL,
    subject     TEXT NOT NULL,
    event_id    UUID,
    payload     TEXT NOT NULL,
    reason      TEXT NOT NULL,
    deliveries  BIGINT NOT NULL,
    failed_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    replayed_at TIMESTAMPTZ
);
CREATE INDEX dead_letter_waiting ON dead_letter (id) WHERE replayed_at IS NULL;

-- An outbox row that can never be published (too large for the server, a subject NATS
-- refuses) is set aside with the reason, so the rows after it go on.
ALTER TABLE outbox ADD COLUMN parked_at TIMESTAMPTZ;
ALTER TABLE outbox ADD COLUMN park_reason TEXT;
