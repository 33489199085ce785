//! What callers see of the register: an entry as its viewer may see it, and the public board.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::model::{Act, Channel, Kind, Note, PublicRow, Row, Status, Viewer};
use crate::values::contact::{mask_email, mask_phone};

/// How to reach the submitter. Shown in full only to the office and the submitter.
#[derive(Debug, Clone, Serialize, ToSchema)]
// Read by utoipa: the document says the object has no other fields.
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "李明", "phone": "13812345678", "email": "li.ming@example.com"}))]
pub struct Contact {
    /// 1 to 100 characters.
    pub name: Option<String>,
    /// The phone number as kept (ASCII; see `Phone`), masked in the office's lists.
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// The office's answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Reply {
    /// The current reply (replaced when the entry is reopened and answered again).
    pub text: String,
    /// When it was first answered.
    pub replied_at: DateTime<Utc>,
    /// The day of the first answer, in the agency's time zone.
    pub replied_on: NaiveDate,
    /// Whether the first answer came by `reply_due_on`.
    pub on_time: bool,
}

/// The submitter's rating of the reply.
#[derive(Debug, Serialize, ToSchema)]
pub struct Rating {
    /// 1 (poor) to 5 (very good).
    pub score: i16,
    pub comment: Option<String>,
    pub rated_at: DateTime<Utc>,
}

/// What only the office sees of an entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct OfficeView {
    /// The staff member handling it.
    pub assignee_id: Option<Uuid>,
    /// The public account that submitted it, if any.
    pub submitter_id: Option<Uuid>,
    /// Whether the submitter holds an access code.
    pub has_access_code: bool,
    /// The office member who registered a call, letter or visit.
    pub registered_by: Option<Uuid>,
    pub replied_by: Option<Uuid>,
    pub closed_at: Option<DateTime<Utc>>,
    /// The texts on the public board, when published.
    pub published_at: Option<DateTime<Utc>>,
    pub public_subject: Option<String>,
    pub public_question: Option<String>,
    pub public_reply: Option<String>,
    /// What may be done now: `assign`, `start`, `reply`, `close`, `reopen`, `publish`, `unpublish`.
    pub allowed_actions: Vec<String>,
    /// Internal notes, oldest first; in the single-entry view only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<Vec<Note>>,
}

/// A feedback entry.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "9b2f6a1e-4c3d-4e5f-8a9b-0c1d2e3f4a5b", "register_no": "2026-00017", "kind": "complaint",
    "channel": "online", "subject": "路灯不亮", "content": "朱台村东路的路灯已经坏了两周。",
    "contact": {"name": "李明", "phone": "138****5678", "email": null}, "related_item_id": null,
    "status": "replied", "received_on": "2026-03-02", "reply_due_on": "2026-03-09", "overdue": false,
    "reply": {"text": "已通知供电所，3月6日修复。", "replied_at": "2026-03-05T07:00:00Z", "replied_on": "2026-03-05", "on_time": true},
    "rating": null, "published": false, "created_at": "2026-03-02T01:15:00Z", "updated_at": "2026-03-05T07:00:00Z"
}))]
pub struct Feedback {
    pub id: Uuid,
    /// `<year of receipt>-<sequence>`, gap-free within the year.
    pub register_no: String,
    pub kind: Kind,
    pub channel: Channel,
    pub subject: String,
    pub content: String,
    /// The submitter's contact data: in full for the office and the submitter viewing one
    /// entry; the phone and e-mail masked in the office's lists; absent in the public's lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact: Option<Contact>,
    /// The catalogue item it is about, if any.
    pub related_item_id: Option<Uuid>,
    pub status: Status,
    /// The day of receipt, in the agency's time zone.
    pub received_on: NaiveDate,
    /// The last day for the reply: the N-th working day after receipt.
    pub reply_due_on: NaiveDate,
    /// Not answered and past `reply_due_on`.
    pub overdue: bool,
    pub reply: Option<Reply>,
    pub rating: Option<Rating>,
    /// On the public board.
    pub published: bool,
    /// Office callers only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub office: Option<OfficeView>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// How much of an entry to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// One entry: full contact data for whom may see it.
    One,
    /// A list: masked contact for the office, none for others.
    List,
}

