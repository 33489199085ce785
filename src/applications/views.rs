//! What callers see of an application: the full record (applicant and office), the list entry
//! (no contact data; identity numbers masked), an appeal, and how rows become each of them.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

pub use super::model::Appeal;
use super::model::{
    Act, ActorKind, ApplicantType, Channel, ConsultationParty, Delivery, EventAction, EventRow,
    IdDocumentType, Outcome, Parts, Reason, Row, Status, Viewer,
};
use crate::values::identity;

/// The applicant, with personal data: shown only to the applicant and the office.
#[derive(Debug, Serialize, ToSchema)]
pub struct Applicant {
    #[serde(rename = "type")]
    pub type_: ApplicantType,
    pub name: String,
    /// Natural persons only.
    pub id_document_type: Option<IdDocumentType>,
    /// Natural persons only.
    pub id_document_number: Option<String>,
    /// Organisations only.
    pub unified_social_credit_code: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
}

/// The request for a correction (补正) and its answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Correction {
    pub requested_on: NaiveDate,
    /// What the applicant must correct or add.
    pub note: Option<String>,
    /// Working days the applicant was given.
    pub days: Option<i32>,
    /// The last day for the correction.
    pub due_on: Option<NaiveDate>,
    /// The day the correction arrived; the 20 working days ran again from it.
    pub submitted_on: Option<NaiveDate>,
}

/// A consultation of a third party or another agency: its working days do not count.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsultationView {
    pub party: ConsultationParty,
    pub started_on: NaiveDate,
    /// `null` while it lasts (the clock is stopped).
    pub ended_on: Option<NaiveDate>,
    pub note: Option<String>,
}

/// The one extension a leader may grant.
#[derive(Debug, Serialize, ToSchema)]
pub struct Extension {
    /// Working days added to the limit, 1 to 20.
    pub days: i32,
    pub reason: Option<String>,
    pub extended_on: Option<NaiveDate>,
}

/// An answer: outcome, its reason (for the outcomes that take one) and the text.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnswerView {
    pub outcome: Outcome,
    pub reason: Option<Reason>,
    pub text: Option<String>,
}

/// One step of the timeline.
#[derive(Debug, Serialize, ToSchema)]
pub struct Event {
    pub at: DateTime<Utc>,
    /// `received`, `correction_requested`, `correction_submitted`, `consultation_started`,
    /// `consultation_ended`, `extended`, `answer_drafted`, `answer_approved`, `answered`,
    /// `withdrawn`, `appeal_filed`, `appeal_updated`, `deadline_recomputed`.
    #[schema(value_type = String)]
    pub action: EventAction,
    /// `applicant`, `staff`, `leader`, `integration` or `system` (a calendar change).
    pub actor: String,
    /// The office account that acted (shown to the office only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor_id: Option<Uuid>,
    pub status_before: Option<Status>,
    pub status_after: Status,
    /// The deadline before and after the step (`null`: the clock was stopped).
    pub due_before: Option<NaiveDate>,
    pub due_after: Option<NaiveDate>,
    /// What the step recorded (shown to the office only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<serde_json::Value>,
}

/// An application, as its applicant and the office see it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0f8d6a52-1c1e-4d5e-9a55-0b6b7d0f2a11", "tracking_no": "2025-00017", "status": "received",
    "applicant": {"type": "natural_person", "name": "李明", "id_document_type": "resident_id",
        "id_document_number": "11010519491231002X", "unified_social_credit_code": null,
        "phone": "0533-7000000", "email": "li.ming@example.cn", "address": null},
    "description": "2025年朱台镇农村道路改造工程的招标文件", "purpose": null,
    "delivery": "email", "channel": "online", "received_on": "2025-09-30", "due_on": "2025-11-04",
    "overdue": false, "correction": null, "consultations": [], "extension": null, "answer": null,
    "closed_on": null, "appeals": [], "allowed_actions": ["withdraw"],
    "timeline": [{"at": "2025-09-30T02:00:00Z", "action": "received", "actor": "applicant",
        "status_before": null, "status_after": "received", "due_before": null, "due_after": "2025-11-04"}],
    "created_at": "2025-09-30T02:00:00Z", "updated_at": "2025-09-30T02:00:00Z"
}))]
pub struct Application {
    pub id: Uuid,
    /// `<year of receipt>-<5-digit sequence>`, gap-free within the year.
    pub tracking_no: String,
    pub status: Status,
    pub applicant: Applicant,
    /// The information wanted.
    pub description: String,
    pub purpose: Option<String>,
    pub delivery: Delivery,
    pub channel: Channel,
    /// The day of receipt; it does not count towards the deadline.
    pub received_on: NaiveDate,
    /// The last working day to answer; `null` while the clock is stopped (awaiting a
    /// correction, or during a consultation).
    pub due_on: Option<NaiveDate>,
    /// Open and past `due_on`.
    pub overdue: bool,
    pub correction: Option<Correction>,
    pub consultations: Vec<ConsultationView>,
    pub extension: Option<Extension>,
    /// A staff draft awaiting a leader's approval (shown to the office only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub draft_answer: Option<AnswerView>,
    /// The final answer (or closure, or `other`/`other` for a withdrawal).
    pub answer: Option<AnswerView>,
    /// The day the case ended.
    pub closed_on: Option<NaiveDate>,
    pub appeals: Vec<Appeal>,
    /// What the caller may do next (`POST /applications/{id}/<action>`).
    pub allowed_actions: Vec<Act>,
    pub timeline: Vec<Event>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An entry of the application list: no contact data, the identity number masked.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationSummary {
    pub id: Uuid,
    pub tracking_no: String,
    pub status: Status,
    pub applicant_type: ApplicantType,
    pub applicant_name: String,
    /// The identity document or credit code number, masked: `1101**********002X`.
    pub identity_number_masked: Option<String>,
    pub channel: Channel,
    pub received_on: NaiveDate,
    pub due_on: Option<NaiveDate>,
    pub overdue: bool,
    pub outcome: Option<Outcome>,
    pub reason: Option<Reason>,
    pub closed_on: Option<NaiveDate>,
}

/// A received application. `access_code` is shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedApplication {
    #[serde(flatten)]
    pub application: Application,
    /// For applicants without an account (and paper applications): send it as `X-Access-Code`
    /// to follow the application. It is not stored and cannot be shown again.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "7K3M-Q9XZ-4D2H-PW8R-CT6N")]
    pub access_code: Option<String>,
}

