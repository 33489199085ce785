//! What callers get back: an item, a list entry, a revision, an import's result, and the
//! `ETag` of an item.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{Text, Timestamptz};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::model::{Act, AttachmentMeta, Category, Change, ItemRow, RevisionRow, Status, Validity};
use super::rules::allowed_actions;
use crate::http::ETag;

/// One published item (主动公开信息) with its attachments.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "3f2b8c1e-9d4a-4e6b-8f0c-1a2b3c4d5e6f",
    "index_no": "11370305004300000X/2009-00017",
    "title": "朱台镇2009年政务公开工作要点",
    "summary": "全镇2009年政务公开工作的目标、重点和措施。",
    "body": "为深入推进政务公开工作……",
    "category": "plan",
    "publisher": "朱台镇人民政府",
    "doc_no": "朱政发〔2009〕12号",
    "written_on": "2009-02-26",
    "published_at": "2009-03-02T01:30:00Z",
    "validity": "valid",
    "keywords": ["政务公开", "工作要点"],
    "status": "published",
    "version": 3,
    "created_at": "2009-02-26T07:12:00Z",
    "updated_at": "2009-03-02T01:30:00Z",
    "attachments": []
}))]
pub struct Item {
    pub id: Uuid,
    /// 索引号: `<agency code>/<year>-<sequence>`, given when first published; `null` before.
    pub index_no: Option<String>,
    /// 名称.
    pub title: String,
    /// 内容概述, at most 100 characters.
    pub summary: String,
    /// The full text (正文).
    pub body: String,
    pub category: Category,
    /// 发布机构.
    pub publisher: String,
    /// 文号, e.g. 朱政发〔2009〕12号.
    pub doc_no: Option<String>,
    /// 成文日期.
    pub written_on: Option<NaiveDate>,
    /// 发布日期: when it was first published.
    pub published_at: Option<DateTime<Utc>>,
    pub validity: Validity,
    pub keywords: Vec<String>,
    pub status: Status,
    /// Grows with every change; the `ETag` is made from it.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub attachments: Vec<AttachmentMeta>,
    /// The reason of the last rejection (the office only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review_note: Option<String>,
    /// When and why it was withdrawn (the office only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub withdrawn_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub withdrawn_reason: Option<String>,
    /// What may be done next in the workflow (the office only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_actions: Option<Vec<Act>>,
}

impl Item {
    /// The item as the caller sees it: the office (`office`) also sees the workflow's notes
    /// and what it may do next.
    pub fn from_row(row: ItemRow, attachments: Vec<AttachmentMeta>, office: bool) -> Self {
        Item {
            id: row.id,
            index_no: row.index_no,
            title: row.title,
            summary: row.summary,
            body: row.body,
            category: row.category,
            publisher: row.publisher,
            doc_no: row.doc_no,
            written_on: row.written_on,
            published_at: row.published_at,
            validity: row.validity,
            keywords: row.keywords,
            status: row.status,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
            attachments,
            review_note: if office { row.review_note } else { None },
            withdrawn_at: if office { row.withdrawn_at } else { None },
            withdrawn_reason: if office { row.withdrawn_reason } else { None },
            allowed_actions: office.then(|| allowed_actions(row.status).to_vec()),
        }
    }
}

/// The strong `ETag` of an item as a caller sees it: its id and version, and whether it is the
/// office's view (which has more fields).
pub fn etag(id: Uuid, version: i32, office: bool) -> ETag {
    ETag::strong(format_args!(
        "{}-{version}{}",
        id.simple(),
        if office { "-o" } else { "" }
    ))
}

/// One item in a list: everything but the body and the attachments.
#[derive(Debug, Serialize, ToSchema, QueryableByName)]
#[schema(example = json!({
    "id": "3f2b8c1e-9d4a-4e6b-8f0c-1a2b3c4d5e6f",
    "index_no": "11370305004300000X/2009-00017",
    "title": "朱台镇2009年政务公开工作要点",
    "summary": "全镇2009年政务公开工作的目标、重点和措施。",
    "category": "plan",
    "publisher": "朱台镇人民政府",
    "doc_no": "朱政发〔2009〕12号",
    "written_on": "2009-02-26",
    "published_at": "2009-03-02T01:30:00Z",
    "validity": "valid",
    "keywords": ["政务公开"],
    "status": "published",
    "version": 3,
    "created_at": "2009-02-26T07:12:00Z",
    "updated_at": "2009-03-02T01:30:00Z"
}))]
pub struct ItemSummary {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    pub index_no: Option<String>,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Text)]
    pub summary: String,
    #[diesel(sql_type = Text)]
    pub category: Category,
    #[diesel(sql_type = Text)]
    pub publisher: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    pub doc_no: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Date>)]
    pub written_on: Option<NaiveDate>,
    #[diesel(sql_type = diesel::sql_types::Nullable<Timestamptz>)]
    pub published_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Text)]
    pub validity: Validity,
    #[diesel(sql_type = diesel::sql_types::Array<Text>)]
    pub keywords: Vec<String>,
    #[diesel(sql_type = Text)]
    pub status: Status,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub version: i32,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub updated_at: DateTime<Utc>,
}

/// One entry of an item's history.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"version": 2, "action": "updated", "actor": {"kind": "user", "id": "0b4c5d1e-2f3a-4b5c-8d9e-0f1a2b3c4d5e", "username": "wang.li"}, "at": "2009-02-27T02:00:00Z", "changes": ["summary"], "note": null, "snapshot": {"title": "朱台镇2009年政务公开工作要点", "status": "draft"}}))]
pub struct Revision {
    pub version: i32,
    pub action: Change,
    pub actor: RevisionActor,
    pub at: DateTime<Utc>,
    /// The fields this change touched.
    pub changes: Vec<String>,
    /// The reason given for a rejection or withdrawal, or the attachment's name.
    pub note: Option<String>,
    /// The item's fields after the change.
    #[schema(value_type = Object)]
    pub snapshot: serde_json::Value,
}

impl From<RevisionRow> for Revision {
    fn from(r: RevisionRow) -> Self {
        Revision {
            version: r.version,
            action: r.action,
            actor: RevisionActor {
                username: if r.actor_kind == "user" {
                    r.username
                } else {
                    None
                },
                kind: r.actor_kind,
                id: r.actor_id,
            },
            at: r.at,
            changes: r.changes,
            note: r.note,
            snapshot: r.snapshot,
        }
    }
}

/// Who made a change.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevisionActor {
    /// `user`, `token` or `system`.
    pub kind: String,
    pub id: Option<Uuid>,
    /// The account's username, for users.
    pub username: Option<String>,
}

/// What an import did.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"imported": 1, "items": [{"id": "3f2b8c1e-9d4a-4e6b-8f0c-1a2b3c4d5e6f", "index_no": "11370305004300000X/2009-00017"}]}))]
pub struct ImportResult {
    pub imported: usize,
    /// The new items, in the order of the rows.
    pub items: Vec<ImportedItem>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportedItem {
    pub id: Uuid,
    pub index_no: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_differ_by_version_and_view() {
        let id = Uuid::nil();
        let tag = etag(id, 3, false);
        assert_eq!(tag.as_str(), format!("\"{}-3\"", id.simple()));
        assert!(tag.listed_in(&format!("W/{tag}"), true));
        assert_ne!(etag(id, 4, false), tag);
        assert_ne!(etag(id, 3, true), tag);
    }
}
