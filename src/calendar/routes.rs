//! Reading and setting a year's calendar.

use actix_web::{get, put, web};
use chrono::{Datelike, NaiveDate, Weekday};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::audit;
use crate::auth::Action;
use crate::caller::Caller;
use crate::db::locks::{Lock, Mode, lock_xact};
use crate::db::schema::calendar_days;
use crate::error::{AppError, AppResult, FieldError};
use crate::http::Json;
use crate::state::AppState;

/// Registers this feature's routes (under `/api/v1`).
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_calendar).service(put_calendar);
}

/// The first and last years a calendar can be kept for.
pub const YEARS: std::ops::RangeInclusive<i32> = 1990..=2100;

/// A year's exceptions to the weekday rule.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "year": 2025,
    "holidays": ["2025-01-01", "2025-01-28", "2025-01-29", "2025-01-30", "2025-01-31", "2025-02-03", "2025-02-04",
                 "2025-04-04", "2025-05-01", "2025-05-02", "2025-05-05", "2025-06-02",
                 "2025-10-01", "2025-10-02", "2025-10-03", "2025-10-06", "2025-10-07", "2025-10-08"],
    "workdays": ["2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"]
}))]
#[derive(garde::Validate)]
#[garde(allow_unvalidated)]
pub struct Calendar {
    /// The year in the path.
    #[schema(minimum = 1990, maximum = 2100)]
    pub year: i32,
    /// Public holidays that fall on weekdays (Monday to Friday).
    pub holidays: Vec<NaiveDate>,
    /// Saturdays and Sundays that are made-up working days (调休).
    pub workdays: Vec<NaiveDate>,
}

/// The calendar after a change.
#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarUpdated {
    pub year: i32,
    pub holidays: Vec<NaiveDate>,
    pub workdays: Vec<NaiveDate>,
    /// Open deadlines that were recomputed because of the change.
    pub recomputed_deadlines: u64,
}

fn check_year(year: i32) -> AppResult<()> {
    if YEARS.contains(&year) {
        Ok(())
    } else {
        Err(AppError::invalid(
            "year",
            format!("must be from {} to {}", YEARS.start(), YEARS.end()),
        ))
    }
}

/// A year's working-day calendar. A year never set has no exceptions: every weekday works.
#[utoipa::path(
    tag = "calendar",
    params(("year" = i32, Path, description = "Calendar year, 1990 to 2100", example = 2025, minimum = 1990, maximum = 2100)),
    responses(
        (status = 200, description = "The year's holidays and made-up working days.", body = Calendar),
        (status = 404, response = crate::openapi::NotFound),
    )
)]
#[get("/calendar/{year}")]
pub async fn get_calendar(
    caller: Caller,
    state: web::Data<AppState>,
    year: web::Path<i32>,
) -> AppResult<web::Json<Calendar>> {
    caller.require(Action::GetCalendar)?;
    let year = year.into_inner();
    check_year(year)?;
    let mut conn = state.pool.get().await?;
    Ok(web::Json(load_year(&mut conn, year).await?))
}

async fn load_year(
    conn: &mut diesel_async::AsyncPgConnection,
    year: i32,
) -> Result<Calendar, diesel::result::Error> {
    let from = NaiveDate::from_ymd_opt(year, 1, 1).expect("checked year");
    let to = NaiveDate::from_ymd_opt(year, 12, 31).expect("checked year");
    let rows: Vec<(NaiveDate, String)> = calendar_days::table
        .filter(calendar_days::day.between(from, to))
        .order(calendar_days::day)
        .select((calendar_days::day, calendar_days::kind))
        .load(conn)
        .await?;
    let (mut holidays, mut workdays) = (Vec::new(), Vec::new());
    for (day, kind) in rows {
        if kind == "holiday" {
            holidays.push(day);
        } else {
            workdays.push(day);
        }
    }
    Ok(Calendar {
        year,
        holidays,
        workdays,
    })
}

