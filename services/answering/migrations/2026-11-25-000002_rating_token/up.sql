-- Rating by a one-time token sent to the submitter with the answer, instead of by the phone
-- or email they gave (which let anyone test who wrote a published answer). Only the token's
-- SHA-256 is kept; it is cleared when used.
ALTER TABLE cases ADD COLUMN rating_token_hash TEXT;
ALTER TABLE cases DROP COLUMN rating_failures;
