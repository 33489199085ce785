//! The public feedback register (群众意见): every consultation, complaint and suggestion from
//! the public is registered one by one (逐条登记) with a yearly register number, assigned to a
//! member of the office, handled, answered within a number of working days, and closed. The
//! submitter follows the case with their account or an access code and may rate the reply once;
//! a leader may put a question and its reply on the public board without personal data.

pub mod routes;
pub mod text;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::audit;
use crate::auth::Role;
use crate::calendar::WorkCalendar;
use crate::caller::Caller;
use crate::db::counters;
use crate::db::schema::{feedback, feedback_notes, users};
use crate::error::{AppError, AppResult, FieldError};

/// The counter of register numbers in `yearly_counters`.
pub const COUNTER: &str = "feedback";
/// The advisory lock key `PUT /calendar/{year}` holds exclusively while it recomputes
/// deadlines; a new entry holds it shared while it computes its own, so no entry is computed
/// against a calendar that changes before it commits.
const CALENDAR_LOCK: i64 = 7401620092;

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

/// A step of the handling workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Assign,
    Start,
    Reply,
    Close,
    Reopen,
}

impl Step {
    pub const ALL: [Step; 5] = [
        Step::Assign,
        Step::Start,
        Step::Reply,
        Step::Close,
        Step::Reopen,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Step::Assign => "assign",
            Step::Start => "start",
            Step::Reply => "reply",
            Step::Close => "close",
            Step::Reopen => "reopen",
        }
    }
}

impl Status {
    /// The workflow: which step each state allows. Reassigning is possible until the reply.
    pub fn allows(self, step: Step) -> bool {
        use Status::*;
        use Step::*;
        matches!(
            (self, step),
            (Registered | Assigned | InProgress, Assign)
                | (Assigned, Start)
                | (InProgress, Reply)
                | (Replied, Close)
                | (Replied | Closed, Reopen)
        )
    }

    /// Not yet answered: the reply deadline runs.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            Status::Registered | Status::Assigned | Status::InProgress
        )
    }

    pub fn is_answered(self) -> bool {
        matches!(self, Status::Replied | Status::Closed)
    }
}

pub const OPEN_STATUSES: [&str; 3] = ["registered", "assigned", "in_progress"];

/// One row of `feedback`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = feedback)]
pub struct Row {
    pub id: Uuid,
    pub register_no: String,
    pub kind: String,
    pub channel: String,
    pub subject: String,
    pub content: String,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    pub related_item_id: Option<Uuid>,
    pub submitter_id: Option<Uuid>,
    pub access_code_hash: Option<Vec<u8>>,
    pub registered_by: Option<Uuid>,
    pub status: String,
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

impl Row {
    pub fn status(&self) -> Status {
        Status::parse(&self.status).unwrap_or(Status::Registered)
    }

    /// The workflow steps and board actions allowed now, for 409 answers and the office view.
    pub fn allowed_actions(&self) -> Vec<String> {
        let status = self.status();
        let mut out: Vec<String> = Step::ALL
            .into_iter()
            .filter(|s| status.allows(*s))
            .map(|s| s.as_str().to_owned())
            .collect();
        if status.is_answered() {
            out.push("publish".into());
        }
        if self.published_at.is_some() {
            out.push("unpublish".into());
        }
        out
    }

    fn conflict(&self, detail: String) -> AppError {
        AppError::Conflict {
            detail: detail.into(),
            allowed_actions: Some(self.allowed_actions()),
        }
    }

    /// 409 unless the current state allows `step`.
    pub fn check(&self, step: Step) -> AppResult<()> {
        let status = self.status();
        if status.allows(step) {
            Ok(())
        } else {
            Err(self.conflict(format!(
                "`{}` is not allowed while the entry is {}",
                step.as_str(),
                status.as_str()
            )))
        }
    }

