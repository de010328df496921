-- Every staff read of personal data (a submitter's name, address, phone, email; a message's
-- recipient), with who read it, as what, and when (Decree 13/2023/NĐ-CP: processing of
-- personal data is logged). Append-only.
CREATE TABLE personal_data_reads (
    id BIGSERIAL PRIMARY KEY,
    read_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    staff TEXT NOT NULL,
    role TEXT NOT NULL,
    unit TEXT NOT NULL,
    what TEXT NOT NULL,
    record TEXT NOT NULL,
    trace_id TEXT
);
CREATE INDEX personal_data_reads_staff ON personal_data_reads (staff, read_at);
CREATE INDEX personal_data_reads_record ON personal_data_reads (record, read_at);

CREATE FUNCTION personal_data_reads_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'personal_data_reads is append-only';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER personal_data_reads_append_only
    BEFORE UPDATE OR DELETE ON personal_data_reads
    FOR EACH ROW EXECUTE FUNCTION personal_data_reads_append_only();
