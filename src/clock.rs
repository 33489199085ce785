//! The agency's day: receipt dates, deadlines and years are counted in its time zone.

use chrono::{DateTime, NaiveDate, Utc};
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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_agency_day_starts_at_its_own_midnight() {
        let tz: Tz = "Asia/Shanghai".parse().unwrap();
        // 2026-03-01 23:30 UTC is 07:30 on 2 March in Beijing.
        let at = Utc.with_ymd_and_hms(2026, 3, 1, 23, 30, 0).unwrap();
        assert_eq!(day_of(tz, at), NaiveDate::from_ymd_opt(2026, 3, 2).unwrap());
    }
}
