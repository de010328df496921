//! Diesel schema of routing's tables; mirrors `migrations/`.

diesel::table! {
    units (code) {
        code -> Text,
        name_vi -> Text,
        kind_vi -> Text,
        kind_en -> Text,
        parent -> Text,
    }
}

diesel::table! {
    departments (code) {
        code -> Text,
        name_vi -> Text,
        name_en -> Text,
        applies_to -> Array<Text>,
        handles -> Text,
    }
}

diesel::table! {
    procedure_fields (code) {
        code -> Text,
        name_vi -> Text,
        name_en -> Text,
        default_department_ward -> Text,
        default_department_commune -> Text,
    }
}

diesel::table! {
    content_types (code) {
        code -> Int2,
        name_vi -> Text,
        name_en -> Text,
    }
}

diesel::table! {
    holidays (day) {
        day -> Date,
        name_vi -> Text,
        name_en -> Text,
        note -> Nullable<Text>,
        kind -> Text,
        provisional -> Bool,
    }
}

diesel::table! {
    office_hours (unit_code) {
        unit_code -> Text,
        sessions -> Text,
        updated_by -> Text,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    routing_rules (id) {
        id -> Int8,
        unit_code -> Nullable<Text>,
        field_code -> Text,
        content_type -> Nullable<Int2>,
        department_code -> Text,
    }
}

diesel::table! {
    deadline_policies (class) {
        unit_code -> Nullable<Text>,
        class -> Text,
        working_days -> Nullable<Int4>,
        working_hours -> Nullable<Int4>,
        review_required -> Bool,
    }
}

diesel::table! {
    bodies (code) {
        code -> Text,
        name_vi -> Text,
    }
}

diesel::table! {
    assignments (petition_id) {
        petition_id -> Uuid,
        tracking_code -> Text,
        origin_unit -> Text,
        unit_code -> Text,
        department_code -> Text,
        received_at -> Timestamptz,
        due_at -> Timestamptz,
        status -> Text,
        petition -> Text,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    routing_history (seq) {
        seq -> Int8,
        petition_id -> Uuid,
        at -> Timestamptz,
        actor -> Text,
        action -> Text,
        from_unit -> Nullable<Text>,
        to_unit -> Text,
        department -> Text,
        reason -> Nullable<Text>,
    }
}

diesel::table! {
    triage_deadlines (petition_id) {
        petition_id -> Uuid,
        unit_code -> Text,
        tracking_code -> Text,
        due_at -> Timestamptz,
        triaged_at -> Nullable<Timestamptz>,
        announced -> Int2,
    }
}
