//! Writing, publishing and reading the annual report.

use diesel_async::{AsyncConnection, AsyncPgConnection};

use super::model::{Report, ReportDraft, ReportSections};
use super::repo;
use crate::audit;
use crate::caller::Caller;
use crate::config::Config;
use crate::db::locks::{Lock, Mode, lock_xact};
use crate::error::{AppError, AppResult};
use crate::stats;
use crate::values::StatsYear;

/// The office's draft of the year's report; not found before it is first written.
pub async fn draft(conn: &mut AsyncPgConnection, year: StatsYear) -> AppResult<ReportDraft> {
    repo::draft(conn, year.get())
        .await?
        .ok_or(AppError::NotFound)
}

/// Writes the year's draft and records it.
pub async fn save_draft(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    year: StatsYear,
    sections: &ReportSections,
) -> AppResult<ReportDraft> {
    let year = year.get();
    let by = caller.user().map(|u| u.id);
    conn.transaction(async |conn| {
        repo::save_draft(conn, year, sections, by).await?;
        audit::record(
            conn,
            caller,
            "report.draft_saved",
            "report",
            Some(year.to_string()),
            serde_json::json!({}),
        )
        .await?;
        repo::draft(conn, year)
            .await?
            .ok_or_else(|| AppError::internal("draft vanished"))
    })
    .await
}

/// Publishes the year's report: freezes the draft's text with the figures as of this moment,
/// as the next version. A conflict when there is no draft.
pub async fn publish(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    config: &Config,
    year: StatsYear,
) -> AppResult<Report> {
    let by = caller.user().map(|u| u.id);
    conn.build_transaction()
        .repeatable_read()
        .run(async |conn| {
            // Two leaders publishing at once get consecutive versions.
            lock_xact(
                conn,
                Lock::ReportPublishing { year: year.get() },
                Mode::Exclusive,
            )
            .await?;
            let draft = repo::draft(conn, year.get()).await?.ok_or_else(|| {
                AppError::conflict(
                    "there is no draft for this year: write it with PUT /api/v1/reports/{year}",
                )
            })?;
            let figures = stats::compute(conn, config, year).await?;
            let version = repo::next_version(conn, year.get()).await?;
            repo::publish(conn, year.get(), version, &draft.sections, &figures, by).await?;
            audit::record(
                conn,
                caller,
                "report.published",
                "report",
                Some(year.get().to_string()),
                serde_json::json!({"version": version}),
            )
            .await?;
            repo::report(conn, year.get(), Some(version)).await
        })
        .await
}

/// A published version of the year's report (the latest when `version` is `None`).
pub async fn report(
    conn: &mut AsyncPgConnection,
    year: StatsYear,
    version: Option<i32>,
) -> AppResult<Report> {
    repo::report(conn, year.get(), version).await
}
