-- Routing owns the reference data: units, departments, procedure fields, content types and the
-- holidays of the working-day calendar. Seeded from the project's data/ at start-up (upsert),
-- then edited by city IT.

CREATE TABLE units (
    code      TEXT PRIMARY KEY,
    name_vi   TEXT NOT NULL,
    -- phuong | xa
    kind_vi   TEXT NOT NULL,
    -- ward | commune
    kind_en   TEXT NOT NULL,
    parent    TEXT NOT NULL
);

CREATE TABLE departments (
    code       TEXT PRIMARY KEY,
    name_vi    TEXT NOT NULL,
    name_en    TEXT NOT NULL,
    -- which unit kinds have it: {ward}, {commune} or both
    applies_to TEXT[] NOT NULL,
    handles    TEXT NOT NULL
);

CREATE TABLE procedure_fields (
    code                       TEXT PRIMARY KEY,
    name_vi                    TEXT NOT NULL,
    name_en                    TEXT NOT NULL,
    default_department_ward    TEXT NOT NULL REFERENCES departments (code),
    default_department_commune TEXT NOT NULL REFERENCES departments (code)
);

CREATE TABLE content_types (
    code    SMALLINT PRIMARY KEY CHECK (code BETWEEN 1 AND 8),
    name_vi TEXT NOT NULL,
    name_en TEXT NOT NULL
);

CREATE TABLE holidays (
    day     DATE PRIMARY KEY,
    name_vi TEXT NOT NULL,
    name_en TEXT NOT NULL,
    note    TEXT
);
