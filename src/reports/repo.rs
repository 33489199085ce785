//! The statements of the report (their SQL in `sql/`): the draft, the published versions, and
//! publishing one. Sections and figures are stored as JSON documents; a document that no
//! longer reads as its type is an internal error.

use chrono::{DateTime, Utc};
use diesel::OptionalExtension;
use diesel::sql_types::{Integer, Jsonb, Nullable, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::model::{Report, ReportDraft, ReportSections};
use crate::error::{AppError, AppResult};
use crate::stats::YearStats;

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

/// The year's draft, if the office has written one.
pub async fn draft(conn: &mut AsyncPgConnection, year: i32) -> AppResult<Option<ReportDraft>> {
    let row: Option<DraftRow> = diesel::sql_query(include_str!("sql/draft.sql"))
        .bind::<Integer, _>(year)
        .get_result(conn)
        .await
        .optional()?;
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

/// Stores the year's draft, replacing the one before.
pub async fn save_draft(
    conn: &mut AsyncPgConnection,
    year: i32,
    sections: &ReportSections,
    by: Option<Uuid>,
) -> AppResult<()> {
    let value = serde_json::to_value(sections).expect("sections serialise");
    diesel::sql_query(include_str!("sql/save_draft.sql"))
        .bind::<Integer, _>(year)
        .bind::<Jsonb, _>(&value)
        .bind::<Nullable<SqlUuid>, _>(by)
        .execute(conn)
        .await?;
    Ok(())
}

/// The number the year's next published version takes.
pub async fn next_version(conn: &mut AsyncPgConnection, year: i32) -> AppResult<i32> {
    let next: Version = diesel::sql_query(include_str!("sql/next_version.sql"))
        .bind::<Integer, _>(year)
        .get_result(conn)
        .await?;
    Ok(next.version)
}

/// Stores a published version: the draft's sections and the figures as they are now.
pub async fn publish(
    conn: &mut AsyncPgConnection,
    year: i32,
    version: i32,
    sections: &ReportSections,
    figures: &YearStats,
    by: Option<Uuid>,
) -> AppResult<()> {
    diesel::sql_query(include_str!("sql/publish.sql"))
        .bind::<Integer, _>(year)
        .bind::<Integer, _>(version)
        .bind::<Jsonb, _>(serde_json::to_value(sections).expect("serialise"))
        .bind::<Jsonb, _>(serde_json::to_value(figures).expect("serialise"))
        .bind::<Nullable<SqlUuid>, _>(by)
        .execute(conn)
        .await?;
    Ok(())
}

/// A published version of the year's report (the latest when `version` is `None`), with the
/// list of all its versions; not found when there is none.
pub async fn report(
    conn: &mut AsyncPgConnection,
    year: i32,
    version: Option<i32>,
) -> AppResult<Report> {
    let versions: Vec<Version> = diesel::sql_query(include_str!("sql/versions.sql"))
        .bind::<Integer, _>(year)
        .load(conn)
        .await?;
    let versions: Vec<i32> = versions.into_iter().map(|v| v.version).collect();
    let wanted = match version {
        Some(v) => v,
        None => *versions.last().ok_or(AppError::NotFound)?,
    };
    let row: ReportRow = diesel::sql_query(include_str!("sql/report.sql"))
        .bind::<Integer, _>(year)
        .bind::<Integer, _>(wanted)
        .get_result(conn)
        .await?;
    Ok(Report {
        year,
        version: row.version,
        published_at: row.published_at,
        published_by: row.published_by,
        sections: serde_json::from_value(row.sections).map_err(AppError::internal)?,
        figures: serde_json::from_value(row.figures).map_err(AppError::internal)?,
        versions,
    })
}
