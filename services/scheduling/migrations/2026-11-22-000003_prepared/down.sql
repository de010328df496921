ALTER TABLE registrations DROP COLUMN prepared_answer;
