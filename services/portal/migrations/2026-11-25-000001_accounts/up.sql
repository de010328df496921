-- Staff accounts: who may sign in to the portal, as what. The portal mints each request's
-- short-lived token for the services from the account's role, unit and department.
CREATE TABLE accounts (
    id            UUID PRIMARY KEY,
    -- The sign-in name, lower case (a-z, 0-9, . _ -).
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    -- argon2id, in the PHC string format (salt and parameters included).
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL
        CHECK (role IN ('clerk', 'officer', 'head', 'leader', 'city_admin', 'auditor')),
    unit          TEXT NOT NULL,
    department    TEXT,
    enabled       BOOLEAN NOT NULL DEFAULT TRUE,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Signed-in sessions. The cookie holds a random token; only its SHA-256 is stored, so a copy
-- of this table opens no session. Each carries the CSRF token its forms must send back.
CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    account_id  UUID NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    csrf        TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- Failed sign-ins, counted per account and per address to throttle guessing.
CREATE TABLE signin_failures (
    id        BIGSERIAL PRIMARY KEY,
    username  TEXT NOT NULL,
    address   TEXT NOT NULL,
    at        TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX signin_failures_username ON signin_failures (username, at);
CREATE INDEX signin_failures_address ON signin_failures (address, at);

-- The audit trail of sign-ins and account changes: append-only.
CREATE TABLE audit (
    seq      BIGSERIAL PRIMARY KEY,
    at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    actor    TEXT NOT NULL,
    action   TEXT NOT NULL,
    subject  TEXT,
    address  TEXT,
    detail   TEXT
);
