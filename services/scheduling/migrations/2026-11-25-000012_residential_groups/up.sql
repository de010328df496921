-- Seed 000/001: the notice of a dialogue and its results notice go to the unit's residential
-- groups (tổ dân phố, thôn): reference data per unit, kept by the unit's own clerks and
-- leaders. The head's contact is what the notices are sent to.
CREATE TABLE residential_groups (
    unit_code  TEXT NOT NULL,
    code       TEXT NOT NULL CHECK (code ~ '^[a-z0-9][a-z0-9-]{0,39}$'),
    name_vi    TEXT NOT NULL,
    head_name  TEXT,
    head_email TEXT,
    -- E.164
    head_phone TEXT,
    updated_by TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (unit_code, code)
);