    fn overdue(&self, today: NaiveDate) -> bool {
        self.status().is_open() && self.reply_due_on < today
    }
}

/// How a caller may see an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    /// Staff and leaders: everything, including internal notes.
    Office,
    /// The submitter, by account or access code: their own entry without internal notes.
    Submitter,
}

/// The reading rule: the office sees every entry; the submitter (their account, or the right
/// access code) sees their own; anyone else is told nothing exists (404).
pub fn viewer(row: &Row, caller: &Caller, access_code: Option<&str>) -> Option<Viewer> {
    if caller.is_office() {
        return Some(Viewer::Office);
    }
    if let (Some(user), Some(owner)) = (caller.user(), row.submitter_id) {
        if user.id == owner {
            return Some(Viewer::Submitter);
        }
    }
    if let (Some(code), Some(stored)) = (access_code, row.access_code_hash.as_deref()) {
        if access_code_hash(code).as_slice() == stored {
            return Some(Viewer::Submitter);
        }
    }
    None
}

/// How to reach the submitter. Shown in full only to the office and the submitter.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "李明", "phone": "13812345678", "email": "li.ming@example.com"}))]
pub struct Contact {
    /// 1 to 100 characters.
    pub name: Option<String>,
    /// Digits with optional `+`, `-`, spaces and parentheses; 5 to 20 digits.
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
    pub fn from_row(row: Row, viewer: Viewer, detail: Detail, today: NaiveDate) -> Self {
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
                phone: contact.phone.as_deref().map(text::mask_phone),
                email: contact.email.as_deref().map(text::mask_email),
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
            allowed_actions: row.allowed_actions(),
            notes: None,
        });
        Self {
            overdue: row.overdue(today),
            id: row.id,
            register_no: row.register_no,
            kind: Kind::parse(&row.kind).unwrap_or(Kind::Consultation),
            channel: Channel::parse(&row.channel).unwrap_or(Channel::Online),
            subject: row.subject,
            content: row.content,
            contact,
            related_item_id: row.related_item_id,
            status: Status::parse(&row.status).unwrap_or(Status::Registered),
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

/// A question and its reply on the public board: no contact data, no internal data.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"register_no": "2026-00017", "kind": "complaint", "subject": "路灯不亮",
    "question": "朱台村东路的路灯已经坏了两周。", "reply": "已通知供电所，3月6日修复。",
    "received_on": "2026-03-02", "replied_on": "2026-03-05", "published_at": "2026-03-06T01:00:00Z"}))]
pub struct PublicEntry {
    pub register_no: String,
    #[schema(value_type = Kind)]
    pub kind: String,
    pub subject: String,
    pub question: String,
    pub reply: String,
    pub received_on: NaiveDate,
    pub replied_on: Option<NaiveDate>,
    pub published_at: DateTime<Utc>,
}

