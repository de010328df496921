DROP INDEX IF EXISTS cases_published_unit_field;
DROP INDEX IF EXISTS cases_published_all;
DROP INDEX IF EXISTS cases_published_field;
DROP INDEX IF EXISTS cases_search;
ALTER TABLE cases DROP COLUMN IF EXISTS search_vector;