impl ApplicationSummary {
    /// An entry from the row, the applicant's name and their identity or credit code number.
    pub fn new(
        row: Row,
        name: String,
        id_number: Option<String>,
        credit_code: Option<String>,
        today: NaiveDate,
    ) -> Self {
        Self {
            overdue: row.is_overdue(today),
            id: row.id,
            tracking_no: row.tracking_no.unwrap_or_default(),
            status: row.status,
            applicant_type: row.applicant_type,
            applicant_name: name,
            identity_number_masked: id_number.or(credit_code).map(|n| identity::mask(&n)),
            channel: row.channel,
            received_on: row.received_on,
            due_on: row.due_on,
            outcome: row.outcome,
            reason: row.reason,
            closed_on: row.closed_on,
        }
    }
}

/// How the timeline names who acted.
fn actor_label(kind: ActorKind, role: Option<&str>) -> &'static str {
    match (kind, role) {
        (ActorKind::System, _) => "system",
        (ActorKind::Token, _) => "integration",
        (ActorKind::User, Some("staff")) => "staff",
        (ActorKind::User, Some("leader")) => "leader",
        _ => "applicant",
    }
}

impl Event {
    /// A timeline entry; the acting account and the details are shown to the office only.
    pub fn new(e: EventRow, office: bool) -> Self {
        Self {
            at: e.at,
            actor: actor_label(e.actor_kind, e.actor_role.as_deref()).to_owned(),
            actor_id: if office && e.actor_kind == ActorKind::User {
                e.actor_id
            } else {
                None
            },
            action: e.action,
            status_before: e.status_before,
            status_after: e.status_after,
            due_before: e.due_before,
            due_after: e.due_after,
            details: office.then_some(e.details),
        }
    }
}

impl Application {
    /// The view for `viewer`, with what it may do next.
    pub fn new(parts: Parts, viewer: Viewer, allowed_actions: Vec<Act>, today: NaiveDate) -> Self {
        let Parts {
            row,
            applicant: a,
            consultations,
            events,
            appeals,
        } = parts;
        let office = viewer.is_office();
        let draft = match (row.draft_outcome, office) {
            (Some(outcome), true) => Some(AnswerView {
                outcome,
                reason: row.draft_reason,
                text: row.draft_text.clone(),
            }),
            _ => None,
        };
        let answer = row.outcome.map(|outcome| AnswerView {
            outcome,
            reason: row.reason,
            text: row.answer_text.clone(),
        });
        Application {
            overdue: row.is_overdue(today),
            id: row.id,
            tracking_no: row.tracking_no.unwrap_or_default(),
            status: row.status,
            applicant: Applicant {
                type_: row.applicant_type,
                name: a.name,
                id_document_type: a.id_document_type,
                id_document_number: a.id_document_number,
                unified_social_credit_code: a.credit_code,
                phone: a.phone,
                email: a.email,
                address: a.address,
            },
            description: row.description,
            purpose: row.purpose,
            delivery: row.delivery,
            channel: row.channel,
            received_on: row.received_on,
            due_on: row.due_on,
            correction: row.correction_requested_on.map(|requested_on| Correction {
                requested_on,
                note: row.correction_note,
                days: row.correction_days,
                due_on: row.correction_due_on,
                submitted_on: row.correction_submitted_on,
            }),
            consultations: consultations
                .into_iter()
                .map(|c| ConsultationView {
                    party: c.party,
                    started_on: c.started_on,
                    ended_on: c.ended_on,
                    note: c.note,
                })
                .collect(),
            extension: (row.extension_days > 0).then_some(Extension {
                days: row.extension_days,
                reason: row.extension_reason,
                extended_on: row.extended_on,
            }),
            draft_answer: draft,
            answer,
            closed_on: row.closed_on,
            appeals,
            allowed_actions,
            timeline: events.into_iter().map(|e| Event::new(e, office)).collect(),
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}
