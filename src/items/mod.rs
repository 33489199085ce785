//! The catalogue of proactively published items (主动公开目录): the model, its rules, the
//! review workflow and the revision history.
//!
//! Staff (and integration tokens with `items:write`) write drafts and submit them; a leader
//! publishes (the confidentiality review, 保密审查) or rejects with a reason, and may withdraw
//! a published item with a reason. A leader may publish a draft directly. Publishing gives
//! the item its index number (索引号), which never changes. Every change bumps `version` and
//! keeps a revision.

pub mod attachments;
pub mod feeds;
pub mod import;
pub mod list;
pub mod routes;
pub mod search;

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::audit::Actor;
use crate::auth::{Role, Scope};
use crate::caller::Caller;
use crate::db::schema::{item_attachments, item_revisions, items};
use crate::error::{AppError, AppResult, FieldError};

/// The counter of index numbers (`yearly_counters.name`).
pub const INDEX_COUNTER: &str = "item_index";

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

/// An action on an item; the workflow's vocabulary in `allowed_actions`.
pub fn allowed_actions(status: Status) -> &'static [&'static str] {
    match status {
        Status::Draft => &["edit", "submit", "publish", "delete", "attach"],
        Status::PendingReview => &["edit", "publish", "reject", "attach"],
        Status::Published => &["edit", "withdraw", "attach"],
        Status::Withdrawn => &[],
    }
}

fn not_allowed(status: Status, action: &str) -> AppError {
    AppError::Conflict {
        detail: format!("cannot {action} an item that is {}", status.as_str()).into(),
        allowed_actions: Some(
            allowed_actions(status)
                .iter()
                .map(|s| s.to_string())
                .collect(),
        ),
    }
}

/// Whether the caller sees unpublished items: the office, and integration tokens with
/// `items:read` or `items:write`. Everyone else sees published items only.
pub fn sees_all(caller: &Caller) -> bool {
    match caller {
        Caller::User(u) => matches!(u.role, Role::Staff | Role::Leader),
        Caller::Token(t) => t
            .scopes
            .iter()
            .any(|s| matches!(s, Scope::ItemsRead | Scope::ItemsWrite)),
        Caller::Anonymous => false,
    }
}

/// Only leaders change what is already public (it passed their confidentiality review).
fn may_change_published(caller: &Caller) -> bool {
    caller.role() == Some(Role::Leader)
}

