DROP TABLE publications;
DROP TABLE conference_history;
DROP FUNCTION scheduling_append_only();
