//! The catalogue list: filters, text search, sorting and paging, written to stay fast on a
//! million items.
//!
//! - The page's ids come from an index alone (a deferred join), so deep pages skip index
//!   entries, not heap rows.
//! - The unfiltered `total` comes from `item_counts`, which statement triggers keep exact;
//!   filtered totals are counted with the same conditions.
//! - Statuses, categories and validities are written into the SQL as literals (they come from
//!   closed lists), so that the planner can match the partial indexes on
//!   `status = 'published'`; everything else is bound.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::search::{TextQuery, parse_query};
use super::{Category, Status, Validity};
use crate::db::Prepared;
use crate::error::{AppError, AppResult, FieldError};
use crate::pagination::{DEFAULT_PER_PAGE, Paging};

/// Filters, sorting and paging of the catalogue.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ItemQuery {
    /// Only items in this status (the office only; others see `published` items only).
    #[param(inline, value_type = Option<Status>)]
    pub status: Option<String>,
    #[param(inline, value_type = Option<Category>)]
    pub category: Option<String>,
    /// Year of publication, in the agency's time zone.
    #[param(value_type = Option<i32>, example = 2009)]
    pub year: Option<String>,
    /// Published on or after this day (agency time zone), or this instant (RFC 3339).
    #[param(value_type = Option<String>, example = "2009-01-01")]
    pub published_from: Option<String>,
    /// Published on or before this day (agency time zone), or this instant (RFC 3339).
    #[param(value_type = Option<String>, example = "2009-12-31")]
    pub published_to: Option<String>,
    #[param(inline, value_type = Option<Validity>)]
    pub validity: Option<String>,
    /// Text to find in the title, summary, body and document number. Whitespace separates
    /// terms, which must all occur; Chinese terms of any length are found anywhere in the
    /// text, ASCII words at the start of a word. Results are ranked by relevance unless `sort`
    /// is given. A search counts and pages through its first 1,000 matches: `total` is at most
    /// 1,000 (narrow the search with filters to reach the rest).
    #[param(example = "公开")]
    pub q: Option<String>,
    /// `-published_at` (default: newest first), `published_at`, `title` or `index_no`.
    #[param(example = "-published_at")]
    pub sort: Option<String>,
    /// Page number, from 1.
    #[param(value_type = Option<i64>)]
    pub page: Option<String>,
    /// Items per page, 1 to 100 (default 20).
    #[param(value_type = Option<i64>)]
    pub per_page: Option<String>,
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
    #[schema(value_type = Category)]
    pub category: String,
    #[diesel(sql_type = Text)]
    pub publisher: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    pub doc_no: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Date>)]
    pub written_on: Option<NaiveDate>,
    #[diesel(sql_type = diesel::sql_types::Nullable<Timestamptz>)]
    pub published_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Text)]
    #[schema(value_type = Validity)]
    pub validity: String,
    #[diesel(sql_type = diesel::sql_types::Array<Text>)]
    pub keywords: Vec<String>,
    #[diesel(sql_type = Text)]
    #[schema(value_type = Status)]
    pub status: String,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub version: i32,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub updated_at: DateTime<Utc>,
}

const SUMMARY_COLUMNS: &str = "i.id, i.index_no, i.title, i.summary, i.category, i.publisher, \
    i.doc_no, i.written_on, i.published_at, i.validity, i.keywords, i.status, i.version, \
    i.created_at, i.updated_at";

/// The order of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    NewestFirst,
    OldestFirst,
    Title,
    IndexNo,
    Relevance,
}

impl Sort {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "-published_at" => Sort::NewestFirst,
            "published_at" => Sort::OldestFirst,
            "title" => Sort::Title,
            "index_no" => Sort::IndexNo,
            _ => return None,
        })
    }

    /// ORDER BY for the table alias `t` (relevance is ordered by `page_by_relevance`).
    fn order_by(self, t: &str) -> String {
        match self {
            Sort::NewestFirst | Sort::Relevance => format!("{t}.published_at DESC, {t}.id DESC"),
            Sort::OldestFirst => format!("{t}.published_at ASC, {t}.id ASC"),
            Sort::Title => format!("{t}.title ASC, {t}.id ASC"),
            Sort::IndexNo => format!("{t}.index_no ASC, {t}.id ASC"),
        }
    }
}

