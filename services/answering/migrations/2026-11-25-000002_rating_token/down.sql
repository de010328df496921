ALTER TABLE cases ADD COLUMN rating_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cases DROP COLUMN rating_token_hash;
