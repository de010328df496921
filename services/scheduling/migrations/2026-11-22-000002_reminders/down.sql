DROP TABLE compliance_reminders;
