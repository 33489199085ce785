//! The catalogue's vocabulary, the value types of an item's fields, its rows as stored, and
//! what callers send: a new draft, changes, a reason, an import row, a page of history.

use std::ops::RangeInclusive;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::openapi::schema::{ArrayBuilder, KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::{IntoParams, PartialSchema, ToSchema};
use uuid::Uuid;

use crate::db::schema::{item_attachments, items};
use crate::error::FieldError;
use crate::values::{Invalid, Value, blank_as_none};

/// The counter of index numbers (`yearly_counters.name`).
pub const INDEX_COUNTER: &str = "item_index";

/// The years the catalogue holds: written, published or asked for (from the founding of the
/// People's Republic).
pub const YEARS: RangeInclusive<i32> = 1949..=2100;

text_enum! {
    /// 主题分类: the six categories the yearly statistics count.
    #[schema(as = ItemCategory)]
    Category {
        /// 机构职能 organisation and functions
        Organization = "organization",
        /// 政策法规 policies and regulations
        Policy = "policy",
        /// 规划计划 plans
        Plan = "plan",
        /// 业务工作 operational work
        Work = "work",
        /// 统计数据 statistical data
        Statistics = "statistics",
        /// 其它信息 other
        Other = "other",
    }
}

text_enum! {
    /// 有效性: whether the information is still in force.
    #[schema(as = ItemValidity)]
    Validity {
        Valid = "valid",
        Amended = "amended",
        Repealed = "repealed",
    }
}

text_enum! {
    /// Where the item is in the review workflow.
    #[schema(as = ItemStatus)]
    Status {
        /// Being written; only the office sees it.
        Draft = "draft",
        /// Submitted for a leader's confidentiality review.
        PendingReview = "pending_review",
        /// Public.
        Published = "published",
        /// Withdrawn by a leader: no longer public, kept with its history and still counted
        /// in the statistics of the year it was published.
        Withdrawn = "withdrawn",
    }
}

text_enum! {
    /// What may be done to an item: the workflow's actions, as `allowed_actions` lists them.
    #[schema(as = ItemAction)]
    Act {
        /// Change its fields.
        Edit = "edit",
        /// Send a draft for review.
        Submit = "submit",
        /// Publish it (the confidentiality review passed).
        Publish = "publish",
        /// Send it back to draft, with a reason.
        Reject = "reject",
        /// Take it out of the public catalogue, with a reason.
        Withdraw = "withdraw",
        /// Delete a draft.
        Delete = "delete",
        /// Add or remove attachments.
        Attach = "attach",
    }
}

text_enum! {
    /// What a revision records.
    #[schema(as = RevisionAction)]
    Change {
        Created = "created",
        Updated = "updated",
        Submitted = "submitted",
        Published = "published",
        Rejected = "rejected",
        Withdrawn = "withdrawn",
        Imported = "imported",
        AttachmentAdded = "attachment_added",
        AttachmentRemoved = "attachment_removed",
    }
}

crate::text_value! {
    /// 名称: 1 to 200 characters.
    pub ItemTitle: Line, 1..=200;
    /// 内容概述: at most 100 characters.
    pub ItemSummaryText: Lines, 0..=100;
    /// 正文: at most 100,000 characters, kept as written (a first-line indent stays).
    pub ItemBody: Lines, 0..=100_000, untrimmed;
    /// 发布机构: 1 to 100 characters.
    pub ItemPublisher: Line, 1..=100;
    /// 文号, e.g. 朱政发〔2009〕12号: 1 to 100 characters.
    pub ItemDocNo: Line, 1..=100;
    /// A keyword: 1 to 50 characters.
    pub ItemKeyword: Line, 1..=50;
    /// Why an item is rejected or withdrawn: 1 to 1,000 characters.
    pub ItemReasonText: Lines, 1..=1_000;
}

// Left out of a new draft, a summary or a body is empty.
crate::text_default!(ItemSummaryText, ItemBody);

/// An item's keywords: at most 20.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct ItemKeywords(Vec<ItemKeyword>);

impl ItemKeywords {
    pub const MAX: usize = 20;

    /// Checks the keywords' number (reported at `field`) and each keyword (at `field[3]`),
    /// reporting every problem.
    pub fn parse(raw: Vec<String>, field: &str, errors: &mut Vec<FieldError>) -> Self {
        if raw.len() > Self::MAX {
            errors.push(FieldError::new(field, Self::too_many()));
        }
        let mut out = Vec::with_capacity(raw.len());
        for (i, k) in raw.into_iter().enumerate() {
            match ItemKeyword::parse(k) {
                Ok(k) => out.push(k),
                Err(e) => errors.push(FieldError::new(format!("{field}[{i}]"), e)),
            }
        }
        ItemKeywords(out)
    }

    fn too_many() -> Invalid {
        format!("at most {} keywords", Self::MAX).into()
    }

    /// The keywords as the database stores them.
    pub fn as_strs(&self) -> Vec<&str> {
        self.0.iter().map(|k| k.as_str()).collect()
    }
}

impl garde::Validate for ItemKeywords {
    type Context = ();

    fn validate_into(
        &self,
        ctx: &(),
        parent: &mut dyn FnMut() -> garde::Path,
        report: &mut garde::Report,
    ) {
        if self.0.len() > Self::MAX {
            report.append(parent(), garde::Error::new(Self::too_many()));
        }
        self.0.validate_into(ctx, parent, report);
    }
}

impl PartialSchema for ItemKeywords {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        ArrayBuilder::new()
            .items(ItemKeyword::schema())
            .max_items(Some(Self::MAX))
            .description(Some("At most 20 keywords, each 1 to 50 characters."))
            .into()
    }
}

