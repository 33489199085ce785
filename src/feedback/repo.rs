//! The register in the database: loads, locks, lists, inserts and updates.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::model::{Channel, Kind, NewFeedback, Note, PublicRow, Row, Status};
use crate::db::schema::{feedback, feedback_notes, users};
use crate::error::{AppError, AppResult};
use crate::pagination::Paging;

pub async fn load(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<Row> {
    feedback::table
        .find(id)
        .select(Row::as_select())
        .first(conn)
        .await
        .map_err(AppError::from)
}

/// Locks the entry for a change; call inside the transaction that changes it.
pub async fn lock(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<Row> {
    feedback::table
        .find(id)
        .select(Row::as_select())
        .for_update()
        .first(conn)
        .await
        .map_err(AppError::from)
}

/// The entry's internal notes, oldest first.
pub async fn notes(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<Vec<Note>> {
    Ok(feedback_notes::table
        .filter(feedback_notes::feedback_id.eq(id))
        .order((feedback_notes::created_at.asc(), feedback_notes::id.asc()))
        .select(Note::as_select())
        .load(conn)
        .await?)
}

/// Who registers a new entry, with its number and deadline.
pub struct Registration<'a> {
    pub new: &'a NewFeedback,
    pub register_no: String,
    pub reply_due_on: NaiveDate,
    pub reply_days: i16,
    pub submitter_id: Option<Uuid>,
    pub access_code_hash: Option<Vec<u8>>,
    pub registered_by: Option<Uuid>,
}

pub async fn insert(conn: &mut AsyncPgConnection, r: Registration<'_>) -> AppResult<Row> {
    let new = r.new;
    Ok(diesel::insert_into(feedback::table)
        .values((
            feedback::register_no.eq(r.register_no),
            feedback::kind.eq(new.kind),
            feedback::channel.eq(new.channel),
            feedback::subject.eq(new.subject.as_str()),
            feedback::content.eq(new.content.as_str()),
            feedback::contact_name.eq(new.contact_name.as_deref()),
            feedback::contact_phone.eq(new.contact_phone.as_deref()),
            feedback::contact_email.eq(new.contact_email.as_deref()),
            feedback::related_item_id.eq(new.related_item_id),
            feedback::submitter_id.eq(r.submitter_id),
            feedback::access_code_hash.eq(r.access_code_hash),
            feedback::registered_by.eq(r.registered_by),
            feedback::received_on.eq(new.received_on),
            feedback::reply_due_on.eq(r.reply_due_on),
            feedback::reply_days.eq(r.reply_days),
        ))
        .returning(Row::as_returning())
        .get_result(conn)
        .await?)
}

/// A change of an entry: `None` leaves a column as it is (`Some(None)` empties it).
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = feedback)]
pub struct Change<'a> {
    pub status: Option<Status>,
    pub assignee_id: Option<Uuid>,
    pub reply_text: Option<&'a str>,
    pub replied_at: Option<DateTime<Utc>>,
    pub replied_on: Option<NaiveDate>,
    pub replied_by: Option<Option<Uuid>>,
    pub closed_at: Option<Option<DateTime<Utc>>>,
    pub rating: Option<i16>,
    pub rating_comment: Option<Option<&'a str>>,
    pub rated_at: Option<DateTime<Utc>>,
    pub published_at: Option<Option<DateTime<Utc>>>,
    pub public_subject: Option<Option<&'a str>>,
    pub public_question: Option<Option<&'a str>>,
    pub public_reply: Option<Option<&'a str>>,
}

pub async fn update(conn: &mut AsyncPgConnection, id: Uuid, change: &Change<'_>) -> AppResult<Row> {
    Ok(diesel::update(feedback::table.find(id))
        .set(change)
        .returning(Row::as_returning())
        .get_result(conn)
        .await?)
}

pub async fn insert_note(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    author: Uuid,
    text: &str,
) -> AppResult<Note> {
    Ok(diesel::insert_into(feedback_notes::table)
        .values((
            feedback_notes::feedback_id.eq(id),
            feedback_notes::author_id.eq(author),
            feedback_notes::text.eq(text),
        ))
        .returning(Note::as_returning())
        .get_result(conn)
        .await?)
}

