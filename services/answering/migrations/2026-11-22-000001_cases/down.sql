DROP TABLE case_history;
DROP FUNCTION case_history_append_only;
DROP TABLE ratings;
DROP TABLE answer_numbers;
DROP TABLE drafts;
DROP TABLE cases;
