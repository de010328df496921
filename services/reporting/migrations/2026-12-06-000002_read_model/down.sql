DROP FUNCTION rebuild_sums();
DROP FUNCTION apply_contributions(uuid, int);
DROP TABLE monthly;
DROP TABLE daily;
DROP VIEW contributions;
DROP FUNCTION answer_bin(float8);
DROP TABLE conferences;
DROP TABLE transfers;
DROP TABLE petitions;
