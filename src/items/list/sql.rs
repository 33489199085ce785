//! The list's statements. Statuses, categories and validities are written into the SQL as
//! literals (they come from closed lists), so that the planner can match the partial indexes on
//! `status = 'published'`; everything else is bound.

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::request::{ListRequest, Sort};
use crate::db::Prepared;
use crate::error::AppResult;
use crate::items::model::Status;
use crate::items::search::TextQuery;
use crate::items::views::ItemSummary;
use crate::pagination::DEFAULT_PER_PAGE;

const SUMMARY_COLUMNS: &str = "i.id, i.index_no, i.title, i.summary, i.category, i.publisher, \
    i.doc_no, i.written_on, i.published_at, i.validity, i.keywords, i.status, i.version, \
    i.created_at, i.updated_at";

impl Sort {
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

impl ListRequest {
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
/// `offset` of them. Planning and running it costs much less than the deferred join, which
/// pays off only when many rows are skipped. `cond` is written for the alias `i`; `n` binds are in it; the limit and offset
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
