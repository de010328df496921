-- Reporting's read model: what the events told of each petition (facts), the contributions
-- each fact makes to the reports (one view, the single definition of every measure), and the
-- sums of those contributions by day and by month, kept current in each event's transaction.

CREATE TABLE petitions (
    petition_id uuid PRIMARY KEY,
    tracking_code text,
    -- The unit that received it and its department there (the "received" side of reports).
    received_unit text,
    received_department text,
    -- The holder now (after transfers): the "answered" and "overdue" side.
    unit text,
    department text,
    field text,
    received_at timestamptz,
    -- accepted (a PAKN, routed) | not_accepted (complaint, denunciation, anonymous) | refused
    outcome text CHECK (outcome IN ('accepted', 'not_accepted', 'refused')),
    due_at timestamptz,
    answered_at timestamptz,
    score smallint CHECK (score BETWEEN 1 AND 5),
    rated_at timestamptz,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Overdue now: the open petitions only (a small part of the table), by due date, read by an
-- index-only scan. Vacuumed after 1 % of the rows changed (not PostgreSQL's 20 %: two million
-- at ten million petitions) so the visibility map stays current and the scan seldom visits
-- the table.
CREATE INDEX petitions_open_due ON petitions (due_at, unit, department, field)
    WHERE outcome = 'accepted' AND answered_at IS NULL AND due_at IS NOT NULL;
ALTER TABLE petitions
    SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_analyze_scale_factor = 0.01);

-- Each transfer out of a unit (a petition may be transferred more than once).
CREATE TABLE transfers (
    event_id uuid PRIMARY KEY,
    petition_id uuid NOT NULL,
    from_unit text NOT NULL,
    at timestamptz NOT NULL
);
CREATE INDEX transfers_petition ON transfers (petition_id);

-- Dialogue conferences as scheduling last recorded them.
CREATE TABLE conferences (
    conference_id uuid PRIMARY KEY,
    unit text NOT NULL,
    title text NOT NULL,
    status text NOT NULL,
    starts_at timestamptz NOT NULL,
    notice_published_at timestamptz,
    minutes_published_at timestamptz,
    results_published_at timestamptz,
    recorded_at timestamptz NOT NULL
);
CREATE INDEX conferences_unit ON conferences (unit, starts_at);

-- Time to answer, in days from receipt, is counted in bins (upper bounds 1, 2, 3, 5, 7, 10,
-- 15, 20, 30, 45, 60 days; the last bin is everything later): the median of any selection is
-- read from the summed bins.
CREATE FUNCTION answer_bin(days float8) RETURNS int LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT width_bucket(days, ARRAY[1, 2, 3, 5, 7, 10, 15, 20, 30, 45, 60]::float8[])
$$;

-- What each fact adds to the reports, by the Hanoi day it counts on:
-- received/outcome on the day of receipt, at the receiving unit; answered (on time or late, the
-- time to answer) on the day of the answer, at the holder; rated on the day of the rating;
-- transferred on the day of the transfer, at the unit that transferred it.
CREATE VIEW contributions AS
SELECT petition_id, day, unit, field, department,
       received, accepted, not_accepted, refused, transferred, on_time, late, answer_days,
       (bin IS NOT DISTINCT FROM 0)::int AS b0, (bin IS NOT DISTINCT FROM 1)::int AS b1,
       (bin IS NOT DISTINCT FROM 2)::int AS b2, (bin IS NOT DISTINCT FROM 3)::int AS b3,
       (bin IS NOT DISTINCT FROM 4)::int AS b4, (bin IS NOT DISTINCT FROM 5)::int AS b5,
       (bin IS NOT DISTINCT FROM 6)::int AS b6, (bin IS NOT DISTINCT FROM 7)::int AS b7,
       (bin IS NOT DISTINCT FROM 8)::int AS b8, (bin IS NOT DISTINCT FROM 9)::int AS b9,
       (bin IS NOT DISTINCT FROM 10)::int AS b10, (bin IS NOT DISTINCT FROM 11)::int AS b11,
       rated, satisfied, score
