//! What a year's calendar may list.

use std::collections::HashSet;

use chrono::{Datelike, NaiveDate, Weekday};

use super::model::Calendar;
use crate::error::FieldError;
use crate::values::CalendarYear;

/// Checks a calendar for the year in the path, reporting every bad date by its place in the
/// lists: holidays are weekdays of the year, made-up working days are weekend days of the
/// year, and no date is listed twice.
pub fn check(year: CalendarYear, cal: &Calendar) -> Result<(), Vec<FieldError>> {
    let year = year.get();
    let mut errors = Vec::new();
    if cal.year.get() != year {
        errors.push(FieldError::new(
            "year",
            format!("must be {year}, the year in the path"),
        ));
    }
    let weekend = |d: &NaiveDate| matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
    let mut seen = HashSet::new();
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

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn year(y: i32) -> CalendarYear {
        CalendarYear::parse(y).unwrap()
    }

    #[test]
    fn rejects_dates_of_other_years_weekend_holidays_weekday_workdays_and_repeats() {
        let cal = Calendar {
            year: year(2025),
            holidays: vec![
                d("2025-10-01"),
                d("2024-10-01"),
                d("2025-10-04"),
                d("2025-10-01"),
            ],
            workdays: vec![d("2025-09-28"), d("2025-09-29")],
        };
        let errors = check(year(2025), &cal).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["holidays[1]", "holidays[2]", "holidays[3]", "workdays[1]"]
        );
        assert!(
            check(
                year(2026),
                &Calendar {
                    year: year(2025),
                    holidays: vec![],
                    workdays: vec![]
                }
            )
            .is_err()
        );
    }
}
