DROP TABLE residential_groups;
