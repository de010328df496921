-- Expand step: an assignment can be answered (routing follows answering's petition.answered and
-- stops acting on it). The CHECK is widened: old code never writes the new value.
ALTER TABLE assignments DROP CONSTRAINT assignments_status_known;
ALTER TABLE assignments ADD CONSTRAINT assignments_status_known
    CHECK (status IN ('routed', 'transferred', 'not_accepted', 'answered')) NOT VALID;
ALTER TABLE assignments VALIDATE CONSTRAINT assignments_status_known;