/// A bound value.
#[derive(Debug, Clone)]
enum Bind {
    Text(String),
    Time(DateTime<Utc>),
}

/// A validated list request.
#[derive(Debug)]
pub struct ListRequest {
    pub paging: Paging,
    status: Option<Status>,
    category: Option<Category>,
    validity: Option<Validity>,
    from: Option<DateTime<Utc>>,
    to_excl: Option<DateTime<Utc>>,
    to_incl: Option<DateTime<Utc>>,
    text: Option<TextQuery>,
    sort: Sort,
    /// Whether the caller sees every status.
    sees_all: bool,
}

fn parse_bound(
    tz: Tz,
    field: &str,
    raw: &str,
    end: bool,
) -> Result<(Option<DateTime<Utc>>, bool), FieldError> {
    if let Ok(day) = raw.parse::<NaiveDate>() {
        let day = if end {
            day.succ_opt()
                .ok_or_else(|| FieldError::new(field, "out of range"))?
        } else {
            day
        };
        return Ok((Some(super::day_start(tz, day)), true));
    }
    DateTime::parse_from_rfc3339(raw)
        .map(|t| (Some(t.with_timezone(&Utc)), false))
        .map_err(|_| {
            FieldError::new(
                field,
                "a real date (YYYY-MM-DD) or an RFC 3339 date and time",
            )
        })
}

