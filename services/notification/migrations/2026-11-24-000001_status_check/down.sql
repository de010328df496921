ALTER TABLE messages DROP CONSTRAINT messages_status_known;
