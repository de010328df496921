-- The calendar as the Government fixes it each year: a day may be a holiday or a make-up
-- working day (a weekend day worked in exchange for a bridge day off), and a year's days may be
-- provisional until the Government's decision is out. Office hours: the city's default (unit
-- '*') and any unit's own.
ALTER TABLE holidays
    ADD COLUMN kind TEXT NOT NULL DEFAULT 'holiday' CHECK (kind IN ('holiday', 'working_day')),
    ADD COLUMN provisional BOOLEAN NOT NULL DEFAULT false;

CREATE TABLE office_hours (
    -- a unit code, or '*' for the city's default
    unit_code  TEXT PRIMARY KEY,
    -- '08:00-12:00,13:00-17:00'
    sessions   TEXT NOT NULL CHECK (sessions ~ '^[0-9]{2}:[0-9]{2}-[0-9]{2}:[0-9]{2}(,[0-9]{2}:[0-9]{2}-[0-9]{2}:[0-9]{2}){0,3}$'),
    updated_by TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
