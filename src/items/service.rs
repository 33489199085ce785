//! The catalogue's operations, each a transaction that locks the item, asks the rules, writes
//! through `repo` and records the revision and the audit entry.

use chrono::{Datelike, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use uuid::Uuid;

use super::model::{
    Act, AttachmentMeta, Change, Fields, INDEX_COUNTER, ItemChanges, ItemReasonText, ItemRow,
    NewItem,
};
use super::views::{Revision, etag};
use super::{repo, rules};
use crate::audit::Actor;
use crate::caller::Caller;
use crate::config::Config;
use crate::error::{AppError, AppResult};
use crate::http::IfMatch;
use crate::pagination::Paging;

/// A step of the review workflow, with what it needs.
#[derive(Debug)]
pub enum Command {
    /// Send a draft for a leader's review.
    Submit,
    /// Publish (the confidentiality review passed): the item gets its index number.
    Publish,
    /// Send an item in review back to draft.
    Reject(ItemReasonText),
    /// Take a published item out of the public catalogue.
    Withdraw(ItemReasonText),
}

impl crate::workflow::Command for Command {
    type Act = Act;

    fn act(&self) -> Act {
        match self {
            Command::Submit => Act::Submit,
            Command::Publish => Act::Publish,
            Command::Reject(_) => Act::Reject,
            Command::Withdraw(_) => Act::Withdraw,
        }
    }
}

/// An item with its attachments, if the caller may see it (404 otherwise).
pub async fn get(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: Uuid,
) -> AppResult<(ItemRow, Vec<AttachmentMeta>)> {
    let (row, attachments) = repo::load_with_attachments(conn, id).await?;
    if !rules::visible(caller, row.status) {
        return Err(AppError::NotFound);
    }
    let attachments = serde_json::from_value(attachments).map_err(AppError::internal)?;
    Ok((row, attachments))
}

/// Creates a draft.
pub async fn create(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    config: &Config,
    mut new: NewItem,
) -> AppResult<ItemRow> {
    let publisher = match new.publisher.take() {
        Some(p) => p,
        None => rules::default_publisher(&config.agency_name)
            .map_err(|e| AppError::invalid("publisher", e))?,
    };
    let fields = Fields::from_new(new, publisher);
    let actor = Actor::from(caller);
    conn.transaction(async |conn| {
        let row = repo::insert(conn, actor, &fields).await?;
        repo::record_revision(conn, actor, &row, Change::Created, &[], None).await?;
        crate::audit::record(
            conn,
            caller,
            "item.created",
            "item",
            Some(row.id.to_string()),
            serde_json::json!({"title": row.title, "category": row.category}),
        )
        .await?;
        Ok(row)
    })
    .await
}

/// Edits an item, when `if_match` (if given) names its current version. Drafts and items in
/// review: the office and `items:write` tokens; published items: leaders only (the text stays
/// public, the index number never changes).
pub async fn edit(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: Uuid,
    if_match: Option<IfMatch>,
    changes: ItemChanges,
) -> AppResult<(ItemRow, Vec<AttachmentMeta>)> {
    let row = conn
        .transaction(async |conn| {
            let old = repo::lock(conn, id).await?;
            if let Some(if_match) = &if_match {
                if_match.check(&etag(old.id, old.version, true))?;
            }
            rules::ensure_allowed(Act::Edit, old.status)?;
            rules::ensure_may_change(caller, old.status)?;
            let (new, changed) = rules::apply(&Fields::from_row(&old), changes);
            if changed.is_empty() {
                return Ok(old);
            }
            let row = repo::update_fields(conn, id, &new).await?;
            repo::record_revision(conn, caller.into(), &row, Change::Updated, &changed, None)
                .await?;
            crate::audit::record(
                conn,
                caller,
                "item.updated",
                "item",
                Some(id.to_string()),
                serde_json::json!({"changes": changed, "version": row.version}),
            )
            .await?;
            Ok::<_, AppError>(row)
        })
        .await?;
    let attachments = repo::attachments(conn, row.id).await?;
    Ok((row, attachments))
}

/// Deletes a draft (only drafts: anything submitted keeps its history).
pub async fn delete(conn: &mut AsyncPgConnection, caller: &Caller, id: Uuid) -> AppResult<()> {
    conn.transaction(async |conn| {
        let row = repo::lock(conn, id).await?;
        rules::ensure_allowed(Act::Delete, row.status)?;
        repo::delete(conn, id).await?;
        crate::audit::record(
            conn,
            caller,
            "item.deleted",
            "item",
            Some(id.to_string()),
            serde_json::json!({"title": row.title}),
        )
        .await?;
        Ok(())
    })
    .await
}

/// Moves an item through the workflow, in one transaction with its row locked. Publishing
/// takes the next index number of the publication year (in the agency's time zone) from the
/// gap-free counter: concurrent publishers wait on the counter row, so numbers are neither
/// repeated nor skipped.
pub async fn perform(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    config: &Config,
    id: Uuid,
    command: Command,
) -> AppResult<(ItemRow, Vec<AttachmentMeta>)> {
    use crate::workflow::Command as _;
    let act = command.act();
    let (to, change) = rules::step(act).expect("every command is a step of the workflow");
    let row = conn
        .transaction(async |conn| {
            let old = repo::lock(conn, id).await?;
            let from = old.status;
            rules::ensure_allowed(act, from)?;
            let now = Utc::now();
            let (row, reason) = match &command {
                Command::Submit => (repo::set_status(conn, id, to).await?, None),
                Command::Publish => {
                    let year = crate::clock::day_of(config.timezone, now).year();
                    let n = crate::db::counters::next(conn, INDEX_COUNTER, year).await?;
                    let index_no = rules::format_index_no(&config.agency_code, year, n);
                    (repo::publish(conn, id, index_no, now).await?, None)
                }
                Command::Reject(reason) => (
                    repo::reject(conn, id, reason).await?,
                    Some(reason.as_str()),
                ),
                Command::Withdraw(reason) => (
                    repo::withdraw(conn, id, now, reason).await?,
                    Some(reason.as_str()),
                ),
            };
            repo::record_revision(conn, caller.into(), &row, change, &["status"], reason).await?;
            crate::audit::record(
                conn,
                caller,
                &format!("item.{change}"),
                "item",
                Some(id.to_string()),
                serde_json::json!({"from": from, "to": to, "index_no": row.index_no, "reason": reason}),
            )
            .await?;
            Ok::<_, AppError>(row)
        })
        .await?;
    let attachments = repo::attachments(conn, row.id).await?;
    Ok((row, attachments))
}

/// A page of an item's history, oldest first, and the number of its revisions.
pub async fn history(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    paging: Paging,
) -> AppResult<(Vec<Revision>, i64)> {
    if !repo::exists(conn, id).await? {
        return Err(AppError::NotFound);
    }
    let total = repo::revision_count(conn, id).await?;
    let revisions = repo::revisions(conn, id, paging).await?;
    Ok((revisions.into_iter().map(Revision::from).collect(), total))
}