FROM (
    SELECT petition_id, (received_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date AS day,
           received_unit AS unit, coalesce(field, '') AS field,
           coalesce(received_department, '') AS department,
           1 AS received, (outcome = 'accepted')::int AS accepted,
           (outcome = 'not_accepted')::int AS not_accepted, (outcome = 'refused')::int AS refused,
           0 AS transferred, 0 AS on_time, 0 AS late, 0::float8 AS answer_days, NULL::int AS bin,
           0 AS rated, 0 AS satisfied, 0 AS score
    FROM petitions WHERE received_at IS NOT NULL AND received_unit IS NOT NULL
    UNION ALL
    SELECT petition_id, (answered_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date,
           unit, coalesce(field, ''), coalesce(department, ''),
           0, 0, 0, 0, 0, (answered_at <= due_at)::int, (answered_at > due_at)::int,
           extract(epoch FROM answered_at - received_at) / 86400,
           answer_bin(extract(epoch FROM answered_at - received_at) / 86400),
           0, 0, 0
    FROM petitions
    WHERE answered_at IS NOT NULL AND unit IS NOT NULL AND due_at IS NOT NULL
      AND received_at IS NOT NULL
    UNION ALL
    SELECT petition_id, (rated_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date,
           unit, coalesce(field, ''), coalesce(department, ''),
           0, 0, 0, 0, 0, 0, 0, 0, NULL, 1, (score >= 4)::int, score
    FROM petitions WHERE rated_at IS NOT NULL AND unit IS NOT NULL
    UNION ALL
    SELECT t.petition_id, (t.at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date,
           t.from_unit, coalesce(p.field, ''),
           CASE WHEN t.from_unit = p.received_unit THEN coalesce(p.received_department, '')
                ELSE '' END,
           0, 0, 0, 0, 1, 0, 0, 0, NULL, 0, 0, 0
    FROM transfers t JOIN petitions p USING (petition_id)
) c;

-- The sums, by day (for the edges of a period) and by month (its whole months), each at three
-- grains so that a report reads few rows: 0 by unit, field and department; 1 by unit only
-- (field and department ''); 2 for the city by field and department (unit ''). `department`
-- and `field` are also '' when not known yet.
CREATE TABLE daily (
    grain smallint NOT NULL,
    day date NOT NULL,
    unit text NOT NULL,
    field text NOT NULL,
    department text NOT NULL,
    received int NOT NULL DEFAULT 0,
    accepted int NOT NULL DEFAULT 0,
    not_accepted int NOT NULL DEFAULT 0,
    refused int NOT NULL DEFAULT 0,
    transferred int NOT NULL DEFAULT 0,
    on_time int NOT NULL DEFAULT 0,
    late int NOT NULL DEFAULT 0,
    answer_days float8 NOT NULL DEFAULT 0,
    b0 int NOT NULL DEFAULT 0, b1 int NOT NULL DEFAULT 0, b2 int NOT NULL DEFAULT 0,
    b3 int NOT NULL DEFAULT 0, b4 int NOT NULL DEFAULT 0, b5 int NOT NULL DEFAULT 0,
    b6 int NOT NULL DEFAULT 0, b7 int NOT NULL DEFAULT 0, b8 int NOT NULL DEFAULT 0,
    b9 int NOT NULL DEFAULT 0, b10 int NOT NULL DEFAULT 0, b11 int NOT NULL DEFAULT 0,
    rated int NOT NULL DEFAULT 0,
    satisfied int NOT NULL DEFAULT 0,
    score int NOT NULL DEFAULT 0,
    PRIMARY KEY (grain, day, unit, field, department)
);
CREATE INDEX daily_unit ON daily (grain, unit, day);

CREATE TABLE monthly (
    LIKE daily INCLUDING DEFAULTS,
    PRIMARY KEY (grain, day, unit, field, department)
);
CREATE INDEX monthly_unit ON monthly (grain, unit, day);
COMMENT ON COLUMN monthly.day IS 'The first day of the month';

-- Adds `sign` (1 or -1) times the contributions of one petition to both sums, at every grain.
-- Called with -1 before a change of the petition's facts and with 1 after it, with the row
-- locked, so the sums always equal the contributions of the facts whatever order the events
-- came in. PL/pgSQL, so its statements' plans are kept between calls.
CREATE FUNCTION apply_contributions(p_id uuid, p_sign int) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO daily AS t
    WITH c AS (SELECT * FROM contributions WHERE petition_id = p_id)
    SELECT 0::int2, day, unit, field, department, p_sign * sum(received), p_sign *
        sum(accepted), p_sign * sum(not_accepted), p_sign * sum(refused), p_sign * sum(transferred),
        p_sign * sum(on_time), p_sign * sum(late), p_sign * sum(answer_days), p_sign * sum(b0),
        p_sign * sum(b1), p_sign * sum(b2), p_sign * sum(b3), p_sign * sum(b4), p_sign * sum(b5),
        p_sign * sum(b6), p_sign * sum(b7), p_sign * sum(b8), p_sign * sum(b9), p_sign * sum(b10),
        p_sign * sum(b11), p_sign * sum(rated), p_sign * sum(satisfied), p_sign * sum(score)
    FROM c GROUP BY 2, unit, field, department
    UNION ALL
    SELECT 1::int2, day, unit, '', '', p_sign * sum(received), p_sign * sum(accepted), p_sign *
        sum(not_accepted), p_sign * sum(refused), p_sign * sum(transferred), p_sign * sum(on_time),
        p_sign * sum(late), p_sign * sum(answer_days), p_sign * sum(b0), p_sign * sum(b1), p_sign *
        sum(b2), p_sign * sum(b3), p_sign * sum(b4), p_sign * sum(b5), p_sign * sum(b6), p_sign *
        sum(b7), p_sign * sum(b8), p_sign * sum(b9), p_sign * sum(b10), p_sign * sum(b11), p_sign *
        sum(rated), p_sign * sum(satisfied), p_sign * sum(score)
    FROM c GROUP BY 2, unit
    UNION ALL
    SELECT 2::int2, day, '', field, department, p_sign * sum(received), p_sign * sum(accepted),
        p_sign * sum(not_accepted), p_sign * sum(refused), p_sign * sum(transferred), p_sign *
        sum(on_time), p_sign * sum(late), p_sign * sum(answer_days), p_sign * sum(b0), p_sign *
        sum(b1), p_sign * sum(b2), p_sign * sum(b3), p_sign * sum(b4), p_sign * sum(b5), p_sign *
        sum(b6), p_sign * sum(b7), p_sign * sum(b8), p_sign * sum(b9), p_sign * sum(b10), p_sign *
        sum(b11), p_sign * sum(rated), p_sign * sum(satisfied), p_sign * sum(score)
    FROM c GROUP BY 2, field, department
    ON CONFLICT (grain, day, unit, field, department) DO UPDATE SET
        received = t.received + excluded.received,
        accepted = t.accepted + excluded.accepted,
        not_accepted = t.not_accepted + excluded.not_accepted,
        refused = t.refused + excluded.refused,
        transferred = t.transferred + excluded.transferred,
        on_time = t.on_time + excluded.on_time,
        late = t.late + excluded.late,
        answer_days = t.answer_days + excluded.answer_days,
        b0 = t.b0 + excluded.b0,
        b1 = t.b1 + excluded.b1,
        b2 = t.b2 + excluded.b2,
        b3 = t.b3 + excluded.b3,
        b4 = t.b4 + excluded.b4,
        b5 = t.b5 + excluded.b5,
        b6 = t.b6 + excluded.b6,
        b7 = t.b7 + excluded.b7,
        b8 = t.b8 + excluded.b8,
        b9 = t.b9 + excluded.b9,
        b10 = t.b10 + excluded.b10,
        b11 = t.b11 + excluded.b11,
        rated = t.rated + excluded.rated,
        satisfied = t.satisfied + excluded.satisfied,
        score = t.score + excluded.score;
    INSERT INTO monthly AS t
    WITH c AS (SELECT * FROM contributions WHERE petition_id = p_id)
    SELECT 0::int2, date_trunc('month', day)::date, unit, field, department, p_sign *
        sum(received), p_sign * sum(accepted), p_sign * sum(not_accepted), p_sign * sum(refused),
        p_sign * sum(transferred), p_sign * sum(on_time), p_sign * sum(late), p_sign *
        sum(answer_days), p_sign * sum(b0), p_sign * sum(b1), p_sign * sum(b2), p_sign * sum(b3),
        p_sign * sum(b4), p_sign * sum(b5), p_sign * sum(b6), p_sign * sum(b7), p_sign * sum(b8),
        p_sign * sum(b9), p_sign * sum(b10), p_sign * sum(b11), p_sign * sum(rated), p_sign *
        sum(satisfied), p_sign * sum(score)
    FROM c GROUP BY 2, unit, field, department
    UNION ALL
    SELECT 1::int2, date_trunc('month', day)::date, unit, '', '', p_sign * sum(received), p_sign
        * sum(accepted), p_sign * sum(not_accepted), p_sign * sum(refused), p_sign *
        sum(transferred), p_sign * sum(on_time), p_sign * sum(late), p_sign * sum(answer_days),
        p_sign * sum(b0), p_sign * sum(b1), p_sign * sum(b2), p_sign * sum(b3), p_sign * sum(b4),
        p_sign * sum(b5), p_sign * sum(b6), p_sign * sum(b7), p_sign * sum(b8), p_sign * sum(b9),
        p_sign * sum(b10), p_sign * sum(b11), p_sign * sum(rated), p_sign * sum(satisfied), p_sign *
        sum(score)
    FROM c GROUP BY 2, unit
    UNION ALL
    SELECT 2::int2, date_trunc('month', day)::date, '', field, department, p_sign *
        sum(received), p_sign * sum(accepted), p_sign * sum(not_accepted), p_sign * sum(refused),
        p_sign * sum(transferred), p_sign * sum(on_time), p_sign * sum(late), p_sign *
        sum(answer_days), p_sign * sum(b0), p_sign * sum(b1), p_sign * sum(b2), p_sign * sum(b3),
        p_sign * sum(b4), p_sign * sum(b5), p_sign * sum(b6), p_sign * sum(b7), p_sign * sum(b8),
        p_sign * sum(b9), p_sign * sum(b10), p_sign * sum(b11), p_sign * sum(rated), p_sign *
        sum(satisfied), p_sign * sum(score)
    FROM c GROUP BY 2, field, department
    ON CONFLICT (grain, day, unit, field, department) DO UPDATE SET
        received = t.received + excluded.received,
        accepted = t.accepted + excluded.accepted,
        not_accepted = t.not_accepted + excluded.not_accepted,
        refused = t.refused + excluded.refused,
        transferred = t.transferred + excluded.transferred,
        on_time = t.on_time + excluded.on_time,
        late = t.late + excluded.late,
        answer_days = t.answer_days + excluded.answer_days,
        b0 = t.b0 + excluded.b0,
        b1 = t.b1 + excluded.b1,
        b2 = t.b2 + excluded.b2,
        b3 = t.b3 + excluded.b3,
        b4 = t.b4 + excluded.b4,
        b5 = t.b5 + excluded.b5,
        b6 = t.b6 + excluded.b6,
        b7 = t.b7 + excluded.b7,
        b8 = t.b8 + excluded.b8,
        b9 = t.b9 + excluded.b9,
        b10 = t.b10 + excluded.b10,
        b11 = t.b11 + excluded.b11,
        rated = t.rated + excluded.rated,
        satisfied = t.satisfied + excluded.satisfied,
        score = t.score + excluded.score;
END
$$;

-- Recomputes both sums from the facts (after a bulk load, or to check the running sums).
CREATE FUNCTION rebuild_sums() RETURNS void LANGUAGE sql AS $$
    TRUNCATE daily, monthly;
    INSERT INTO daily
    WITH c AS (SELECT day, unit, field, department, sum(received) AS received, sum(accepted) AS
        accepted, sum(not_accepted) AS not_accepted, sum(refused) AS refused, sum(transferred) AS
        transferred, sum(on_time) AS on_time, sum(late) AS late, sum(answer_days) AS answer_days,
        sum(b0) AS b0, sum(b1) AS b1, sum(b2) AS b2, sum(b3) AS b3, sum(b4) AS b4, sum(b5) AS b5,
        sum(b6) AS b6, sum(b7) AS b7, sum(b8) AS b8, sum(b9) AS b9, sum(b10) AS b10, sum(b11) AS
        b11, sum(rated) AS rated, sum(satisfied) AS satisfied, sum(score) AS score FROM
        contributions
               GROUP BY day, unit, field, department)
    SELECT 0::int2, day, unit, field, department, sum(received), sum(accepted),
        sum(not_accepted), sum(refused), sum(transferred), sum(on_time), sum(late),
        sum(answer_days), sum(b0), sum(b1), sum(b2), sum(b3), sum(b4), sum(b5), sum(b6), sum(b7),
        sum(b8), sum(b9), sum(b10), sum(b11), sum(rated), sum(satisfied), sum(score)
    FROM c GROUP BY 2, unit, field, department
    UNION ALL
    SELECT 1::int2, day, unit, '', '', sum(received), sum(accepted), sum(not_accepted),
        sum(refused), sum(transferred), sum(on_time), sum(late), sum(answer_days), sum(b0), sum(b1),
        sum(b2), sum(b3), sum(b4), sum(b5), sum(b6), sum(b7), sum(b8), sum(b9), sum(b10), sum(b11),
        sum(rated), sum(satisfied), sum(score)
    FROM c GROUP BY 2, unit
    UNION ALL
    SELECT 2::int2, day, '', field, department, sum(received), sum(accepted), sum(not_accepted),
        sum(refused), sum(transferred), sum(on_time), sum(late), sum(answer_days), sum(b0), sum(b1),
        sum(b2), sum(b3), sum(b4), sum(b5), sum(b6), sum(b7), sum(b8), sum(b9), sum(b10), sum(b11),
        sum(rated), sum(satisfied), sum(score)
    FROM c GROUP BY 2, field, department;
    INSERT INTO monthly
    SELECT grain, date_trunc('month', day)::date, unit, field, department, sum(received),
        sum(accepted), sum(not_accepted), sum(refused), sum(transferred), sum(on_time), sum(late),
        sum(answer_days), sum(b0), sum(b1), sum(b2), sum(b3), sum(b4), sum(b5), sum(b6), sum(b7),
        sum(b8), sum(b9), sum(b10), sum(b11), sum(rated), sum(satisfied), sum(score)
    FROM daily GROUP BY grain, 2, unit, field, department;
$$;
