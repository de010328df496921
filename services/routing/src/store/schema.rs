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
    }
}