impl ToSchema for ItemKeywords {}

/// 成文日期: a real date, in the years the catalogue holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct WrittenOn(NaiveDate);

impl WrittenOn {
    pub fn parse(day: NaiveDate) -> Result<Self, Invalid> {
        let value = WrittenOn(day);
        value.check()?;
        Ok(value)
    }

    pub fn date(self) -> NaiveDate {
        self.0
    }
}

impl Value for WrittenOn {
    fn check(&self) -> Result<(), Invalid> {
        if YEARS.contains(&self.0.year()) {
            Ok(())
        } else {
            Err(format!("must be from {} to {}", YEARS.start(), YEARS.end()).into())
        }
    }
}

crate::validate_by_check!(WrittenOn);

impl PartialSchema for WrittenOn {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
            .description(Some("成文日期: a date from 1949 to 2100."))
            .into()
    }
}

impl ToSchema for WrittenOn {}

/// An item as stored (without its search vectors).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = items)]
pub struct ItemRow {
    pub id: Uuid,
    pub index_no: Option<String>,
    pub title: String,
    pub summary: String,
    pub body: String,
    pub category: Category,
    pub publisher: String,
    pub doc_no: Option<String>,
    pub written_on: Option<NaiveDate>,
    pub published_at: Option<DateTime<Utc>>,
    pub validity: Validity,
    pub keywords: Vec<String>,
    pub status: Status,
    pub version: i32,
    pub review_note: Option<String>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub withdrawn_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ItemRow {
    /// The item as the revision history keeps it.
    pub fn snapshot(&self) -> serde_json::Value {
        serde_json::json!({
            "index_no": self.index_no,
            "title": self.title,
            "summary": self.summary,
            "body": self.body,
            "category": self.category,
            "publisher": self.publisher,
            "doc_no": self.doc_no,
            "written_on": self.written_on,
            "published_at": self.published_at,
            "validity": self.validity,
            "keywords": self.keywords,
            "status": self.status,
        })
    }
}

/// A revision as stored, with the username of its author (for users).
#[derive(Debug, Queryable)]
pub struct RevisionRow {
    pub version: i32,
    pub action: Change,
    pub actor_kind: String,
    pub actor_id: Option<Uuid>,
    pub at: DateTime<Utc>,
    pub changes: Vec<String>,
    pub note: Option<String>,
    pub snapshot: serde_json::Value,
    pub username: Option<String>,
}

/// An attachment's description (its bytes are at `url`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Queryable, Selectable)]
#[diesel(table_name = item_attachments)]
#[schema(example = json!({"id": "7d0f3c1a-5b2e-4c8d-9a61-2f4e8b9c0d13", "file_name": "2009年工作要点.pdf", "content_type": "application/pdf", "size": 48213, "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "created_at": "2009-03-02T01:30:00Z"}))]
pub struct AttachmentMeta {
    pub id: Uuid,
    /// The uploaded file's name (its base name, without any path).
    pub file_name: String,
    /// The type found in the file's content.
    pub content_type: String,
    /// Size in bytes.
    pub size: i32,
    /// SHA-256 of the content, in hex (also the download's `ETag`).
    #[diesel(deserialize_as = HexBytes)]
    pub sha256: String,
    pub created_at: DateTime<Utc>,
}

/// Reads a `bytea` as lower-case hex.
pub struct HexBytes(String);

impl From<HexBytes> for String {
    fn from(h: HexBytes) -> String {
        h.0
    }
}

impl Queryable<diesel::sql_types::Bytea, diesel::pg::Pg> for HexBytes {
    type Row = Vec<u8>;
    fn build(row: Vec<u8>) -> diesel::deserialize::Result<Self> {
        Ok(HexBytes(hex::encode(row)))
    }
}

/// A field that may be absent (`None`, no change), `null` (`Some(None)`, cleared) or a value.
fn double_option<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// Like [`double_option`], with a blank text clearing the field too.
fn blank_clears<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    blank_as_none(d).map(Some)
}

