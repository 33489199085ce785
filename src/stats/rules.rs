//! The rules of the figures, without the database: which spans can be asked for, where a year
//! begins and ends in the agency's zone, which row of table 3 counts a closed case, and when
//! table 3 balances.

use chrono::{DateTime, TimeZone, Utc};

use super::model::{ApplicationsTable, Column, ColumnCounts};
use crate::applications::model::{Outcome, Reason};
use crate::error::{AppError, FieldError};
use crate::values::StatsYear;

/// The longest span of `GET /stats?from=&to=`.
pub const MAX_SPAN_YEARS: i32 = 100;

/// A span of years a caller asks for: `from` not after `to`, at most [`MAX_SPAN_YEARS`].
pub fn check_span(from: StatsYear, to: StatsYear) -> Result<(), AppError> {
    let error = if from > to {
        FieldError::new("from", "must not be after `to`")
    } else if to.get() - from.get() >= MAX_SPAN_YEARS {
        FieldError::new("to", format!("at most {MAX_SPAN_YEARS} years from `from`"))
    } else {
        return Ok(());
    };
    Err(AppError::Validation(vec![error]))
}

/// The first instant of `year` in the agency's time zone, in UTC.
pub fn year_start(tz: chrono_tz::Tz, year: i32) -> DateTime<Utc> {
    tz.with_ymd_and_hms(year, 1, 1, 0, 0, 0)
        .earliest()
        .expect("midnight on 1 January exists in every zone")
        .with_timezone(&Utc)
}

/// A year in the agency's zone cut at UTC midnights: the part-day `starts..days_from`, the
/// whole UTC days `days_from..days_to`, and the part-day `days_to..ends`. In UTC, or in a zone
/// whose new year falls on a UTC midnight, both part-days are empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct YearEdges {
    pub starts: DateTime<Utc>,
    pub days_from: DateTime<Utc>,
    pub days_to: DateTime<Utc>,
    pub ends: DateTime<Utc>,
}

impl YearEdges {
    pub fn new(starts: DateTime<Utc>, ends: DateTime<Utc>) -> Self {
        let midnight = |t: DateTime<Utc>| t.date_naive().and_time(chrono::NaiveTime::MIN).and_utc();
        let floor_starts = midnight(starts);
        let days_from = if floor_starts == starts {
            starts
        } else {
            floor_starts + chrono::Days::new(1)
        };
        YearEdges {
            starts,
            days_from,
            days_to: midnight(ends),
            ends,
        }
    }

    /// The edges of each year of `from..=to`. Each year ends where the next begins: the
    /// span's year starts, and the one after it, are computed once each.
    pub fn of_span(tz: chrono_tz::Tz, from: i32, to: i32) -> Vec<YearEdges> {
        let starts: Vec<DateTime<Utc>> = (from..=to + 1).map(|y| year_start(tz, y)).collect();
        starts
            .windows(2)
            .map(|w| YearEdges::new(w[0], w[1]))
            .collect()
    }
}

/// The rows that count closed cases (between `carried_from_last_year` and `total`).
pub fn outcome_rows() -> impl Iterator<Item = &'static str> {
    let rows = ApplicationsTable::ROWS;
    rows[2..rows.len() - 2].iter().map(|(k, _)| *k)
}

/// The row of table 3 that counts a case closed with `outcome` and `reason`: `granted`,
/// `partially_granted`, or `outcome.reason`. A pair the table has no row for is refused with
/// the key it would have had.
pub fn outcome_row(outcome: Outcome, reason: Option<Reason>) -> Result<&'static str, String> {
    let key = match (outcome, reason) {
        (Outcome::Granted | Outcome::PartiallyGranted, _) | (_, None) => outcome.to_string(),
        (o, Some(r)) => format!("{o}.{r}"),
    };
    outcome_rows().find(|k| *k == key).ok_or(key)
}

