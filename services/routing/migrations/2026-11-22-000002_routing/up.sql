-- Routing rules, deadline policies, bodies outside the wards, and what routing decided.

-- unit × field (× content type) → department. unit_code NULL = every unit; when no rule
-- matches, the field's default department for the unit's kind applies (procedure_fields).
CREATE TABLE routing_rules (
    id              BIGSERIAL PRIMARY KEY,
    unit_code       TEXT,
    field_code      TEXT NOT NULL REFERENCES procedure_fields (code),
    content_type    SMALLINT CHECK (content_type BETWEEN 1 AND 8),
    department_code TEXT NOT NULL REFERENCES departments (code),
    UNIQUE NULLS NOT DISTINCT (unit_code, field_code, content_type)
);

-- Deadlines per unit (NULL = the city default) and class, in working days or working hours.
CREATE TABLE deadline_policies (
    unit_code     TEXT,
    class         TEXT NOT NULL CHECK (class IN ('acknowledgement', 'transfer', 'answer', 'refusal')),
    working_days  INTEGER CHECK (working_days > 0),
    working_hours INTEGER CHECK (working_hours > 0),
    -- Whether a department head reviews drafts before the leader approves.
    review_required BOOLEAN NOT NULL DEFAULT FALSE,
    CHECK ((working_days IS NULL) <> (working_hours IS NULL)),
    UNIQUE NULLS NOT DISTINCT (unit_code, class)
);
INSERT INTO deadline_policies (unit_code, class, working_days, working_hours) VALUES
    (NULL, 'acknowledgement', NULL, 8),   -- iHanoi: acknowledge within 8 working hours
    (NULL, 'transfer', 5, NULL),          -- Decree 20, Art. 9: transfer within 5 working days
    (NULL, 'answer', 15, NULL),           -- until the city sets its own
    (NULL, 'refusal', 3, NULL);

-- Bodies a unit may transfer to that are not wards or communes: the city's departments (sở)
-- and the city People's Committee. They work transferred items in their own inbox.
CREATE TABLE bodies (
    code    TEXT PRIMARY KEY,
    name_vi TEXT NOT NULL
);
INSERT INTO bodies (code, name_vi) VALUES
    ('ubnd-thanh-pho', 'Ủy ban nhân dân Thành phố Hà Nội'),
    ('so-tu-phap', 'Sở Tư pháp'),
    ('so-xay-dung', 'Sở Xây dựng'),
    ('so-nong-nghiep-va-moi-truong', 'Sở Nông nghiệp và Môi trường'),
    ('so-tai-chinh', 'Sở Tài chính'),
    ('so-noi-vu', 'Sở Nội vụ'),
    ('so-y-te', 'Sở Y tế'),
    ('so-giao-duc-va-dao-tao', 'Sở Giáo dục và Đào tạo'),
    ('so-van-hoa-va-the-thao', 'Sở Văn hóa và Thể thao'),
    ('so-cong-thuong', 'Sở Công Thương'),
    ('cong-an-thanh-pho', 'Công an Thành phố Hà Nội');

-- Where each petition stands: the holding unit, its department, the due date.
CREATE TABLE assignments (
    petition_id     UUID PRIMARY KEY,
    tracking_code   TEXT NOT NULL,
    origin_unit     TEXT NOT NULL,
    unit_code       TEXT NOT NULL,
    department_code TEXT NOT NULL,
    received_at     TIMESTAMPTZ NOT NULL,
    due_at          TIMESTAMPTZ NOT NULL,
    -- routed | transferred
    status          TEXT NOT NULL,
    -- The petition.received payload, forwarded with every routing event.
    petition        TEXT NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX assignments_unit ON assignments (unit_code, due_at);

-- Every routing decision: who, when, what and why. Append-only.
CREATE TABLE routing_history (
    seq         BIGSERIAL PRIMARY KEY,
    petition_id UUID NOT NULL,
    at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    from_unit   TEXT,
    to_unit     TEXT NOT NULL,
    department  TEXT NOT NULL,
    reason      TEXT
);
CREATE FUNCTION forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'history is append-only';
END $$;
CREATE TRIGGER routing_history_append_only BEFORE UPDATE OR DELETE ON routing_history
    FOR EACH ROW EXECUTE FUNCTION forbid_change();
