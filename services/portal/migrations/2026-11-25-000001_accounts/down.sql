DROP TABLE audit;
DROP TABLE signin_failures;
DROP TABLE sessions;
DROP TABLE accounts;
