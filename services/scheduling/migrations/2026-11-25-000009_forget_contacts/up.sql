-- Scheduling never contacts a registrant itself: phones and emails stored before it stopped
-- keeping them are removed (notification keeps them).
UPDATE registrations
SET submitter = ((submitter::jsonb) - 'phone' - 'email')::text
WHERE (submitter::jsonb) ?| ARRAY['phone', 'email'];
