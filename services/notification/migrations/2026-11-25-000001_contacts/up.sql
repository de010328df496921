-- The citizen's contact details, kept by the one service that contacts them: recorded from
-- petition.received (the only event that carries them), looked up by petition id for every
-- later message. Purged after NOTIFICATION_CONTACT_RETENTION_DAYS.
CREATE TABLE contacts (
    petition_id UUID PRIMARY KEY,
    email TEXT,
    phone TEXT,
    stored_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX contacts_stored_at ON contacts (stored_at);
