-- Decree 20/2008/NĐ-CP, Art. 7: a letter by post or handed in may give only its mailing address
-- as the contact. The rule "a phone or an email" now holds for the other channels only.
DO $$
DECLARE c text;
BEGIN
    FOR c IN
        SELECT conname FROM pg_constraint
        WHERE conrelid = 'petitions'::regclass AND contype = 'c'
          AND pg_get_constraintdef(oid) LIKE '%submitter_phone IS NOT NULL%'
    LOOP
        EXECUTE format('ALTER TABLE petitions DROP CONSTRAINT %I', c);
    END LOOP;
END $$;
ALTER TABLE petitions ADD CONSTRAINT petitions_contact_check
    CHECK (submitter_phone IS NOT NULL OR submitter_email IS NOT NULL
           OR channel IN ('post', 'in_person'));
