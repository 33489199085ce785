//! The working-day calendar (工作日): statutory deadlines are counted in working days.
//!
//! Saturdays and Sundays rest and other days work, except for the dates staff enter each year:
//! public holidays on weekdays, and weekend days made working days (调休). A deadline of N
//! working days falls on the N-th working day after the starting day; the starting day itself
//! never counts.

pub mod model;
pub mod repo;
pub mod routes;
pub mod rules;
pub mod service;

pub use model::DayKind;

use std::collections::HashMap;

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use diesel_async::AsyncPgConnection;

use crate::error::AppError;
use crate::state::DeadlineRecompute;

/// The calendar's exceptions, in memory. Dates without an entry follow the weekday rule.
#[derive(Debug, Clone, Default)]
pub struct WorkCalendar {
    exceptions: HashMap<NaiveDate, DayKind>,
}

/// The longest span any deadline computation may walk, to bound a runaway loop.
const MAX_SPAN_DAYS: i64 = 3 * 366;

impl WorkCalendar {
    pub fn new(holidays: &[NaiveDate], workdays: &[NaiveDate]) -> Self {
        let mut exceptions = HashMap::new();
        for d in holidays {
            exceptions.insert(*d, DayKind::Holiday);
        }
        for d in workdays {
            exceptions.insert(*d, DayKind::Workday);
        }
        Self { exceptions }
    }

    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        match self.exceptions.get(&day) {
            Some(DayKind::Holiday) => false,
            Some(DayKind::Workday) => true,
            None => !matches!(day.weekday(), Weekday::Sat | Weekday::Sun),
        }
    }

    /// The `n`-th working day after `start` (`start` not counted). `n = 0` gives `start`.
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> NaiveDate {
        let mut day = start;
        let mut left = n;
        let mut walked = 0;
        while left > 0 {
            day += Duration::days(1);
            walked += 1;
            assert!(
                walked <= MAX_SPAN_DAYS,
                "no working day for {MAX_SPAN_DAYS} days"
            );
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }

    /// Working days in `(from, to]`: those after `from`, up to and including `to`. Zero when
    /// `to <= from`.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        let mut count = 0;
        let mut day = from;
        while day < to {
            day += Duration::days(1);
            if self.is_working_day(day) {
                count += 1;
            }
        }
        count
    }

    /// Loads the exceptions of the given years (deadlines can cross into the next year).
    pub async fn load<C>(
        conn: &mut C,
        first_year: i32,
        last_year: i32,
    ) -> Result<Self, diesel::result::Error>
    where
        C: diesel_async::AsyncConnectionCore<Backend = diesel::pg::Pg> + Send,
    {
        let from = NaiveDate::from_ymd_opt(first_year, 1, 1).expect("valid year");
        let to = NaiveDate::from_ymd_opt(last_year, 12, 31).expect("valid year");
        Ok(Self {
            exceptions: repo::exceptions(conn, from, to)
                .await?
                .into_iter()
                .collect(),
        })
    }

    /// Loads the exceptions around `day`: the year before, its year and the next.
    pub async fn load_around(
        conn: &mut AsyncPgConnection,
        day: NaiveDate,
    ) -> Result<Self, diesel::result::Error> {
        Self::load(conn, day.year() - 1, day.year() + 1).await
    }
}

