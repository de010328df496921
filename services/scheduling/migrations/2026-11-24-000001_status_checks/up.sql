-- Expand step: the values `domain::status::ConferenceStatus` and `OutcomeKind` know, enforced by
-- the database. Added NOT VALID (no long lock), then validated against the rows already there.
ALTER TABLE conferences ADD CONSTRAINT conferences_status_known
    CHECK (status IN ('planned', 'noticed', 'held', 'cancelled')) NOT VALID;
ALTER TABLE conferences VALIDATE CONSTRAINT conferences_status_known;
ALTER TABLE registrations ADD CONSTRAINT registrations_outcome_known
    CHECK (outcome IS NULL OR outcome IN ('answered', 'written', 'forwarded')) NOT VALID;
ALTER TABLE registrations VALIDATE CONSTRAINT registrations_outcome_known;
