ALTER TABLE registrations DROP CONSTRAINT registrations_outcome_known;
ALTER TABLE conferences DROP CONSTRAINT conferences_status_known;
