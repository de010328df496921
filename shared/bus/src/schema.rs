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
        parked_at -> Nullable<Timestamptz>,
        park_reason -> Nullable<Text>,
    }
}

diesel::table! {
    inbox (consumer, event_id) {
        consumer -> Text,
        event_id -> Uuid,
        processed_at -> Timestamptz,
    }
}

diesel::table! {
    dead_letter (id) {
        id -> Int8,
        consumer -> Text,
        subject -> Text,
        event_id -> Nullable<Uuid>,
        payload -> Text,
        reason -> Text,
        deliveries -> Int8,
        failed_at -> Timestamptz,
        replayed_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    personal_data_reads (id) {
        id -> Int8,
        read_at -> Timestamptz,
        staff -> Text,
        role -> Text,
        unit -> Text,
        what -> Text,
        record -> Text,
        trace_id -> Nullable<Text>,
    }
}
