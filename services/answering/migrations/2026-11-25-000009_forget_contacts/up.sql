-- Answering never contacts the submitter: phones and emails stored before it stopped
-- receiving them are removed (notification keeps them).
UPDATE cases
SET submitter = ((submitter::jsonb) - 'phone' - 'email')::text
WHERE (submitter::jsonb) ?| ARRAY['phone', 'email'];
