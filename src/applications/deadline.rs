//! The statutory deadline of an application, derived from its events and the calendar.
//!
//! `due_on` is never edited by hand: every action and every calendar change recomputes it from
//! the same inputs, so that it cannot drift from the rules:
//! - 20 working days (`ANSWER_DAYS`) from the day of receipt, which does not count;
//! - after a correction (补正) the 20 days run again from the day the correction arrived, and
//!   while a correction is awaited the clock is stopped;
//! - the working days of a consultation (征求意见) do not count: a consultation started on S
//!   and ended on E removes the working days after S up to and including E; while one is open
//!   the clock is stopped;
//! - an extension adds its days (at most `MAX_EXTENSION_DAYS`) to the limit.

use chrono::{Duration, NaiveDate};

use crate::calendar::WorkCalendar;

/// Working days to answer (2019 Regulations, art. 33).
pub const ANSWER_DAYS: u32 = 20;
/// The longest extension a leader may grant.
pub const MAX_EXTENSION_DAYS: u32 = 20;
/// A correction may only be asked for within this many working days of receipt.
pub const CORRECTION_WINDOW_DAYS: u32 = 7;
/// Days walked at most, so that a malformed calendar cannot loop forever.
const MAX_WALK_DAYS: i64 = 10 * 366;

/// A consultation pause: started on `start`, ended on `end` (`None` while it lasts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pause {
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
}

/// Everything the deadline depends on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeadlineInputs {
    pub received_on: NaiveDate,
    /// A correction was asked for and has not arrived: the clock is stopped.
    pub awaiting_correction: bool,
    /// The day the correction arrived: the clock starts again from it.
    pub correction_submitted_on: Option<NaiveDate>,
    pub pauses: Vec<Pause>,
    pub extension_days: u32,
}

impl DeadlineInputs {
    /// The day the clock (last) started: the day of receipt, or of the correction.
    pub fn clock_start(&self) -> NaiveDate {
        self.correction_submitted_on.unwrap_or(self.received_on)
    }

    /// The last day to answer, or `None` while the clock is stopped.
    pub fn due_on(&self, cal: &WorkCalendar) -> Option<NaiveDate> {
        if self.awaiting_correction || self.pauses.iter().any(|p| p.end.is_none()) {
            return None;
        }
        let paused = |day: NaiveDate| {
            self.pauses
                .iter()
                .any(|p| p.start < day && p.end.is_some_and(|end| day <= end))
        };
        let limit = ANSWER_DAYS + self.extension_days;
        let start = self.clock_start();
        let mut day = start;
        let mut counted = 0;
        while counted < limit {
            day += Duration::days(1);
            if (day - start).num_days() > MAX_WALK_DAYS {
                return None;
            }
            if cal.is_working_day(day) && !paused(day) {
                counted += 1;
            }
        }
        Some(day)
    }

    /// The years whose calendar this deadline depends on, from the clock start to `until`.
    pub fn years(&self, until: NaiveDate) -> (i32, i32) {
        use chrono::Datelike;
        let start = self.clock_start();
        (start.year(), until.max(start).year())
    }
}

