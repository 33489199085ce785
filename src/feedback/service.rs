//! The register's operations: each one a transaction that locks what it changes, asks the
//! rules, writes and records the audit entry. Every day it records is the agency's
//! (`clock::today` in the configured time zone), never UTC's.

use chrono::{Datelike, NaiveDate, Utc};
use chrono_tz::Tz;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use futures_util::future::BoxFuture;
use uuid::Uuid;

use super::model::{
    Act, COUNTER, CreateFeedbackRequest, FeedbackNoteText, FeedbackQuery, FeedbackReplyText, Note,
    PublicQuery, PublishRequest, RatingRequest, Row, Viewer,
};
use super::repo::{self, Change, Filter, Registration};
use super::rules;
use super::views::{CreatedFeedback, Detail, Feedback, PublicEntry};
use crate::audit;
use crate::auth::Role;
use crate::auth::access_code::{access_code_hash, new_access_code};
use crate::calendar::WorkCalendar;
use crate::caller::Caller;
use crate::clock;
use crate::db::counters;
use crate::db::locks::{Lock, Mode, lock_xact};
use crate::error::{AppError, AppResult};
use crate::pagination::{Page, Paging};
use crate::workflow;

/// The audit log's name for the register's entries.
const ENTITY: &str = "feedback";

/// The entry as `viewer` sees it.
fn view(row: Row, viewer: Viewer, detail: Detail, today: NaiveDate) -> Feedback {
    let allowed = rules::allowed_actions(&row);
    Feedback::from_row(row, viewer, detail, today, &allowed)
}

