-- Answering's own tables: cases per department, drafts, reviews, official numbers, the public
-- versions of answers, ratings, and each case's append-only history.

CREATE TABLE cases (
    petition_id      UUID PRIMARY KEY,
    tracking_code    TEXT NOT NULL UNIQUE,
    unit_code        TEXT NOT NULL,
    unit_name        TEXT NOT NULL,
    department_code  TEXT NOT NULL,
    department_name  TEXT NOT NULL,
    due_at           TIMESTAMPTZ NOT NULL,
    review_required  BOOLEAN NOT NULL DEFAULT FALSE,
    -- assigned | drafted | reviewed | approved
    status           TEXT NOT NULL,
    kind             TEXT NOT NULL,
    field_code       TEXT NOT NULL,
    title            TEXT,
    question         TEXT NOT NULL,
    -- The submitter (JSON of SubmitterV1): for the answer sent to them and for redaction.
    submitter        TEXT NOT NULL,
    consent_to_publish_identity BOOLEAN NOT NULL,
    received_at      TIMESTAMPTZ NOT NULL,
    official_number  TEXT,
    answer           TEXT,
    signed_by        TEXT,
    answered_at      TIMESTAMPTZ,
    public_title     TEXT,
    public_question  TEXT,
    public_answer    TEXT,
    -- Lower-cased, without diacritics: what public search matches.
    search_folded    TEXT,
    published_at     TIMESTAMPTZ,
    due_soon_notified BOOLEAN NOT NULL DEFAULT FALSE,
    overdue_notified BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX cases_inbox ON cases (unit_code, department_code, due_at) WHERE status <> 'approved';
CREATE INDEX cases_published ON cases (unit_code, published_at DESC) WHERE published_at IS NOT NULL;

CREATE TABLE drafts (
    id          BIGSERIAL PRIMARY KEY,
    petition_id UUID NOT NULL REFERENCES cases (petition_id),
    body        TEXT NOT NULL,
    author      TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Official numbers per unit and year.
CREATE TABLE answer_numbers (
    unit_code TEXT NOT NULL,
    year      INTEGER NOT NULL,
    last      INTEGER NOT NULL,
    PRIMARY KEY (unit_code, year)
);

CREATE TABLE ratings (
    petition_id UUID PRIMARY KEY REFERENCES cases (petition_id),
    unit_code   TEXT NOT NULL,
    score       SMALLINT NOT NULL CHECK (score BETWEEN 1 AND 5),
    comment     TEXT,
    rated_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ratings_unit ON ratings (unit_code);

-- Who did what to a case, when and why. Append-only.
CREATE TABLE case_history (
    seq         BIGSERIAL PRIMARY KEY,
    petition_id UUID NOT NULL,
    at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    note        TEXT
);
CREATE FUNCTION case_history_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'case_history is append-only';
END $$;
CREATE TRIGGER case_history_append_only BEFORE UPDATE OR DELETE ON case_history
    FOR EACH ROW EXECUTE FUNCTION case_history_append_only();
