//! Loading an office's existing catalogue: items published in the past, with their
//! publication time and, optionally, their index number. All rows or none.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Integer, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{Category, Fields, INDEX_COUNTER, ItemRow, Validity, format_index_no, year_in};
use crate::audit::Actor;
use crate::caller::Caller;
use crate::config::Config;
use crate::db::schema::{item_revisions, items};
use crate::error::{AppError, AppResult, FieldError};

/// Most rows in one import.
pub const MAX_ROWS: usize = 10_000;
/// Largest import body, in bytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

/// The columns (CSV) or fields (JSON) of a row.
pub const COLUMNS: &[&str] = &[
    "title",
    "summary",
    "body",
    "category",
    "publisher",
    "doc_no",
    "written_on",
    "published_at",
    "validity",
    "keywords",
    "index_no",
];
/// Columns every CSV must have.
pub const REQUIRED_COLUMNS: &[&str] = &["title", "category", "published_at"];

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

/// One row, validated.
#[derive(Debug)]
struct Row {
    fields: Fields,
    published_at: DateTime<Utc>,
    year: i32,
    /// The given index number and, when it is this agency's, its sequence number.
    index_no: Option<(String, Option<i32>)>,
}

/// Parses the body by its content type: a JSON array of objects, or CSV with a header row.
pub fn parse_body(content_type: &str, body: &[u8]) -> AppResult<Vec<BTreeMap<String, Value>>> {
    let mime: mime::Mime = content_type
        .parse()
        .map_err(|_| AppError::UnsupportedMediaType("send application/json or text/csv".into()))?;
    if mime.type_() == mime::TEXT && mime.subtype() == mime::CSV {
        parse_csv(body)
    } else if mime.type_() == mime::APPLICATION
        && (mime.subtype() == mime::JSON || mime.suffix() == Some(mime::JSON))
    {
        let rows: Vec<Value> = crate::http::parse_json_unchecked(body)?;
        let mut out = Vec::with_capacity(rows.len());
        let mut errors = Vec::new();
        for (i, r) in rows.into_iter().enumerate() {
            match r {
                Value::Object(m) => out.push(m.into_iter().collect()),
                _ => errors.push(FieldError::new(format!("[{i}]"), "must be an object")),
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(AppError::Validation(errors))
        }
    } else {
        Err(AppError::UnsupportedMediaType(
            "send application/json or text/csv".into(),
        ))
    }
}

/// Finds a quoted field that is never closed: the line where it opens.
fn open_quote_line(text: &str) -> Option<usize> {
    let mut in_quote = false;
    let mut line = 1;
    let mut opened_at = 0;
    for c in text.chars() {
        if c == '"' {
            in_quote = !in_quote;
            if in_quote {
                opened_at = line;
            }
        } else if c == '\n' {
            line += 1;
        }
    }
    in_quote.then_some(opened_at)
}

fn parse_csv(body: &[u8]) -> AppResult<Vec<BTreeMap<String, Value>>> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let text = std::str::from_utf8(body)
        .map_err(|e| AppError::invalid("body", format!("the CSV is not valid UTF-8 ({e})")))?;
    if let Some(line) = open_quote_line(text) {
        return Err(AppError::invalid(
            "body",
            format!("line {line}: a quoted field is never closed"),
        ));
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| AppError::invalid("body", format!("the header row cannot be read: {e}")))?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    let mut errors = Vec::new();
    for h in &headers {
        if !COLUMNS.contains(&h.as_str()) {
            errors.push(FieldError::new(
                h.clone(),
                format!("unknown column; the columns are {}", COLUMNS.join(", ")),
            ));
        }
    }
    let mut seen = HashSet::new();
    for h in &headers {
        if !seen.insert(h) {
            errors.push(FieldError::new(h.clone(), "the column appears twice"));
        }
    }
    for c in REQUIRED_COLUMNS {
        if !headers.iter().any(|h| h == c) {
            errors.push(FieldError::new(*c, "the CSV has no such column"));
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(i + 2, |p| p.line() as usize);
            let msg = match e.kind() {
                csv::ErrorKind::UnequalLengths {
                    expected_len, len, ..
                } => {
                    format!("line {line}: {len} fields where the header has {expected_len}")
                }
                _ => format!("line {line}: {e}"),
            };
            AppError::Validation(vec![FieldError::new(format!("rows[{i}]"), msg)])
        })?;
        if rows.len() >= MAX_ROWS {
            return Err(AppError::invalid(
                "rows",
                format!("at most {MAX_ROWS} rows per import"),
            ));
        }
        let mut row = BTreeMap::new();
        for (h, v) in headers.iter().zip(record.iter()) {
            if v.is_empty() {
                continue;
            }
            let value = if h == "keywords" {
                Value::Array(
                    v.split([';', '；'])
                        .map(str::trim)
                        .filter(|k| !k.is_empty())
                        .map(|k| Value::String(k.to_owned()))
                        .collect(),
                )
            } else {
                Value::String(v.to_owned())
            };
            row.insert(h.clone(), value);
        }
        rows.push(row);
    }
    Ok(rows)
}

