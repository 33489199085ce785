//! The register's vocabulary, its rows, the value types of its texts and what callers send.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::db::schema::{feedback, feedback_notes};
use crate::values::{Email, Phone};

/// The counter of register numbers in `yearly_counters`.
pub const COUNTER: &str = "feedback";

text_enum! {
    /// What the feedback is.
    #[schema(as = FeedbackKind)]
    Kind {
        /// 咨询: a question.
        Consultation = "consultation",
        /// 投诉: a complaint.
        Complaint = "complaint",
        /// 建议: a suggestion.
        Suggestion = "suggestion",
    }
}

text_enum! {
    /// How it reached the office.
    #[schema(as = FeedbackChannel)]
    Channel {
        /// Submitted through this API (self-service).
        Online = "online",
        /// The hotline.
        Phone = "phone",
        /// A letter.
        Letter = "letter",
        /// A visit to the office.
        InPerson = "in_person",
        /// The notice-board mailbox (意见箱).
        Mailbox = "mailbox",
    }
}

text_enum! {
    /// Where the entry is in its handling:
    /// `registered` -> `assigned` -> `in_progress` -> `replied` -> `closed`.
    #[schema(as = FeedbackStatus)]
    Status {
        Registered = "registered",
        Assigned = "assigned",
        InProgress = "in_progress",
        Replied = "replied",
        Closed = "closed",
    }
}

impl Status {
    /// Not yet answered: the reply deadline runs.
    pub const OPEN: [Status; 3] = [Status::Registered, Status::Assigned, Status::InProgress];

    pub fn is_open(self) -> bool {
        Self::OPEN.contains(&self)
    }

    pub fn is_answered(self) -> bool {
        matches!(self, Status::Replied | Status::Closed)
    }
}

text_enum! {
    /// What the office may do with an entry: the handling workflow and the public board. These
    /// names are what `allowed_actions` lists.
    #[schema(as = FeedbackAct)]
    Act {
        Assign = "assign",
        Start = "start",
        Reply = "reply",
        Close = "close",
        Reopen = "reopen",
        Publish = "publish",
        Unpublish = "unpublish",
    }
}

crate::text_value! {
    /// The subject of an entry (also its subject on the public board).
    pub FeedbackSubject: Line, 1..=200;
    /// What the submitter writes (also the question on the public board).
    pub FeedbackContent: Lines, 1..=5000;
    /// The submitter's name.
    pub SubmitterName: Line, 1..=100;
    /// The office's reply (also the reply on the public board).
    pub FeedbackReplyText: Lines, 1..=10000;
    /// An internal note of the office.
    pub FeedbackNoteText: Lines, 1..=5000;
    /// What the submitter adds to a rating.
    pub RatingComment: Lines, 1..=500;
}

/// How a caller may see an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    /// Staff and leaders: everything, including internal notes.
    Office,
    /// The submitter, by account or access code: their own entry without internal notes.
    Submitter,
}

/// One row of `feedback`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = feedback)]
pub struct Row {
    pub id: Uuid,
    pub register_no: String,
    pub kind: Kind,
    pub channel: Channel,
    pub subject: String,
    pub content: String,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    pub related_item_id: Option<Uuid>,
    pub submitter_id: Option<Uuid>,
    pub access_code_hash: Option<Vec<u8>>,
    pub registered_by: Option<Uuid>,
    pub status: Status,
    pub assignee_id: Option<Uuid>,
    pub received_on: NaiveDate,
    pub reply_due_on: NaiveDate,
    pub reply_days: i16,
    pub reply_text: Option<String>,
    pub replied_at: Option<DateTime<Utc>>,
    pub replied_on: Option<NaiveDate>,
    pub replied_by: Option<Uuid>,
    pub closed_at: Option<DateTime<Utc>>,
    pub rating: Option<i16>,
    pub rating_comment: Option<String>,
    pub rated_at: Option<DateTime<Utc>>,
    pub published_at: Option<DateTime<Utc>>,
    pub public_subject: Option<String>,
    pub public_question: Option<String>,
    pub public_reply: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What the public board reads of a row.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = feedback)]
pub struct PublicRow {
    pub register_no: String,
    pub kind: Kind,
    pub public_subject: Option<String>,
    pub public_question: Option<String>,
    pub public_reply: Option<String>,
    pub received_on: NaiveDate,
    pub replied_on: Option<NaiveDate>,
    pub published_at: Option<DateTime<Utc>>,
}

/// An internal note of the office. Never shown to the submitter.
#[derive(Debug, Serialize, ToSchema, Queryable, Selectable)]
#[diesel(table_name = feedback_notes)]
#[schema(example = json!({"id": "5d0c…", "author_id": "0b4c…", "text": "Called the road office; repair scheduled for Monday.", "created_at": "2026-03-03T02:00:00Z"}))]
pub struct Note {
    pub id: Uuid,
    pub author_id: Uuid,
    pub text: String,
    pub created_at: DateTime<Utc>,
}

