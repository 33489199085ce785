//! The figures over HTTP: JSON or CSV, with ETags; and the manual figures of table 2.

use actix_web::{HttpRequest, HttpResponse, get, put, web};
use serde::Serialize;

use super::model::{ManualFigures, StatsRange, StatsSeries, YearStats};
use super::{csv, rules, service};
use crate::auth::Action;
use crate::caller::Caller;
use crate::error::{AppError, AppResult};
use crate::http::{Json, Query, negotiate, with_etag};
use crate::state::AppState;
use crate::values::StatsYear;

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

/// JSON or CSV, as the client accepts.
fn json_or_csv(req: &HttpRequest) -> AppResult<&'static str> {
    let format = negotiate(req, &[JSON, "text/csv"])
        .ok_or_else(|| AppError::NotAcceptable("offered: application/json, text/csv".into()))?;
    Ok(if format == JSON { JSON } else { CSV })
}

fn respond<T: Serialize>(
    req: &HttpRequest,
    format: &str,
    json: &T,
    rows: &[YearStats],
) -> HttpResponse {
    if format == CSV {
        with_etag(req, CSV, CACHE, csv::document(rows))
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
    let year = StatsYear::from_path(year.into_inner())?;
    let format = json_or_csv(&req)?;
    let stats = state
        .read(caller.freshness(), async |conn| {
            service::year_figures(conn, &state.config, year).await
        })
        .await?;
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
    let year = StatsYear::from_path(year.into_inner())?;
    let stats = state
        .read(caller.freshness(), async |conn| {
            service::year_figures(conn, &state.config, year).await
        })
        .await?;
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
    query: Query<StatsRange>,
) -> AppResult<HttpResponse> {
    caller.require(Action::ListStats)?;
    let StatsRange { from, to } = query.0;
    rules::check_span(from, to)?;
    let format = json_or_csv(&req)?;
    let years = state
        .read(caller.freshness(), async |conn| {
            service::figures(conn, &state.config, from, to).await
        })
        .await?;
    let series = StatsSeries {
        from: from.get(),
        to: to.get(),
        years,
    };
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
    query: Query<StatsRange>,
) -> AppResult<HttpResponse> {
    caller.require(Action::ListStatsCsv)?;
    let StatsRange { from, to } = query.0;
    rules::check_span(from, to)?;
    let years = state
        .read(caller.freshness(), async |conn| {
            service::figures(conn, &state.config, from, to).await
        })
        .await?;
    Ok(with_etag(&req, CSV, CACHE, csv::document(&years)))
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
    let year = StatsYear::from_path(year.into_inner())?;
    let figures = body.0;
    let mut conn = state.pool.get().await?;
    service::put_manual_figures(&mut conn, &caller, year, &figures).await?;
    Ok(web::Json(figures))
}
