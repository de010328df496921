-- Expand step: the statuses `domain::status::MessageStatus` knows, enforced by the database.
-- Added NOT VALID (no long lock), then validated against the rows already there.
ALTER TABLE messages ADD CONSTRAINT messages_status_known
    CHECK (status IN ('pending', 'sending', 'sent', 'failed')) NOT VALID;
ALTER TABLE messages VALIDATE CONSTRAINT messages_status_known;