/// Parses `<code>/<year>-<number>`.
fn parse_index_no(s: &str) -> Option<(String, i32, i32)> {
    let (code, rest) = s.split_once('/')?;
    let (year, number) = rest.split_once('-')?;
    let code_ok = !code.is_empty()
        && code.len() <= 50
        && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    let year_ok = year.len() == 4 && year.chars().all(|c| c.is_ascii_digit());
    let number_ok = (5..=9).contains(&number.len()) && number.chars().all(|c| c.is_ascii_digit());
    if !(code_ok && year_ok && number_ok) {
        return None;
    }
    let n: i32 = number.parse().ok()?;
    let year: i32 = year.parse().ok()?;
    (n >= 1).then(|| (code.to_owned(), year, n))
}

/// Validates every row, reporting every bad field of every row.
fn validate(
    rows: Vec<BTreeMap<String, Value>>,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<Vec<Row>, Vec<FieldError>> {
    let mut errors = Vec::new();
    if rows.is_empty() {
        errors.push(FieldError::new("rows", "at least one row"));
    }
    if rows.len() > MAX_ROWS {
        errors.push(FieldError::new(
            "rows",
            format!("at most {MAX_ROWS} rows per import"),
        ));
        return Err(errors);
    }
    let mut out = Vec::with_capacity(rows.len());
    let mut seen_index = HashMap::new();
    for (i, mut row) in rows.into_iter().enumerate() {
        let at = |f: &str| format!("rows[{i}].{f}");
        let before = errors.len();
        for key in row.keys() {
            if !COLUMNS.contains(&key.as_str()) {
                errors.push(FieldError::new(
                    at(key),
                    format!("unknown field; the fields are {}", COLUMNS.join(", ")),
                ));
            }
        }
        let text = |row: &mut BTreeMap<String, Value>,
                    errors: &mut Vec<FieldError>,
                    f: &str|
         -> Option<String> {
            match row.remove(f) {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(s),
                Some(_) => {
                    errors.push(FieldError::new(at(f), "must be a string"));
                    None
                }
            }
        };
        let title = text(&mut row, &mut errors, "title");
        let summary = text(&mut row, &mut errors, "summary");
        let body = text(&mut row, &mut errors, "body");
        let category = text(&mut row, &mut errors, "category");
        let publisher = text(&mut row, &mut errors, "publisher");
        let doc_no = text(&mut row, &mut errors, "doc_no");
        let written_on = text(&mut row, &mut errors, "written_on");
        let published_at = text(&mut row, &mut errors, "published_at");
        let validity = text(&mut row, &mut errors, "validity");
        let index_no = text(&mut row, &mut errors, "index_no");
        let keywords: Vec<String> = match row.remove("keywords") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(a)) => a
                .into_iter()
                .enumerate()
                .filter_map(|(k, v)| match v {
                    Value::String(s) => Some(s),
                    _ => {
                        errors.push(FieldError::new(
                            at(&format!("keywords[{k}]")),
                            "must be a string",
                        ));
                        None
                    }
                })
                .collect(),
            Some(_) => {
                errors.push(FieldError::new(at("keywords"), "must be a list of strings"));
                Vec::new()
            }
        };
        if title.is_none() {
            errors.push(FieldError::new(at("title"), "required"));
        }
        let category = match category {
            None => {
                errors.push(FieldError::new(at("category"), "required"));
                None
            }
            Some(c) => Category::parse(c.trim()).or_else(|| {
                errors.push(FieldError::new(
                    at("category"),
                    format!("one of {}", Category::expected()),
                ));
                None
            }),
        };
        let validity = match validity {
            None => Some(Validity::Valid),
            Some(v) => Validity::parse(v.trim()).or_else(|| {
                errors.push(FieldError::new(
                    at("validity"),
                    format!("one of {}", Validity::expected()),
                ));
                None
            }),
        };
        let written_on = written_on.and_then(|w| match w.trim().parse::<NaiveDate>() {
            Ok(d) => Some(d),
            Err(_) => {
                errors.push(FieldError::new(at("written_on"), "a real date, YYYY-MM-DD"));
                None
            }
        });
        let published_at = match published_at {
            None => {
                errors.push(FieldError::new(at("published_at"), "required"));
                None
            }
            Some(p) => {
                let p = p.trim();
                let parsed = DateTime::parse_from_rfc3339(p)
                    .map(|t| t.with_timezone(&Utc))
                    .ok()
                    .or_else(|| {
                        p.parse::<NaiveDate>()
                            .ok()
                            .map(|d| super::day_start(config.timezone, d))
                    });
                match parsed {
                    None => {
                        errors.push(FieldError::new(
                            at("published_at"),
                            "an RFC 3339 date and time, or a real date YYYY-MM-DD (agency time zone)",
                        ));
                        None
                    }
                    Some(t) if t > now => {
                        errors.push(FieldError::new(
                            at("published_at"),
                            "must not be in the future",
                        ));
                        None
                    }
                    Some(t) if year_in(config.timezone, t) < 1949 => {
                        errors.push(FieldError::new(at("published_at"), "must be after 1949"));
                        None
                    }
                    Some(t) => Some(t),
                }
            }
        };
        let year = published_at.map(|t| year_in(config.timezone, t));
        let index_no =
            index_no
                .map(|s| s.trim().to_owned())
                .and_then(|s| match parse_index_no(&s) {
                    None => {
                        errors.push(FieldError::new(
                            at("index_no"),
                            "<agency code>/<year>-<number of at least 5 digits>",
                        ));
                        None
                    }
                    Some((code, y, n)) => {
                        if year.is_some_and(|py| py != y) {
                            errors.push(FieldError::new(
                                at("index_no"),
                                "its year is not the year of published_at (agency time zone)",
                            ));
                        }
                        if let Some(first) = seen_index.insert(s.clone(), i) {
                            errors.push(FieldError::new(
                                at("index_no"),
                                format!("also given in rows[{first}]"),
                            ));
                        }
                        let ours = code == config.agency_code;
                        Some((s, ours.then_some(n)))
                    }
                });
        let fields = Fields {
            title: title.unwrap_or_default(),
            summary: summary.unwrap_or_default(),
            body: body.unwrap_or_default(),
            category: category.unwrap_or(Category::Other),
            publisher: publisher.unwrap_or_else(|| config.agency_name.clone()),
            doc_no,
            written_on,
            validity: validity.unwrap_or(Validity::Valid),
            keywords,
        }
        .normalise();
        let mut field_errors = fields.validate(&format!("rows[{i}]."));
        // A missing title is already reported.
        field_errors.retain(|e| {
            !(e.field == at("title") && errors[before..].iter().any(|x| x.field == e.field))
        });
        errors.extend(field_errors);
        if errors.len() == before {
            out.push(Row {
                fields,
                published_at: published_at.expect("checked"),
                year: year.expect("checked"),
                index_no,
            });
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

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
fn vectors_of(
    rows: &[Row],
) -> tokio::task::JoinHandle<Vec<(super::search::SearchVector, super::search::SearchVector)>> {
    let fields: Vec<Fields> = rows.iter().map(|r| r.fields.clone()).collect();
    tokio::task::spawn_blocking(move || {
        fields
            .iter()
            .map(|f| (f.search_vector(), f.headline_vector()))
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
    let mut rows = validate(raw, config, Utc::now()).map_err(AppError::Validation)?;
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
        // writes them: 10,000 long bodies hold ~13 million entries.
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
                        items::index_no.eq(r.index_no.as_ref().map(|(s, _)| s.clone())),
                        items::title.eq(f.title.clone()),
                        items::summary.eq(f.summary.clone()),
                        items::body.eq(f.body.clone()),
                        items::category.eq(f.category.as_str()),
                        items::publisher.eq(f.publisher.clone()),
                        items::doc_no.eq(f.doc_no.clone()),
                        items::written_on.eq(f.written_on),
                        items::published_at.eq(Some(r.published_at)),
                        items::validity.eq(f.validity.as_str()),
                        items::keywords.eq(f.keywords.clone()),
                        items::status.eq("published"),
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
                .map_err(super::body_too_big)?;
            // Their revisions now, so that only ids and numbers outlive the chunk.
            let revisions: Vec<_> = got
                .iter()
                .map(|row| {
                    (
                        item_revisions::item_id.eq(row.id),
                        item_revisions::version.eq(row.version),
                        item_revisions::action.eq("imported"),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_numbers() {
        assert_eq!(
            parse_index_no("11370305004300000X/2009-00017"),
            Some(("11370305004300000X".into(), 2009, 17))
        );
        assert_eq!(parse_index_no("X/2009-17"), None);
        assert_eq!(parse_index_no("X/09-00017"), None);
        assert_eq!(parse_index_no("../2009-00017"), None);
        assert_eq!(parse_index_no("X/2009-00000"), None);
    }

    #[test]
    fn open_quotes_are_found() {
        assert_eq!(open_quote_line("a,b\n\"x\",\"y\"\n"), None);
        assert_eq!(open_quote_line("a,b\n1,2\n\"x,3\n"), Some(3));
        assert_eq!(open_quote_line("a\n\"say \"\"hi\"\"\"\n"), None);
    }

    #[test]
    fn csv_headers_are_checked() {
        let err = parse_csv("title,category,colour\n".as_bytes()).unwrap_err();
        let AppError::Validation(e) = err else {
            panic!()
        };
        let fields: Vec<_> = e.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["colour", "published_at"]);
    }
}