/// Recomputes every open deadline that a change of `year`'s calendar may move, in the caller's
/// transaction: each feature that holds deadlines (`AppState::deadline_holders`) recomputes its
/// own. Returns how many moved.
pub async fn recompute_open_deadlines(
    conn: &mut AsyncPgConnection,
    holders: &[DeadlineRecompute],
    year: i32,
) -> Result<u64, AppError> {
    let mut recomputed = 0;
    for recompute in holders {
        recomputed += recompute(conn, year).await?;
    }
    Ok(recomputed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// The State Council's 2025 schedule around National Day, and the 2025/2026 new year.
    fn cal() -> WorkCalendar {
        WorkCalendar::new(
            &[
                d("2025-10-01"),
                d("2025-10-02"),
                d("2025-10-03"),
                d("2025-10-06"),
                d("2025-10-07"),
                d("2025-10-08"),
                d("2026-01-01"),
                d("2026-01-02"),
            ],
            &[d("2025-09-28"), d("2025-10-11"), d("2026-01-04")],
        )
    }

    #[test]
    fn weekdays_work_weekends_rest_exceptions_win() {
        let c = cal();
        assert!(c.is_working_day(d("2025-09-26"))); // Friday
        assert!(!c.is_working_day(d("2025-09-27"))); // Saturday
        assert!(c.is_working_day(d("2025-09-28"))); // Sunday, made-up working day
        assert!(!c.is_working_day(d("2025-10-01"))); // Wednesday, National Day
    }

    #[test]
    fn receipt_on_a_working_day_does_not_count() {
        // Monday 2025-03-03 + 1 working day = Tuesday; + 20 = Monday 2025-03-31.
        let c = cal();
        assert_eq!(c.add_working_days(d("2025-03-03"), 1), d("2025-03-04"));
        assert_eq!(c.add_working_days(d("2025-03-03"), 20), d("2025-03-31"));
        assert_eq!(c.add_working_days(d("2025-03-03"), 0), d("2025-03-03"));
    }

    #[test]
    fn receipt_on_a_weekend_counts_from_monday() {
        // Saturday 2025-03-01: the first working day is Monday 03-03; 20th is Friday 03-28.
        let c = cal();
        assert_eq!(c.add_working_days(d("2025-03-01"), 1), d("2025-03-03"));
        assert_eq!(c.add_working_days(d("2025-03-01"), 20), d("2025-03-28"));
    }

    #[test]
    fn receipt_on_a_holiday_and_before_a_long_holiday() {
        let c = cal();
        // On National Day itself: the first working day is Thursday 10-09, after the holiday.
        assert_eq!(c.add_working_days(d("2025-10-01"), 1), d("2025-10-09"));
        // The made-up Saturday 10-11 counts: 10-09, 10-10, 10-11.
        assert_eq!(c.add_working_days(d("2025-10-01"), 3), d("2025-10-11"));
        // The day before the holiday (Tuesday 09-30): 09-30 not counted; 10-09 is the first.
        assert_eq!(c.add_working_days(d("2025-09-30"), 1), d("2025-10-09"));
        // 20 working days from 09-30: 10-09, 10-10, 10-11 (Saturday, made up) are 1 to 3;
        // 10-13..17 are 4 to 8, 10-20..24 are 9 to 13, 10-27..31 are 14 to 18, 11-03 is 19,
        // and the 20th is Tuesday 2025-11-04.
        assert_eq!(c.add_working_days(d("2025-09-30"), 20), d("2025-11-04"));
    }

    #[test]
    fn a_made_up_working_day_on_a_weekend_counts() {
        let c = cal();
        // Friday 09-26: the next working day is Sunday 09-28 (made up), then Monday 09-29.
        assert_eq!(c.add_working_days(d("2025-09-26"), 1), d("2025-09-28"));
        assert_eq!(c.add_working_days(d("2025-09-26"), 2), d("2025-09-29"));
    }

    #[test]
    fn deadlines_cross_the_new_year() {
        let c = cal();
        // Wednesday 2025-12-24: 25, 26, 29, 30, 31 (5), 2026-01-01/02 are holidays,
        // 01-04 (Sunday) made up (6), 01-05.. → the 10th is 2026-01-08.
        assert_eq!(c.add_working_days(d("2025-12-24"), 10), d("2026-01-08"));
    }

    #[test]
    fn working_days_between_is_the_inverse() {
        let c = cal();
        for start in ["2025-09-26", "2025-09-30", "2025-10-01", "2025-12-24"] {
            for n in [1, 7, 15, 20, 40] {
                let end = c.add_working_days(d(start), n);
                assert_eq!(c.working_days_between(d(start), end), n, "{start} + {n}");
            }
        }
        assert_eq!(c.working_days_between(d("2025-10-01"), d("2025-09-01")), 0);
    }
}
