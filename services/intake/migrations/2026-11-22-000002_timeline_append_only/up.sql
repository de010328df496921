-- The timeline is the petition's audit trail: who, when, what and why. Nobody edits it.
ALTER TABLE petition_timeline ADD COLUMN event_id UUID;
CREATE FUNCTION timeline_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'petition_timeline is append-only';
END $$;
CREATE TRIGGER petition_timeline_append_only BEFORE UPDATE OR DELETE ON petition_timeline
    FOR EACH ROW EXECUTE FUNCTION timeline_append_only();
