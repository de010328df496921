-- Names the officer marks as private in a draft: removed from the public version with the
-- submitter's (Decree 13/2023/NĐ-CP).
ALTER TABLE drafts ADD COLUMN private_names TEXT[] NOT NULL DEFAULT '{}';
