//! The calendar's dates in the database.

use chrono::NaiveDate;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::result::Error;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::model::DayKind;
use crate::db::schema::calendar_days;
use crate::values::CalendarYear;

/// The dates listed between `from` and `to` (both included), in order, with their kinds.
pub async fn exceptions<C>(
    conn: &mut C,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(NaiveDate, DayKind)>, Error>
where
    C: diesel_async::AsyncConnectionCore<Backend = Pg> + Send,
{
    calendar_days::table
        .filter(calendar_days::day.between(from, to))
        .order(calendar_days::day)
        .select((calendar_days::day, calendar_days::kind))
        .load(conn)
        .await
}

/// The first and last days of a year.
fn bounds(year: CalendarYear) -> (NaiveDate, NaiveDate) {
    let year = year.get();
    (
        NaiveDate::from_ymd_opt(year, 1, 1).expect("a calendar year has a first day"),
        NaiveDate::from_ymd_opt(year, 12, 31).expect("a calendar year has a last day"),
    )
}

/// The dates listed in a year, in order, with their kinds.
pub async fn year(
    conn: &mut AsyncPgConnection,
    year: CalendarYear,
) -> Result<Vec<(NaiveDate, DayKind)>, Error> {
    let (from, to) = bounds(year);
    exceptions(conn, from, to).await
}

/// Replaces the dates listed in a year.
pub async fn replace_year(
    conn: &mut AsyncPgConnection,
    year: CalendarYear,
    days: &[(NaiveDate, DayKind)],
) -> Result<(), Error> {
    let (from, to) = bounds(year);
    diesel::delete(calendar_days::table.filter(calendar_days::day.between(from, to)))
        .execute(conn)
        .await?;
    let rows: Vec<_> = days
        .iter()
        .map(|(day, kind)| (calendar_days::day.eq(*day), calendar_days::kind.eq(*kind)))
        .collect();
    diesel::insert_into(calendar_days::table)
        .values(&rows)
        .execute(conn)
        .await?;
    Ok(())
}
