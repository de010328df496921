//! Diesel schema of the bus tables (see `migrations/`).

diesel::table! {
    outbox (seq) {
        seq -> Int8,
        id -> Uuid,
        subject -> Text,
        payload -> Text,
        trace_id -> Nullable<Text>,
        created_at -> Timestamptz,
        published_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    inbox (consumer, event_id) {
        consumer -> Text,
        event_id -> Uuid,
        processed_at -> Timestamptz,
    }
}
