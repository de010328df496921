DROP TABLE registrations; DROP TABLE conferences;
