ALTER TABLE messages DROP COLUMN due_soon_at;
DROP INDEX messages_letters;
ALTER TABLE messages DROP COLUMN posted_by;
ALTER TABLE contacts DROP COLUMN postal;
