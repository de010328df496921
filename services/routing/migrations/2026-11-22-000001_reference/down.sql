DROP TABLE holidays;
DROP TABLE content_types;
DROP TABLE procedure_fields;
DROP TABLE departments;
DROP TABLE units;
