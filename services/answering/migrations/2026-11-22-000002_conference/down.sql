ALTER TABLE cases DROP COLUMN conference_id;
