-- Wrong contacts given when rating (after 5 the answer takes no rating: no guessing who wrote it).
ALTER TABLE cases ADD COLUMN rating_failures INTEGER NOT NULL DEFAULT 0;