/// A new entry, checked: what is inserted.
#[derive(Debug)]
pub struct NewFeedback {
    pub kind: Kind,
    pub channel: Channel,
    pub subject: FeedbackSubject,
    pub content: FeedbackContent,
    pub contact_name: Option<SubmitterName>,
    pub contact_phone: Option<Phone>,
    pub contact_email: Option<Email>,
    pub related_item_id: Option<Uuid>,
    pub received_on: NaiveDate,
}

/// The texts of an entry on the public board, as they will be shown.
#[derive(Debug)]
pub struct PublicTexts {
    pub subject: String,
    pub question: String,
    pub reply: String,
}

// ---------------------------------------------------------------------------------------------
// What callers send

/// How to reach the submitter, as sent. Never shown publicly.
#[derive(Debug, Clone, Deserialize, ToSchema, Default, garde::Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "李明", "phone": "13812345678", "email": "li.ming@example.com"}))]
pub struct SubmitterContact {
    #[garde(dive)]
    pub name: Option<SubmitterName>,
    #[garde(dive)]
    pub phone: Option<Phone>,
    #[garde(dive)]
    pub email: Option<Email>,
}

/// A consultation, complaint or suggestion.
#[derive(Debug, Deserialize, ToSchema, garde::Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "kind": "complaint", "subject": "路灯不亮", "content": "朱台村东路的路灯已经坏了两周，晚上出行不便。",
    "contact": {"name": "李明", "phone": "13812345678"}
}))]
pub struct CreateFeedbackRequest {
    #[garde(skip)]
    pub kind: Kind,
    #[garde(dive)]
    pub subject: FeedbackSubject,
    #[garde(dive)]
    pub content: FeedbackContent,
    /// How to reach the submitter (all optional). Never shown publicly.
    #[garde(dive)]
    pub contact: Option<SubmitterContact>,
    /// How it arrived. The public submits `online` (the default); the office registering a
    /// call, letter or visit must say which.
    #[garde(skip)]
    pub channel: Option<Channel>,
    /// A catalogue item it is about.
    #[garde(skip)]
    pub related_item_id: Option<Uuid>,
    /// Office only: the day a call, letter or visit was received, if not today (not in the
    /// future). The reply deadline counts from it.
    #[garde(skip)]
    pub received_on: Option<NaiveDate>,
}

/// Filters of the register.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FeedbackQuery {
    pub kind: Option<Kind>,
    pub status: Option<Status>,
    pub channel: Option<Channel>,
    /// Year of receipt (the year in the register number).
    pub year: Option<i32>,
    /// Only entries assigned to this account.
    pub assignee: Option<Uuid>,
    /// `true`: unanswered and past `reply_due_on`; `false`: the others.
    pub overdue: Option<bool>,
    /// Page number, from 1.
    pub page: Option<i64>,
    /// Items per page, 1 to 100 (default 20).
    pub per_page: Option<i64>,
}

/// Filters of the public board.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PublicQuery {
    pub kind: Option<Kind>,
    /// Year of receipt.
    pub year: Option<i32>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// Whom to assign.
#[derive(Debug, Deserialize, ToSchema, garde::Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"assignee_id": "0b4c5d1e-2f3a-4b5c-8d9e-0f1a2b3c4d5e"}))]
pub struct AssignRequest {
    /// An active staff or leader account.
    #[garde(skip)]
    pub assignee_id: Uuid,
}

/// The office's reply.
#[derive(Debug, Deserialize, ToSchema, garde::Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"text": "已通知供电所，3月6日修复。"}))]
pub struct ReplyRequest {
    #[garde(dive)]
    pub text: FeedbackReplyText,
}

/// An internal note.
#[derive(Debug, Deserialize, ToSchema, garde::Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"text": "已电话联系供电所。"}))]
pub struct NoteRequest {
    #[garde(dive)]
    pub text: FeedbackNoteText,
}

/// The submitter's rating of the reply.
#[derive(Debug, Deserialize, ToSchema, garde::Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"score": 5, "comment": "修得很快，谢谢。"}))]
pub struct RatingRequest {
    /// 1 (poor) to 5 (very good).
    #[schema(minimum = 1, maximum = 5)]
    #[garde(custom(score_range))]
    pub score: i64,
    #[garde(dive)]
    pub comment: Option<RatingComment>,
}

fn score_range(score: &i64, _: &()) -> garde::Result {
    if (1..=5).contains(score) {
        Ok(())
    } else {
        Err(garde::Error::new("must be from 1 to 5"))
    }
}

/// What to show on the public board. Absent texts default to the entry's own with e-mail
/// addresses, phone and identity numbers, credit codes, other long numbers and the submitter's
/// name replaced, in whatever form they were typed (full-width, grouped, Chinese numerals).
/// Texts that still contain the submitter's name, phone or e-mail, in any of these forms, are
/// refused (422).
#[derive(Debug, Deserialize, ToSchema, Default, garde::Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"question": "朱台村东路的路灯坏了两周，何时修复？"}))]
pub struct PublishRequest {
    #[garde(dive)]
    pub subject: Option<FeedbackSubject>,
    #[garde(dive)]
    pub question: Option<FeedbackContent>,
    #[garde(dive)]
    pub reply: Option<FeedbackReplyText>,
}