/// What the public board reads of a row.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = feedback)]
pub struct PublicRow {
    pub register_no: String,
    pub kind: String,
    pub public_subject: Option<String>,
    pub public_question: Option<String>,
    pub public_reply: Option<String>,
    pub received_on: NaiveDate,
    pub replied_on: Option<NaiveDate>,
    pub published_at: Option<DateTime<Utc>>,
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

/// Today in the agency's time zone.
pub fn today(tz: chrono_tz::Tz) -> NaiveDate {
    Utc::now().with_timezone(&tz).date_naive()
}

// ---------------------------------------------------------------------------------------------
// Access codes

pub use crate::auth::access_code::{access_code_hash, new_access_code};

// ---------------------------------------------------------------------------------------------
// Creating an entry

/// A new entry, validated.
#[derive(Debug)]
pub struct NewFeedback {
    pub kind: Kind,
    pub channel: Channel,
    pub subject: String,
    pub content: String,
    pub contact: Contact,
    pub related_item_id: Option<Uuid>,
    pub received_on: NaiveDate,
}

/// The answer to a new entry: the entry, and the access code when the submitter has no account.
pub struct Created {
    pub row: Row,
    pub access_code: Option<String>,
}

/// Registers an entry: its number, its deadline, its access code, one audit entry.
pub async fn create(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    new: NewFeedback,
    reply_days: u32,
) -> AppResult<Created> {
    let (submitter_id, registered_by) = match caller.user() {
        Some(u) if u.role == Role::Public => (Some(u.id), None),
        Some(u) => (None, Some(u.id)),
        None => (None, None),
    };
    // Without an account the submitter follows the case with the code; the office hands it on
    // for calls, letters and visits.
    let access_code = submitter_id.is_none().then(new_access_code);
    let code_hash = access_code.as_deref().map(access_code_hash);
    let row = conn
        .transaction(async |conn| {
            diesel::sql_query(format!(
                "SELECT pg_advisory_xact_lock_shared({CALENDAR_LOCK})"
            ))
            .execute(conn)
            .await?;
            let cal = WorkCalendar::load_around(conn, new.received_on).await?;
            let due = cal.add_working_days(new.received_on, reply_days);
            let year = new.received_on.year();
            let n = counters::next(conn, COUNTER, year).await?;
            let row: Row = diesel::insert_into(feedback::table)
                .values((
                    feedback::register_no.eq(counters::format_yearly(year, n)),
                    feedback::kind.eq(new.kind.as_str()),
                    feedback::channel.eq(new.channel.as_str()),
                    feedback::subject.eq(&new.subject),
                    feedback::content.eq(&new.content),
                    feedback::contact_name.eq(&new.contact.name),
                    feedback::contact_phone.eq(&new.contact.phone),
                    feedback::contact_email.eq(&new.contact.email),
                    feedback::related_item_id.eq(new.related_item_id),
                    feedback::submitter_id.eq(submitter_id),
                    feedback::access_code_hash.eq(&code_hash),
                    feedback::registered_by.eq(registered_by),
                    feedback::received_on.eq(new.received_on),
                    feedback::reply_due_on.eq(due),
                    feedback::reply_days.eq(reply_days as i16),
                ))
                .returning(Row::as_returning())
                .get_result(conn)
                .await?;
            audit::record(
                conn,
                caller,
                "feedback.created",
                "feedback",
                Some(row.id.to_string()),
                serde_json::json!({
                    "register_no": row.register_no,
                    "kind": row.kind,
                    "channel": row.channel,
                    "received_on": row.received_on,
                    "reply_due_on": row.reply_due_on,
                }),
            )
            .await?;
            Ok::<_, AppError>(row)
        })
        .await?;
    Ok(Created { row, access_code })
}

// ---------------------------------------------------------------------------------------------
// Reading

pub async fn load(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<Row> {
    feedback::table
        .find(id)
        .select(Row::as_select())
        .first(conn)
        .await
        .map_err(AppError::from)
}

/// Locks the entry for a change; call inside the transaction that changes it.
async fn lock(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<Row> {
    feedback::table
        .find(id)
        .select(Row::as_select())
        .for_update()
        .first(conn)
        .await
        .map_err(AppError::from)
}

pub async fn notes(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<Vec<Note>> {
    Ok(feedback_notes::table
        .filter(feedback_notes::feedback_id.eq(id))
        .order((feedback_notes::created_at.asc(), feedback_notes::id.asc()))
        .select(Note::as_select())
        .load(conn)
        .await?)
}

// ---------------------------------------------------------------------------------------------
// The workflow

/// Assigns the entry to an active staff member or leader.
pub async fn assign(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: Uuid,
    assignee_id: Uuid,
) -> AppResult<Row> {
    conn.transaction(async |conn| {
        let row = lock(conn, id).await?;
        row.check(Step::Assign)?;
        let assignee: Option<(String, bool)> = users::table
            .find(assignee_id)
            .select((users::role, users::disabled))
            .first(conn)
            .await
            .optional()?;
        match assignee {
            Some((role, false)) if role == "staff" || role == "leader" => {}
            _ => {
                return Err(AppError::invalid(
                    "assignee_id",
                    "must be an active staff or leader account",
                ));
            }
        }
        let status = match row.status() {
            Status::Registered => Status::Assigned,
            other => other,
        };
        let row: Row = diesel::update(feedback::table.find(id))
            .set((
                feedback::assignee_id.eq(assignee_id),
                feedback::status.eq(status.as_str()),
            ))
            .returning(Row::as_returning())
            .get_result(conn)
            .await?;
        audit::record(
            conn,
            caller,
            "feedback.assigned",
            "feedback",
            Some(id.to_string()),
            serde_json::json!({"assignee_id": assignee_id, "status": row.status}),
        )
        .await?;
        Ok(row)
    })
    .await
}

/// Moves the entry to `status` after checking `step`, setting whatever else the step sets.
async fn step<'a>(
    conn: &mut AsyncPgConnection,
    caller: &'a Caller,
    id: Uuid,
    step: Step,
    today: NaiveDate,
    reply: Option<&'a str>,
) -> AppResult<Row> {
    conn.transaction(async |conn| {
        let row = lock(conn, id).await?;
        row.check(step)?;
        let from = row.status();
        let now = Utc::now();
        let q = diesel::update(feedback::table.find(id));
        let row: Row = match step {
            Step::Start => {
                q.set(feedback::status.eq(Status::InProgress.as_str()))
                    .returning(Row::as_returning())
                    .get_result(conn)
                    .await?
            }
            Step::Reply => {
                let text = reply.expect("a reply has a text");
                let first = row.replied_at.is_none();
                q.set((
                    feedback::status.eq(Status::Replied.as_str()),
                    feedback::reply_text.eq(text),
                    first.then(|| feedback::replied_at.eq(now)),
                    first.then(|| feedback::replied_on.eq(today)),
                    first.then(|| feedback::replied_by.eq(caller.user().map(|u| u.id))),
                ))
                .returning(Row::as_returning())
                .get_result(conn)
                .await?
            }
            Step::Close => {
                q.set((
                    feedback::status.eq(Status::Closed.as_str()),
                    feedback::closed_at.eq(now),
                ))
                .returning(Row::as_returning())
                .get_result(conn)
                .await?
            }
            Step::Reopen => {
                q.set((
                    feedback::status.eq(Status::InProgress.as_str()),
                    feedback::closed_at.eq(None::<DateTime<Utc>>),
                ))
                .returning(Row::as_returning())
                .get_result(conn)
                .await?
            }
            Step::Assign => unreachable!("assign has its own function"),
        };
        let verb = match step {
            Step::Start => "started",
            Step::Reply => "replied",
            Step::Close => "closed",
            Step::Reopen => "reopened",
            Step::Assign => "assigned",
        };
        audit::record(
            conn,
            caller,
            &format!("feedback.{verb}"),
            "feedback",
            Some(id.to_string()),
            serde_json::json!({"from": from.as_str(), "status": row.status}),
        )
        .await?;
        Ok(row)
    })
    .await
}

pub async fn start(conn: &mut AsyncPgConnection, caller: &Caller, id: Uuid) -> AppResult<Row> {
    step(conn, caller, id, Step::Start, Utc::now().date_naive(), None).await
}

/// Answers the entry. The first answer's time is kept (it decides "replied on time"); an
/// answer after reopening replaces the text only.
pub async fn reply(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: Uuid,
    text: &str,
    today: NaiveDate,
) -> AppResult<Row> {
    step(conn, caller, id, Step::Reply, today, Some(text)).await
}

pub async fn close(conn: &mut AsyncPgConnection, caller: &Caller, id: Uuid) -> AppResult<Row> {
    step(conn, caller, id, Step::Close, Utc::now().date_naive(), None).await
}

pub async fn reopen(conn: &mut AsyncPgConnection, caller: &Caller, id: Uuid) -> AppResult<Row> {
    step(
        conn,
        caller,
        id,
        Step::Reopen,
        Utc::now().date_naive(),
        None,
    )
    .await
}

/// Adds an internal note (any state).
pub async fn add_note(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: Uuid,
    text: &str,
) -> AppResult<Note> {
    let author = caller.require_user()?.id;
    conn.transaction(async |conn| {
        lock(conn, id).await?;
        let note: Note = diesel::insert_into(feedback_notes::table)
            .values((
                feedback_notes::feedback_id.eq(id),
                feedback_notes::author_id.eq(author),
                feedback_notes::text.eq(text),
            ))
            .returning(Note::as_returning())
            .get_result(conn)
            .await?;
        audit::record(
            conn,
            caller,
            "feedback.note_added",
            "feedback",
            Some(id.to_string()),
            serde_json::json!({"note_id": note.id}),
        )
        .await?;
        Ok(note)
    })
    .await
}

/// The submitter's rating: once, after the reply.
pub async fn rate(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    access_code: Option<&str>,
    id: Uuid,
    score: i16,
    comment: Option<&str>,
) -> AppResult<Row> {
    conn.transaction(async |conn| {
        let row = lock(conn, id).await?;
        match viewer(&row, caller, access_code) {
            None => return Err(AppError::NotFound),
            Some(Viewer::Office) => {
                // The office sees the entry but a rating is the submitter's word.
                let own_code = access_code
                    .zip(row.access_code_hash.as_deref())
                    .is_some_and(|(c, h)| access_code_hash(c) == h);
                if !own_code {
                    return Err(AppError::Forbidden(
                        "only the submitter may rate the reply".into(),
                    ));
                }
            }
            Some(Viewer::Submitter) => {}
        }
        if !row.status().is_answered() {
            return Err(AppError::conflict(
                "there is no reply to rate yet; rate it once it is answered",
            ));
        }
        if row.rated_at.is_some() {
            return Err(AppError::conflict("the reply has already been rated"));
        }
        let row: Row = diesel::update(feedback::table.find(id))
            .set((
                feedback::rating.eq(score),
                feedback::rating_comment.eq(comment),
                feedback::rated_at.eq(Utc::now()),
            ))
            .returning(Row::as_returning())
            .get_result(conn)
            .await?;
        audit::record(
            conn,
            caller,
            "feedback.rated",
            "feedback",
            Some(id.to_string()),
            serde_json::json!({"score": score}),
        )
        .await?;
        Ok(row)
    })
    .await
}

/// The texts a leader puts on the board; absent ones default to the entry's own texts with
/// phone numbers, e-mail addresses, long numbers and the submitter's name removed.
#[derive(Debug, Default)]
pub struct PublicTexts {
    pub subject: Option<String>,
    pub question: Option<String>,
    pub reply: Option<String>,
}

/// Puts an answered entry on the public board (or replaces its public texts).
pub async fn publish(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: Uuid,
    texts: PublicTexts,
) -> AppResult<Row> {
    conn.transaction(async |conn| {
        let row = lock(conn, id).await?;
        if !row.status().is_answered() {
            return Err(row.conflict(format!(
                "only answered entries can be published; this one is {}",
                row.status
            )));
        }
        let name = row.contact_name.as_deref();
        let subject = texts
            .subject
            .unwrap_or_else(|| text::scrub(&row.subject, name));
        let question = texts
            .question
            .unwrap_or_else(|| text::scrub(&row.content, name));
        let reply = texts
            .reply
            .unwrap_or_else(|| text::scrub(row.reply_text.as_deref().unwrap_or(""), name));
        // Edited texts are the leader's, but the submitter's own contact data never goes out.
        let mut errors = Vec::new();
        for (field, value) in [
            ("subject", &subject),
            ("question", &question),
            ("reply", &reply),
        ] {
            if let Some(what) = text::leaks_contact(
                value,
                row.contact_name.as_deref(),
                row.contact_phone.as_deref(),
                row.contact_email.as_deref(),
            ) {
                errors.push(FieldError::new(
                    field,
                    format!("contains the submitter's {what}; remove it"),
                ));
            }
        }
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        let row: Row = diesel::update(feedback::table.find(id))
            .set((
                feedback::published_at.eq(row.published_at.unwrap_or_else(Utc::now)),
                feedback::public_subject.eq(&subject),
                feedback::public_question.eq(&question),
                feedback::public_reply.eq(&reply),
            ))
            .returning(Row::as_returning())
            .get_result(conn)
            .await?;
        audit::record(
            conn,
            caller,
            "feedback.published",
            "feedback",
            Some(id.to_string()),
            serde_json::json!({"register_no": row.register_no}),
        )
        .await?;
        Ok(row)
    })
    .await
}

/// Takes an entry off the public board.
pub async fn unpublish(conn: &mut AsyncPgConnection, caller: &Caller, id: Uuid) -> AppResult<Row> {
    conn.transaction(async |conn| {
        let row = lock(conn, id).await?;
        if row.published_at.is_none() {
            return Err(row.conflict("the entry is not on the public board".into()));
        }
        let none = None::<String>;
        let row: Row = diesel::update(feedback::table.find(id))
            .set((
                feedback::published_at.eq(None::<DateTime<Utc>>),
                feedback::public_subject.eq(&none),
                feedback::public_question.eq(&none),
                feedback::public_reply.eq(&none),
            ))
            .returning(Row::as_returning())
            .get_result(conn)
            .await?;
        audit::record(
            conn,
            caller,
            "feedback.unpublished",
            "feedback",
            Some(id.to_string()),
            serde_json::json!({"register_no": row.register_no}),
        )
        .await?;
        Ok(row)
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// Deadlines and the calendar

/// `recompute_reply_deadlines` for the calendar's list of deadline holders.
pub fn recompute_deadlines_after(
    conn: &mut AsyncPgConnection,
    year: i32,
) -> futures_util::future::BoxFuture<'_, AppResult<u64>> {
    Box::pin(async move { Ok(recompute_reply_deadlines(conn, year).await?) })
}

/// Recomputes `reply_due_on` of every unanswered entry whose reply window touches `year`, after
/// a change of that year's calendar, in the caller's transaction. Returns how many entries were
/// recomputed (whether or not their date moved).
pub async fn recompute_reply_deadlines(
    conn: &mut AsyncPgConnection,
    year: i32,
) -> Result<u64, diesel::result::Error> {
    let first = NaiveDate::from_ymd_opt(year, 1, 1).expect("valid year");
    let last = NaiveDate::from_ymd_opt(year, 12, 31).expect("valid year");
    let open: Vec<(Uuid, NaiveDate, NaiveDate, i16)> = feedback::table
        .filter(feedback::status.eq_any(OPEN_STATUSES))
        .filter(feedback::received_on.le(last))
        .filter(feedback::reply_due_on.ge(first))
        .select((
            feedback::id,
            feedback::received_on,
            feedback::reply_due_on,
            feedback::reply_days,
        ))
        .for_update()
        .load(conn)
        .await?;
    let Some(earliest) = open.iter().map(|r| r.1).min() else {
        return Ok(0);
    };
    // The window ends at most a few months after `year`: one more year of calendar suffices.
    let cal = WorkCalendar::load(conn, earliest.year(), year + 1).await?;
    for (id, received_on, due, days) in &open {
        let new_due = cal.add_working_days(*received_on, (*days).max(1) as u32);
        if new_due != *due {
            diesel::update(feedback::table.find(id))
                .set(feedback::reply_due_on.eq(new_due))
                .execute(conn)
                .await?;
        }
    }
    Ok(open.len() as u64)
}
