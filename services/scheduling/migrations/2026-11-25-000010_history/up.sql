-- Who planned, noticed, recorded outcomes and attendance, published minutes and results, and
-- cancelled, and when: append-only like intake's timeline and answering's case history.
CREATE TABLE conference_history (
    seq BIGSERIAL PRIMARY KEY,
    conference_id UUID NOT NULL REFERENCES conferences (id),
    at TIMESTAMPTZ NOT NULL DEFAULT now(),
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    note TEXT
);
CREATE INDEX conference_history_conference ON conference_history (conference_id, seq);

-- Every version of the minutes and the results notice (a correction is a new version; the
-- conference row shows the latest).
CREATE TABLE publications (
    id BIGSERIAL PRIMARY KEY,
    conference_id UUID NOT NULL REFERENCES conferences (id),
    kind TEXT NOT NULL CHECK (kind IN ('minutes', 'results')),
    version INTEGER NOT NULL,
    text TEXT NOT NULL,
    published_at TIMESTAMPTZ NOT NULL,
    published_by TEXT NOT NULL,
    UNIQUE (conference_id, kind, version)
);

CREATE FUNCTION scheduling_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER conference_history_append_only BEFORE UPDATE OR DELETE ON conference_history
    FOR EACH ROW EXECUTE FUNCTION scheduling_append_only();
CREATE TRIGGER publications_append_only BEFORE UPDATE OR DELETE ON publications
    FOR EACH ROW EXECUTE FUNCTION scheduling_append_only();