impl ListRequest {
    /// Validates every parameter, reporting each bad one.
    pub fn parse(q: &ItemQuery, sees_all: bool, tz: Tz) -> AppResult<Self> {
        let mut errors = Vec::new();
        let int = |errors: &mut Vec<FieldError>, field: &str, v: &Option<String>| -> Option<i64> {
            let v = v.as_deref()?;
            match v.trim().parse::<i64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    errors.push(FieldError::new(field, "must be a whole number"));
                    None
                }
            }
        };
        let page = int(&mut errors, "page", &q.page);
        let per_page = int(&mut errors, "per_page", &q.per_page);
        let year = int(&mut errors, "year", &q.year);
        let paging = match Paging::parse(page, per_page) {
            Ok(p) => Some(p),
            Err(AppError::Validation(mut e)) => {
                errors.append(&mut e);
                None
            }
            Err(e) => return Err(e),
        };
        fn closed<T>(
            errors: &mut Vec<FieldError>,
            field: &str,
            v: &Option<String>,
            parse: fn(&str) -> Option<T>,
            expected: String,
        ) -> Option<T> {
            let v = v.as_deref()?;
            let parsed = parse(v);
            if parsed.is_none() {
                errors.push(FieldError::new(field, format!("one of {expected}")));
            }
            parsed
        }
        let status = closed(
            &mut errors,
            "status",
            &q.status,
            Status::parse,
            Status::expected(),
        );
        if status.is_some_and(|s| s != Status::Published) && !sees_all {
            errors.push(FieldError::new(
                "status",
                "only published items are visible to you",
            ));
        }
        let category = closed(
            &mut errors,
            "category",
            &q.category,
            Category::parse,
            Category::expected(),
        );
        let validity = closed(
            &mut errors,
            "validity",
            &q.validity,
            Validity::parse,
            Validity::expected(),
        );
        let mut from = None;
        let mut to_excl = None;
        let mut to_incl = None;
        if let Some(y) = year {
            if (1949..=2100).contains(&y) {
                let y = y as i32;
                from = Some(super::day_start(
                    tz,
                    NaiveDate::from_ymd_opt(y, 1, 1).expect("valid"),
                ));
                to_excl = Some(super::day_start(
                    tz,
                    NaiveDate::from_ymd_opt(y + 1, 1, 1).expect("valid"),
                ));
            } else {
                errors.push(FieldError::new("year", "must be from 1949 to 2100"));
            }
        }
        if let Some(raw) = &q.published_from {
            match parse_bound(tz, "published_from", raw, false) {
                Ok((t, _)) => from = from.max(t),
                Err(e) => errors.push(e),
            }
        }
        if let Some(raw) = &q.published_to {
            match parse_bound(tz, "published_to", raw, true) {
                Ok((t, true)) => to_excl = [to_excl, t].into_iter().flatten().min(),
                Ok((t, false)) => to_incl = t,
                Err(e) => errors.push(e),
            }
        }
        let text = match q.q.as_deref().map(parse_query) {
            Some(Ok(t)) => t,
            Some(Err(e)) => {
                errors.push(e);
                None
            }
            None => None,
        };
        let sort = match q.sort.as_deref() {
            None => {
                if text.is_some() {
                    Sort::Relevance
                } else {
                    Sort::NewestFirst
                }
            }
            Some(s) => Sort::parse(s).unwrap_or_else(|| {
                errors.push(FieldError::new(
                    "sort",
                    "one of published_at, -published_at, title, index_no",
                ));
                Sort::NewestFirst
            }),
        };
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        Ok(ListRequest {
            paging: paging.expect("no errors"),
            status,
            category,
            validity,
            from,
            to_excl,
            to_incl,
            text,
            sort,
            sees_all,
        })
    }

    /// The WHERE clause (for alias `t`) and its binds, numbered from `$1`.
    fn where_clause(&self, t: &str) -> (String, Vec<Bind>) {
        self.where_clause_on(t, "search")
    }

    /// The WHERE clause with the text query matched against another vector of the item:
    /// `headline` finds the matches in the title and document number (a subset of `search`).
    fn where_clause_on(&self, t: &str, vector: &str) -> (String, Vec<Bind>) {
        let mut conds = Vec::new();
        let mut binds = Vec::new();
        let param = |binds: &mut Vec<Bind>, b: Bind| {
            binds.push(b);
            format!("${}", binds.len())
        };
        match (self.status, self.sees_all) {
            (Some(s), _) => conds.push(format!("{t}.status = '{}'", s.as_str())),
            (None, false) => conds.push(format!("{t}.status = 'published'")),
            (None, true) => {}
        }
        if let Some(c) = self.category {
            conds.push(format!("{t}.category = '{}'", c.as_str()));
        }
        if let Some(v) = self.validity {
            conds.push(format!("{t}.validity = '{}'", v.as_str()));
        }
        if let Some(from) = self.from {
            let p = param(&mut binds, Bind::Time(from));
            conds.push(format!("{t}.published_at >= {p}"));
        }
        if let Some(to) = self.to_excl {
            let p = param(&mut binds, Bind::Time(to));
            conds.push(format!("{t}.published_at < {p}"));
        }
        if let Some(to) = self.to_incl {
            let p = param(&mut binds, Bind::Time(to));
            conds.push(format!("{t}.published_at <= {p}"));
        }
        if let Some(text) = &self.text {
            let p = param(&mut binds, Bind::Text(text.tsquery.clone()));
            conds.push(format!("{t}.{vector} @@ {p}::tsquery"));
            for term in &text.recheck {
                let p = param(&mut binds, Bind::Text(term.clone()));
                conds.push(format!(
                    "strpos(lower({t}.title || E'\\n' || {t}.summary || E'\\n' || coalesce({t}.doc_no, '') || E'\\n' || {t}.body), {p}) > 0"
                ));
            }
        }
        let sql = if conds.is_empty() {
            "true".to_owned()
        } else {
            conds.join(" AND ")
        };
        (sql, binds)
    }

    /// Whether only the status narrows the list: the total is then in `item_counts`.
    fn counted_by_status(&self) -> bool {
        self.category.is_none()
            && self.validity.is_none()
            && self.from.is_none()
            && self.to_excl.is_none()
            && self.to_incl.is_none()
            && self.text.is_none()
    }
}

fn bind_all<'a>(
    mut q: diesel::query_builder::BoxedSqlQuery<'a, Pg, diesel::query_builder::SqlQuery>,
    binds: &[Bind],
) -> diesel::query_builder::BoxedSqlQuery<'a, Pg, diesel::query_builder::SqlQuery> {
    for b in binds {
        q = match b {
            Bind::Text(s) => q.bind::<Text, _>(s.clone()),
            Bind::Time(t) => q.bind::<Timestamptz, _>(*t),
        };
    }
    q
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Pages that skip at most this many rows are read directly ([`near_page_sql`]); deeper ones
/// through a deferred join ([`page_sql`]).
const NEAR_PAGE_MAX_OFFSET: i64 = 200;

