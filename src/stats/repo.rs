//! The statements of the figures (their SQL in `sql/`): five that count a span of years, each
//! reading its table once for the whole span and grouping its rows by year, and the one that
//! stores the manual figures of a year.
//!
//! The five texts are fixed: they stay prepared on their connection ([`Prepared`]).

use chrono::{DateTime, NaiveDate, Utc};
use diesel::result::Error;
use diesel::sql_types::{
    Array, BigInt, Date, Integer, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid,
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::rules::YearEdges;
use crate::applications::model::{AppealKind, AppealResult, ApplicantType, Outcome, Reason};
use crate::db::Prepared;
use crate::feedback::model::{Channel as FeedbackChannel, Kind as FeedbackKind};
use crate::items::Category;

/// Items of one category published in one year.
#[derive(diesel::QueryableByName)]
pub struct CategoryCount {
    #[diesel(sql_type = Integer)]
    pub year: i32,
    #[diesel(sql_type = Text)]
    pub category: Category,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

/// Items published in each year; withdrawn ones keep their publication time and count.
///
/// A year in the agency's zone is its whole UTC days, from the stored per-day counts
/// (`item_daily_counts`, kept by triggers), plus the items of the part-days at its ends (empty
/// in UTC), counted from the partial index `items_stats_idx` (its condition written as the
/// index's, so that the scan reads the index alone).
pub async fn items_by_year(
    conn: &mut AsyncPgConnection,
    years: &[i32],
    edges: &[YearEdges],
) -> Result<Vec<CategoryCount>, Error> {
    let column = |f: fn(&YearEdges) -> DateTime<Utc>| -> Vec<_> { edges.iter().map(f).collect() };
    let query = diesel::sql_query(include_str!("sql/items_by_year.sql"))
        .bind::<Array<Integer>, _>(years)
        .bind::<Array<Timestamptz>, _>(column(|e| e.starts))
        .bind::<Array<Timestamptz>, _>(column(|e| e.days_from))
        .bind::<Array<Timestamptz>, _>(column(|e| e.days_to))
        .bind::<Array<Timestamptz>, _>(column(|e| e.ends));
    Prepared(query).load(conn).await
}

/// Applications of one type received in one year (clipped to the year before and the year
/// after the span) and closed in one year (NULL: still open), with one outcome.
#[derive(diesel::QueryableByName)]
pub struct CaseCount {
    #[diesel(sql_type = Text)]
    pub applicant_type: ApplicantType,
    #[diesel(sql_type = Integer)]
    pub received_in: i32,
    #[diesel(sql_type = Nullable<Integer>)]
    pub closed_in: Option<i32>,
    #[diesel(sql_type = Nullable<Text>)]
    pub outcome: Option<Outcome>,
    #[diesel(sql_type = Nullable<Text>)]
    pub reason: Option<Reason>,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

/// Table 3 in one pass over the cases that were open at some time in the span or closed in
/// it, by the year received and the year closed (dates: no time zone involved). The years
/// before the span are one group, and so are the years after it; still open: NULL.
///
/// Three disjoint parts, each read through an index: received in the span (and not closed
/// before it); received before it and open when it began (their span contains its eve:
/// `applications_span_idx`); received after it yet closed in it (broken data).
pub async fn applications_by_year(
    conn: &mut AsyncPgConnection,
    (first, last): (NaiveDate, NaiveDate),
    (from, to): (i32, i32),
) -> Result<Vec<CaseCount>, Error> {
    let query = diesel::sql_query(include_str!("sql/applications_by_year.sql"))
        .bind::<Date, _>(first)
        .bind::<Date, _>(last)
        .bind::<Integer, _>(from)
        .bind::<Integer, _>(to);
    Prepared(query).load(conn).await
}

/// Appeals of one kind filed in one year, with one result as known at that year's end.
#[derive(diesel::QueryableByName)]
pub struct AppealCount {
    #[diesel(sql_type = Integer)]
    pub year: i32,
    #[diesel(sql_type = Text)]
    pub kind: AppealKind,
    #[diesel(sql_type = Text)]
    pub result: AppealResult,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

/// Table 4: appeals filed in each year, with their result as known at the year's end
/// (decided in a later year: still pending then).
pub async fn appeals_by_year(
    conn: &mut AsyncPgConnection,
    (first, last): (NaiveDate, NaiveDate),
) -> Result<Vec<AppealCount>, Error> {
    let query = diesel::sql_query(include_str!("sql/appeals_by_year.sql"))
        .bind::<Date, _>(first)
        .bind::<Date, _>(last);
    Prepared(query).load(conn).await
}

/// Feedback of one kind and channel received in one year.
#[derive(diesel::QueryableByName)]
pub struct FeedbackCount {
    #[diesel(sql_type = Integer)]
    pub year: i32,
    #[diesel(sql_type = Text)]
    pub kind: FeedbackKind,
    #[diesel(sql_type = Text)]
    pub channel: FeedbackChannel,
    #[diesel(sql_type = BigInt)]
    pub received: i64,
    #[diesel(sql_type = BigInt)]
    pub replied: i64,
    #[diesel(sql_type = BigInt)]
    pub on_time: i64,
}

/// Feedback received in each year; replied by the year's end, and by the deadline too.
pub async fn feedback_by_year(
    conn: &mut AsyncPgConnection,
    (first, last): (NaiveDate, NaiveDate),
) -> Result<Vec<FeedbackCount>, Error> {
    let query = diesel::sql_query(include_str!("sql/feedback_by_year.sql"))
        .bind::<Date, _>(first)
        .bind::<Date, _>(last);
    Prepared(query).load(conn).await
}

/// The manual figures of one year, as stored.
#[derive(diesel::QueryableByName)]
pub struct ManualRow {
    #[diesel(sql_type = Integer)]
    pub year: i32,
    #[diesel(sql_type = Jsonb)]
    pub figures: serde_json::Value,
}

/// The manual figures (table 2) entered for the years of the span.
pub async fn manual_figures(
    conn: &mut AsyncPgConnection,
    (from, to): (i32, i32),
) -> Result<Vec<ManualRow>, Error> {
    let query = diesel::sql_query(include_str!("sql/manual_figures.sql"))
        .bind::<Integer, _>(from)
        .bind::<Integer, _>(to);
    Prepared(query).load(conn).await
}

/// Stores a year's manual figures, replacing those entered before.
pub async fn put_manual_figures(
    conn: &mut AsyncPgConnection,
    year: i32,
    figures: &serde_json::Value,
    by: Option<Uuid>,
) -> Result<(), Error> {
    diesel::sql_query(include_str!("sql/put_manual_figures.sql"))
        .bind::<Integer, _>(year)
        .bind::<Jsonb, _>(figures)
        .bind::<Nullable<SqlUuid>, _>(by)
        .execute(conn)
        .await?;
    Ok(())
}
