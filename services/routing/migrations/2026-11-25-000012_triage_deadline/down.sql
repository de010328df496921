DROP TABLE triage_deadlines;
