DROP INDEX petitions_awaiting_triage;
ALTER TABLE petition_timeline DROP CONSTRAINT petition_timeline_status_known;
ALTER TABLE petition_timeline ADD CONSTRAINT petition_timeline_status_known
    CHECK (status IN ('received', 'routed', 'transferred', 'answered', 'not_accepted', 'published'));
ALTER TABLE petitions DROP CONSTRAINT petitions_status_known;
ALTER TABLE petitions ADD CONSTRAINT petitions_status_known
    CHECK (status IN ('received', 'routed', 'transferred', 'answered', 'not_accepted', 'published'));
ALTER TABLE petitions DROP COLUMN official_conduct, DROP COLUMN triage_suspect;
