//! Writing, publishing and reading the annual report.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use chrono::{DateTime, Utc};
use diesel::sql_types::{Integer, Jsonb, Nullable, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::{Report, ReportDraft, ReportSections, render};
use crate::audit;
use crate::auth::Action;
use crate::caller::Caller;
use crate::error::{AppError, AppResult};
use crate::http::{Json, negotiate};
use crate::state::AppState;
use crate::stats::{self, YearStats, year_param};

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

#[derive(diesel::QueryableByName)]
struct DraftRow {
    #[diesel(sql_type = Jsonb)]
    sections: serde_json::Value,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    updated_by: Option<Uuid>,
    #[diesel(sql_type = Timestamptz)]
    updated_at: DateTime<Utc>,
}

#[derive(diesel::QueryableByName)]
struct ReportRow {
    #[diesel(sql_type = Integer)]
    version: i32,
    #[diesel(sql_type = Jsonb)]
    sections: serde_json::Value,
    #[diesel(sql_type = Jsonb)]
    figures: serde_json::Value,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    published_by: Option<Uuid>,
    #[diesel(sql_type = Timestamptz)]
    published_at: DateTime<Utc>,
}

#[derive(diesel::QueryableByName)]
struct Version {
    #[diesel(sql_type = Integer)]
    version: i32,
}

async fn load_draft(conn: &mut AsyncPgConnection, year: i32) -> AppResult<Option<ReportDraft>> {
    let row: Option<DraftRow> = diesel::sql_query(
        "SELECT sections, updated_by, updated_at FROM report_drafts WHERE year = $1",
    )
    .bind::<Integer, _>(year)
    .get_result(conn)
    .await
    .map(Some)
    .or_else(|e| match e {
        diesel::result::Error::NotFound => Ok(None),
        e => Err(e),
    })?;
    row.map(|r| {
        Ok(ReportDraft {
            year,
            sections: serde_json::from_value(r.sections).map_err(AppError::internal)?,
            updated_by: r.updated_by,
            updated_at: r.updated_at,
        })
    })
    .transpose()
}

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
    let year = year_param(year.into_inner())?;
    let mut conn = state.pool.get().await?;
    load_draft(&mut conn, year)
        .await?
        .map(web::Json)
        .ok_or(AppError::NotFound)
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
    let year = year_param(year.into_inner())?;
    let sections = body.0;
    sections.validate().map_err(AppError::Validation)?;
    let value = serde_json::to_value(&sections).expect("sections serialise");
    let by = caller.user().map(|u| u.id);
    let mut conn = state.pool.get().await?;
    let draft = conn
        .transaction(async |conn| {
            diesel::sql_query(
                "INSERT INTO report_drafts (year, sections, updated_by) VALUES ($1, $2, $3)
                 ON CONFLICT (year) DO UPDATE SET sections = EXCLUDED.sections,
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
                "report.draft_saved",
                "report",
                Some(year.to_string()),
                serde_json::json!({}),
            )
            .await?;
            load_draft(conn, year)
                .await?
                .ok_or_else(|| AppError::internal("draft vanished"))
        })
        .await?;
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
    let year = year_param(year.into_inner())?;
    let by = caller.user().map(|u| u.id);
    let mut conn = state.pool.get().await?;
    let report = conn
        .build_transaction()
        .repeatable_read()
        .run(async |conn| {
            // Two leaders publishing at once get consecutive versions.
            diesel::sql_query("SELECT pg_advisory_xact_lock(74016, $1)")
                .bind::<Integer, _>(year)
                .execute(conn)
                .await?;
            let draft = load_draft(conn, year).await?.ok_or_else(|| {
                AppError::conflict("there is no draft for this year: write it with PUT /api/v1/reports/{year}")
            })?;
            let figures = stats::compute(conn, &state.config, year).await?;
            let next: Version = diesel::sql_query(
                "SELECT coalesce(max(version), 0) + 1 AS version FROM reports WHERE year = $1",
            )
            .bind::<Integer, _>(year)
            .get_result(conn)
            .await?;
            diesel::sql_query(
                "INSERT INTO reports (year, version, sections, figures, published_by) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind::<Integer, _>(year)
            .bind::<Integer, _>(next.version)
            .bind::<Jsonb, _>(serde_json::to_value(&draft.sections).expect("serialise"))
            .bind::<Jsonb, _>(serde_json::to_value(&figures).expect("serialise"))
            .bind::<Nullable<SqlUuid>, _>(by)
            .execute(conn)
            .await?;
            audit::record(
                conn,
                &caller,
                "report.published",
                "report",
                Some(year.to_string()),
                serde_json::json!({"version": next.version}),
            )
            .await?;
            load_report(conn, year, Some(next.version)).await
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/reports/{year}?version={}", report.version),
        ))
        .json(report))
}

async fn load_report(
    conn: &mut AsyncPgConnection,
    year: i32,
    version: Option<i32>,
) -> AppResult<Report> {
    let versions: Vec<Version> =
        diesel::sql_query("SELECT version FROM reports WHERE year = $1 ORDER BY version")
            .bind::<Integer, _>(year)
            .load(conn)
            .await?;
    let versions: Vec<i32> = versions.into_iter().map(|v| v.version).collect();
    let wanted = match version {
        Some(v) => v,
        None => *versions.last().ok_or(AppError::NotFound)?,
    };
    let row: ReportRow = diesel::sql_query(
        "SELECT version, sections, figures, published_by, published_at FROM reports WHERE year = $1 AND version = $2",
    )
    .bind::<Integer, _>(year)
    .bind::<Integer, _>(wanted)
    .get_result(conn)
    .await?;
    let figures: YearStats = serde_json::from_value(row.figures).map_err(AppError::internal)?;
    Ok(Report {
        year,
        version: row.version,
        published_at: row.published_at,
        published_by: row.published_by,
        sections: serde_json::from_value(row.sections).map_err(AppError::internal)?,
        figures,
        versions,
    })
}

/// Which version of a report.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// A published version (default: the latest).
    #[param(minimum = 1, maximum = 1000)]
    pub version: Option<i32>,
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
    query: web::Query<ReportQuery>,
) -> AppResult<HttpResponse> {
    caller.require(Action::GetReport)?;
    let year = year_param(year.into_inner())?;
    let format = negotiate(&req, &[JSON, HTML, MARKDOWN]).ok_or_else(|| {
        AppError::NotAcceptable("offered: application/json, text/html, text/markdown".into())
    })?;
    if let Some(v) = query.version {
        if !(1..=1000).contains(&v) {
            return Err(AppError::invalid("version", "must be from 1 to 1000"));
        }
    }
    let mut conn = state.pool.get().await?;
    let report = load_report(&mut conn, year, query.version).await?;
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