/// An account's role (as stored) and whether it is disabled; `None` when there is no such
/// account.
pub async fn account(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<Option<(String, bool)>> {
    Ok(users::table
        .find(id)
        .select((users::role, users::disabled))
        .first(conn)
        .await
        .optional()?)
}

/// What the register's list is filtered by.
#[derive(Debug, Default)]
pub struct Filter {
    /// Only the entries of this public account.
    pub submitter: Option<Uuid>,
    pub kind: Option<Kind>,
    pub status: Option<Status>,
    pub channel: Option<Channel>,
    /// Received within these days.
    pub received: Option<(NaiveDate, NaiveDate)>,
    pub assignee: Option<Uuid>,
    /// Unanswered and past the deadline on `.1` (or not).
    pub overdue: Option<(bool, NaiveDate)>,
}

fn filtered(f: &Filter) -> feedback::BoxedQuery<'static, Pg> {
    let mut q = feedback::table.into_boxed();
    if let Some(user) = f.submitter {
        q = q.filter(feedback::submitter_id.eq(user));
    }
    if let Some(kind) = f.kind {
        q = q.filter(feedback::kind.eq(kind));
    }
    if let Some(status) = f.status {
        q = q.filter(feedback::status.eq(status));
    }
    if let Some(channel) = f.channel {
        q = q.filter(feedback::channel.eq(channel));
    }
    if let Some((from, to)) = f.received {
        q = q.filter(feedback::received_on.between(from, to));
    }
    if let Some(assignee) = f.assignee {
        q = q.filter(feedback::assignee_id.eq(assignee));
    }
    match f.overdue {
        Some((true, today)) => {
            q = q.filter(
                feedback::status
                    .eq_any(Status::OPEN)
                    .and(feedback::reply_due_on.lt(today)),
            )
        }
        Some((false, today)) => {
            q = q.filter(
                feedback::status
                    .ne_all(Status::OPEN)
                    .or(feedback::reply_due_on.ge(today)),
            )
        }
        None => {}
    }
    q
}

/// A page of the register, newest first, and how many entries match in all.
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &Filter,
    paging: Paging,
) -> AppResult<(Vec<Row>, i64)> {
    let total: i64 = filtered(filter).count().get_result(conn).await?;
    let rows = filtered(filter)
        .order((feedback::received_on.desc(), feedback::register_no.desc()))
        .offset(paging.offset())
        .limit(paging.limit())
        .select(Row::as_select())
        .load(conn)
        .await?;
    Ok((rows, total))
}

fn published(
    kind: Option<Kind>,
    received: Option<(NaiveDate, NaiveDate)>,
) -> feedback::BoxedQuery<'static, Pg> {
    let mut q = feedback::table
        .filter(feedback::published_at.is_not_null())
        .into_boxed();
    if let Some(kind) = kind {
        q = q.filter(feedback::kind.eq(kind));
    }
    if let Some((from, to)) = received {
        q = q.filter(feedback::received_on.between(from, to));
    }
    q
}

/// A page of the public board, latest published first, and how many entries it has in all.
pub async fn list_public(
    conn: &mut AsyncPgConnection,
    kind: Option<Kind>,
    received: Option<(NaiveDate, NaiveDate)>,
    paging: Paging,
) -> AppResult<(Vec<PublicRow>, i64)> {
    let total: i64 = published(kind, received).count().get_result(conn).await?;
    let rows = published(kind, received)
        .order((feedback::published_at.desc(), feedback::register_no.desc()))
        .offset(paging.offset())
        .limit(paging.limit())
        .select(PublicRow::as_select())
        .load(conn)
        .await?;
    Ok((rows, total))
}

/// An unanswered entry's deadline inputs: id, day of receipt, deadline, working days.
pub type OpenDeadline = (Uuid, NaiveDate, NaiveDate, i16);

/// Locks the unanswered entries whose reply window touches the days `first..=last`.
pub async fn lock_open_deadlines(
    conn: &mut AsyncPgConnection,
    first: NaiveDate,
    last: NaiveDate,
) -> Result<Vec<OpenDeadline>, diesel::result::Error> {
    feedback::table
        .filter(feedback::status.eq_any(Status::OPEN))
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
        .await
}

pub async fn set_reply_due_on(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    due: NaiveDate,
) -> Result<(), diesel::result::Error> {
    diesel::update(feedback::table.find(id))
        .set(feedback::reply_due_on.eq(due))
        .execute(conn)
        .await
        .map(|_| ())
}
