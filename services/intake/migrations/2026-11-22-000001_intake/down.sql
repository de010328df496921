DROP TABLE idempotency_keys;
DROP TABLE petition_timeline;
DROP TABLE petitions;
