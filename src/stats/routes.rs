//! The figures over HTTP: JSON or CSV, with ETags; and the manual figures of table 2.

use actix_web::{HttpRequest, HttpResponse, get, put, web};
use diesel::sql_types::{Integer, Jsonb, Nullable, Uuid as SqlUuid};
use diesel_async::{AsyncConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{MAX_SPAN_YEARS, ManualFigures, YearStats, check_year, compute_range, csv, year_param};
use crate::audit;
use crate::auth::Action;
use crate::caller::Caller;
use crate::error::{AppError, AppResult, FieldError};
use crate::http::{Json, negotiate, with_etag};
use crate::state::AppState;

/// Registers this feature's routes (under `/api/v1`).
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_stats_csv)
        .service(list_stats)
        .service(get_stats_csv)
        .service(get_stats)
        .service(put_manual_stats);
}

const JSON: &str = "application/json";
const CSV: &str = "text/csv; charset=utf-8";
/// Figures change with the data: clients revalidate with `If-None-Match` every time.
const CACHE: &str = "no-cache";

/// The years of `GET /stats`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StatsRange {
    /// First year (inclusive).
    #[param(minimum = 1900, maximum = 2100, example = 2009)]
    pub from: i32,
    /// Last year (inclusive); at most 100 years after `from`.
    #[param(minimum = 1900, maximum = 2100, example = 2026)]
    pub to: i32,
}

/// The figures of several years, for the district's aggregation system.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatsSeries {
    pub from: i32,
    pub to: i32,
    /// One object per year, in order.
    pub years: Vec<YearStats>,
}

fn range(q: &StatsRange) -> AppResult<(i32, i32)> {
    let mut errors = Vec::new();
    for (f, y) in [("from", q.from), ("to", q.to)] {
        if let Err(e) = check_year(f, y) {
            errors.push(e);
        }
    }
    if errors.is_empty() && q.from > q.to {
        errors.push(FieldError::new("from", "must not be after `to`"));
    }
    if errors.is_empty() && q.to - q.from >= MAX_SPAN_YEARS {
        errors.push(FieldError::new(
            "to",
            format!("at most {MAX_SPAN_YEARS} years from `from`"),
        ));
    }
    if errors.is_empty() {
        Ok((q.from, q.to))
    } else {
        Err(AppError::Validation(errors))
    }
}

async fn one_year(state: &AppState, year: i32) -> AppResult<YearStats> {
    let mut years = years(state, year, year).await?;
    Ok(years.pop().expect("one year"))
}

async fn years(state: &AppState, from: i32, to: i32) -> AppResult<Vec<YearStats>> {
    let mut conn = state.pool.get().await?;
    // One snapshot: all tables are read as of the same moment.
    conn.build_transaction()
        .read_only()
        .repeatable_read()
        .run(async |conn| compute_range(conn, &state.config, from, to).await)
        .await
}

fn csv_of(stats: &[YearStats]) -> Vec<u8> {
    let mut out = String::from(csv::HEADER);
    for s in stats {
        csv::write_year(&mut out, s);
    }
    out.into_bytes()
}

fn respond<T: Serialize>(
    req: &HttpRequest,
    format: &str,
    json: &T,
    rows: &[YearStats],
) -> HttpResponse {
    if format == CSV {
        with_etag(req, CSV, CACHE, csv_of(rows))
    } else {
        with_etag(
            req,
            JSON,
            CACHE,
            serde_json::to_vec(json).expect("figures serialise"),
        )
    }
}

/// A year's figures: the seed's format, the national tables 2–4, and the feedback register.
///
/// Computed from the data at the moment of the request, years in the agency's time zone.
/// `Accept: text/csv` (or the `.csv` address) gives the same figures as CSV. Send
/// `If-None-Match` with the last `ETag` to get 304 when nothing changed.
#[utoipa::path(
    tag = "statistics",
    params(("year" = i32, Path, description = "Calendar year", minimum = 1900, maximum = 2100, example = 2009)),
    responses(
        (status = 200, description = "The figures.", body = YearStats,
            headers(("ETag" = String, description = "Changes when the figures change")),
            content(
                (YearStats = "application/json"),
                (String = "text/csv", example = "year,table,row,column,value\r\n2009,legacy.proactive,total,value,139\r\n")
            )),
        (status = 304, description = "Not modified since the ETag sent in `If-None-Match`."),
        (status = 406, response = crate::openapi::NotAcceptable),
    )
)]
#[get("/stats/{year}")]
pub async fn get_stats(
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
    year: web::Path<i32>,
) -> AppResult<HttpResponse> {
    caller.require(Action::GetStats)?;
    let year = year_param(year.into_inner())?;
    let format = negotiate(&req, &[JSON, "text/csv"])
        .ok_or_else(|| AppError::NotAcceptable("offered: application/json, text/csv".into()))?;
    let format = if format == JSON { JSON } else { CSV };
    let stats = one_year(&state, year).await?;
    Ok(respond(&req, format, &stats, std::slice::from_ref(&stats)))
}