/// A new draft.
#[derive(Debug, Deserialize, ToSchema, garde::Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "title": "朱台镇2009年政务公开工作要点",
    "summary": "全镇2009年政务公开工作的目标、重点和措施。",
    "body": "为深入推进政务公开工作……",
    "category": "plan",
    "doc_no": "朱政发〔2009〕12号",
    "written_on": "2009-02-26",
    "keywords": ["政务公开", "工作要点"]
}))]
pub struct NewItem {
    #[garde(dive)]
    pub title: ItemTitle,
    #[serde(default)]
    #[garde(dive)]
    pub summary: ItemSummaryText,
    #[serde(default)]
    #[garde(dive)]
    pub body: ItemBody,
    #[garde(skip)]
    pub category: Category,
    /// Defaults to the agency's name.
    #[garde(dive)]
    pub publisher: Option<ItemPublisher>,
    /// Blank is none.
    #[serde(default, deserialize_with = "blank_as_none")]
    #[garde(dive)]
    pub doc_no: Option<ItemDocNo>,
    #[garde(dive)]
    pub written_on: Option<WrittenOn>,
    /// Defaults to `valid`.
    #[garde(skip)]
    pub validity: Option<Validity>,
    #[serde(default)]
    #[garde(dive)]
    pub keywords: ItemKeywords,
}

/// Changes to an item; absent fields stay as they are, `null` clears an optional one.
#[derive(Debug, Default, Deserialize, ToSchema, garde::Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"validity": "repealed"}))]
pub struct ItemChanges {
    #[garde(dive)]
    pub title: Option<ItemTitle>,
    #[garde(dive)]
    pub summary: Option<ItemSummaryText>,
    #[garde(dive)]
    pub body: Option<ItemBody>,
    #[garde(skip)]
    pub category: Option<Category>,
    #[garde(dive)]
    pub publisher: Option<ItemPublisher>,
    /// `null` or blank clears it.
    #[serde(default, deserialize_with = "blank_clears")]
    #[schema(value_type = Option<ItemDocNo>)]
    #[garde(dive)]
    pub doc_no: Option<Option<ItemDocNo>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<WrittenOn>)]
    #[garde(dive)]
    pub written_on: Option<Option<WrittenOn>>,
    #[garde(skip)]
    pub validity: Option<Validity>,
    #[garde(dive)]
    pub keywords: Option<ItemKeywords>,
}

/// A reason, for rejecting or withdrawing.
#[derive(Debug, Deserialize, ToSchema, garde::Validate)]
#[serde(deny_unknown_fields)]
#[schema(as = ItemReason, example = json!({"reason": "涉及个人信息，需删除第三段后重新提交。"}))]
pub struct Reason {
    #[garde(dive)]
    pub reason: ItemReasonText,
}

/// One row of an import (JSON); the CSV columns have the same names, with keywords
/// separated by `;`. The rows are checked one by one (every bad field of every row is
/// named), so this type describes the body rather than reading it.
#[derive(ToSchema)]
#[allow(dead_code)]
#[schema(example = json!({"title": "朱台镇2009年政务公开工作要点", "category": "plan", "published_at": "2009-03-02T09:30:00+08:00", "doc_no": "朱政发〔2009〕12号", "index_no": "11370305004300000X/2009-00017"}))]
pub struct ImportRow {
    title: ItemTitle,
    summary: Option<ItemSummaryText>,
    body: Option<ItemBody>,
    category: Category,
    /// Defaults to the agency's name.
    publisher: Option<ItemPublisher>,
    doc_no: Option<ItemDocNo>,
    written_on: Option<WrittenOn>,
    /// RFC 3339, or a date (midnight in the agency's time zone); not in the future.
    published_at: String,
    validity: Option<Validity>,
    keywords: Option<ItemKeywords>,
    /// The number it already has; its year must be the year of `published_at`. Without
    /// one, the item gets the next number of its year.
    index_no: Option<String>,
}

