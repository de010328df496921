ALTER TABLE cases DROP CONSTRAINT cases_status_known;
