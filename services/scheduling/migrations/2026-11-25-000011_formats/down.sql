ALTER TABLE conferences DROP COLUMN format;
