-- Sums kept once per batch of events instead of once per event. A batch locks its petitions'
-- facts (in one order, so that two consumers' batches never deadlock) and stages what they
-- contributed before its changes (sign -1); it applies the changes; it stages what they
-- contribute after (sign 1) and adds the difference to the sums, one statement per table, each
-- sum row touched once and in key order. The sums still equal the contributions of the facts,
-- whatever order the events of the four streams come in, and the hot rows of a day (a unit's,
-- the city's) are locked once per batch rather than twice per event.

DROP FUNCTION apply_contributions(uuid, int);

-- With `p_sign` -1: locks (creating when new) the facts of the petitions `p_ids`, then stages
-- their contributions; with 1, stages them only. The staging tables are the session's own and
-- emptied at every commit.
CREATE FUNCTION stage_contributions(p_ids uuid[], p_sign int) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF to_regclass('pg_temp.staged_contributions') IS NULL THEN
        CREATE TEMP TABLE staged_contributions ON COMMIT DELETE ROWS AS
            SELECT 0 AS sign, * FROM contributions WITH NO DATA;
        CREATE TEMP TABLE folded_contributions ON COMMIT DELETE ROWS AS
            SELECT * FROM daily WITH NO DATA;
    END IF;
    IF p_sign < 0 THEN
        INSERT INTO petitions (petition_id)
        SELECT DISTINCT id FROM unnest(p_ids) AS id ORDER BY id
        ON CONFLICT (petition_id) DO UPDATE SET updated_at = now();
    END IF;
    INSERT INTO pg_temp.staged_contributions
    SELECT p_sign, c.* FROM contributions c WHERE c.petition_id = ANY (p_ids);
END
$$;

-- Stages the new contributions of `p_ids` and adds what changed to both sums at every grain;
-- a group whose change is nothing is left alone (a department learnt later moves a petition
-- between department rows, not between unit rows).
CREATE FUNCTION fold_contributions(p_ids uuid[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM stage_contributions(p_ids, 1);
    INSERT INTO pg_temp.folded_contributions
    WITH c AS (
        SELECT day, unit, field, department,
            sum(sign * received) AS received, sum(sign * accepted) AS accepted,
            sum(sign * not_accepted) AS not_accepted, sum(sign * refused) AS refused,
            sum(sign * transferred) AS transferred, sum(sign * on_time) AS on_time,
            sum(sign * late) AS late, sum(sign * answer_days) AS answer_days,
            sum(sign * b0) AS b0, sum(sign * b1) AS b1, sum(sign * b2) AS b2,
            sum(sign * b3) AS b3, sum(sign * b4) AS b4, sum(sign * b5) AS b5,
            sum(sign * b6) AS b6, sum(sign * b7) AS b7, sum(sign * b8) AS b8,
            sum(sign * b9) AS b9, sum(sign * b10) AS b10, sum(sign * b11) AS b11,
            sum(sign * rated) AS rated, sum(sign * satisfied) AS satisfied,
            sum(sign * score) AS score
        FROM pg_temp.staged_contributions GROUP BY day, unit, field, department
    )
    SELECT * FROM (
        SELECT 0::int2, day, unit, field, department,
            received, accepted, not_accepted, refused, transferred, on_time, late, answer_days,
            b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11, rated, satisfied, score
        FROM c
        UNION ALL
        SELECT 1::int2, day, unit, '', '',
            sum(received), sum(accepted), sum(not_accepted), sum(refused), sum(transferred),
            sum(on_time), sum(late), sum(answer_days), sum(b0), sum(b1), sum(b2), sum(b3),
            sum(b4), sum(b5), sum(b6), sum(b7), sum(b8), sum(b9), sum(b10), sum(b11),
            sum(rated), sum(satisfied), sum(score)
        FROM c GROUP BY day, unit
        UNION ALL
        SELECT 2::int2, day, '', field, department,
            sum(received), sum(accepted), sum(not_accepted), sum(refused), sum(transferred),
            sum(on_time), sum(late), sum(answer_days), sum(b0), sum(b1), sum(b2), sum(b3),
            sum(b4), sum(b5), sum(b6), sum(b7), sum(b8), sum(b9), sum(b10), sum(b11),
            sum(rated), sum(satisfied), sum(score)
        FROM c GROUP BY day, field, department
    ) g
    WHERE (
            received, accepted, not_accepted, refused, transferred, on_time, late, answer_days,
            b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11, rated, satisfied, score
    ) IS DISTINCT FROM (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    INSERT INTO daily AS t
    SELECT * FROM pg_temp.folded_contributions ORDER BY grain, day, unit, field, department
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
    SELECT grain, date_trunc('month', day)::date AS month, unit, field, department,
        sum(received), sum(accepted), sum(not_accepted), sum(refused), sum(transferred),
        sum(on_time), sum(late), sum(answer_days), sum(b0), sum(b1), sum(b2), sum(b3), sum(b4),
        sum(b5), sum(b6), sum(b7), sum(b8), sum(b9), sum(b10), sum(b11), sum(rated),
        sum(satisfied), sum(score)
    FROM pg_temp.folded_contributions
    GROUP BY grain, month, unit, field, department
    ORDER BY grain, month, unit, field, department
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
    -- Emptied now as well as at commit: a second batch in the same transaction starts clean.
    DELETE FROM pg_temp.staged_contributions;
    DELETE FROM pg_temp.folded_contributions;
END
$$;
