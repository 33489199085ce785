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
        client_ip -> Nullable<Text>,
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

diesel::table! {
    applications (id) {
        id -> Uuid,
        tracking_no -> Nullable<Text>,
        status -> Text,
        applicant_type -> Text,
        description -> Text,
        purpose -> Nullable<Text>,
        delivery -> Text,
        channel -> Text,
        received_on -> Date,
        due_on -> Nullable<Date>,
        correction_requested_on -> Nullable<Date>,
        correction_days -> Nullable<Int4>,
        correction_due_on -> Nullable<Date>,
        correction_note -> Nullable<Text>,
        correction_submitted_on -> Nullable<Date>,
        extension_days -> Int4,
        extension_reason -> Nullable<Text>,
        extended_on -> Nullable<Date>,
        draft_outcome -> Nullable<Text>,
        draft_reason -> Nullable<Text>,
        draft_text -> Nullable<Text>,
        outcome -> Nullable<Text>,
        reason -> Nullable<Text>,
        answer_text -> Nullable<Text>,
        closed_on -> Nullable<Date>,
        owner_id -> Nullable<Uuid>,
        registered_by -> Nullable<Uuid>,
        token_id -> Nullable<Uuid>,
        access_code_hash -> Nullable<Bytea>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    applicants (application_id) {
        application_id -> Uuid,
        name -> Text,
        id_document_type -> Nullable<Text>,
        id_document_number -> Nullable<Text>,
        credit_code -> Nullable<Text>,
        phone -> Nullable<Text>,
        email -> Nullable<Text>,
        address -> Nullable<Text>,
    }
}

diesel::table! {
    application_consultations (id) {
        id -> Int8,
        application_id -> Uuid,
        party -> Text,
        started_on -> Date,
        ended_on -> Nullable<Date>,
        note -> Nullable<Text>,
    }
}

diesel::table! {
    application_events (id) {
        id -> Int8,
        application_id -> Uuid,
        at -> Timestamptz,
        actor_kind -> Text,
        actor_id -> Nullable<Uuid>,
        actor_role -> Nullable<Text>,
        action -> Text,
        status_before -> Nullable<Text>,
        status_after -> Text,
        due_before -> Nullable<Date>,
        due_after -> Nullable<Date>,
        details -> Jsonb,
    }
}

diesel::table! {
    appeals (id) {
        id -> Uuid,
        application_id -> Uuid,
        kind -> Text,
        filed_on -> Date,
        result -> Text,
        decided_on -> Nullable<Date>,
        note -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::Tsvector;

    items (id) {
        id -> Uuid,
        index_no -> Nullable<Text>,
        title -> Text,
        summary -> Text,
        body -> Text,
        category -> Text,
        publisher -> Text,
        doc_no -> Nullable<Text>,
        written_on -> Nullable<Date>,
        published_at -> Nullable<Timestamptz>,
        validity -> Text,
        keywords -> Array<Text>,
        status -> Text,
        version -> Int4,
        review_note -> Nullable<Text>,
        withdrawn_at -> Nullable<Timestamptz>,
        withdrawn_reason -> Nullable<Text>,
        created_by_kind -> Text,
        created_by -> Nullable<Uuid>,
        search -> Tsvector,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        headline -> Tsvector,
    }
}

diesel::table! {
    item_counts (status) {
        status -> Text,
        n -> Int8,
    }
}

diesel::table! {
    item_revisions (item_id, version) {
        item_id -> Uuid,
        version -> Int4,
        action -> Text,
        actor_kind -> Text,
        actor_id -> Nullable<Uuid>,
        at -> Timestamptz,
        changes -> Array<Text>,
        note -> Nullable<Text>,
        snapshot -> Jsonb,
    }
}

diesel::table! {
    item_attachments (id) {
        id -> Uuid,
        item_id -> Uuid,
        file_name -> Text,
        content_type -> Text,
        size -> Int4,
        sha256 -> Bytea,
        content -> Bytea,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    guide (id) {
        id -> Bool,
        office_name -> Text,
        address -> Text,
        hours -> Text,
        phone -> Text,
        fax -> Text,
        email -> Text,
        website -> Text,
        body -> Text,
        updated_at -> Timestamptz,
    }
}

/// PostgreSQL types diesel does not name.
pub mod sql_types {
    /// `tsvector`: written in its binary form (`items::search::SearchVector`), never read.
    /// Its type numbers are fixed in PostgreSQL's catalogue.
    #[derive(diesel::sql_types::SqlType, diesel::query_builder::QueryId)]
    #[diesel(postgres_type(oid = 3614, array_oid = 3643))]
    pub struct Tsvector;
}

diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(refresh_tokens -> sessions (session_id));
diesel::joinable!(api_tokens -> users (created_by));
diesel::joinable!(feedback_notes -> feedback (feedback_id));
diesel::joinable!(feedback_notes -> users (author_id));
diesel::joinable!(applicants -> applications (application_id));
diesel::joinable!(application_consultations -> applications (application_id));
diesel::joinable!(application_events -> applications (application_id));
diesel::joinable!(appeals -> applications (application_id));
diesel::joinable!(item_revisions -> items (item_id));
diesel::joinable!(item_attachments -> items (item_id));

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
    applications,
    applicants,
    application_consultations,
    application_events,
    appeals,
    items,
    item_counts,
    item_revisions,
    item_attachments,
    guide,
);
