-- Public search by PostgreSQL full-text search instead of a LIKE scan: the folded text
-- (lower case, no diacritics) as a tsvector of the 'simple' configuration (Vietnamese words
-- are syllables; no stemming applies), kept by the database itself, and a GIN index over the
-- published answers. Expand only: search_folded stays the source.
ALTER TABLE cases ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (to_tsvector('simple', coalesce(search_folded, ''))) STORED;
CREATE INDEX cases_search ON cases USING gin (search_vector) WHERE published_at IS NOT NULL;
-- Browsing a field city-wide, newest first.
CREATE INDEX cases_published_field ON cases (field_code, published_at DESC) WHERE published_at IS NOT NULL;
CREATE INDEX cases_published_all ON cases (published_at DESC, petition_id DESC) WHERE published_at IS NOT NULL;
-- A unit's answers in one field, newest first (a unit's search narrowed to a field).
CREATE INDEX cases_published_unit_field ON cases (unit_code, field_code, published_at DESC) WHERE published_at IS NOT NULL;
