-- Dialogue conferences (hội nghị đối thoại) and the questions registered for them.
CREATE TABLE conferences (
    id                     UUID PRIMARY KEY,
    unit_code              TEXT NOT NULL,
    title                  TEXT NOT NULL,
    starts_at              TIMESTAMPTZ NOT NULL,
    venue                  TEXT NOT NULL,
    online_link            TEXT,
    chair                  TEXT NOT NULL,
    co_organisers          TEXT[] NOT NULL DEFAULT '{}',
    fields                 TEXT[] NOT NULL DEFAULT '{}',
    -- planned | noticed | held | cancelled
    status                 TEXT NOT NULL DEFAULT 'planned',
    notice_published_at    TIMESTAMPTZ,
    registration_closes_at TIMESTAMPTZ,
    attendance             INTEGER,
    minutes                TEXT,
    minutes_published_at   TIMESTAMPTZ,
    results_notice         TEXT,
    results_published_at   TIMESTAMPTZ,
    cancel_reason          TEXT,
    written_answers_due_at TIMESTAMPTZ,
    created_by             TEXT NOT NULL,
    created_at             TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX conferences_unit ON conferences (unit_code, starts_at);

CREATE TABLE registrations (
    petition_id        UUID PRIMARY KEY,
    conference_id      UUID NOT NULL REFERENCES conferences (id),
    unit_code          TEXT NOT NULL,
    tracking_code      TEXT NOT NULL,
    field_code         TEXT NOT NULL,
    question           TEXT NOT NULL,
    submitter          TEXT NOT NULL,
    department         TEXT,
    department_name    TEXT,
    -- answered | written | forwarded
    outcome            TEXT,
    outcome_answer     TEXT,
    outcome_department TEXT,
    outcome_due_at     TIMESTAMPTZ,
    forwarded_to       TEXT,
    reminded           BOOLEAN NOT NULL DEFAULT FALSE,
    registered_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX registrations_conference ON registrations (conference_id);