/// Where the table does not balance: `new + carried_from = total + carried_to` in every
/// column, `total` the sum of the outcome rows, and each row's total the sum of its six.
pub fn imbalances(table: &ApplicationsTable) -> Vec<String> {
    let mut problems = Vec::new();
    let left = table.new_this_year.plus(&table.carried_from_last_year);
    let right = table.total.plus(&table.carried_to_next_year);
    let outcome_sum = outcome_rows()
        .filter_map(|k| table.row(k))
        .fold(ColumnCounts::default(), |a, r| a.plus(r));
    for (col, _) in ColumnCounts::COLUMNS {
        if left.get(col) != right.get(col) {
            problems.push(format!(
                "{col}: new + carried from last year = {} but total + carried to next year = {}",
                left.get(col),
                right.get(col)
            ));
        }
        if outcome_sum.get(col) != table.total.get(col) {
            problems.push(format!("{col}: total is not the sum of the outcome rows"));
        }
    }
    for (key, _) in ApplicationsTable::ROWS {
        let r = table.row(key).expect("listed row");
        let six: i64 = ColumnCounts::COLUMNS
            .iter()
            .filter(|(c, _)| *c != Column::Total)
            .map(|(c, _)| r.get(*c))
            .sum();
        if six != r.total {
            problems.push(format!("{key}: total column is not the sum of the six"));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::applications::model::ApplicantType;

    #[test]
    fn outcome_rows_are_the_national_forms() {
        let rows: Vec<_> = outcome_rows().collect();
        assert_eq!(rows.len(), 21);
        assert_eq!(rows[0], "granted");
        assert_eq!(rows[20], "other.other");
        assert_eq!(outcome_row(Outcome::Granted, None), Ok("granted"));
        assert_eq!(
            outcome_row(Outcome::Refused, Some(Reason::StateSecret)),
            Ok("refused.state_secret")
        );
        assert_eq!(
            outcome_row(Outcome::Refused, None),
            Err("refused".to_owned())
        );
        assert_eq!(
            outcome_row(Outcome::Unable, Some(Reason::StateSecret)),
            Err("unable.state_secret".to_owned())
        );
        for r in rows {
            assert!(ApplicationsTable::default().row(r).is_some());
        }
    }

    #[test]
    fn every_outcome_and_its_reasons_have_a_row() {
        for o in Outcome::ALL {
            if o.reasons().is_empty() {
                assert!(outcome_row(*o, None).is_ok(), "{o}");
            }
            for r in o.reasons() {
                assert!(outcome_row(*o, Some(*r)).is_ok(), "{o}.{r}");
            }
        }
    }

    #[test]
    fn imbalances_are_found() {
        let mut t = ApplicationsTable::default();
        assert!(imbalances(&t).is_empty());
        t.new_this_year.add(ApplicantType::Enterprise, 2);
        t.granted.add(ApplicantType::Enterprise, 1);
        t.total.add(ApplicantType::Enterprise, 1);
        assert!(!imbalances(&t).is_empty(), "one case unaccounted for");
        t.carried_to_next_year.add(ApplicantType::Enterprise, 1);
        assert!(imbalances(&t).is_empty());
        t.granted.natural_person += 1;
        assert!(
            !imbalances(&t).is_empty(),
            "a row's total must be the sum of its six"
        );
    }

    #[test]
    fn spans_run_forward_for_at_most_a_hundred_years() {
        let y = |y| StatsYear::parse(y).unwrap();
        assert!(check_span(y(2009), y(2026)).is_ok());
        assert!(check_span(y(1926), y(2025)).is_ok());
        let field = |from, to| match check_span(y(from), y(to)) {
            Err(AppError::Validation(e)) => e[0].field.clone(),
            other => panic!("{other:?}"),
        };
        assert_eq!(field(2026, 2009), "from");
        assert_eq!(field(1900, 2000), "to");
    }

    #[test]
    fn years_start_in_the_agency_zone() {
        let start = year_start(chrono_tz::Asia::Shanghai, 2010);
        assert_eq!(start.to_rfc3339(), "2009-12-31T16:00:00+00:00");
    }

    fn edges(tz: chrono_tz::Tz, year: i32) -> [String; 4] {
        let e = YearEdges::new(year_start(tz, year), year_start(tz, year + 1));
        [e.starts, e.days_from, e.days_to, e.ends].map(|t| t.to_rfc3339())
    }

    #[test]
    fn a_year_east_of_utc_is_cut_at_utc_midnights() {
        assert_eq!(
            edges(chrono_tz::Asia::Shanghai, 2010),
            [
                "2009-12-31T16:00:00+00:00",
                "2010-01-01T00:00:00+00:00",
                "2010-12-31T00:00:00+00:00",
                "2010-12-31T16:00:00+00:00",
            ]
        );
    }

    #[test]
    fn a_year_west_of_utc_and_a_half_hour_zone_are_cut_too() {
        assert_eq!(
            edges(chrono_tz::America::New_York, 2021),
            [
                "2021-01-01T05:00:00+00:00",
                "2021-01-02T00:00:00+00:00",
                "2022-01-01T00:00:00+00:00",
                "2022-01-01T05:00:00+00:00",
            ]
        );
        assert_eq!(
            edges(chrono_tz::Asia::Kolkata, 2020)[..2],
            ["2019-12-31T18:30:00+00:00", "2020-01-01T00:00:00+00:00"]
        );
    }

    #[test]
    fn a_utc_year_is_whole_days_alone() {
        let [starts, days_from, days_to, ends] = edges(chrono_tz::UTC, 2024);
        assert_eq!((&starts, &days_to), (&days_from, &ends));
        assert_eq!(starts, "2024-01-01T00:00:00+00:00");
        assert_eq!(ends, "2025-01-01T00:00:00+00:00");
    }

    #[test]
    fn a_span_s_years_meet_end_to_start() {
        let span = YearEdges::of_span(chrono_tz::Asia::Shanghai, 2019, 2021);
        assert_eq!(span.len(), 3);
        for w in span.windows(2) {
            assert_eq!(w[0].ends, w[1].starts);
        }
        assert_eq!(
            span[1],
            YearEdges::new(
                year_start(chrono_tz::Asia::Shanghai, 2020),
                year_start(chrono_tz::Asia::Shanghai, 2021)
            )
        );
    }
}
