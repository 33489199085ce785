//! The calendar's vocabulary and what callers send and get.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::values::CalendarYear;

text_enum! {
    /// What a date listed in the calendar is.
    DayKind {
        /// A public holiday on a weekday.
        Holiday = "holiday",
        /// A weekend day that is a made-up working day (调休).
        Workday = "workday",
    }
}

/// A year's exceptions to the weekday rule.
#[derive(Debug, Serialize, Deserialize, ToSchema, garde::Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "year": 2025,
    "holidays": ["2025-01-01", "2025-01-28", "2025-01-29", "2025-01-30", "2025-01-31", "2025-02-03", "2025-02-04",
                 "2025-04-04", "2025-05-01", "2025-05-02", "2025-05-05", "2025-06-02",
                 "2025-10-01", "2025-10-02", "2025-10-03", "2025-10-06", "2025-10-07", "2025-10-08"],
    "workdays": ["2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"]
}))]
pub struct Calendar {
    /// The year in the path.
    #[garde(dive)]
    pub year: CalendarYear,
    /// Public holidays that fall on weekdays (Monday to Friday).
    #[garde(skip)] // Checked against the year by `rules::check`.
    pub holidays: Vec<NaiveDate>,
    /// Saturdays and Sundays that are made-up working days (调休).
    #[garde(skip)]
    pub workdays: Vec<NaiveDate>,
}

/// The calendar after a change.
#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarUpdated {
    pub year: CalendarYear,
    pub holidays: Vec<NaiveDate>,
    pub workdays: Vec<NaiveDate>,
    /// Open deadlines that were recomputed because of the change.
    pub recomputed_deadlines: u64,
}
