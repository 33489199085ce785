-- The public feedback register (群众意见): every consultation, complaint and suggestion,
-- registered one by one, handled and answered.
CREATE TABLE feedback (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- `<year of receipt>-<5-digit sequence>`, from yearly_counters ('feedback').
    register_no      text NOT NULL UNIQUE,
    kind             text NOT NULL CHECK (kind IN ('consultation', 'complaint', 'suggestion')),
    channel          text NOT NULL CHECK (channel IN ('online', 'phone', 'letter', 'in_person', 'mailbox')),
    subject          text NOT NULL CHECK (char_length(subject) BETWEEN 1 AND 200),
    content          text NOT NULL CHECK (char_length(content) BETWEEN 1 AND 5000),
    contact_name     text CHECK (char_length(contact_name) BETWEEN 1 AND 100),
    contact_phone    text CHECK (char_length(contact_phone) BETWEEN 3 AND 30),
    contact_email    text CHECK (char_length(contact_email) BETWEEN 3 AND 254),
    -- A catalogue item the feedback is about. The foreign key to `items` is added when the
    -- catalogue is merged.
    related_item_id  uuid,
    -- The account that submitted it; NULL for anonymous submissions and for letters, calls
    -- and visits the office registered (those follow the case with the access code).
    submitter_id     uuid REFERENCES users (id),
    access_code_hash bytea UNIQUE,
    -- The office member who registered a call, letter or visit.
    registered_by    uuid REFERENCES users (id),
    status           text NOT NULL DEFAULT 'registered'
                     CHECK (status IN ('registered', 'assigned', 'in_progress', 'replied', 'closed')),
    assignee_id      uuid REFERENCES users (id),
    -- The day of receipt in the agency's time zone; the reply is due `reply_due_on`, the N-th
    -- working day after it.
    received_on      date NOT NULL,
    reply_due_on     date NOT NULL CHECK (reply_due_on >= received_on),
    -- The working days allowed when it was received, so that a calendar change recomputes the
    -- same rule (a later change of the setting applies to new entries only).
    reply_days       smallint NOT NULL CHECK (reply_days BETWEEN 1 AND 60),
    reply_text       text CHECK (char_length(reply_text) BETWEEN 1 AND 10000),
    -- The first reply (what "replied on time" is counted by); a reply after reopening only
    -- replaces reply_text.
    replied_at       timestamptz,
    replied_on       date,
    replied_by       uuid REFERENCES users (id),
    closed_at        timestamptz,
    rating           smallint CHECK (rating BETWEEN 1 AND 5),
    rating_comment   text CHECK (char_length(rating_comment) <= 500),
    rated_at         timestamptz,
    -- On the public board when published_at is set; the texts shown there, without personal data.
    published_at     timestamptz,
    public_subject   text,
    public_question  text,
    public_reply     text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (status NOT IN ('replied', 'closed') OR reply_text IS NOT NULL),
    CHECK ((rating IS NULL) = (rated_at IS NULL)),
    CHECK (published_at IS NULL OR (public_subject IS NOT NULL AND public_question IS NOT NULL AND public_reply IS NOT NULL))
);
CREATE INDEX feedback_received_on_idx ON feedback (received_on);
CREATE INDEX feedback_open_due_idx ON feedback (reply_due_on)
    WHERE status IN ('registered', 'assigned', 'in_progress');
CREATE INDEX feedback_submitter_idx ON feedback (submitter_id) WHERE submitter_id IS NOT NULL;
CREATE INDEX feedback_assignee_idx ON feedback (assignee_id) WHERE assignee_id IS NOT NULL;
CREATE INDEX feedback_published_idx ON feedback (published_at) WHERE published_at IS NOT NULL;
CREATE TRIGGER feedback_updated_at BEFORE UPDATE ON feedback
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- The office's internal notes on an entry; the submitter never sees them.
CREATE TABLE feedback_notes (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    feedback_id uuid NOT NULL REFERENCES feedback (id) ON DELETE CASCADE,
    author_id   uuid NOT NULL REFERENCES users (id),
    text        text NOT NULL CHECK (char_length(text) BETWEEN 1 AND 5000),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX feedback_notes_feedback_idx ON feedback_notes (feedback_id, created_at);
