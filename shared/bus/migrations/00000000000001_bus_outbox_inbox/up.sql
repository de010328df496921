-- The transactional outbox: a row is written in the same transaction as the state change it
-- announces, and the relay publishes it to JetStream with `id` as Nats-Msg-Id.
CREATE TABLE outbox (
    seq          BIGSERIAL PRIMARY KEY,
    -- The event id (UUIDv7, made by the writer); not indexed, to keep the insert cheap.
    id           UUID NOT NULL,
    subject      TEXT NOT NULL,
    payload      TEXT NOT NULL,
    trace_id     TEXT,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    published_at TIMESTAMPTZ
);
CREATE INDEX outbox_unpublished ON outbox (seq) WHERE published_at IS NULL;

-- The idempotent inbox: a consumer records each event id it processed in the same
-- transaction as the effect, so a redelivery is recognised and acknowledged without effect.
CREATE TABLE inbox (
    consumer     TEXT NOT NULL,
    event_id     UUID NOT NULL,
    processed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);
