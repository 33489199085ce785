// Written by hand (diesel_cli needs libpq, which this project avoids). Keep in step with
// migrations/: the schema test compares it with the migrated database.

diesel::table! {
    users (id) {
        id -> Uuid,
        username -> Text,
        display_name -> Text,
        role -> Text,
        password_hash -> Text,
        disabled -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    sessions (id) {
        id -> Uuid,
        user_id -> Uuid,
        created_at -> Timestamptz,
        last_used_at -> Timestamptz,
        expires_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
        revoked_reason -> Nullable<Text>,
    }
}

diesel::table! {
    refresh_tokens (token_hash) {
        token_hash -> Bytea,
        session_id -> Uuid,
        created_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> Uuid,
        name -> Text,
        token_hash -> Bytea,
        scopes -> Array<Text>,
        created_by -> Uuid,
        created_at -> Timestamptz,
        expires_at -> Nullable<Timestamptz>,
        last_used_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Int8,
        at -> Timestamptz,
        actor_kind -> Text,
        actor_id -> Nullable<Uuid>,
        actor_role -> Nullable<Text>,
        action -> Text,
        entity_type -> Text,
        entity_id -> Nullable<Text>,
        request_id -> Nullable<Text>,
        summary -> Jsonb,
    }
}

diesel::table! {
    calendar_days (day) {
        day -> Date,
        kind -> Text,
    }
}

diesel::table! {
    yearly_counters (name, year) {
        name -> Text,
        year -> Int4,
        last -> Int4,
    }
}

diesel::table! {
    feedback (id) {
        id -> Uuid,
        register_no -> Text,
        kind -> Text,
        channel -> Text,
        subject -> Text,
        content -> Text,
        contact_name -> Nullable<Text>,
        contact_phone -> Nullable<Text>,
        contact_email -> Nullable<Text>,
        related_item_id -> Nullable<Uuid>,
        submitter_id -> Nullable<Uuid>,
        access_code_hash -> Nullable<Bytea>,
        registered_by -> Nullable<Uuid>,
        status -> Text,
        assignee_id -> Nullable<Uuid>,
        received_on -> Date,
        reply_due_on -> Date,
        reply_days -> Int2,
        reply_text -> Nullable<Text>,
        replied_at -> Nullable<Timestamptz>,
        replied_on -> Nullable<Date>,
        replied_by -> Nullable<Uuid>,
        closed_at -> Nullable<Timestamptz>,
        rating -> Nullable<Int2>,
        rating_comment -> Nullable<Text>,
        rated_at -> Nullable<Timestamptz>,
        published_at -> Nullable<Timestamptz>,
        public_subject -> Nullable<Text>,
        public_question -> Nullable<Text>,
        public_reply -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    feedback_notes (id) {
        id -> Uuid,
        feedback_id -> Uuid,
        author_id -> Uuid,
        text -> Text,
        created_at -> Timestamptz,
    }
}

diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(refresh_tokens -> sessions (session_id));
diesel::joinable!(api_tokens -> users (created_by));
diesel::joinable!(feedback_notes -> feedback (feedback_id));
diesel::joinable!(feedback_notes -> users (author_id));

diesel::allow_tables_to_appear_in_same_query!(
    users,
    sessions,
    refresh_tokens,
    api_tokens,
    audit_log,
    calendar_days,
    yearly_counters,
    feedback,
    feedback_notes,
);