/// A page near the start in `sort` order, read directly: the rows in index order, skipping
/// `offset` of them. Planning and running it costs a quarter of the deferred join's (0.08
/// against 0.19 ms for page 1 at a million items), which pays off only when many rows are
/// skipped. `cond` is written for the alias `i`; `n` binds are in it; the limit and offset
/// follow them, unless `first_default` (below).
///
/// `first_default`: the first page at the default size, what nearly every visitor asks for,
/// with its limit written in. A statement without parameters is planned once per connection;
/// with them PostgreSQL plans it again at every execution (its generic plan, costed for an
/// unknown limit, never wins), which was most of the page's time in the database.
fn near_page_sql(sort: Sort, cond: &str, n: usize, first_default: bool) -> String {
    let paging = if first_default {
        format!("LIMIT {DEFAULT_PER_PAGE}")
    } else {
        format!("LIMIT ${} OFFSET ${}", n + 1, n + 2)
    };
    format!(
        "SELECT {SUMMARY_COLUMNS} FROM items i WHERE {cond}
         ORDER BY {order} {paging}",
        order = sort.order_by("i"),
    )
}

/// A page in `sort` order: the ids from an index alone (a deferred join), then their rows.
/// `cond` is written for the alias `t`; `n` binds are in it; the limit and offset follow them.
fn page_sql(sort: Sort, cond: &str, n: usize) -> String {
    format!(
        "SELECT {SUMMARY_COLUMNS} FROM items i JOIN (
             SELECT t.id FROM items t WHERE {cond}
             ORDER BY {inner_order} LIMIT ${l} OFFSET ${o}
         ) p ON p.id = i.id
         ORDER BY {outer_order}",
        inner_order = sort.order_by("t"),
        outer_order = sort.order_by("i"),
        l = n + 1,
        o = n + 2,
    )
}

/// The page and the total.
pub async fn list(
    conn: &mut AsyncPgConnection,
    req: &ListRequest,
) -> AppResult<(Vec<ItemSummary>, i64)> {
    let (cond, binds) = req.where_clause("t");
    if let Some(text) = &req.text {
        return search(conn, req, &cond, &binds, text).await;
    }
    let first_default = req.paging.page == 1 && req.paging.per_page == DEFAULT_PER_PAGE;
    let sql = if req.paging.offset() <= NEAR_PAGE_MAX_OFFSET {
        near_page_sql(
            req.sort,
            &req.where_clause("i").0,
            binds.len(),
            first_default,
        )
    } else {
        page_sql(req.sort, &cond, binds.len())
    };
    // Without a text query the statement's forms are few (filters present or not, the sort,
    // the first default page or not): it stays prepared.
    let mut query = bind_all(diesel::sql_query(sql).into_boxed(), &binds);
    if !first_default {
        query = query
            .bind::<BigInt, _>(req.paging.limit())
            .bind::<BigInt, _>(req.paging.offset());
    }
    let page = Prepared(query);
    if req.counted_by_status() {
        // The page and the stored count, pipelined: one round trip.
        let c: &AsyncPgConnection = conn;
        let (items, total) = futures_util::future::try_join(
            page.load::<ItemSummary>(&mut &*c),
            status_count(&mut &*c, req.status, req.sees_all),
        )
        .await?;
        return Ok((items, total));
    }
    let items: Vec<ItemSummary> = page.load(conn).await?;
    let total = if req.paging.page == 1 && (items.len() as i64) < req.paging.per_page {
        // The whole list fits on the first page.
        items.len() as i64
    } else {
        count(conn, &cond, &binds).await?
    };
    Ok((items, total))
}

async fn count(conn: &mut AsyncPgConnection, cond: &str, binds: &[Bind]) -> AppResult<i64> {
    let sql = format!("SELECT count(*) AS n FROM items t WHERE {cond}");
    let c: Count = Prepared(bind_all(diesel::sql_query(sql).into_boxed(), binds))
        .get_result(conn)
        .await?;
    Ok(c.n)
}

/// A text search counts, and pages through, at most this many matches (its `total` says
/// 1,000 when there are more). Counting every match of a common term means visiting most of
/// the catalogue's rows; a caller who needs more narrows the search with filters.
pub const MAX_SEARCH_RESULTS: i64 = 1_000;

/// The number of matches, counted up to `MAX_SEARCH_RESULTS`.
async fn count_matches(conn: &mut AsyncPgConnection, cond: &str, binds: &[Bind]) -> AppResult<i64> {
    let sql = format!(
        "SELECT count(*) AS n FROM (SELECT 1 FROM items t WHERE {cond} LIMIT {MAX_SEARCH_RESULTS}) m"
    );
    let c: Count = bind_all(diesel::sql_query(sql).into_boxed(), binds)
        .get_result(conn)
        .await?;
    Ok(c.n)
}

