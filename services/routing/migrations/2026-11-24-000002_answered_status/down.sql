ALTER TABLE assignments DROP CONSTRAINT assignments_status_known;
ALTER TABLE assignments ADD CONSTRAINT assignments_status_known
    CHECK (status IN ('routed', 'transferred', 'not_accepted'));