/// Paging of an item's history.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// Page number, from 1.
    pub page: Option<i64>,
    /// Entries per page, 1 to 100 (default 20).
    pub per_page: Option<i64>,
}

/// The editable fields of an item, complete and valid.
#[derive(Debug, Clone)]
pub struct Fields {
    pub title: ItemTitle,
    pub summary: ItemSummaryText,
    pub body: ItemBody,
    pub category: Category,
    pub publisher: ItemPublisher,
    pub doc_no: Option<ItemDocNo>,
    pub written_on: Option<WrittenOn>,
    pub validity: Validity,
    pub keywords: ItemKeywords,
}

impl Fields {
    /// A new draft's fields, with its publisher (the draft's own, or the agency).
    pub fn from_new(new: NewItem, publisher: ItemPublisher) -> Self {
        Fields {
            title: new.title,
            summary: new.summary,
            body: new.body,
            category: new.category,
            publisher,
            doc_no: new.doc_no,
            written_on: new.written_on,
            validity: new.validity.unwrap_or(Validity::Valid),
            keywords: new.keywords,
        }
    }

    /// The fields of a stored item, which were checked when they were written.
    pub fn from_row(row: &ItemRow) -> Self {
        Fields {
            title: ItemTitle(row.title.clone()),
            summary: ItemSummaryText(row.summary.clone()),
            body: ItemBody(row.body.clone()),
            category: row.category,
            publisher: ItemPublisher(row.publisher.clone()),
            doc_no: row.doc_no.clone().map(ItemDocNo),
            written_on: row.written_on.map(WrittenOn),
            validity: row.validity,
            keywords: ItemKeywords(row.keywords.iter().cloned().map(ItemKeyword).collect()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::rule::invalid_fields;

    #[test]
    fn every_bad_field_of_a_draft_is_named() {
        let new: NewItem = serde_json::from_value(serde_json::json!({
            "title": "  ",
            "summary": "字".repeat(101),
            "body": "a\u{7}",
            "category": "work",
            "publisher": "a\tb",
            "written_on": "1900-01-01",
            "keywords": ["好", "", "x".repeat(51)],
        }))
        .unwrap();
        assert_eq!(
            invalid_fields(&new),
            [
                "body",
                "keywords[1]",
                "keywords[2]",
                "publisher",
                "summary",
                "title",
                "written_on"
            ]
        );
        let many: NewItem = serde_json::from_value(serde_json::json!({
            "title": "标题", "category": "work", "keywords": vec!["词"; 21],
        }))
        .unwrap();
        assert_eq!(invalid_fields(&many), ["keywords"]);
    }

    #[test]
    fn texts_are_trimmed_but_a_body_keeps_its_indent() {
        let new: NewItem = serde_json::from_value(serde_json::json!({
            "title": " 标题 ", "body": "\u{3000}\u{3000}正文\n", "category": "work", "doc_no": " ",
        }))
        .unwrap();
        assert!(invalid_fields(&new).is_empty());
        assert_eq!(new.title.as_str(), "标题");
        assert_eq!(new.body.as_str(), "\u{3000}\u{3000}正文\n");
        assert_eq!(new.doc_no, None);
    }

    #[test]
    fn changes_tell_absent_from_cleared() {
        let c: ItemChanges =
            serde_json::from_value(serde_json::json!({"doc_no": "", "written_on": null})).unwrap();
        assert_eq!(c.doc_no, Some(None));
        assert_eq!(c.written_on, Some(None));
        assert_eq!(c.title, None);
        assert!(
            serde_json::from_value::<ItemChanges>(serde_json::json!({"written_on": ""})).is_err()
        );
        let reason: Reason = serde_json::from_value(serde_json::json!({"reason": " "})).unwrap();
        assert_eq!(invalid_fields(&reason), ["reason"]);
    }
}
