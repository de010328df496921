//! Diesel schema of intake's tables; mirrors `migrations/`.

diesel::table! {
    petitions (id) {
        id -> Uuid,
        tracking_code -> Text,
        unit_code -> Text,
        kind -> Text,
        field_code -> Text,
        procedure_code -> Nullable<Text>,
        content_type -> Nullable<Int2>,
        title -> Nullable<Text>,
        content -> Text,
        submitter_kind -> Text,
        submitter_name -> Text,
        submitter_organization -> Nullable<Text>,
        submitter_address -> Text,
        submitter_phone -> Nullable<Text>,
        submitter_email -> Nullable<Text>,
        consent_to_publish_identity -> Bool,
        conference_id -> Nullable<Uuid>,
        channel -> Text,
        received_at -> Timestamptz,
        recorded_at -> Timestamptz,
        recorded_by -> Nullable<Text>,
        status -> Text,
        not_accepted_reason -> Nullable<Text>,
        holder_code -> Text,
        holder_name -> Text,
        due_at -> Nullable<Timestamptz>,
        trace_id -> Nullable<Text>,
        triage_suspect -> Nullable<Text>,
        official_conduct -> Bool,
    }
}

diesel::table! {
    petition_timeline (seq) {
        seq -> Int8,
        petition_id -> Uuid,
        at -> Timestamptz,
        status -> Text,
        actor -> Nullable<Text>,
        note -> Nullable<Text>,
        event_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    idempotency_keys (scope, key) {
        scope -> Text,
        key -> Text,
        request_hash -> Text,
        petition_id -> Uuid,
        status_code -> Int2,
        response -> Text,
        created_at -> Timestamptz,
    }
}

diesel::joinable!(petition_timeline -> petitions (petition_id));
diesel::allow_tables_to_appear_in_same_query!(petitions, petition_timeline, idempotency_keys);

diesel::table! {
    conferences (id) {
        id -> Uuid,
        unit_code -> Text,
        title -> Text,
        starts_at -> Timestamptz,
        registration_closes_at -> Timestamptz,
        cancelled -> Bool,
    }
}