/// Registers an entry: its number, its deadline, its access code, one audit entry.
pub async fn create(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    request: CreateFeedbackRequest,
    reply_days: u32,
    tz: Tz,
) -> AppResult<CreatedFeedback> {
    let office = caller.is_office();
    let today = clock::today(tz);
    let new = rules::admit(request, office, today)?;
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
            // No deadline is computed against a calendar being replaced.
            lock_xact(conn, Lock::Calendar, Mode::Shared).await?;
            let cal = WorkCalendar::load_around(conn, new.received_on).await?;
            let due = cal.add_working_days(new.received_on, reply_days);
            let year = new.received_on.year();
            let n = counters::next(conn, COUNTER, year).await?;
            let row = repo::insert(
                conn,
                Registration {
                    new: &new,
                    register_no: counters::format_yearly(year, n),
                    reply_due_on: due,
                    reply_days: reply_days as i16,
                    submitter_id,
                    access_code_hash: code_hash,
                    registered_by,
                },
            )
            .await?;
            audit::record(
                conn,
                caller,
                "feedback.created",
                ENTITY,
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
    let viewer = if office {
        Viewer::Office
    } else {
        Viewer::Submitter
    };
    Ok(CreatedFeedback {
        feedback: view(row, viewer, Detail::One, today),
        access_code,
    })
}

/// One entry, as the caller may see it (the office with its notes); 404 for anyone else.
pub async fn get(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: Uuid,
    access_code: Option<&str>,
    tz: Tz,
) -> AppResult<Feedback> {
    let row = repo::load(conn, id).await?;
    let viewer = rules::viewer(&row, caller, access_code).ok_or(AppError::NotFound)?;
    let notes = match viewer {
        Viewer::Office => Some(repo::notes(conn, id).await?),
        Viewer::Submitter => None,
    };
    let mut feedback = view(row, viewer, Detail::One, clock::today(tz));
    if let Some(office) = feedback.office.as_mut() {
        office.notes = notes;
    }
    Ok(feedback)
}

/// The register: every entry for the office, their own for a member of the public.
pub async fn list(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    query: &FeedbackQuery,
    tz: Tz,
) -> AppResult<Page<Feedback>> {
    let paging = Paging::parse(query.page, query.per_page)?;
    let received = rules::year_span(query.year)?;
    let today = clock::today(tz);
    let (viewer, submitter) = if caller.is_office() {
        (Viewer::Office, None)
    } else {
        (Viewer::Submitter, Some(caller.require_user()?.id))
    };
    let filter = Filter {
        submitter,
        kind: query.kind,
        status: query.status,
        channel: query.channel,
        received,
        assignee: query.assignee,
        overdue: query.overdue.map(|o| (o, today)),
    };
    let (rows, total) = repo::list(conn, &filter, paging).await?;
    let items = rows
        .into_iter()
        .map(|r| view(r, viewer, Detail::List, today))
        .collect();
    Ok(Page::new(items, total, paging))
}

/// The public board.
pub async fn list_public(
    conn: &mut AsyncPgConnection,
    query: &PublicQuery,
) -> AppResult<Page<PublicEntry>> {
    let paging = Paging::parse(query.page, query.per_page)?;
    let received = rules::year_span(query.year)?;
    let (rows, total) = repo::list_public(conn, query.kind, received, paging).await?;
    let items = rows.into_iter().map(PublicEntry::from).collect();
    Ok(Page::new(items, total, paging))
}

/// A validated request for one action of the workflow.
#[derive(Debug)]
pub enum Command {
    /// To an active staff member or leader; possible until the reply.
    Assign {
        assignee: Uuid,
    },
    Start,
    /// The first answer's time is kept (it decides "replied on time"); an answer after
    /// reopening replaces the text only.
    Reply {
        text: FeedbackReplyText,
    },
    Close,
    /// The reply deadline does not change.
    Reopen,
    /// Puts an answered entry on the public board, or replaces its public texts.
    Publish {
        texts: PublishRequest,
    },
    Unpublish,
}

impl workflow::Command for Command {
    type Act = Act;

    fn act(&self) -> Act {
        match self {
            Command::Assign { .. } => Act::Assign,
            Command::Start => Act::Start,
            Command::Reply { .. } => Act::Reply,
            Command::Close => Act::Close,
            Command::Reopen => Act::Reopen,
            Command::Publish { .. } => Act::Publish,
            Command::Unpublish => Act::Unpublish,
        }
    }
}

/// Performs one action: locks the entry, checks the action is allowed now (409 with what is),
/// applies it and records it. Answers with the office's view.
pub async fn perform(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: Uuid,
    command: Command,
    tz: Tz,
) -> AppResult<Feedback> {
    use workflow::Command as _;
    let today = clock::today(tz);
    let row = conn
        .transaction(async |conn| {
            let row = repo::lock(conn, id).await?;
            let act = command.act();
            workflow::ensure_allowed(
                act,
                &rules::allowed_actions(&row),
                || format!("the entry is {}", row.status),
                || rules::refusal(&row, act),
            )?;
            if let Command::Assign { assignee } = &command {
                let (role, disabled) = repo::account(conn, *assignee)
                    .await?
                    .map_or((None, true), |(role, disabled)| {
                        (Role::parse(&role), disabled)
                    });
                if !rules::may_be_assigned(role, disabled) {
                    return Err(AppError::invalid(
                        "assignee_id",
                        "must be an active staff or leader account",
                    ));
                }
            }
            let public = match &command {
                Command::Publish { texts } => Some(rules::public_texts(&row, texts)?),
                _ => None,
            };
            let now = Utc::now();
            let first_reply = row.replied_at.is_none();
            let status = Some(rules::next_status(row.status, act));
            let change = match &command {
                Command::Assign { assignee } => Change {
                    status,
                    assignee_id: Some(*assignee),
                    ..Change::default()
                },
                Command::Start => Change {
                    status,
                    ..Change::default()
                },
                Command::Reply { text } => Change {
                    status,
                    reply_text: Some(text.as_str()),
                    replied_at: first_reply.then_some(now),
                    replied_on: first_reply.then_some(today),
                    replied_by: first_reply.then(|| caller.user().map(|u| u.id)),
                    ..Change::default()
                },
                Command::Close => Change {
                    status,
                    closed_at: Some(Some(now)),
                    ..Change::default()
                },
                Command::Reopen => Change {
                    status,
                    closed_at: Some(None),
                    ..Change::default()
                },
                Command::Publish { .. } => Change {
                    published_at: Some(Some(row.published_at.unwrap_or(now))),
                    public_subject: public.as_ref().map(|t| Some(t.subject.as_str())),
                    public_question: public.as_ref().map(|t| Some(t.question.as_str())),
                    public_reply: public.as_ref().map(|t| Some(t.reply.as_str())),
                    ..Change::default()
                },
                Command::Unpublish => Change {
                    published_at: Some(None),
                    public_subject: Some(None),
                    public_question: Some(None),
                    public_reply: Some(None),
                    ..Change::default()
                },
            };
            let changed = repo::update(conn, id, &change).await?;
            let summary = match &command {
                Command::Assign { assignee } => {
                    serde_json::json!({"assignee_id": assignee, "status": changed.status})
                }
                Command::Publish { .. } | Command::Unpublish => {
                    serde_json::json!({"register_no": changed.register_no})
                }
                Command::Start | Command::Reply { .. } | Command::Close | Command::Reopen => {
                    serde_json::json!({"from": row.status, "status": changed.status})
                }
            };
            audit::record(
                conn,
                caller,
                event(act),
                ENTITY,
                Some(id.to_string()),
                summary,
            )
            .await?;
            Ok::<_, AppError>(changed)
        })
        .await?;
    Ok(view(row, Viewer::Office, Detail::One, today))
}

/// The audit log's name for an action.
fn event(act: Act) -> &'static str {
    match act {
        Act::Assign => "feedback.assigned",
        Act::Start => "feedback.started",
        Act::Reply => "feedback.replied",
        Act::Close => "feedback.closed",
        Act::Reopen => "feedback.reopened",
        Act::Publish => "feedback.published",
        Act::Unpublish => "feedback.unpublished",
    }
}