/// A page of a text search and its total, both within `MAX_SEARCH_RESULTS`. Not kept prepared:
/// the best plan depends on how common the terms are.
async fn search(
    conn: &mut AsyncPgConnection,
    req: &ListRequest,
    cond: &str,
    binds: &[Bind],
    text: &TextQuery,
) -> AppResult<(Vec<ItemSummary>, i64)> {
    let offset = req.paging.offset();
    let limit = req.paging.limit().min((MAX_SEARCH_RESULTS - offset).max(0));
    let items = if limit == 0 {
        Vec::new()
    } else if req.sort == Sort::Relevance {
        page_by_relevance(conn, req, cond, binds, text, limit, offset).await?
    } else {
        bind_all(
            diesel::sql_query(page_sql(req.sort, cond, binds.len())).into_boxed(),
            binds,
        )
        .bind::<BigInt, _>(limit)
        .bind::<BigInt, _>(offset)
        .load(conn)
        .await?
    };
    let total = if offset == 0 && (items.len() as i64) < limit {
        items.len() as i64
    } else {
        count_matches(conn, cond, binds).await?
    };
    Ok((items, total))
}

/// A page in order of relevance: the items whose title or document number matches the query
/// (their `headline`), then the others, newest first within each. Both parts are read in the
/// order of an index, a page at a time: unlike a score, this never reads every match, which
/// for a common term would be most of the catalogue.
async fn page_by_relevance(
    conn: &mut AsyncPgConnection,
    req: &ListRequest,
    cond: &str,
    binds: &[Bind],
    text: &TextQuery,
    limit: i64,
    offset: i64,
) -> AppResult<Vec<ItemSummary>> {
    let q = binds
        .iter()
        .position(|b| matches!(b, Bind::Text(s) if *s == text.tsquery))
        .expect("the tsquery is bound")
        + 1;
    let headline = format!("t.headline @@ ${q}::tsquery");
    // The first part matched on `headline` alone: adding `search` would make PostgreSQL read
    // the search index's entries for the term, all of them for a common one.
    let (first_cond, first_binds) = req.where_clause_on("t", "headline");
    debug_assert_eq!(first_binds.len(), binds.len());
    let in_headline = count_matches(conn, &first_cond, binds).await?;
    let first_offset = offset.min(in_headline);
    let first_limit = (in_headline - first_offset).min(limit);
    let rest_offset = (offset - in_headline).max(0);
    let rest_limit = limit - first_limit;
    let n = binds.len();
    let order = Sort::NewestFirst.order_by("t");
    let sql = format!(
        "SELECT {SUMMARY_COLUMNS} FROM items i JOIN (
             (SELECT t.id, 0 AS part FROM items t WHERE {first_cond}
              ORDER BY {order} LIMIT ${} OFFSET ${})
             UNION ALL
             (SELECT t.id, 1 AS part FROM items t WHERE {cond} AND NOT ({headline})
              ORDER BY {order} LIMIT ${} OFFSET ${})
         ) p ON p.id = i.id
         ORDER BY p.part, {}",
        n + 1,
        n + 2,
        n + 3,
        n + 4,
        Sort::NewestFirst.order_by("i"),
    );
    Ok(bind_all(diesel::sql_query(sql).into_boxed(), binds)
        .bind::<BigInt, _>(first_limit)
        .bind::<BigInt, _>(first_offset)
        .bind::<BigInt, _>(rest_limit)
        .bind::<BigInt, _>(rest_offset)
        .load(conn)
        .await?)
}

/// The number of items in a status (or in all, for `None` when the caller sees all).
async fn status_count<C>(
    conn: &mut C,
    status: Option<Status>,
    sees_all: bool,
) -> Result<i64, diesel::result::Error>
where
    C: diesel_async::AsyncConnectionCore<Backend = Pg> + Send,
{
    let cond = match (status, sees_all) {
        (Some(s), _) => format!("WHERE status = '{}'", s.as_str()),
        (None, false) => "WHERE status = 'published'".to_owned(),
        (None, true) => String::new(),
    };
    let c: Count = Prepared(diesel::sql_query(format!(
        "SELECT coalesce(sum(n), 0)::bigint AS n FROM item_counts {cond}"
    )))
    .get_result(conn)
    .await?;
    Ok(c.n)
}
