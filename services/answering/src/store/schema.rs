//! Diesel schema of answering's tables; mirrors `migrations/`.

diesel::table! {
    cases (petition_id) {
        petition_id -> Uuid,
        tracking_code -> Text,
        unit_code -> Text,
        unit_name -> Text,
        department_code -> Text,
        department_name -> Text,
        due_at -> Timestamptz,
        review_required -> Bool,
        status -> Text,
        kind -> Text,
        field_code -> Text,
        title -> Nullable<Text>,
        question -> Text,
        submitter -> Text,
        consent_to_publish_identity -> Bool,
        received_at -> Timestamptz,
        official_number -> Nullable<Text>,
        answer -> Nullable<Text>,
        signed_by -> Nullable<Text>,
        answered_at -> Nullable<Timestamptz>,
        public_title -> Nullable<Text>,
        public_question -> Nullable<Text>,
        public_answer -> Nullable<Text>,
        search_folded -> Nullable<Text>,
        published_at -> Nullable<Timestamptz>,
        due_soon_notified -> Bool,
        overdue_notified -> Bool,
        updated_at -> Timestamptz,
        conference_id -> Nullable<Uuid>,
        rating_token_hash -> Nullable<Text>,
    }
}

diesel::table! {
    drafts (id) {
        id -> Int8,
        petition_id -> Uuid,
        body -> Text,
        author -> Text,
        created_at -> Timestamptz,
        private_names -> Array<Text>,
    }
}

diesel::table! {
    answer_numbers (unit_code, year) {
        unit_code -> Text,
        year -> Int4,
        last -> Int4,
    }
}

diesel::table! {
    ratings (petition_id) {
        petition_id -> Uuid,
        unit_code -> Text,
        score -> Int2,
        comment -> Nullable<Text>,
        rated_at -> Timestamptz,
    }
}

diesel::table! {
    case_history (seq) {
        seq -> Int8,
        petition_id -> Uuid,
        at -> Timestamptz,
        actor -> Text,
        action -> Text,
        note -> Nullable<Text>,
    }
}