/// Adds an internal note (any state).
pub async fn add_note(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: Uuid,
    text: &FeedbackNoteText,
) -> AppResult<Note> {
    let author = caller.require_user()?.id;
    conn.transaction(async |conn| {
        repo::lock(conn, id).await?;
        let note = repo::insert_note(conn, id, author, text).await?;
        audit::record(
            conn,
            caller,
            "feedback.note_added",
            ENTITY,
            Some(id.to_string()),
            serde_json::json!({"note_id": note.id}),
        )
        .await?;
        Ok(note)
    })
    .await
}

/// The submitter's rating: once, after the reply. Answers with the submitter's view.
pub async fn rate(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    access_code: Option<&str>,
    id: Uuid,
    rating: &RatingRequest,
    tz: Tz,
) -> AppResult<Feedback> {
    // The request's rule holds the score to 1..=5.
    let score = rating.score as i16;
    let row = conn
        .transaction(async |conn| {
            let row = repo::lock(conn, id).await?;
            rules::check_rating(&row, caller, access_code)?;
            let change = Change {
                rating: Some(score),
                rating_comment: Some(rating.comment.as_deref()),
                rated_at: Some(Utc::now()),
                ..Change::default()
            };
            let row = repo::update(conn, id, &change).await?;
            audit::record(
                conn,
                caller,
                "feedback.rated",
                ENTITY,
                Some(id.to_string()),
                serde_json::json!({"score": score}),
            )
            .await?;
            Ok::<_, AppError>(row)
        })
        .await?;
    Ok(view(row, Viewer::Submitter, Detail::One, clock::today(tz)))
}

/// Recomputes `reply_due_on` of every unanswered entry whose reply window touches `year`, after
/// a change of that year's calendar, in the caller's transaction. Returns how many entries were
/// recomputed (whether or not their date moved).
pub fn recompute_deadlines(
    conn: &mut AsyncPgConnection,
    year: i32,
) -> BoxFuture<'_, AppResult<u64>> {
    Box::pin(async move {
        let first = NaiveDate::from_ymd_opt(year, 1, 1).expect("valid year");
        let last = NaiveDate::from_ymd_opt(year, 12, 31).expect("valid year");
        let open = repo::lock_open_deadlines(conn, first, last).await?;
        let Some(earliest) = open.iter().map(|r| r.1).min() else {
            return Ok(0);
        };
        // The window ends at most a few months after `year`: one more year of calendar suffices.
        let cal = WorkCalendar::load(conn, earliest.year(), year + 1).await?;
        for (id, received_on, due, days) in &open {
            let new_due = cal.add_working_days(*received_on, (*days).max(1) as u32);
            if new_due != *due {
                repo::set_reply_due_on(conn, *id, new_due).await?;
            }
        }
        Ok(open.len() as u64)
    })
}
