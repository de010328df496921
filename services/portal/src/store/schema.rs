//! Diesel schema of the portal's tables; mirrors `migrations/`.

diesel::table! {
    accounts (id) {
        id -> Uuid,
        username -> Text,
        display_name -> Text,
        password_hash -> Text,
        role -> Text,
        unit -> Text,
        department -> Nullable<Text>,
        enabled -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    sessions (token_hash) {
        token_hash -> Text,
        account_id -> Uuid,
        csrf -> Text,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
    }
}

diesel::table! {
    signin_failures (id) {
        id -> Int8,
        username -> Text,
        address -> Text,
        at -> Timestamptz,
    }
}

diesel::table! {
    audit (seq) {
        seq -> Int8,
        at -> Timestamptz,
        actor -> Text,
        action -> Text,
        subject -> Nullable<Text>,
        address -> Nullable<Text>,
        detail -> Nullable<Text>,
    }
}

diesel::joinable!(sessions -> accounts (account_id));
diesel::allow_tables_to_appear_in_same_query!(accounts, sessions);
