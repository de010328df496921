-- Intake's own tables: submissions as received (with the submitter's personal data), their
-- public timeline, and idempotency keys. The outbox and inbox come from doithoai-bus.

CREATE TABLE petitions (
    id                          UUID PRIMARY KEY,
    -- Short code read over the phone; random, with a check character (see domain/tracking_code.rs).
    tracking_code               TEXT NOT NULL UNIQUE,
    unit_code                   TEXT NOT NULL,
    -- feedback | recommendation | dialogue_question | complaint | denunciation
    kind                        TEXT NOT NULL,
    field_code                  TEXT NOT NULL,
    procedure_code              TEXT,
    content_type                SMALLINT CHECK (content_type BETWEEN 1 AND 8),
    title                       TEXT,
    content                     TEXT NOT NULL,
    submitter_kind              TEXT NOT NULL CHECK (submitter_kind IN ('individual', 'organization')),
    submitter_name              TEXT NOT NULL,
    submitter_organization      TEXT,
    submitter_address           TEXT NOT NULL,
    submitter_phone             TEXT,
    submitter_email             TEXT,
    consent_to_publish_identity BOOLEAN NOT NULL DEFAULT FALSE,
    conference_id               UUID,
    -- web | phone | in_person | post | email | dialogue_floor
    channel                     TEXT NOT NULL,
    -- When the unit received it: deadlines count from here (for staff entries, the real time).
    received_at                 TIMESTAMPTZ NOT NULL,
    recorded_at                 TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- The staff member who recorded it, for channels other than web.
    recorded_by                 TEXT,
    -- received | not_accepted (later: routed, transferred, answered, published …)
    status                      TEXT NOT NULL,
    not_accepted_reason         TEXT,
    holder_code                 TEXT NOT NULL,
    holder_name                 TEXT NOT NULL,
    due_at                      TIMESTAMPTZ,
    trace_id                    TEXT,
    CHECK (submitter_phone IS NOT NULL OR submitter_email IS NOT NULL)
);
-- The receipt book (sổ tiếp nhận) of a unit, newest first.
CREATE INDEX petitions_unit_received ON petitions (unit_code, received_at DESC, id);

-- What the public tracking view shows, step by step. Append-only.
CREATE TABLE petition_timeline (
    seq         BIGSERIAL PRIMARY KEY,
    petition_id UUID NOT NULL REFERENCES petitions (id),
    at          TIMESTAMPTZ NOT NULL,
    status      TEXT NOT NULL,
    actor       TEXT,
    note        TEXT
);
CREATE INDEX petition_timeline_petition ON petition_timeline (petition_id, seq);

-- Idempotency-Key of a create a client may retry: the same key gives back the same response.
CREATE TABLE idempotency_keys (
    scope        TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    petition_id  UUID NOT NULL,
    status_code  SMALLINT NOT NULL,
    response     TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
