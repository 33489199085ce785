//! Replacing a year's calendar.

use chrono::NaiveDate;
use diesel_async::{AsyncConnection, AsyncPgConnection};

use super::model::{Calendar, CalendarUpdated, DayKind};
use super::{repo, rules};
use crate::audit;
use crate::caller::Caller;
use crate::db::locks::{Lock, Mode, lock_xact};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::values::CalendarYear;

/// A year's calendar as stored.
pub async fn load(conn: &mut AsyncPgConnection, year: CalendarYear) -> AppResult<Calendar> {
    let (mut holidays, mut workdays) = (Vec::new(), Vec::new());
    for (day, kind) in repo::year(conn, year).await? {
        match kind {
            DayKind::Holiday => holidays.push(day),
            DayKind::Workday => workdays.push(day),
        }
    }
    Ok(Calendar {
        year,
        holidays,
        workdays,
    })
}

/// Replaces a year's calendar and recomputes, in the same transaction, every open deadline the
/// change moves (in each feature of `AppState::deadline_holders`), so that due dates are always
/// current.
pub async fn replace(
    state: &AppState,
    caller: &Caller,
    year: CalendarYear,
    cal: Calendar,
) -> AppResult<CalendarUpdated> {
    rules::check(year, &cal).map_err(AppError::Validation)?;
    let days: Vec<(NaiveDate, DayKind)> = cal
        .holidays
        .iter()
        .map(|d| (*d, DayKind::Holiday))
        .chain(cal.workdays.iter().map(|d| (*d, DayKind::Workday)))
        .collect();
    let mut conn = state.pool.get().await?;
    let (calendar, recomputed) = conn
        .transaction(async |conn| {
            // One calendar change at a time: deadlines are recomputed against a stable calendar.
            lock_xact(conn, Lock::Calendar, Mode::Exclusive).await?;
            repo::replace_year(conn, year, &days).await?;
            let recomputed =
                super::recompute_open_deadlines(conn, state.deadline_holders, year.get()).await?;
            audit::record(
                conn,
                caller,
                "calendar.updated",
                "calendar",
                Some(year.get().to_string()),
                serde_json::json!({
                    "holidays": cal.holidays.len(),
                    "workdays": cal.workdays.len(),
                    "recomputed_deadlines": recomputed,
                }),
            )
            .await?;
            Ok::<_, AppError>((load(conn, year).await?, recomputed))
        })
        .await?;
    Ok(CalendarUpdated {
        year: calendar.year,
        holidays: calendar.holidays,
        workdays: calendar.workdays,
        recomputed_deadlines: recomputed,
    })
}
