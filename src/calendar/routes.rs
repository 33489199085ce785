//! Reading and setting a year's calendar.

use actix_web::{get, put, web};

use super::model::{Calendar, CalendarUpdated};
use super::service;
use crate::auth::Action;
use crate::caller::Caller;
use crate::error::{AppError, AppResult};
use crate::http::Json;
use crate::state::AppState;
use crate::values::CalendarYear;

/// Registers this feature's routes (under `/api/v1`).
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_calendar).service(put_calendar);
}

/// The year in the path: out of range is a 422 naming `year`.
fn path_year(year: web::Path<i32>) -> AppResult<CalendarYear> {
    CalendarYear::parse(year.into_inner()).map_err(|message| AppError::invalid("year", message))
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
    let year = path_year(year)?;
    let calendar = state
        .read(caller.freshness(), async |conn| {
            service::load(conn, year).await
        })
        .await?;
    Ok(web::Json(calendar))
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
    let year = path_year(year)?;
    Ok(web::Json(
        service::replace(&state, &caller, year, body.0).await?,
    ))
}
