DROP INDEX messages_undelivered_notices;
ALTER TABLE messages DROP COLUMN overdue_at;
