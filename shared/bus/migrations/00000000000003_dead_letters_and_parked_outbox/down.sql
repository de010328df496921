ALTER TABLE outbox DROP COLUMN park_reason;
ALTER TABLE outbox DROP COLUMN parked_at;
DROP TABLE dead_letter;
