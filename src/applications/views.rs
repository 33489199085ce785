//! What callers see of an application: the full record (applicant and office), and the list
//! entry (no contact data; identity numbers masked).

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::appeals::{self, Appeal};
use super::model::*;
use super::{ApplicantRow, Consultation, EventRow, Row, Viewer, allowed_actions};
use crate::audit::Actor;
use crate::calendar::WorkCalendar;
use crate::db::schema::{applicants, application_events, applications};
use crate::error::{AppError, AppResult};
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
    pub action: String,
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

impl ApplicationSummary {
    pub fn from_parts(
        row: (Row, String, Option<String>, Option<String>),
        today: NaiveDate,
    ) -> Self {
        let (row, name, id_number, credit_code) = row;
        Self {
            id: row.id,
            tracking_no: row.tracking_no.clone().unwrap_or_default(),
            status: row.status(),
            applicant_type: ApplicantType::parse(&row.applicant_type)
                .unwrap_or(ApplicantType::OtherOrg),
            applicant_name: name,
            identity_number_masked: id_number.or(credit_code).map(|n| identity::mask(&n)),
            channel: Channel::parse(&row.channel).unwrap_or(Channel::Online),
            received_on: row.received_on,
            due_on: row.due_on,
            overdue: row.is_overdue(today),
            outcome: row.outcome.as_deref().and_then(Outcome::parse),
            reason: row.reason.as_deref().and_then(Reason::parse),
            closed_on: row.closed_on,
        }
    }
}

fn actor_label(kind: &str, role: Option<&str>) -> &'static str {
    match (kind, role) {
        ("system", _) => "system",
        ("token", _) => "integration",
        ("user", Some("staff")) => "staff",
        ("user", Some("leader")) => "leader",
        _ => "applicant",
    }
}

fn applicant_view(row: &Row, a: ApplicantRow) -> Applicant {
    Applicant {
        type_: ApplicantType::parse(&row.applicant_type).unwrap_or(ApplicantType::OtherOrg),
        name: a.name,
        id_document_type: a
            .id_document_type
            .as_deref()
            .and_then(IdDocumentType::parse),
        id_document_number: a.id_document_number,
        unified_social_credit_code: a.credit_code,
        phone: a.phone,
        email: a.email,
        address: a.address,
    }
}

/// Builds the view from its parts.
#[allow(clippy::too_many_arguments)]
fn build(
    row: Row,
    applicant: ApplicantRow,
    consultations: Vec<Consultation>,
    events: Vec<EventRow>,
    appeals: Vec<Appeal>,
    viewer: Viewer,
    today: NaiveDate,
    cal: &WorkCalendar,
) -> Application {
    let office = viewer.is_office();
    let allowed = allowed_actions(&row, viewer, today, cal);
    let draft = match (&row.draft_outcome, office) {
        (Some(o), true) => Outcome::parse(o).map(|outcome| AnswerView {
            outcome,
            reason: row.draft_reason.as_deref().and_then(Reason::parse),
            text: row.draft_text.clone(),
        }),
        _ => None,
    };
    let answer = row
        .outcome
        .as_deref()
        .and_then(Outcome::parse)
        .map(|outcome| AnswerView {
            outcome,
            reason: row.reason.as_deref().and_then(Reason::parse),
            text: row.answer_text.clone(),
        });
    Application {
        id: row.id,
        tracking_no: row.tracking_no.clone().unwrap_or_default(),
        status: row.status(),
        applicant: applicant_view(&row, applicant),
        description: row.description.clone(),
        purpose: row.purpose.clone(),
        delivery: Delivery::parse(&row.delivery).unwrap_or(Delivery::Online),
        channel: Channel::parse(&row.channel).unwrap_or(Channel::Online),
        received_on: row.received_on,
        due_on: row.due_on,
        overdue: row.is_overdue(today),
        correction: row.correction_requested_on.map(|requested_on| Correction {
            requested_on,
            note: row.correction_note.clone(),
            days: row.correction_days,
            due_on: row.correction_due_on,
            submitted_on: row.correction_submitted_on,
        }),
        consultations: consultations
            .into_iter()
            .map(|c| ConsultationView {
                party: ConsultationParty::parse(&c.party).unwrap_or(ConsultationParty::ThirdParty),
                started_on: c.started_on,
                ended_on: c.ended_on,
                note: c.note,
            })
            .collect(),
        extension: (row.extension_days > 0).then(|| Extension {
            days: row.extension_days,
            reason: row.extension_reason.clone(),
            extended_on: row.extended_on,
        }),
        draft_answer: draft,
        answer,
        closed_on: row.closed_on,
        appeals,
        allowed_actions: allowed,
        timeline: events
            .into_iter()
            .map(|e| Event {
                at: e.at,
                actor: actor_label(&e.actor_kind, e.actor_role.as_deref()).to_owned(),
                actor_id: if office && e.actor_kind == "user" {
                    e.actor_id
                } else {
                    None
                },
                action: e.action,
                status_before: e.status_before.as_deref().and_then(Status::parse),
                status_after: Status::parse(&e.status_after).unwrap_or(Status::Received),
                due_before: e.due_before,
                due_after: e.due_after,
                details: office.then_some(e.details),
            })
            .collect(),
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

/// Loads the whole view of an application the viewer may see.
pub async fn load(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    viewer: Viewer,
    today: NaiveDate,
) -> AppResult<Application> {
    let row: Row = applications::table
        .find(id)
        .select(Row::as_select())
        .first(conn)
        .await
        .optional()?
        .ok_or(AppError::NotFound)?;
    let cal = super::calendar_for(conn, row.received_on, today).await?;
    load_parts(conn, row, viewer, today, &cal).await
}

/// Loads the rest of the view of an application already read.
pub async fn load_parts(
    conn: &mut AsyncPgConnection,
    row: Row,
    viewer: Viewer,
    today: NaiveDate,
    cal: &WorkCalendar,
) -> AppResult<Application> {
    let id = row.id;
    let applicant: ApplicantRow = applicants::table
        .find(id)
        .select(ApplicantRow::as_select())
        .first(conn)
        .await?;
    let consultations = super::consultations(conn, id).await?;
    let events: Vec<EventRow> = application_events::table
        .filter(application_events::application_id.eq(id))
        .order(application_events::id)
        .select(EventRow::as_select())
        .load(conn)
        .await?;
    let appeals = appeals::list_for(conn, id).await?;
    Ok(build(
        row,
        applicant,
        consultations,
        events,
        appeals,
        viewer,
        today,
        cal,
    ))
}

/// The view of an application just received, without reading it back: one event, nothing
/// else yet. Its allowed actions use the weekday rule, which is exact on the day of receipt.
pub fn fresh(
    row: Row,
    applicant: ApplicantRow,
    viewer: Viewer,
    actor: Actor,
    today: NaiveDate,
) -> Application {
    let event = EventRow {
        id: 0,
        application_id: row.id,
        at: row.created_at,
        actor_kind: actor.kind.to_owned(),
        actor_id: actor.id,
        actor_role: actor.role.map(|r| r.as_str().to_owned()),
        action: "received".into(),
        status_before: None,
        status_after: Status::Received.as_str().into(),
        due_before: None,
        due_after: row.due_on,
        details: serde_json::json!({"channel": row.channel, "received_on": row.received_on}),
    };
    build(
        row,
        applicant,
        Vec::new(),
        vec![event],
        Vec::new(),
        viewer,
        today,
        &WorkCalendar::default(),
    )
}
