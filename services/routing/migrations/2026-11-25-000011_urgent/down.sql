DELETE FROM deadline_policies WHERE class = 'urgent';
ALTER TABLE deadline_policies DROP CONSTRAINT deadline_policies_class_check;
ALTER TABLE deadline_policies ADD CONSTRAINT deadline_policies_class_check
    CHECK (class IN ('acknowledgement', 'transfer', 'answer', 'refusal'));
