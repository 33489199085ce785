//! Writing an import: every row in one transaction, all or nothing, with index numbers that
//! never collide with the year's counter.

use std::collections::{BTreeMap, HashSet};

use chrono::Utc;
use diesel::prelude::*;
use diesel::sql_types::{Integer, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde_json::Value;

use super::parse::{Row, validate};
use crate::audit::Actor;
use crate::caller::Caller;
use crate::config::Config;
use crate::db::schema::{item_revisions, items};
use crate::error::{AppError, AppResult, FieldError};
use crate::items::model::{Change, Fields, INDEX_COUNTER, ItemRow, Status};
use crate::items::repo::body_too_big;
use crate::items::rules::{default_publisher, format_index_no};
use crate::items::search::SearchVector;
use crate::items::views::{ImportResult, ImportedItem};

#[derive(QueryableByName)]
struct Last {
    #[diesel(sql_type = Integer)]
    last: i32,
}

#[derive(QueryableByName)]
struct Taken {
    #[diesel(sql_type = Text)]
    index_no: String,
}

/// Rows written by one statement of an import.
const IMPORT_CHUNK: usize = 500;

/// The search and headline vectors of some rows, made on a blocking thread.
fn vectors_of(rows: &[Row]) -> tokio::task::JoinHandle<Vec<(SearchVector, SearchVector)>> {
    let fields: Vec<Fields> = rows.iter().map(|r| r.fields.clone()).collect();
    tokio::task::spawn_blocking(move || {
        fields
            .iter()
            .map(|f| (SearchVector::of_item(f), SearchVector::headline_of(f)))
            .collect()
    })
}

/// Imports the rows in one transaction: all or nothing.
pub async fn import(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    config: &Config,
    raw: Vec<BTreeMap<String, Value>>,
) -> AppResult<ImportResult> {
    let publisher = default_publisher(&config.agency_name);
    let mut rows = validate(raw, config, publisher, Utc::now()).map_err(AppError::Validation)?;
    let actor = Actor::from(caller);
    conn.transaction(async |conn| {
        // The search index grows by hundreds of entries a row. GIN inserts them fastest in one
        // batch: let the pending list hold the whole import, and merge it before committing
        // (below), so that nobody else pays for it and searches never scan a long list.
        diesel::sql_query("SET LOCAL gin_pending_list_limit = '512MB'")
            .execute(conn)
            .await?;
        diesel::sql_query("SET LOCAL work_mem = '64MB'")
            .execute(conn)
            .await?;
        // The merge (gin_clean_pending_list) sorts the entries in this much memory before it
        // writes them: a large import of long bodies holds millions of entries.
        diesel::sql_query("SET LOCAL maintenance_work_mem = '256MB'")
            .execute(conn)
            .await?;
        // A large import is one long job by design, not a runaway query.
        diesel::sql_query("SET LOCAL statement_timeout = '120s'")
            .execute(conn)
            .await?;
        // Raise each year's counter above the imported numbers first: that waits for
        // concurrent publishers of the year, whose numbers are then visible below.
        let mut highest: BTreeMap<i32, i32> = BTreeMap::new();
        for r in &rows {
            if let Some((_, Some(n))) = &r.index_no {
                let h = highest.entry(r.year).or_insert(0);
                *h = (*h).max(*n);
            }
        }
        for (year, n) in &highest {
            crate::db::counters::ensure_at_least(conn, INDEX_COUNTER, *year, *n).await?;
        }
        let given: Vec<String> = rows
            .iter()
            .filter_map(|r| r.index_no.as_ref().map(|(s, _)| s.clone()))
            .collect();
        if !given.is_empty() {
            let taken: Vec<Taken> =
                diesel::sql_query("SELECT index_no FROM items WHERE index_no = ANY($1)")
                    .bind::<diesel::sql_types::Array<Text>, _>(&given)
                    .load(conn)
                    .await?;
            let taken: HashSet<String> = taken.into_iter().map(|t| t.index_no).collect();
            let errors: Vec<FieldError> = rows
                .iter()
                .enumerate()
                .filter(|(_, r)| r.index_no.as_ref().is_some_and(|(s, _)| taken.contains(s)))
                .map(|(i, _)| {
                    FieldError::new(
                        format!("rows[{i}].index_no"),
                        "already used by another item",
                    )
                })
                .collect();
            if !errors.is_empty() {
                return Err(AppError::Validation(errors));
            }
        }
        // Rows without a number get the next ones of their year, in order of publication.
        let mut needing: BTreeMap<i32, Vec<usize>> = BTreeMap::new();
        for (i, r) in rows.iter().enumerate() {
            if r.index_no.is_none() {
                needing.entry(r.year).or_default().push(i);
            }
        }
        for (year, mut idx) in needing {
            idx.sort_by_key(|&i| rows[i].published_at);
            let count = idx.len() as i32;
            let last: Last = diesel::sql_query(
                "INSERT INTO yearly_counters (name, year, last) VALUES ($1, $2, $3)
                 ON CONFLICT (name, year) DO UPDATE SET last = yearly_counters.last + EXCLUDED.last
                 RETURNING last",
            )
            .bind::<Text, _>(INDEX_COUNTER)
            .bind::<Integer, _>(year)
            .bind::<Integer, _>(count)
            .get_result(conn)
            .await?;
            let first = last.last - count + 1;
            for (k, i) in idx.into_iter().enumerate() {
                rows[i].index_no = Some((
                    format_index_no(&config.agency_code, year, first + k as i32),
                    None,
                ));
            }
        }
        let mut inserted: Vec<ImportedItem> = Vec::with_capacity(rows.len());
        // Search vectors a chunk at a time (a long body's vector is a few times its size, too
        // much to hold for 10,000 rows at once), made on a blocking thread while the database
        // writes the chunk before: CPU work off the server's event loop, and in parallel.
        let chunks: Vec<&[Row]> = rows.chunks(IMPORT_CHUNK).collect();
        let mut next_vectors = chunks.as_slice().first().copied().map(vectors_of);
        for (k, chunk) in chunks.iter().enumerate() {
            let Some(task) = next_vectors.take() else {
                break;
            };
            let vectors = task.await.map_err(AppError::internal)?;
            next_vectors = chunks.get(k + 1).map(|c| vectors_of(c));
            let values: Vec<_> = chunk
                .iter()
                .zip(&vectors)
                .map(|(r, v)| {
                    let f = &r.fields;
                    (
                        items::index_no.eq(r.index_no.as_ref().map(|(s, _)| s.as_str())),
                        items::title.eq(f.title.as_str()),
                        items::summary.eq(f.summary.as_str()),
                        items::body.eq(f.body.as_str()),
                        items::category.eq(f.category),
                        items::publisher.eq(f.publisher.as_str()),
                        items::doc_no.eq(f.doc_no.as_deref()),
                        items::written_on.eq(f.written_on.map(|w| w.date())),
                        items::published_at.eq(Some(r.published_at)),
                        items::validity.eq(f.validity),
                        items::keywords.eq(f.keywords.as_strs()),
                        items::status.eq(Status::Published),
                        items::created_by_kind.eq(actor.kind),
                        items::created_by.eq(actor.id),
                        items::search.eq(&v.0),
                        items::headline.eq(&v.1),
                    )
                })
                .collect();
            let got: Vec<ItemRow> = diesel::insert_into(items::table)
                .values(values)
                .returning(ItemRow::as_returning())
                .get_results(conn)
                .await
                .map_err(body_too_big)?;
            // Their revisions now, so that only ids and numbers outlive the chunk.
            let revisions: Vec<_> = got
                .iter()
                .map(|row| {
                    (
                        item_revisions::item_id.eq(row.id),
                        item_revisions::version.eq(row.version),
                        item_revisions::action.eq(Change::Imported),
                        item_revisions::actor_kind.eq(actor.kind),
                        item_revisions::actor_id.eq(actor.id),
                        item_revisions::snapshot.eq(row.snapshot()),
                    )
                })
                .collect();
            diesel::insert_into(item_revisions::table)
                .values(revisions)
                .execute(conn)
                .await?;
            inserted.extend(got.into_iter().map(|r| ImportedItem {
                id: r.id,
                index_no: r.index_no.unwrap_or_default(),
            }));
        }
        diesel::sql_query(
            "SELECT gin_clean_pending_list('items_search_idx'), \
                    gin_clean_pending_list('items_headline_idx')",
        )
        .execute(conn)
        .await?;
        crate::audit::record(
            conn,
            caller,
            "item.imported",
            "item",
            None,
            serde_json::json!({"rows": inserted.len()}),
        )
        .await?;
        Ok(ImportResult {
            imported: inserted.len(),
            items: inserted,
        })
    })
    .await
}
