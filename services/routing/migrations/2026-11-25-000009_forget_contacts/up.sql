-- Routing never contacts the submitter: the phone and email of petitions stored before it
-- stopped keeping them are removed (notification keeps them).
UPDATE assignments
SET petition = ((petition::jsonb) #- '{submitter,phone}' #- '{submitter,email}')::text
WHERE (petition::jsonb) -> 'submitter' ?| ARRAY['phone', 'email'];
