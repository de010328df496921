-- Decree 20, Art. 7 accepts a mailing address as a submitter's only contact. Such a citizen is
-- written to by post: the message (channel `post`, recipient the name and address) is not
-- sent by the delivery loop but printed and posted by the unit's reception, who marks it
-- posted (`posted_by`); until then it is pending and its deadline watched like any other.
ALTER TABLE contacts ADD COLUMN postal TEXT;
ALTER TABLE messages ADD COLUMN posted_by TEXT;
CREATE INDEX messages_letters ON messages (unit_code, created_at)
    WHERE channel = 'post' AND status <> 'sent';
-- The notice watch warns once before a first notice's deadline (`due_soon_at`), then once
-- past it (`overdue_at`).
ALTER TABLE messages ADD COLUMN due_soon_at TIMESTAMPTZ;
