//! Reporting's tables as diesel sees them (the sums are read by SQL in `store`).

diesel::table! {
    petitions (petition_id) {
        petition_id -> Uuid,
        tracking_code -> Nullable<Text>,
        received_unit -> Nullable<Text>,
        received_department -> Nullable<Text>,
        unit -> Nullable<Text>,
        department -> Nullable<Text>,
        field -> Nullable<Text>,
        received_at -> Nullable<Timestamptz>,
        outcome -> Nullable<Text>,
        due_at -> Nullable<Timestamptz>,
        answered_at -> Nullable<Timestamptz>,
        score -> Nullable<Int2>,
        rated_at -> Nullable<Timestamptz>,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    transfers (event_id) {
        event_id -> Uuid,
        petition_id -> Uuid,
        from_unit -> Text,
        at -> Timestamptz,
    }
}

diesel::table! {
    conferences (conference_id) {
        conference_id -> Uuid,
        unit -> Text,
        title -> Text,
        status -> Text,
        starts_at -> Timestamptz,
        notice_published_at -> Nullable<Timestamptz>,
        minutes_published_at -> Nullable<Timestamptz>,
        results_published_at -> Nullable<Timestamptz>,
        recorded_at -> Timestamptz,
    }
}
