DROP TABLE conferences;
