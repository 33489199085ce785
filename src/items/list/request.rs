//! A list request: the query string as sent, and the request it makes once every parameter
//! is checked (each bad one named).

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::clock::day_start;
use crate::error::{AppError, AppResult, FieldError};
use crate::items::model::{Category, Status, Validity, YEARS};
use crate::items::search::{TextQuery, parse_query};
use crate::pagination::Paging;

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
}

/// A validated list request.
#[derive(Debug)]
pub struct ListRequest {
    pub paging: Paging,
    pub(super) status: Option<Status>,
    pub(super) category: Option<Category>,
    pub(super) validity: Option<Validity>,
    pub(super) from: Option<DateTime<Utc>>,
    pub(super) to_excl: Option<DateTime<Utc>>,
    pub(super) to_incl: Option<DateTime<Utc>>,
    pub(super) text: Option<TextQuery>,
    pub(super) sort: Sort,
    /// Whether the caller sees every status.
    pub(super) sees_all: bool,
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
        return Ok((Some(day_start(tz, day)), true));
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
            if let Some(y) = i32::try_from(y).ok().filter(|y| YEARS.contains(y)) {
                from = Some(day_start(
                    tz,
                    NaiveDate::from_ymd_opt(y, 1, 1).expect("valid"),
                ));
                to_excl = Some(day_start(
                    tz,
                    NaiveDate::from_ymd_opt(y + 1, 1, 1).expect("valid"),
                ));
            } else {
                errors.push(FieldError::new(
                    "year",
                    format!("must be from {} to {}", YEARS.start(), YEARS.end()),
                ));
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
}