impl Feedback {
    /// The entry as `viewer` sees it on the agency's day `today` (which decides `overdue`);
    /// `allowed` is what the office may do with it now.
    pub fn from_row(
        row: Row,
        viewer: Viewer,
        detail: Detail,
        today: NaiveDate,
        allowed: &[Act],
    ) -> Self {
        let contact = Contact {
            name: row.contact_name.clone(),
            phone: row.contact_phone.clone(),
            email: row.contact_email.clone(),
        };
        let has_contact =
            contact.name.is_some() || contact.phone.is_some() || contact.email.is_some();
        let contact = match (has_contact, viewer, detail) {
            (false, ..) => None,
            (true, _, Detail::One) => Some(contact),
            (true, Viewer::Office, Detail::List) => Some(Contact {
                name: contact.name,
                phone: contact.phone.as_deref().map(mask_phone),
                email: contact.email.as_deref().map(mask_email),
            }),
            (true, Viewer::Submitter, Detail::List) => None,
        };
        let reply = match (&row.reply_text, row.replied_at, row.replied_on) {
            (Some(text), Some(at), Some(on)) => Some(Reply {
                text: text.clone(),
                replied_at: at,
                replied_on: on,
                on_time: on <= row.reply_due_on,
            }),
            _ => None,
        };
        let rating = match (row.rating, row.rated_at) {
            (Some(score), Some(at)) => Some(Rating {
                score,
                comment: row.rating_comment.clone(),
                rated_at: at,
            }),
            _ => None,
        };
        let office = (viewer == Viewer::Office).then(|| OfficeView {
            assignee_id: row.assignee_id,
            submitter_id: row.submitter_id,
            has_access_code: row.access_code_hash.is_some(),
            registered_by: row.registered_by,
            replied_by: row.replied_by,
            closed_at: row.closed_at,
            published_at: row.published_at,
            public_subject: row.public_subject.clone(),
            public_question: row.public_question.clone(),
            public_reply: row.public_reply.clone(),
            allowed_actions: allowed.iter().map(|a| a.as_str().to_owned()).collect(),
            notes: None,
        });
        Self {
            overdue: row.status.is_open() && row.reply_due_on < today,
            id: row.id,
            register_no: row.register_no,
            kind: row.kind,
            channel: row.channel,
            subject: row.subject,
            content: row.content,
            contact,
            related_item_id: row.related_item_id,
            status: row.status,
            received_on: row.received_on,
            reply_due_on: row.reply_due_on,
            reply,
            rating,
            published: row.published_at.is_some(),
            office,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// A new entry. `access_code` is shown this once.
#[derive(Serialize, ToSchema)]
pub struct CreatedFeedback {
    #[serde(flatten)]
    pub feedback: Feedback,
    /// For a submitter without an account (and for calls, letters and visits the office
    /// registers): send it as `X-Access-Code` to follow the entry and to rate the reply. It is
    /// stored only as a hash and cannot be shown again.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "7KQ2M-X9D3F-A4TWZ-0P8RB")]
    pub access_code: Option<String>,
}

/// A question and its reply on the public board: no contact data, no internal data.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"register_no": "2026-00017", "kind": "complaint", "subject": "路灯不亮",
    "question": "朱台村东路的路灯已经坏了两周。", "reply": "已通知供电所，3月6日修复。",
    "received_on": "2026-03-02", "replied_on": "2026-03-05", "published_at": "2026-03-06T01:00:00Z"}))]
pub struct PublicEntry {
    pub register_no: String,
    pub kind: Kind,
    pub subject: String,
    pub question: String,
    pub reply: String,
    pub received_on: NaiveDate,
    pub replied_on: Option<NaiveDate>,
    pub published_at: DateTime<Utc>,
}

impl From<PublicRow> for PublicEntry {
    fn from(r: PublicRow) -> Self {
        Self {
            register_no: r.register_no,
            kind: r.kind,
            subject: r.public_subject.unwrap_or_default(),
            question: r.public_question.unwrap_or_default(),
            reply: r.public_reply.unwrap_or_default(),
            received_on: r.received_on,
            replied_on: r.replied_on,
            published_at: r.published_at.unwrap_or_default(),
        }
    }
}
