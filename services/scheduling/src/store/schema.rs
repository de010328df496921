//! Diesel schema of scheduling's tables; mirrors `migrations/`.

diesel::table! {
    conferences (id) {
        id -> Uuid,
        unit_code -> Text,
        title -> Text,
        starts_at -> Timestamptz,
        venue -> Text,
        online_link -> Nullable<Text>,
        chair -> Text,
        co_organisers -> Array<Text>,
        fields -> Array<Text>,
        status -> Text,
        notice_published_at -> Nullable<Timestamptz>,
        registration_closes_at -> Nullable<Timestamptz>,
        attendance -> Nullable<Int4>,
        minutes -> Nullable<Text>,
        minutes_published_at -> Nullable<Timestamptz>,
        results_notice -> Nullable<Text>,
        results_published_at -> Nullable<Timestamptz>,
        cancel_reason -> Nullable<Text>,
        written_answers_due_at -> Nullable<Timestamptz>,
        created_by -> Text,
        created_at -> Timestamptz,
        format -> Text,
    }
}

diesel::table! {
    registrations (petition_id) {
        petition_id -> Uuid,
        conference_id -> Uuid,
        unit_code -> Text,
        tracking_code -> Text,
        field_code -> Text,
        question -> Text,
        submitter -> Text,
        department -> Nullable<Text>,
        department_name -> Nullable<Text>,
        outcome -> Nullable<Text>,
        outcome_answer -> Nullable<Text>,
        outcome_department -> Nullable<Text>,
        outcome_due_at -> Nullable<Timestamptz>,
        forwarded_to -> Nullable<Text>,
        reminded -> Bool,
        registered_at -> Timestamptz,
        prepared_answer -> Nullable<Text>,
    }
}

diesel::table! {
    compliance_reminders (unit_code, reason, period) {
        unit_code -> Text,
        reason -> Text,
        period -> Text,
        sent_at -> Timestamptz,
    }
}

diesel::joinable!(registrations -> conferences (conference_id));
diesel::allow_tables_to_appear_in_same_query!(conferences, registrations, compliance_reminders);

diesel::table! {
    conference_history (seq) {
        seq -> Int8,
        conference_id -> Uuid,
        at -> Timestamptz,
        actor -> Text,
        action -> Text,
        note -> Nullable<Text>,
    }
}

diesel::table! {
    publications (id) {
        id -> Int8,
        conference_id -> Uuid,
        kind -> Text,
        version -> Int4,
        text -> Text,
        published_at -> Timestamptz,
        published_by -> Text,
    }
}

diesel::joinable!(conference_history -> conferences (conference_id));
diesel::joinable!(publications -> conferences (conference_id));
diesel::allow_tables_to_appear_in_same_query!(conferences, conference_history, publications);

diesel::table! {
    residential_groups (unit_code, code) {
        unit_code -> Text,
        code -> Text,
        name_vi -> Text,
        head_name -> Nullable<Text>,
        head_email -> Nullable<Text>,
        head_phone -> Nullable<Text>,
        updated_by -> Text,
        updated_at -> Timestamptz,
    }
}
