//! The catalogue's statements: items, their revisions and attachments, and the feed's rows.
//! The list and the import have their own (`list::sql`, `import::write`).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::model::{AttachmentMeta, Category, Change, Fields, ItemRow, RevisionRow, Status};
use super::search::SearchVector;
use crate::audit::Actor;
use crate::db::schema::{item_attachments, item_revisions, items};
use crate::error::{AppError, AppResult};
use crate::pagination::Paging;

diesel::define_sql_function! {
    /// An item's attachments (their descriptions) as a JSON array.
    fn item_attachments_json(item: diesel::sql_types::Uuid) -> diesel::sql_types::Jsonb;
}

/// An item with its attachments (a JSON array of their descriptions), in one statement.
pub async fn load_with_attachments(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> AppResult<(ItemRow, serde_json::Value)> {
    Ok(items::table
        .find(id)
        .select((ItemRow::as_select(), item_attachments_json(items::id)))
        .first(conn)
        .await?)
}

/// An item, locked until the transaction ends.
pub async fn lock(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<ItemRow> {
    Ok(items::table
        .find(id)
        .select(ItemRow::as_select())
        .for_update()
        .first(conn)
        .await?)
}

/// Maps the database's refusal of an oversized search vector to the field that caused it.
pub fn body_too_big(e: diesel::result::Error) -> AppError {
    match &e {
        // The limit on a vector's lexemes (1 MiB of distinct n-grams): tsvector's text input
        // says "too long for tsvector", its binary input (what the server sends) the other.
        diesel::result::Error::DatabaseError(_, info)
            if info.message().contains("too long for tsvector")
                || info
                    .message()
                    .contains("maximum total lexeme length exceeded") =>
        {
            AppError::invalid("body", "too long to index; split it or attach it as a file")
        }
        _ => AppError::from(e),
    }
}

/// Writes a new draft.
pub async fn insert(
    conn: &mut AsyncPgConnection,
    actor: Actor,
    fields: &Fields,
) -> AppResult<ItemRow> {
    diesel::insert_into(items::table)
        .values((
            items::title.eq(fields.title.as_str()),
            items::summary.eq(fields.summary.as_str()),
            items::body.eq(fields.body.as_str()),
            items::category.eq(fields.category),
            items::publisher.eq(fields.publisher.as_str()),
            items::doc_no.eq(fields.doc_no.as_deref()),
            items::written_on.eq(fields.written_on.map(|w| w.date())),
            items::validity.eq(fields.validity),
            items::keywords.eq(fields.keywords.as_strs()),
            items::created_by_kind.eq(actor.kind),
            items::created_by.eq(actor.id),
            items::search.eq(SearchVector::of_item(fields)),
            items::headline.eq(SearchVector::headline_of(fields)),
        ))
        .returning(ItemRow::as_returning())
        .get_result(conn)
        .await
        .map_err(body_too_big)
}

/// Writes an item's new fields, as its next version.
pub async fn update_fields(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    fields: &Fields,
) -> AppResult<ItemRow> {
    diesel::update(items::table.find(id))
        .set((
            items::title.eq(fields.title.as_str()),
            items::summary.eq(fields.summary.as_str()),
            items::body.eq(fields.body.as_str()),
            items::category.eq(fields.category),
            items::publisher.eq(fields.publisher.as_str()),
            items::doc_no.eq(fields.doc_no.as_deref()),
            items::written_on.eq(fields.written_on.map(|w| w.date())),
            items::validity.eq(fields.validity),
            items::keywords.eq(fields.keywords.as_strs()),
            items::search.eq(SearchVector::of_item(fields)),
            items::headline.eq(SearchVector::headline_of(fields)),
            items::version.eq(items::version + 1),
        ))
        .returning(ItemRow::as_returning())
        .get_result(conn)
        .await
        .map_err(body_too_big)
}

pub async fn delete(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<()> {
    diesel::delete(items::table.find(id)).execute(conn).await?;
    Ok(())
}

/// Moves an item to `to` (submitted for review), as its next version.
pub async fn set_status(conn: &mut AsyncPgConnection, id: Uuid, to: Status) -> AppResult<ItemRow> {
    Ok(diesel::update(items::table.find(id))
        .set((items::status.eq(to), items::version.eq(items::version + 1)))
        .returning(ItemRow::as_returning())
        .get_result(conn)
        .await?)
}

/// Publishes an item under its index number; a rejection's note is cleared.
pub async fn publish(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    index_no: String,
    at: DateTime<Utc>,
) -> AppResult<ItemRow> {
    Ok(diesel::update(items::table.find(id))
        .set((
            items::status.eq(Status::Published),
            items::index_no.eq(index_no),
            items::published_at.eq(at),
            items::review_note.eq(None::<String>),
            items::version.eq(items::version + 1),
        ))
        .returning(ItemRow::as_returning())
        .get_result(conn)
        .await?)
}

/// Sends an item back to draft with the reviewer's reason.
pub async fn reject(conn: &mut AsyncPgConnection, id: Uuid, reason: &str) -> AppResult<ItemRow> {
    Ok(diesel::update(items::table.find(id))
        .set((
            items::status.eq(Status::Draft),
            items::review_note.eq(Some(reason)),
            items::version.eq(items::version + 1),
        ))
        .returning(ItemRow::as_returning())
        .get_result(conn)
        .await?)
}

/// Withdraws an item with the reason.
pub async fn withdraw(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    at: DateTime<Utc>,
    reason: &str,
) -> AppResult<ItemRow> {
    Ok(diesel::update(items::table.find(id))
        .set((
            items::status.eq(Status::Withdrawn),
            items::withdrawn_at.eq(at),
            items::withdrawn_reason.eq(Some(reason)),
            items::version.eq(items::version + 1),
        ))
        .returning(ItemRow::as_returning())
        .get_result(conn)
        .await?)
}

/// A new version of an item whose attachments changed.
pub async fn bump(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<ItemRow> {
    Ok(diesel::update(items::table.find(id))
        .set(items::version.eq(items::version + 1))
        .returning(ItemRow::as_returning())
        .get_result(conn)
        .await?)
}

/// Records a revision of `row` (already at its new version).
pub async fn record_revision(
    conn: &mut AsyncPgConnection,
    actor: Actor,
    row: &ItemRow,
    action: Change,
    changes: &[&str],
    note: Option<&str>,
) -> Result<(), diesel::result::Error> {
    diesel::insert_into(item_revisions::table)
        .values((
            item_revisions::item_id.eq(row.id),
            item_revisions::version.eq(row.version),
            item_revisions::action.eq(action),
            item_revisions::actor_kind.eq(actor.kind),
            item_revisions::actor_id.eq(actor.id),
            item_revisions::changes.eq(changes),
            item_revisions::note.eq(note),
            item_revisions::snapshot.eq(row.snapshot()),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn exists(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<bool> {
    let n: i64 = items::table.find(id).count().get_result(conn).await?;
    Ok(n > 0)
}

pub async fn revision_count(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<i64> {
    Ok(item_revisions::table
        .filter(item_revisions::item_id.eq(id))
        .count()
        .get_result(conn)
        .await?)
}

/// A page of an item's revisions, oldest first, with the usernames of their authors.
pub async fn revisions(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    paging: Paging,
) -> AppResult<Vec<RevisionRow>> {
    use crate::db::schema::users;
    Ok(item_revisions::table
        .left_join(users::table.on(item_revisions::actor_id.eq(users::id.nullable())))
        .filter(item_revisions::item_id.eq(id))
        .order(item_revisions::version.asc())
        .offset(paging.offset())
        .limit(paging.limit())
        .select((
            item_revisions::version,
            item_revisions::action,
            item_revisions::actor_kind,
            item_revisions::actor_id,
            item_revisions::at,
            item_revisions::changes,
            item_revisions::note,
            item_revisions::snapshot,
            users::username.nullable(),
        ))
        .load(conn)
        .await?)
}

/// An item's attachments, oldest first.
pub async fn attachments(
    conn: &mut AsyncPgConnection,
    item_id: Uuid,
) -> Result<Vec<AttachmentMeta>, diesel::result::Error> {
    item_attachments::table
        .filter(item_attachments::item_id.eq(item_id))
        .order((
            item_attachments::created_at.asc(),
            item_attachments::id.asc(),
        ))
        .select(AttachmentMeta::as_select())
        .load(conn)
        .await
}

/// A file to store with an item.
pub struct NewAttachment<'a> {
    pub file_name: &'a str,
    pub content_type: &'static str,
    pub size: i32,
    pub sha256: &'a [u8],
    pub content: &'a [u8],
}

pub async fn insert_attachment(
    conn: &mut AsyncPgConnection,
    item_id: Uuid,
    file: NewAttachment<'_>,
) -> AppResult<AttachmentMeta> {
    Ok(diesel::insert_into(item_attachments::table)
        .values((
            item_attachments::item_id.eq(item_id),
            item_attachments::file_name.eq(file.file_name),
            item_attachments::content_type.eq(file.content_type),
            item_attachments::size.eq(file.size),
            item_attachments::sha256.eq(file.sha256),
            item_attachments::content.eq(file.content),
        ))
        .returning(AttachmentMeta::as_returning())
        .get_result(conn)
        .await?)
}

/// Deletes an item's attachment, returning its file name.
pub async fn delete_attachment(
    conn: &mut AsyncPgConnection,
    item_id: Uuid,
    attachment_id: Uuid,
) -> AppResult<String> {
    Ok(diesel::delete(
        item_attachments::table
            .filter(item_attachments::id.eq(attachment_id))
            .filter(item_attachments::item_id.eq(item_id)),
    )
    .returning(item_attachments::file_name)
    .get_result(conn)
    .await?)
}

/// An attachment with its bytes and the status of its item.
pub async fn attachment_with_content(
    conn: &mut AsyncPgConnection,
    item_id: Uuid,
    attachment_id: Uuid,
) -> AppResult<(AttachmentMeta, Vec<u8>, Status)> {
    Ok(item_attachments::table
        .inner_join(items::table)
        .filter(item_attachments::id.eq(attachment_id))
        .filter(item_attachments::item_id.eq(item_id))
        .select((
            AttachmentMeta::as_select(),
            item_attachments::content,
            items::status,
        ))
        .first(conn)
        .await?)
}

/// A published item as the feed shows it.
pub type FeedRow = (
    Uuid,
    Option<String>,
    String,
    String,
    Category,
    String,
    Option<DateTime<Utc>>,
    DateTime<Utc>,
);

/// The latest published items, newest first.
pub async fn latest_published(
    conn: &mut AsyncPgConnection,
    limit: i64,
) -> Result<Vec<FeedRow>, diesel::result::Error> {
    items::table
        .filter(items::status.eq(Status::Published))
        .order((items::published_at.desc(), items::id.desc()))
        .limit(limit)
        .select((
            items::id,
            items::index_no,
            items::title,
            items::summary,
            items::category,
            items::publisher,
            items::published_at,
            items::updated_at,
        ))
        .load(conn)
        .await
}
