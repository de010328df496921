-- Expand step: the statuses `domain::status::AssignmentStatus` knows, enforced by the database.
-- Added NOT VALID (no long lock), then validated against the rows already there.
ALTER TABLE assignments ADD CONSTRAINT assignments_status_known
    CHECK (status IN ('routed', 'transferred', 'not_accepted')) NOT VALID;
ALTER TABLE assignments VALIDATE CONSTRAINT assignments_status_known;