/// Checks a calendar for its year, reporting every bad date by its place in the lists.
pub fn validate(year: i32, cal: &Calendar) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    if cal.year != year {
        errors.push(FieldError::new(
            "year",
            format!("must be {year}, the year in the path"),
        ));
    }
    let weekend = |d: &NaiveDate| matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
    let mut seen = std::collections::HashSet::new();
    for (list, dates, want_weekend) in [
        ("holidays", &cal.holidays, false),
        ("workdays", &cal.workdays, true),
    ] {
        for (i, d) in dates.iter().enumerate() {
            let field = format!("{list}[{i}]");
            if d.year() != year {
                errors.push(FieldError::new(field, format!("{d} is not in {year}")));
            } else if weekend(d) != want_weekend {
                errors.push(FieldError::new(
                    field,
                    if want_weekend {
                        format!("{d} is a weekday, already a working day; list only weekend days")
                    } else {
                        format!(
                            "{d} is a weekend day, already a rest day; list only weekday holidays"
                        )
                    },
                ));
            } else if !seen.insert(*d) {
                errors.push(FieldError::new(field, format!("{d} is listed twice")));
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Replaces a year's calendar. Every open deadline the change moves is recomputed in the same
/// transaction, so that `due_on` is always current.
#[utoipa::path(
    tag = "calendar",
    security(("bearer" = [])),
    params(("year" = i32, Path, description = "Calendar year, 1990 to 2100", example = 2025, minimum = 1990, maximum = 2100)),
    request_body = Calendar,
    responses(
        (status = 200, description = "The new calendar.", body = CalendarUpdated),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
    )
)]
#[put("/calendar/{year}")]
pub async fn put_calendar(
    caller: Caller,
    state: web::Data<AppState>,
    year: web::Path<i32>,
    body: Json<Calendar>,
) -> AppResult<web::Json<CalendarUpdated>> {
    caller.require(Action::PutCalendar)?;
    let year = year.into_inner();
    check_year(year)?;
    let cal = body.0;
    validate(year, &cal).map_err(AppError::Validation)?;
    let mut conn = state.pool.get().await?;
    let (calendar, recomputed) = conn
        .transaction(async |conn| {
            // One calendar change at a time: deadlines are recomputed against a stable calendar.
            lock_xact(conn, Lock::Calendar, Mode::Exclusive).await?;
            let from = NaiveDate::from_ymd_opt(year, 1, 1).expect("checked year");
            let to = NaiveDate::from_ymd_opt(year, 12, 31).expect("checked year");
            diesel::delete(calendar_days::table.filter(calendar_days::day.between(from, to)))
                .execute(conn)
                .await?;
            let rows: Vec<_> = cal
                .holidays
                .iter()
                .map(|d| (calendar_days::day.eq(*d), calendar_days::kind.eq("holiday")))
                .chain(
                    cal.workdays
                        .iter()
                        .map(|d| (calendar_days::day.eq(*d), calendar_days::kind.eq("workday"))),
                )
                .collect();
            diesel::insert_into(calendar_days::table)
                .values(&rows)
                .execute(conn)
                .await?;
            let recomputed =
                super::recompute_open_deadlines(conn, state.deadline_holders, year).await?;
            audit::record(
                conn,
                &caller,
                "calendar.updated",
                "calendar",
                Some(year.to_string()),
                serde_json::json!({
                    "holidays": cal.holidays.len(),
                    "workdays": cal.workdays.len(),
                    "recomputed_deadlines": recomputed,
                }),
            )
            .await?;
            Ok::<_, AppError>((load_year(conn, year).await?, recomputed))
        })
        .await?;
    Ok(web::Json(CalendarUpdated {
        year: calendar.year,
        holidays: calendar.holidays,
        workdays: calendar.workdays,
        recomputed_deadlines: recomputed,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn rejects_dates_of_other_years_weekend_holidays_weekday_workdays_and_repeats() {
        let cal = Calendar {
            year: 2025,
            holidays: vec![
                d("2025-10-01"),
                d("2024-10-01"),
                d("2025-10-04"),
                d("2025-10-01"),
            ],
            workdays: vec![d("2025-09-28"), d("2025-09-29")],
        };
        let errors = validate(2025, &cal).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["holidays[1]", "holidays[2]", "holidays[3]", "workdays[1]"]
        );
        assert!(
            validate(
                2026,
                &Calendar {
                    year: 2025,
                    holidays: vec![],
                    workdays: vec![]
                }
            )
            .is_err()
        );
    }
}
