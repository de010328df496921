-- Routing never contacts the submitter and keeps nothing of them (their name and address go
-- to answering once, with the first assignment): what petitions stored before kept is removed.
UPDATE assignments
SET petition = jsonb_set(
        petition::jsonb,
        '{submitter}',
        jsonb_build_object(
            'kind', (petition::jsonb) -> 'submitter' -> 'kind',
            'name', '',
            'organization', NULL,
            'address', '',
            'phone', NULL,
            'email', NULL))::text
WHERE (petition::jsonb) -> 'submitter' ->> 'name' <> '';
