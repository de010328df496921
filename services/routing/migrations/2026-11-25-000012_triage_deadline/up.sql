-- Decree 20, Art. 9: a unit classifies what it receives and transfers what is outside its
-- competence within 5 working days of receipt. Each petition's triage deadline (the unit's
-- transfer policy), and when a clerk or leader first acted on it (accepted it as within
-- competence, re-routed, transferred, refused or marked it urgent) or it was answered. The
-- watch announces the deadline once as due soon and once as passed.
CREATE TABLE triage_deadlines (
    petition_id     UUID PRIMARY KEY,
    unit_code       TEXT NOT NULL,
    tracking_code   TEXT NOT NULL,
    due_at          TIMESTAMPTZ NOT NULL,
    triaged_at      TIMESTAMPTZ,
    -- What the watch has announced: 0 nothing, 1 due soon, 2 overdue.
    announced       SMALLINT NOT NULL DEFAULT 0 CHECK (announced BETWEEN 0 AND 2)
);
CREATE INDEX triage_deadlines_open ON triage_deadlines (due_at) WHERE triaged_at IS NULL;
