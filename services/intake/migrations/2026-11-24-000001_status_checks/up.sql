-- Expand step: the statuses `domain::status::PetitionStatus` knows, enforced by the database.
-- Added NOT VALID (no long lock), then validated against the rows already there.
ALTER TABLE petitions ADD CONSTRAINT petitions_status_known
    CHECK (status IN ('received', 'routed', 'transferred', 'answered', 'not_accepted', 'published'))
    NOT VALID;
ALTER TABLE petitions VALIDATE CONSTRAINT petitions_status_known;
ALTER TABLE petition_timeline ADD CONSTRAINT petition_timeline_status_known
    CHECK (status IN ('received', 'routed', 'transferred', 'answered', 'not_accepted', 'published'))
    NOT VALID;
ALTER TABLE petition_timeline VALIDATE CONSTRAINT petition_timeline_status_known;
