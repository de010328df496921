ALTER TABLE drafts DROP COLUMN private_names;