/// A year's figures as CSV: `year,table,row,column,value`, one line per figure.
#[utoipa::path(
    tag = "statistics",
    params(("year" = i32, Path, description = "Calendar year", minimum = 1900, maximum = 2100, example = 2009)),
    responses(
        (status = 200, description = "The figures as CSV.", body = String, content_type = "text/csv",
            headers(("ETag" = String, description = "Changes when the figures change"))),
        (status = 304, description = "Not modified since the ETag sent in `If-None-Match`."),
    )
)]
#[get("/stats/{year}.csv")]
pub async fn get_stats_csv(
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
    year: web::Path<i32>,
) -> AppResult<HttpResponse> {
    caller.require(Action::GetStatsCsv)?;
    let year = year_param(year.into_inner())?;
    let stats = one_year(&state, year).await?;
    Ok(respond(&req, CSV, &stats, std::slice::from_ref(&stats)))
}

/// The figures of a span of years (at most 100), one object per year: the district's pull.
#[utoipa::path(
    tag = "statistics",
    params(StatsRange),
    responses(
        (status = 200, description = "The figures, year by year.", body = StatsSeries,
            headers(("ETag" = String, description = "Changes when the figures change")),
            content((StatsSeries = "application/json"), (String = "text/csv"))),
        (status = 304, description = "Not modified since the ETag sent in `If-None-Match`."),
        (status = 406, response = crate::openapi::NotAcceptable),
    )
)]
#[get("/stats")]
pub async fn list_stats(
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<StatsRange>,
) -> AppResult<HttpResponse> {
    caller.require(Action::ListStats)?;
    let (from, to) = range(&query)?;
    let format = negotiate(&req, &[JSON, "text/csv"])
        .ok_or_else(|| AppError::NotAcceptable("offered: application/json, text/csv".into()))?;
    let format = if format == JSON { JSON } else { CSV };
    let years = years(&state, from, to).await?;
    let series = StatsSeries { from, to, years };
    Ok(respond(&req, format, &series, &series.years))
}

/// The figures of a span of years as CSV.
#[utoipa::path(
    tag = "statistics",
    params(StatsRange),
    responses(
        (status = 200, description = "The figures as CSV.", body = String, content_type = "text/csv",
            headers(("ETag" = String, description = "Changes when the figures change"))),
        (status = 304, description = "Not modified since the ETag sent in `If-None-Match`."),
    )
)]
#[get("/stats.csv")]
pub async fn list_stats_csv(
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<StatsRange>,
) -> AppResult<HttpResponse> {
    caller.require(Action::ListStatsCsv)?;
    let (from, to) = range(&query)?;
    let years = years(&state, from, to).await?;
    Ok(with_etag(&req, CSV, CACHE, csv_of(&years)))
}

/// Sets table 2's figures for a year: the rules, normative documents, licences, penalties,
/// compulsory measures and fees that the system cannot count itself.
#[utoipa::path(
    tag = "statistics",
    security(("bearer" = [])),
    params(("year" = i32, Path, description = "Calendar year", minimum = 1900, maximum = 2100, example = 2025)),
    request_body = ManualFigures,
    responses(
        (status = 200, description = "The figures as stored.", body = ManualFigures),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
    )
)]
#[put("/stats/{year}/manual")]
pub async fn put_manual_stats(
    caller: Caller,
    state: web::Data<AppState>,
    year: web::Path<i32>,
    body: Json<ManualFigures>,
) -> AppResult<web::Json<ManualFigures>> {
    caller.require(Action::PutManualStats)?;
    let year = year_param(year.into_inner())?;
    let figures = body.0;
    figures.validate().map_err(AppError::Validation)?;
    let value = serde_json::to_value(&figures).expect("figures serialise");
    let by = caller.user().map(|u| u.id);
    let mut conn = state.pool.get().await?;
    conn.transaction(async |conn| {
        diesel::sql_query(
            "INSERT INTO stats_manual (year, figures, updated_by) VALUES ($1, $2, $3)
             ON CONFLICT (year) DO UPDATE SET figures = EXCLUDED.figures,
                 updated_by = EXCLUDED.updated_by, updated_at = now()",
        )
        .bind::<Integer, _>(year)
        .bind::<Jsonb, _>(&value)
        .bind::<Nullable<SqlUuid>, _>(by)
        .execute(conn)
        .await?;
        audit::record(
            conn,
            &caller,
            "stats.manual_updated",
            "stats",
            Some(year.to_string()),
            value.clone(),
        )
        .await?;
        Ok::<_, AppError>(())
    })
    .await?;
    Ok(web::Json(figures))
}
