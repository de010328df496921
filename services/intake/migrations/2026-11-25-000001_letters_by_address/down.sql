ALTER TABLE petitions DROP CONSTRAINT petitions_contact_check;
ALTER TABLE petitions ADD CONSTRAINT petitions_check
    CHECK (submitter_phone IS NOT NULL OR submitter_email IS NOT NULL) NOT VALID;
