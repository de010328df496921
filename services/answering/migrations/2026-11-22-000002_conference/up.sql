ALTER TABLE cases ADD COLUMN conference_id UUID;
