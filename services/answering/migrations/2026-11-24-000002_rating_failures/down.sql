ALTER TABLE cases DROP COLUMN rating_failures;
