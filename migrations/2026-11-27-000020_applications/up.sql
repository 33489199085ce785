-- Applications for disclosure (依申请公开), their timeline, consultation pauses and appeals.
-- Outcomes, reasons, dates and applicant types are plain columns: the yearly statistics count them.

CREATE TABLE applications (
    id                      uuid PRIMARY KEY,
    tracking_no             text NOT NULL UNIQUE,
    status                  text NOT NULL CHECK (status IN (
                                'received', 'awaiting_correction', 'in_consultation',
                                'answer_drafted', 'answered', 'withdrawn')),
    applicant_type          text NOT NULL CHECK (applicant_type IN (
                                'natural_person', 'enterprise', 'research_institution',
                                'public_interest_org', 'legal_service_org', 'other_org')),
    description             text NOT NULL CHECK (char_length(description) BETWEEN 1 AND 5000),
    purpose                 text,
    delivery                text NOT NULL CHECK (delivery IN ('email', 'post', 'pickup', 'online')),
    channel                 text NOT NULL CHECK (channel IN (
                                'online', 'in_person', 'letter', 'registered_post', 'fax')),
    received_on             date NOT NULL,
    -- The current statutory deadline; NULL while the clock is stopped (correction, consultation).
    due_on                  date,
    correction_requested_on date,
    correction_days         integer CHECK (correction_days BETWEEN 1 AND 30),
    correction_due_on       date,
    correction_note         text,
    correction_submitted_on date,
    extension_days          integer NOT NULL DEFAULT 0 CHECK (extension_days BETWEEN 0 AND 20),
    extension_reason        text,
    extended_on             date,
    draft_outcome           text,
    draft_reason            text,
    draft_text              text,
    outcome                 text CHECK (outcome IN (
                                'granted', 'partially_granted', 'refused', 'unable',
                                'not_processed', 'other')),
    reason                  text,
    answer_text             text,
    -- The day the case ended: final answer, closure or withdrawal.
    closed_on               date,
    owner_id                uuid REFERENCES users (id),
    registered_by           uuid REFERENCES users (id),
    token_id                uuid REFERENCES api_tokens (id),
    access_code_hash        bytea,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    CHECK ((status IN ('answered', 'withdrawn')) = (closed_on IS NOT NULL)),
    CHECK ((status IN ('answered', 'withdrawn')) = (outcome IS NOT NULL))
);
CREATE INDEX applications_open_due_idx ON applications (due_on)
    WHERE status NOT IN ('answered', 'withdrawn');
CREATE INDEX applications_received_on_idx ON applications (received_on);
CREATE INDEX applications_owner_idx ON applications (owner_id, received_on) WHERE owner_id IS NOT NULL;
CREATE TRIGGER applications_updated_at BEFORE UPDATE ON applications
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- The applicant's personal data, apart from the case: only the applicant and the office see it,
-- and lists and statistics never read this table.
CREATE TABLE applicants (
    application_id     uuid PRIMARY KEY REFERENCES applications (id) DEFERRABLE INITIALLY DEFERRED,
    name               text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    id_document_type   text CHECK (id_document_type IN (
                           'resident_id', 'passport', 'hk_macao_permit', 'taiwan_permit',
                           'foreign_permanent_resident', 'other')),
    id_document_number text,
    credit_code        text,
    phone              text,
    email              text,
    address            text
);

-- Consultations of a third party or another agency (征求意见): their working days do not count.
CREATE TABLE application_consultations (
    id             bigserial PRIMARY KEY,
    application_id uuid NOT NULL REFERENCES applications (id),
    party          text NOT NULL CHECK (party IN ('third_party', 'other_agency')),
    started_on     date NOT NULL,
    ended_on       date,
    note           text,
    CHECK (ended_on IS NULL OR ended_on >= started_on)
);
CREATE INDEX application_consultations_app_idx ON application_consultations (application_id);
-- At most one open consultation per application.
CREATE UNIQUE INDEX application_consultations_open_key ON application_consultations (application_id)
    WHERE ended_on IS NULL;

-- Every step of an application, with the deadline before and after it.
-- The foreign key is deferred so that the creating transaction can write the first event
-- before the application row (the row is inserted last, holding the tracking counter briefly).
CREATE TABLE application_events (
    id             bigserial PRIMARY KEY,
    application_id uuid NOT NULL REFERENCES applications (id) DEFERRABLE INITIALLY DEFERRED,
    at             timestamptz NOT NULL DEFAULT now(),
    actor_kind     text NOT NULL CHECK (actor_kind IN ('user', 'token', 'anonymous', 'system')),
    actor_id       uuid,
    actor_role     text,
    action         text NOT NULL,
    status_before  text,
    status_after   text NOT NULL,
    due_before     date,
    due_after      date,
    details        jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX application_events_app_idx ON application_events (application_id, id);

-- Administrative reconsideration (行政复议) and litigation (行政诉讼) about an application.
CREATE TABLE appeals (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    application_id uuid NOT NULL REFERENCES applications (id),
    kind           text NOT NULL CHECK (kind IN (
                       'reconsideration', 'litigation_direct', 'litigation_after_reconsideration')),
    filed_on       date NOT NULL,
    result         text NOT NULL DEFAULT 'pending' CHECK (result IN (
                       'upheld', 'corrected', 'other', 'pending')),
    decided_on     date,
    note           text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CHECK ((result = 'pending') = (decided_on IS NULL)),
    CHECK (decided_on IS NULL OR decided_on >= filed_on)
);
CREATE INDEX appeals_application_idx ON appeals (application_id);
CREATE INDEX appeals_filed_on_idx ON appeals (filed_on);
CREATE TRIGGER appeals_updated_at BEFORE UPDATE ON appeals
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
