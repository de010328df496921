ALTER TABLE assignments DROP CONSTRAINT assignments_status_known;
