DROP TABLE office_hours;
ALTER TABLE holidays DROP COLUMN provisional, DROP COLUMN kind;
