-- The urgent class (BRIEF: iHanoi's rules, "urgent items handled within 4 working hours"): a
-- clerk or leader marks a petition urgent and its due date comes to 4 working hours (the unit's
-- `urgent` policy, the city's by default) from then.
ALTER TABLE deadline_policies DROP CONSTRAINT deadline_policies_class_check;
ALTER TABLE deadline_policies ADD CONSTRAINT deadline_policies_class_check
    CHECK (class IN ('acknowledgement', 'transfer', 'answer', 'refusal', 'urgent'));
INSERT INTO deadline_policies (unit_code, class, working_days, working_hours)
    VALUES (NULL, 'urgent', NULL, 4)
    ON CONFLICT DO NOTHING;
