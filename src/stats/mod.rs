//! Yearly statistics: the seed's format (2008 era) and the national format (国办公开办函
//! 〔2021〕30号, tables 2, 3 and 4), plus the feedback register's figures.
//!
//! Everything is counted from the data, in the agency's time zone: an item published at 00:30
//! on 1 January 2010 Beijing time is a 2010 item. Applications count as new in the year of
//! `received_on`, as handled in the year they were closed (`closed_on`: final answer or
//! withdrawal), and as carried over when still open at the end of a year, so that table 3
//! balances in every column: new + carried from last year = total handled + carried to next year.
//!
//! `model` holds the figures and their tables, `rules` what can be checked without the
//! database (spans, year edges, table 3's rows and balance), `repo` the statements, `service`
//! the counting of a span, `csv` the spreadsheet form, `routes` the HTTP side.

pub mod csv;
pub mod model;
pub mod repo;
pub mod routes;
pub mod rules;
pub mod service;

pub use model::{
    AppealCounts, AppealsTable, ApplicationsTable, ByCategory, Column, ColumnCounts, ManualFigures,
    YearStats,
};
pub use service::{compute, compute_range};
