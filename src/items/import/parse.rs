//! Reading an import: the body (a JSON array of objects, or CSV with a header row) into rows
//! of fields, then each row checked field by field with the value types' rules, every bad
//! field of every row named (`rows[3].title`).

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde_json::Value;

use crate::config::Config;
use crate::error::{AppError, AppResult, FieldError};
use crate::items::model::{
    Category, Fields, ItemBody, ItemDocNo, ItemKeywords, ItemPublisher, ItemSummaryText, ItemTitle,
    Validity, WrittenOn, YEARS,
};
use crate::values::Invalid;

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

/// One row, checked.
#[derive(Debug)]
pub struct Row {
    pub fields: Fields,
    pub published_at: DateTime<Utc>,
    pub year: i32,
    /// The given index number and, when it is this agency's, its sequence number.
    pub index_no: Option<(String, Option<i32>)>,
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

/// Records a refusal at `field` (named only when there is one).
fn checked<T>(
    errors: &mut Vec<FieldError>,
    field: impl FnOnce() -> String,
    parsed: Result<T, Invalid>,
) -> Option<T> {
    parsed
        .map_err(|e| errors.push(FieldError::new(field(), e)))
        .ok()
}

/// Checks every row, reporting every bad field of every row. Rows without a publisher get
/// `default_publisher` (the agency).
pub fn validate(
    rows: Vec<BTreeMap<String, Value>>,
    config: &Config,
    default_publisher: Result<ItemPublisher, Invalid>,
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
    let tz = config.timezone;
    let mut out = Vec::with_capacity(rows.len());
    let mut seen_index = HashMap::new();
    for (i, mut row) in rows.into_iter().enumerate() {
        let at = |f: &str| format!("rows[{i}].{f}");
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
        // Each field by its type's rule; `None` where it was refused.
        let title = match title {
            None => {
                errors.push(FieldError::new(at("title"), "required"));
                None
            }
            Some(t) => checked(&mut errors, || at("title"), ItemTitle::parse(t)),
        };
        let summary = match summary {
            None => Some(ItemSummaryText::default()),
            Some(s) => checked(&mut errors, || at("summary"), ItemSummaryText::parse(s)),
        };
        let body = match body {
            None => Some(ItemBody::default()),
            Some(b) => checked(&mut errors, || at("body"), ItemBody::parse(b)),
        };
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
        let publisher = match publisher {
            None => checked(&mut errors, || at("publisher"), default_publisher.clone()),
            Some(p) => checked(&mut errors, || at("publisher"), ItemPublisher::parse(p)),
        };
        // A blank document number is none.
        let doc_no = match doc_no {
            Some(d) if !d.trim().is_empty() => {
                checked(&mut errors, || at("doc_no"), ItemDocNo::parse(d)).map(Some)
            }
            _ => Some(None),
        };
        let written_on = match written_on {
            None => Some(None),
            Some(w) => match w.trim().parse::<NaiveDate>() {
                Ok(d) => checked(&mut errors, || at("written_on"), WrittenOn::parse(d)).map(Some),
                Err(_) => {
                    errors.push(FieldError::new(at("written_on"), "a real date, YYYY-MM-DD"));
                    None
                }
            },
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
        let keywords = ItemKeywords::parse(keywords, &at("keywords"), &mut errors);
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
                            .map(|d| crate::clock::day_start(tz, d))
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
                    Some(t) if crate::clock::day_of(tz, t).year() < *YEARS.start() => {
                        errors.push(FieldError::new(
                            at("published_at"),
                            format!("must be after {}", YEARS.start()),
                        ));
                        None
                    }
                    Some(t) => Some(t),
                }
            }
        };
        let year = published_at.map(|t| crate::clock::day_of(tz, t).year());
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
        // Every field was read when none is `None`. Rows are kept while no row has an error:
        // after one, the import is refused and only the errors matter.
        let checked_row = || {
            Some(Row {
                fields: Fields {
                    title: title?,
                    summary: summary?,
                    body: body?,
                    category: category?,
                    publisher: publisher?,
                    doc_no: doc_no?,
                    written_on: written_on?,
                    validity: validity?,
                    keywords,
                },
                published_at: published_at?,
                year: year?,
                index_no,
            })
        };
        if let Some(row) = checked_row().filter(|_| errors.is_empty()) {
            out.push(row);
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
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
