ALTER TABLE registrations ADD COLUMN prepared_answer TEXT;
