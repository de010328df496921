-- Decree 20, Art. 9 (triage): a submission that reads like a complaint, a denunciation or a text
-- about an official, without certainty, is recorded and held for a clerk ('awaiting_triage',
-- no event until the clerk decides); one about an official's conduct is routed to the body
-- managing them.
ALTER TABLE petitions
    ADD COLUMN triage_suspect TEXT
        CHECK (triage_suspect IN ('complaint', 'denunciation', 'official_conduct')),
    ADD COLUMN official_conduct BOOLEAN NOT NULL DEFAULT false;

ALTER TABLE petitions DROP CONSTRAINT petitions_status_known;
ALTER TABLE petitions ADD CONSTRAINT petitions_status_known
    CHECK (status IN ('received', 'awaiting_triage', 'routed', 'transferred', 'answered',
                      'not_accepted', 'published'));
ALTER TABLE petition_timeline DROP CONSTRAINT petition_timeline_status_known;
ALTER TABLE petition_timeline ADD CONSTRAINT petition_timeline_status_known
    CHECK (status IN ('received', 'awaiting_triage', 'routed', 'transferred', 'answered',
                      'not_accepted', 'published'));

-- The clerks' triage queue of a unit, oldest first.
CREATE INDEX petitions_awaiting_triage ON petitions (unit_code, received_at, id)
    WHERE status = 'awaiting_triage';
