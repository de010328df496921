//! Diesel schema of notification's tables; mirrors `migrations/`.

diesel::table! {
    messages (id) {
        id -> Uuid,
        event_id -> Uuid,
        unit_code -> Text,
        tracking_code -> Nullable<Text>,
        kind -> Text,
        channel -> Text,
        recipient -> Text,
        subject -> Text,
        body -> Text,
        status -> Text,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        last_error -> Nullable<Text>,
        created_at -> Timestamptz,
        sent_at -> Nullable<Timestamptz>,
        overdue_at -> Nullable<Timestamptz>,
        posted_by -> Nullable<Text>,
        due_soon_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    contacts (petition_id) {
        petition_id -> Uuid,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        stored_at -> Timestamptz,
        postal -> Nullable<Text>,
    }
}
