-- Compliance reminders sent to unit leaders, once per unit, reason and month.
CREATE TABLE compliance_reminders (
    unit_code TEXT NOT NULL,
    reason    TEXT NOT NULL,
    period    TEXT NOT NULL,
    sent_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (unit_code, reason, period)
);
