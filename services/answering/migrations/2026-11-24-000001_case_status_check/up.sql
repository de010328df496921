-- Expand step: the statuses `domain::status::CaseStatus` knows, enforced by the database. Added
-- NOT VALID (no long lock), then validated against the rows already there.
ALTER TABLE cases ADD CONSTRAINT cases_status_known
    CHECK (status IN ('assigned', 'drafted', 'reviewed', 'approved', 'refused')) NOT VALID;
ALTER TABLE cases VALIDATE CONSTRAINT cases_status_known;