/// An item as stored (without its search vector).
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = items)]
pub struct ItemRow {
    pub id: Uuid,
    pub index_no: Option<String>,
    pub title: String,
    pub summary: String,
    pub body: String,
    pub category: String,
    pub publisher: String,
    pub doc_no: Option<String>,
    pub written_on: Option<NaiveDate>,
    pub published_at: Option<DateTime<Utc>>,
    pub validity: String,
    pub keywords: Vec<String>,
    pub status: String,
    pub version: i32,
    pub review_note: Option<String>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub withdrawn_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ItemRow {
    pub fn status(&self) -> Status {
        Status::parse(&self.status).unwrap_or(Status::Draft)
    }

    /// The item as the revision history keeps it.
    fn snapshot(&self) -> serde_json::Value {
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
    pub allowed_actions: Option<Vec<String>>,
}

impl Item {
    pub fn from_row(row: ItemRow, attachments: Vec<AttachmentMeta>, office: bool) -> Self {
        let status = row.status();
        Item {
            id: row.id,
            index_no: row.index_no,
            title: row.title,
            summary: row.summary,
            body: row.body,
            category: Category::parse(&row.category).unwrap_or(Category::Other),
            publisher: row.publisher,
            doc_no: row.doc_no,
            written_on: row.written_on,
            published_at: row.published_at,
            validity: Validity::parse(&row.validity).unwrap_or(Validity::Valid),
            keywords: row.keywords,
            status,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
            attachments,
            review_note: if office { row.review_note } else { None },
            withdrawn_at: if office { row.withdrawn_at } else { None },
            withdrawn_reason: if office { row.withdrawn_reason } else { None },
            allowed_actions: office.then(|| {
                allowed_actions(status)
                    .iter()
                    .map(|s| s.to_string())
                    .collect()
            }),
        }
    }
}

/// The strong `ETag` of an item as a caller sees it: its id and version, and whether it is the
/// office's view (which has more fields).
pub fn etag(id: Uuid, version: i32, office: bool) -> String {
    format!(
        "\"{}-{version}{}\"",
        id.simple(),
        if office { "-o" } else { "" }
    )
}

/// Whether an `If-None-Match` / `If-Match` header value names `etag` (or is `*`). Weak
/// validators compare by their opaque part for `If-None-Match`.
pub fn etag_listed(header: &str, etag: &str, weak_ok: bool) -> bool {
    header.split(',').map(str::trim).any(|t| {
        t == "*" || t == etag || (weak_ok && t.strip_prefix("W/").is_some_and(|s| s == etag))
    })
}

/// Deserialises a field that may be absent (`None`), `null` (`Some(None)`) or a value.
fn double_option<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// A new draft.
#[derive(Debug, Deserialize, ToSchema)]
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
#[derive(garde::Validate)]
#[garde(allow_unvalidated)]
pub struct NewItem {
    /// 1 to 200 characters.
    pub title: String,
    /// At most 100 characters.
    #[serde(default)]
    pub summary: String,
    /// At most 100,000 characters.
    #[serde(default)]
    pub body: String,
    pub category: Category,
    /// Defaults to the agency's name.
    pub publisher: Option<String>,
    pub doc_no: Option<String>,
    pub written_on: Option<NaiveDate>,
    /// Defaults to `valid`.
    pub validity: Option<Validity>,
    /// At most 20, each at most 50 characters.
    #[serde(default)]
    pub keywords: Vec<String>,
}

/// Changes to an item; absent fields stay as they are, `null` clears an optional one.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"validity": "repealed"}))]
#[derive(garde::Validate)]
#[garde(allow_unvalidated)]
pub struct ItemChanges {
    pub title: Option<String>,
    pub summary: Option<String>,
    pub body: Option<String>,
    pub category: Option<Category>,
    pub publisher: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub doc_no: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub written_on: Option<Option<NaiveDate>>,
    pub validity: Option<Validity>,
    pub keywords: Option<Vec<String>>,
}

/// A reason, for rejecting or withdrawing.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "涉及个人信息，需删除第三段后重新提交。"}))]
#[derive(garde::Validate)]
#[garde(allow_unvalidated)]
pub struct Reason {
    /// 1 to 1,000 characters.
    pub reason: String,
}

pub const MAX_TITLE: usize = 200;
pub const MAX_SUMMARY: usize = 100;
pub const MAX_BODY: usize = 100_000;
pub const MAX_SHORT: usize = 100;
pub const MAX_KEYWORDS: usize = 20;
pub const MAX_KEYWORD: usize = 50;
pub const MAX_REASON: usize = 1_000;

/// Checks one text field: length in characters, no NUL (PostgreSQL refuses it), and, unless
/// `multiline`, no control characters at all.
pub fn check_text(
    errors: &mut Vec<FieldError>,
    field: &str,
    value: &str,
    min: usize,
    max: usize,
    multiline: bool,
) {
    if value.contains('\0') {
        errors.push(FieldError::new(field, "NUL characters are not allowed"));
        return;
    }
    let bad_control = value
        .chars()
        .any(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')));
    if bad_control {
        errors.push(FieldError::new(field, "control characters are not allowed"));
        return;
    }
    let n = value.chars().count();
    if n < min || n > max {
        errors.push(FieldError::new(
            field,
            if min == 0 {
                format!("at most {max} characters")
            } else if value.trim().is_empty() {
                "required".to_owned()
            } else {
                format!("{min} to {max} characters")
            },
        ));
    } else if min > 0 && value.trim().is_empty() {
        errors.push(FieldError::new(field, "required"));
    }
}

fn check_keywords(errors: &mut Vec<FieldError>, field: &str, keywords: &[String]) {
    if keywords.len() > MAX_KEYWORDS {
        errors.push(FieldError::new(
            field,
            format!("at most {MAX_KEYWORDS} keywords"),
        ));
    }
    for (i, k) in keywords.iter().enumerate() {
        check_text(errors, &format!("{field}[{i}]"), k, 1, MAX_KEYWORD, false);
    }
}

/// The editable fields of an item, complete and validated.
#[derive(Debug, Clone)]
pub struct Fields {
    pub title: String,
    pub summary: String,
    pub body: String,
    pub category: Category,
    pub publisher: String,
    pub doc_no: Option<String>,
    pub written_on: Option<NaiveDate>,
    pub validity: Validity,
    pub keywords: Vec<String>,
}

impl Fields {
    /// Validates every field, reporting all problems, with `prefix` before each field name
    /// (`rows[3].` for imports).
    pub fn validate(&self, prefix: &str) -> Vec<FieldError> {
        let mut e = Vec::new();
        let f = |name: &str| format!("{prefix}{name}");
        check_text(&mut e, &f("title"), &self.title, 1, MAX_TITLE, false);
        check_text(&mut e, &f("summary"), &self.summary, 0, MAX_SUMMARY, true);
        check_text(&mut e, &f("body"), &self.body, 0, MAX_BODY, true);
        check_text(
            &mut e,
            &f("publisher"),
            &self.publisher,
            1,
            MAX_SHORT,
            false,
        );
        if let Some(d) = &self.doc_no {
            check_text(&mut e, &f("doc_no"), d, 1, MAX_SHORT, false);
        }
        if let Some(w) = self.written_on {
            if !(1949..=2100).contains(&w.year()) {
                e.push(FieldError::new(
                    f("written_on"),
                    "must be from 1949 to 2100",
                ));
            }
        }
        check_keywords(&mut e, &f("keywords"), &self.keywords);
        e
    }

    fn normalise(mut self) -> Self {
        self.title = self.title.trim().to_owned();
        self.publisher = self.publisher.trim().to_owned();
        self.summary = self.summary.trim().to_owned();
        self.doc_no = self
            .doc_no
            .map(|d| d.trim().to_owned())
            .filter(|d| !d.is_empty());
        self.keywords = self
            .keywords
            .into_iter()
            .map(|k| k.trim().to_owned())
            .collect();
        self
    }

    pub fn from_new(new: NewItem, default_publisher: &str) -> AppResult<Self> {
        let fields = Fields {
            title: new.title,
            summary: new.summary,
            body: new.body,
            category: new.category,
            publisher: new
                .publisher
                .unwrap_or_else(|| default_publisher.to_owned()),
            doc_no: new.doc_no,
            written_on: new.written_on,
            validity: new.validity.unwrap_or(Validity::Valid),
            keywords: new.keywords,
        }
        .normalise();
        let errors = fields.validate("");
        if errors.is_empty() {
            Ok(fields)
        } else {
            Err(AppError::Validation(errors))
        }
    }

    fn from_row(row: &ItemRow) -> Self {
        Fields {
            title: row.title.clone(),
            summary: row.summary.clone(),
            body: row.body.clone(),
            category: Category::parse(&row.category).unwrap_or(Category::Other),
            publisher: row.publisher.clone(),
            doc_no: row.doc_no.clone(),
            written_on: row.written_on,
            validity: Validity::parse(&row.validity).unwrap_or(Validity::Valid),
            keywords: row.keywords.clone(),
        }
    }

    /// Applies changes, returning the new fields and the names of those that changed.
    fn apply(&self, c: ItemChanges) -> AppResult<(Self, Vec<&'static str>)> {
        let mut n = self.clone();
        if let Some(v) = c.title {
            n.title = v;
        }
        if let Some(v) = c.summary {
            n.summary = v;
        }
        if let Some(v) = c.body {
            n.body = v;
        }
        if let Some(v) = c.category {
            n.category = v;
        }
        if let Some(v) = c.publisher {
            n.publisher = v;
        }
        if let Some(v) = c.doc_no {
            n.doc_no = v;
        }
        if let Some(v) = c.written_on {
            n.written_on = v;
        }
        if let Some(v) = c.validity {
            n.validity = v;
        }
        if let Some(v) = c.keywords {
            n.keywords = v;
        }
        let n = n.normalise();
        let errors = n.validate("");
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        let mut changed = Vec::new();
        let o = self;
        for (name, differs) in [
            ("title", o.title != n.title),
            ("summary", o.summary != n.summary),
            ("body", o.body != n.body),
            ("category", o.category != n.category),
            ("publisher", o.publisher != n.publisher),
            ("doc_no", o.doc_no != n.doc_no),
            ("written_on", o.written_on != n.written_on),
            ("validity", o.validity != n.validity),
            ("keywords", o.keywords != n.keywords),
        ] {
            if differs {
                changed.push(name);
            }
        }
        Ok((n, changed))
    }

    pub fn search_vector(&self) -> search::SearchVector {
        search::SearchVector::of(
            &self.title,
            &self.summary,
            self.doc_no.as_deref(),
            &self.body,
        )
    }

    /// The title and document number part of the search vector: a match there ranks first.
    pub fn headline_vector(&self) -> search::SearchVector {
        search::SearchVector::headline(&self.title, self.doc_no.as_deref())
    }
}

diesel::define_sql_function! {
    /// An item's attachments (their descriptions) as a JSON array.
    fn item_attachments_json(item: diesel::sql_types::Uuid) -> diesel::sql_types::Jsonb;
}

/// The year an instant falls in, in the agency's time zone.
pub fn year_in(tz: Tz, at: DateTime<Utc>) -> i32 {
    at.with_timezone(&tz).year()
}

/// The first instant of a calendar day in the agency's time zone.
pub fn day_start(tz: Tz, day: NaiveDate) -> DateTime<Utc> {
    let midnight = day.and_hms_opt(0, 0, 0).expect("midnight");
    match tz.from_local_datetime(&midnight).earliest() {
        Some(t) => t.with_timezone(&Utc),
        // Midnight skipped by a clock change: the day starts an hour later.
        None => tz
            .from_local_datetime(&(midnight + chrono::Duration::hours(1)))
            .earliest()
            .map_or_else(
                || Utc.from_utc_datetime(&midnight),
                |t| t.with_timezone(&Utc),
            ),
    }
}

/// The index number for `number` in `year`.
pub fn format_index_no(agency_code: &str, year: i32, number: i32) -> String {
    format!(
        "{agency_code}/{}",
        crate::db::counters::format_yearly(year, number)
    )
}

/// Maps the database's refusal of an oversized search vector to the field that caused it.
fn body_too_big(e: diesel::result::Error) -> AppError {
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

/// Records a revision of `row` (already at its new version).
pub async fn record_revision(
    conn: &mut AsyncPgConnection,
    actor: Actor,
    row: &ItemRow,
    action: &str,
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
            item_revisions::changes.eq(changes.iter().map(|s| s.to_string()).collect::<Vec<_>>()),
            item_revisions::note.eq(note),
            item_revisions::snapshot.eq(row.snapshot()),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Loads an item with its attachments, if the caller may see it (404 otherwise).
pub async fn load_visible(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: Uuid,
) -> AppResult<(ItemRow, Vec<AttachmentMeta>)> {
    let (row, atts): (ItemRow, serde_json::Value) = items::table
        .find(id)
        .select((ItemRow::as_select(), item_attachments_json(items::id)))
        .first(conn)
        .await?;
    if row.status() != Status::Published && !sees_all(caller) {
        return Err(AppError::NotFound);
    }
    let atts = serde_json::from_value(atts).map_err(AppError::internal)?;
    Ok((row, atts))
}

async fn lock(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<ItemRow> {
    Ok(items::table
        .find(id)
        .select(ItemRow::as_select())
        .for_update()
        .first(conn)
        .await?)
}

/// Creates a draft.
pub async fn create(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    fields: Fields,
) -> AppResult<ItemRow> {
    use diesel_async::AsyncConnection;
    let actor = Actor::from(caller);
    conn.transaction(async |conn| {
        let row: ItemRow = diesel::insert_into(items::table)
            .values((
                items::title.eq(&fields.title),
                items::summary.eq(&fields.summary),
                items::body.eq(&fields.body),
                items::category.eq(fields.category.as_str()),
                items::publisher.eq(&fields.publisher),
                items::doc_no.eq(&fields.doc_no),
                items::written_on.eq(fields.written_on),
                items::validity.eq(fields.validity.as_str()),
                items::keywords.eq(&fields.keywords),
                items::created_by_kind.eq(actor.kind),
                items::created_by.eq(actor.id),
                items::search.eq(fields.search_vector()),
                items::headline.eq(fields.headline_vector()),
            ))
            .returning(ItemRow::as_returning())
            .get_result(conn)
            .await
            .map_err(body_too_big)?;
        record_revision(conn, actor, &row, "created", &[], None).await?;
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

/// Checks `If-Match` against the office's ETag of the locked row.
fn check_if_match(row: &ItemRow, if_match: Option<&str>) -> AppResult<()> {
    match if_match {
        Some(h) if !etag_listed(h, &etag(row.id, row.version, true), false) => {
            Err(AppError::PreconditionFailed)
        }
        _ => Ok(()),
    }
}

/// Edits an item. Drafts and items in review: the office and `items:write` tokens; published
/// items: leaders only (the text stays public, the index number never changes).
pub async fn update(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: Uuid,
    if_match: Option<&str>,
    changes: ItemChanges,
) -> AppResult<ItemRow> {
    use diesel_async::AsyncConnection;
    conn.transaction(async |conn| {
        let old = lock(conn, id).await?;
        let status = old.status();
        check_if_match(&old, if_match)?;
        match status {
            Status::Withdrawn => return Err(not_allowed(status, "edit")),
            Status::Published if !may_change_published(caller) => {
                return Err(AppError::Forbidden(
                    "only a leader may change a published item".into(),
                ));
            }
            _ => {}
        }
        let (new, changed) = Fields::from_row(&old).apply(changes)?;
        if changed.is_empty() {
            return Ok(old);
        }
        let row: ItemRow = diesel::update(items::table.find(id))
            .set((
                items::title.eq(&new.title),
                items::summary.eq(&new.summary),
                items::body.eq(&new.body),
                items::category.eq(new.category.as_str()),
                items::publisher.eq(&new.publisher),
                items::doc_no.eq(&new.doc_no),
                items::written_on.eq(new.written_on),
                items::validity.eq(new.validity.as_str()),
                items::keywords.eq(&new.keywords),
                items::search.eq(new.search_vector()),
                items::headline.eq(new.headline_vector()),
                items::version.eq(items::version + 1),
            ))
            .returning(ItemRow::as_returning())
            .get_result(conn)
            .await
            .map_err(body_too_big)?;
        record_revision(conn, caller.into(), &row, "updated", &changed, None).await?;
        crate::audit::record(
            conn,
            caller,
            "item.updated",
            "item",
            Some(id.to_string()),
            serde_json::json!({"changes": changed, "version": row.version}),
        )
        .await?;
        Ok(row)
    })
    .await
}

/// Deletes a draft (only drafts: anything submitted keeps its history).
pub async fn delete(conn: &mut AsyncPgConnection, caller: &Caller, id: Uuid) -> AppResult<()> {
    use diesel_async::AsyncConnection;
    conn.transaction(async |conn| {
        let row = lock(conn, id).await?;
        if row.status() != Status::Draft {
            return Err(not_allowed(row.status(), "delete"));
        }
        diesel::delete(items::table.find(id)).execute(conn).await?;
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

/// A workflow step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    Submit,
    Publish,
    Reject,
    Withdraw,
}

impl Transition {
    fn verb(self) -> &'static str {
        match self {
            Transition::Submit => "submit",
            Transition::Publish => "publish",
            Transition::Reject => "reject",
            Transition::Withdraw => "withdraw",
        }
    }

    fn target(self, from: Status) -> Option<Status> {
        use Status::*;
        match (self, from) {
            (Transition::Submit, Draft) => Some(PendingReview),
            (Transition::Publish, Draft | PendingReview) => Some(Published),
            (Transition::Reject, PendingReview) => Some(Draft),
            (Transition::Withdraw, Published) => Some(Withdrawn),
            _ => None,
        }
    }
}

/// Moves an item through the workflow, in one transaction with its row locked. Publishing
/// takes the next index number of the publication year (in the agency's time zone) from the
/// gap-free counter: concurrent publishers wait on the counter row, so numbers are neither
/// repeated nor skipped.
pub async fn transition(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    config: &crate::config::Config,
    id: Uuid,
    step: Transition,
    reason: Option<String>,
) -> AppResult<ItemRow> {
    use diesel_async::AsyncConnection;
    if let Some(r) = &reason {
        let mut e = Vec::new();
        check_text(&mut e, "reason", r, 1, MAX_REASON, true);
        if !e.is_empty() {
            return Err(AppError::Validation(e));
        }
    }
    let reason = reason.map(|r| r.trim().to_owned());
    conn.transaction(async |conn| {
        let old = lock(conn, id).await?;
        let from = old.status();
        let to = step
            .target(from)
            .ok_or_else(|| not_allowed(from, step.verb()))?;
        let now = Utc::now();
        let row: ItemRow = match step {
            Transition::Submit => {
                diesel::update(items::table.find(id))
                    .set((
                        items::status.eq(to.as_str()),
                        items::version.eq(items::version + 1),
                    ))
                    .returning(ItemRow::as_returning())
                    .get_result(conn)
                    .await?
            }
            Transition::Publish => {
                let year = year_in(config.timezone, now);
                let n = crate::db::counters::next(conn, INDEX_COUNTER, year).await?;
                diesel::update(items::table.find(id))
                    .set((
                        items::status.eq(to.as_str()),
                        items::index_no.eq(format_index_no(&config.agency_code, year, n)),
                        items::published_at.eq(now),
                        items::review_note.eq(None::<String>),
                        items::version.eq(items::version + 1),
                    ))
                    .returning(ItemRow::as_returning())
                    .get_result(conn)
                    .await?
            }
            Transition::Reject => {
                diesel::update(items::table.find(id))
                    .set((
                        items::status.eq(to.as_str()),
                        items::review_note.eq(&reason),
                        items::version.eq(items::version + 1),
                    ))
                    .returning(ItemRow::as_returning())
                    .get_result(conn)
                    .await?
            }
            Transition::Withdraw => {
                diesel::update(items::table.find(id))
                    .set((
                        items::status.eq(to.as_str()),
                        items::withdrawn_at.eq(now),
                        items::withdrawn_reason.eq(&reason),
                        items::version.eq(items::version + 1),
                    ))
                    .returning(ItemRow::as_returning())
                    .get_result(conn)
                    .await?
            }
        };
        let action = match step {
            Transition::Submit => "submitted",
            Transition::Publish => "published",
            Transition::Reject => "rejected",
            Transition::Withdraw => "withdrawn",
        };
        record_revision(conn, caller.into(), &row, action, &["status"], reason.as_deref())
            .await?;
        crate::audit::record(
            conn,
            caller,
            &format!("item.{action}"),
            "item",
            Some(id.to_string()),
            serde_json::json!({"from": from.as_str(), "to": to.as_str(), "index_no": row.index_no, "reason": reason}),
        )
        .await?;
        Ok(row)
    })
    .await
}

/// One entry of an item's history.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"version": 2, "action": "updated", "actor": {"kind": "user", "id": "0b4c5d1e-2f3a-4b5c-8d9e-0f1a2b3c4d5e", "username": "wang.li"}, "at": "2009-02-27T02:00:00Z", "changes": ["summary"], "note": null, "snapshot": {"title": "朱台镇2009年政务公开工作要点", "status": "draft"}}))]
pub struct Revision {
    pub version: i32,
    /// `created`, `updated`, `submitted`, `published`, `rejected`, `withdrawn`, `imported`,
    /// `attachment_added`, `attachment_removed`.
    pub action: String,
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

/// Who made a change.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevisionActor {
    /// `user`, `token` or `system`.
    pub kind: String,
    pub id: Option<Uuid>,
    /// The account's username, for users.
    pub username: Option<String>,
}

/// A page of an item's history, oldest first.
pub async fn history(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    paging: crate::pagination::Paging,
) -> AppResult<(Vec<Revision>, i64)> {
    use crate::db::schema::users;
    let exists: i64 = items::table.find(id).count().get_result(conn).await?;
    if exists == 0 {
        return Err(AppError::NotFound);
    }
    let total: i64 = item_revisions::table
        .filter(item_revisions::item_id.eq(id))
        .count()
        .get_result(conn)
        .await?;
    #[allow(clippy::type_complexity)]
    let rows: Vec<(
        i32,
        String,
        String,
        Option<Uuid>,
        DateTime<Utc>,
        Vec<String>,
        Option<String>,
        serde_json::Value,
        Option<String>,
    )> = item_revisions::table
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
        .await?;
    let revisions = rows
        .into_iter()
        .map(
            |(version, action, kind, actor_id, at, changes, note, snapshot, username)| Revision {
                version,
                action,
                actor: RevisionActor {
                    username: if kind == "user" { username } else { None },
                    kind,
                    id: actor_id,
                },
                at,
                changes,
                note,
                snapshot,
            },
        )
        .collect();
    Ok((revisions, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_are_counted_in_the_agency_time_zone() {
        let tz: Tz = "Asia/Shanghai".parse().unwrap();
        // 00:30 on 1 January 2010 in Beijing is still 2009 in UTC.
        let at = Utc.with_ymd_and_hms(2009, 12, 31, 16, 30, 0).unwrap();
        assert_eq!(year_in(tz, at), 2010);
        assert_eq!(
            day_start(tz, NaiveDate::from_ymd_opt(2010, 1, 1).unwrap()),
            Utc.with_ymd_and_hms(2009, 12, 31, 16, 0, 0).unwrap()
        );
    }

    #[test]
    fn etags_match_lists_stars_and_weak_forms() {
        let id = Uuid::nil();
        let tag = etag(id, 3, false);
        assert!(etag_listed(&tag, &tag, false));
        assert!(etag_listed(&format!("\"x\", {tag}"), &tag, false));
        assert!(etag_listed("*", &tag, false));
        assert!(etag_listed(&format!("W/{tag}"), &tag, true));
        assert!(!etag_listed(&format!("W/{tag}"), &tag, false));
        assert!(!etag_listed(&etag(id, 4, false), &tag, true));
        assert_ne!(etag(id, 3, true), tag);
    }

    #[test]
    fn text_checks_name_the_field() {
        let mut e = Vec::new();
        check_text(&mut e, "title", "a\0b", 1, 10, false);
        check_text(&mut e, "summary", &"字".repeat(101), 0, 100, true);
        check_text(&mut e, "body", "line\nline\ttab", 0, 100, true);
        check_text(&mut e, "title", "  ", 1, 10, false);
        check_text(&mut e, "publisher", "a\u{7}", 1, 10, false);
        let fields: Vec<_> = e.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["title", "summary", "title", "publisher"]);
    }

    #[test]
    fn workflow_targets() {
        use Status::*;
        assert_eq!(Transition::Submit.target(Draft), Some(PendingReview));
        assert_eq!(Transition::Publish.target(Draft), Some(Published));
        assert_eq!(Transition::Publish.target(Published), None);
        assert_eq!(Transition::Reject.target(Draft), None);
        assert_eq!(Transition::Withdraw.target(Withdrawn), None);
        assert!(allowed_actions(Withdrawn).is_empty());
    }
}
