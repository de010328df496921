-- Intake's copy of the dialogue conferences that are open for registration (from scheduling's
-- events), to accept or refuse a registered question at once.
CREATE TABLE conferences (
    id                     UUID PRIMARY KEY,
    unit_code              TEXT NOT NULL,
    title                  TEXT NOT NULL,
    starts_at              TIMESTAMPTZ NOT NULL,
    registration_closes_at TIMESTAMPTZ NOT NULL,
    cancelled              BOOLEAN NOT NULL DEFAULT FALSE
);
