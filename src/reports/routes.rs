//! The annual report over HTTP: the draft, publishing, and the report as JSON, HTML or Markdown.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};

use super::model::{Report, ReportDraft, ReportQuery, ReportSections};
use super::{render, service};
use crate::auth::Action;
use crate::caller::Caller;
use crate::error::{AppError, AppResult};
use crate::http::{Json, Query, negotiate};
use crate::state::AppState;
use crate::values::StatsYear;

/// Registers this feature's routes (under `/api/v1`).
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_report_draft)
        .service(put_report_draft)
        .service(publish_report)
        .service(get_report);
}

const JSON: &str = "application/json";
const HTML: &str = "text/html";
const MARKDOWN: &str = "text/markdown";
/// The page is self-contained: its one stylesheet is inline, the chart is inline SVG.
const REPORT_CSP: &str =
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'";

/// The office's working draft of a year's report.
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    params(("year" = i32, Path, description = "Report year", minimum = 1900, maximum = 2100, example = 2025)),
    responses(
        (status = 200, description = "The draft.", body = ReportDraft),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    )
)]
#[get("/reports/{year}/draft")]
pub async fn get_report_draft(
    caller: Caller,
    state: web::Data<AppState>,
    year: web::Path<i32>,
) -> AppResult<web::Json<ReportDraft>> {
    caller.require(Action::GetReportDraft)?;
    let year = StatsYear::from_path(year.into_inner())?;
    let mut conn = state.pool.get().await?;
    Ok(web::Json(service::draft(&mut conn, year).await?))
}

/// Writes the narrative sections of a year's report (a draft until a leader publishes it).
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    params(("year" = i32, Path, description = "Report year", minimum = 1900, maximum = 2100, example = 2025)),
    request_body = ReportSections,
    responses(
        (status = 200, description = "The draft as stored.", body = ReportDraft),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
    )
)]
#[put("/reports/{year}")]
pub async fn put_report_draft(
    caller: Caller,
    state: web::Data<AppState>,
    year: web::Path<i32>,
    body: Json<ReportSections>,
) -> AppResult<web::Json<ReportDraft>> {
    caller.require(Action::PutReportDraft)?;
    let year = StatsYear::from_path(year.into_inner())?;
    let mut conn = state.pool.get().await?;
    let draft = service::save_draft(&mut conn, &caller, year, &body.0).await?;
    Ok(web::Json(draft))
}

/// Publishes the year's report: freezes the draft's text with a snapshot of the figures at this
/// moment. Publishing again makes a new version; the old ones stay readable.
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    params(("year" = i32, Path, description = "Report year", minimum = 1900, maximum = 2100, example = 2025)),
    responses(
        (status = 201, description = "The published version.", body = Report,
            headers(("Location" = String, description = "The version's address"))),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 409, response = crate::openapi::Conflict),
    )
)]
#[post("/reports/{year}/publish")]
pub async fn publish_report(
    caller: Caller,
    state: web::Data<AppState>,
    year: web::Path<i32>,
) -> AppResult<HttpResponse> {
    caller.require(Action::PublishReport)?;
    let year = StatsYear::from_path(year.into_inner())?;
    let mut conn = state.pool.get().await?;
    let report = service::publish(&mut conn, &caller, &state.config, year).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/reports/{}?version={}", report.year, report.version),
        ))
        .json(report))
}

/// A published annual report: JSON by default; `Accept: text/html` gives the whole report as a
/// printable page in the national format (with an inline SVG chart, no scripts, no external
/// assets); `Accept: text/markdown` gives Markdown.
#[utoipa::path(
    tag = "reports",
    params(
        ("year" = i32, Path, description = "Report year", minimum = 1900, maximum = 2100, example = 2009),
        ReportQuery
    ),
    responses(
        (status = 200, description = "The report.", body = Report,
            content((Report = "application/json"), (String = "text/html"), (String = "text/markdown"))),
        (status = 404, response = crate::openapi::NotFound),
        (status = 406, response = crate::openapi::NotAcceptable),
    )
)]
#[get("/reports/{year}")]
pub async fn get_report(
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
    year: web::Path<i32>,
    query: Query<ReportQuery>,
) -> AppResult<HttpResponse> {
    caller.require(Action::GetReport)?;
    let year = StatsYear::from_path(year.into_inner())?;
    let format = negotiate(&req, &[JSON, HTML, MARKDOWN]).ok_or_else(|| {
        AppError::NotAcceptable("offered: application/json, text/html, text/markdown".into())
    })?;
    let version = query.0.version;
    let report = state
        .read(caller.freshness(), async |conn| {
            service::report(conn, year, version).await
        })
        .await?;
    let mut res = HttpResponse::Ok();
    res.insert_header((header::VARY, "Accept"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"));
    Ok(match format {
        HTML => res
            .insert_header((header::CONTENT_SECURITY_POLICY, REPORT_CSP))
            .content_type("text/html; charset=utf-8")
            .body(render::html(&report)),
        MARKDOWN => res
            .content_type("text/markdown; charset=utf-8")
            .body(render::markdown(&report)),
        _ => res.json(report),
    })
}
