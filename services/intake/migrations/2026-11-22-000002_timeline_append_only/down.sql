DROP TRIGGER petition_timeline_append_only ON petition_timeline;
DROP FUNCTION timeline_append_only;
ALTER TABLE petition_timeline DROP COLUMN event_id;
