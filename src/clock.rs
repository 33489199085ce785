//! The agency's day: receipt dates, deadlines and years are counted in its time zone.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

/// Today in the agency's time zone. Between 00:00 and 08:00 in Beijing, UTC is still on the
/// previous day: every date the service records is taken from here, never from UTC.
pub fn today(tz: Tz) -> NaiveDate {
    day_of(tz, Utc::now())
}

/// The agency's calendar day of an instant.
pub fn day_of(tz: Tz, at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&tz).date_naive()
}

/// The first instant of a calendar day in the agency's time zone.
pub fn day_start(tz: Tz, day: NaiveDate) -> DateTime<Utc> {
    let midnight = day.and_hms_opt(0, 0, 0).expect("midnight");
    match tz.from_local_datetime(&midnight).earliest() {
        Some(t) => t.with_timezone(&Utc),
        // Midnight skipped by a clock change: the day starts an hour later.
        None => tz
            .from_local_datetime(&(midnight + chrono::Duration::hours(1)))
            .earliest()
            .map_or_else(
                || Utc.from_utc_datetime(&midnight),
                |t| t.with_timezone(&Utc),
            ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_agency_day_starts_at_its_own_midnight() {
        let tz: Tz = "Asia/Shanghai".parse().unwrap();
        // 2026-03-01 23:30 UTC is 07:30 on 2 March in Beijing.
        let at = Utc.with_ymd_and_hms(2026, 3, 1, 23, 30, 0).unwrap();
        assert_eq!(day_of(tz, at), NaiveDate::from_ymd_opt(2026, 3, 2).unwrap());
    }

    #[test]
    fn days_and_years_are_counted_in_the_agency_time_zone() {
        let tz: Tz = "Asia/Shanghai".parse().unwrap();
        // 00:30 on 1 January 2010 in Beijing is still 2009 in UTC.
        let at = Utc.with_ymd_and_hms(2009, 12, 31, 16, 30, 0).unwrap();
        assert_eq!(chrono::Datelike::year(&day_of(tz, at)), 2010);
        assert_eq!(
            day_start(tz, NaiveDate::from_ymd_opt(2010, 1, 1).unwrap()),
            Utc.with_ymd_and_hms(2009, 12, 31, 16, 0, 0).unwrap()
        );
    }
}
