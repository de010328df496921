DROP TRIGGER personal_data_reads_append_only ON personal_data_reads;
DROP FUNCTION personal_data_reads_append_only();
DROP TABLE personal_data_reads;