/// Whether a correction may still be asked for on `today`: within 7 working days of receipt.
pub fn correction_still_possible(
    received_on: NaiveDate,
    today: NaiveDate,
    cal: &WorkCalendar,
) -> bool {
    cal.working_days_between(received_on, today) <= CORRECTION_WINDOW_DAYS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// The 2025 National Day schedule and the 2025/2026 new year, as in `calendar`'s tests.
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

    fn received(on: &str) -> DeadlineInputs {
        DeadlineInputs {
            received_on: d(on),
            ..Default::default()
        }
    }

    #[test]
    fn plain_receipt_is_twenty_working_days() {
        let c = cal();
        // Working day (Monday 2025-03-03) -> Monday 2025-03-31.
        assert_eq!(received("2025-03-03").due_on(&c), Some(d("2025-03-31")));
        // Weekend (Saturday 2025-03-01) -> Friday 2025-03-28.
        assert_eq!(received("2025-03-01").due_on(&c), Some(d("2025-03-28")));
        // Holiday (2025-10-01): counting starts on 10-09, as from the day before the holiday.
        assert_eq!(received("2025-10-01").due_on(&c), Some(d("2025-11-04")));
        // The day before the long holiday (2025-09-30) -> 2025-11-04.
        assert_eq!(received("2025-09-30").due_on(&c), Some(d("2025-11-04")));
        // Friday 09-26: the made-up Sunday 09-28 is day 1, 09-29 day 2, 09-30 day 3,
        // then 10-09, 10-10, 10-11 (made up) are 4 to 6, 10-13..17 7 to 11, 10-20..24 12 to 16,
        // 10-27..30 17 to 20.
        assert_eq!(received("2025-09-26").due_on(&c), Some(d("2025-10-30")));
    }

    #[test]
    fn a_deadline_crosses_the_new_year() {
        // Monday 2025-12-08: 12-09..12 (4), 15..19 (9), 22..26 (14), 29..31 (17),
        // 01-01/02 holidays, 01-04 made up (18), 01-05 (19), 01-06 (20).
        assert_eq!(received("2025-12-08").due_on(&cal()), Some(d("2026-01-06")));
    }

    #[test]
    fn a_correction_stops_the_clock_and_restarts_the_twenty_days() {
        let c = cal();
        let mut i = received("2025-03-03");
        i.awaiting_correction = true;
        assert_eq!(i.due_on(&c), None, "stopped while awaited");
        i.awaiting_correction = false;
        // The correction arrives on Monday 2025-03-10: 20 working days from it.
        i.correction_submitted_on = Some(d("2025-03-10"));
        assert_eq!(i.due_on(&c), Some(d("2025-04-07")));
        assert_eq!(i.clock_start(), d("2025-03-10"));
    }

    #[test]
    fn consultation_days_do_not_count_even_across_a_holiday() {
        let c = cal();
        // Received Monday 2025-09-22: plainly due 2025-10-24 (09-23..26 4, 09-28 5, 09-29/30 7,
        // 10-09..11 10, 10-13..17 15, 10-20..24 20).
        let mut i = received("2025-09-22");
        assert_eq!(i.due_on(&c), Some(d("2025-10-24")));
        // Open consultation: clock stopped.
        i.pauses.push(Pause {
            start: d("2025-09-29"),
            end: None,
        });
        assert_eq!(i.due_on(&c), None);
        // Consulted from Monday 09-29 to Friday 10-10: the working days after 09-29 up to
        // 10-10 are 09-30, 10-09, 10-10 (the holiday in between never counted): 3 days.
        i.pauses[0].end = Some(d("2025-10-10"));
        assert_eq!(c.working_days_between(d("2025-09-29"), d("2025-10-10")), 3);
        assert_eq!(i.due_on(&c), Some(d("2025-10-29")));
        // Started and ended the same day: nothing is paused.
        i.pauses[0].end = Some(d("2025-09-29"));
        assert_eq!(i.due_on(&c), Some(d("2025-10-24")));
    }

    #[test]
    fn a_consultation_after_the_deadline_does_not_revive_it() {
        let c = cal();
        let mut i = received("2025-03-03");
        i.pauses.push(Pause {
            start: d("2025-04-01"),
            end: Some(d("2025-04-10")),
        });
        assert_eq!(i.due_on(&c), Some(d("2025-03-31")));
    }

    #[test]
    fn an_extension_adds_its_working_days() {
        let c = cal();
        let mut i = received("2025-03-03");
        i.extension_days = 20;
        // 40 working days from 2025-03-03 (no holidays in this test calendar in spring).
        assert_eq!(i.due_on(&c), Some(d("2025-04-28")));
        i.extension_days = 5;
        assert_eq!(i.due_on(&c), Some(d("2025-04-07")));
    }

    #[test]
    fn an_extension_and_a_consultation_combine() {
        let c = cal();
        let mut i = received("2025-09-22");
        i.extension_days = 10;
        i.pauses.push(Pause {
            start: d("2025-09-29"),
            end: Some(d("2025-10-10")),
        });
        // 30 counted working days after 09-22, skipping the 3 paused ones: 20 end on 10-29,
        // then 10-30, 10-31, 11-03..07, 11-10..12 are 21 to 30.
        assert_eq!(i.due_on(&c), Some(d("2025-11-12")));
    }

    #[test]
    fn a_calendar_change_moves_an_open_deadline() {
        let before = cal();
        let i = received("2025-12-08");
        assert_eq!(i.due_on(&before), Some(d("2026-01-06")));
        // The 2026 schedule changes: 01-04 is no longer made up, and 01-05 becomes a holiday.
        let after = WorkCalendar::new(
            &[
                d("2025-10-01"),
                d("2026-01-01"),
                d("2026-01-02"),
                d("2026-01-05"),
            ],
            &[],
        );
        // 17 working days to 12-31, then 01-06, 01-07, 01-08.
        assert_eq!(i.due_on(&after), Some(d("2026-01-08")));
    }

    #[test]
    fn the_correction_window_is_seven_working_days() {
        let c = cal();
        // Received Friday 2025-09-26: 09-28, 09-29, 09-30, 10-09, 10-10, 10-11, 10-13 are 1 to 7.
        assert!(correction_still_possible(
            d("2025-09-26"),
            d("2025-09-26"),
            &c
        ));
        assert!(correction_still_possible(
            d("2025-09-26"),
            d("2025-10-13"),
            &c
        ));
        assert!(!correction_still_possible(
            d("2025-09-26"),
            d("2025-10-14"),
            &c
        ));
    }
}
