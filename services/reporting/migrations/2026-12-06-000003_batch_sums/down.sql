DROP FUNCTION fold_contributions(uuid[]);
DROP FUNCTION stage_contributions(uuid[], int);

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
