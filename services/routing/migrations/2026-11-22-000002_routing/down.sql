DROP TABLE routing_history;
DROP FUNCTION forbid_change;
DROP TABLE assignments;
DROP TABLE bodies;
DROP TABLE deadline_policies;
DROP TABLE routing_rules;
