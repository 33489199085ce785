//! Computing the figures of a span of years, and storing a year's manual figures.
//!
//! A span is counted with five statements whatever its length (see `repo`), one after the
//! other on the one connection, then tallied year by year in the steps below: items by
//! category, applications (table 3: new, carried, handled), appeals (table 4), feedback, and
//! the manual figures (table 2).

use chrono::NaiveDate;
use diesel_async::{AsyncConnection, AsyncPgConnection};

use super::model::{
    Agency, AppealsTable, ApplicationsTable, ByOutcome, ColumnCounts, FeedbackStats, Legacy,
    LegacyAppeals, LegacyApplications, ManualFigures, National, Proactive, YearStats,
};
use super::repo::{self, AppealCount, CaseCount, CategoryCount, FeedbackCount, ManualRow};
use super::rules::{self, YearEdges};
use crate::applications::model::Outcome;
use crate::audit;
use crate::caller::Caller;
use crate::config::Config;
use crate::error::{AppError, AppResult};
use crate::values::StatsYear;

/// The figures of `from..=to`, in order, as of one moment: all tables are read in one
/// snapshot (a read-only, repeatable-read transaction), so that the years agree.
pub async fn figures(
    conn: &mut AsyncPgConnection,
    config: &Config,
    from: StatsYear,
    to: StatsYear,
) -> AppResult<Vec<YearStats>> {
    conn.build_transaction()
        .read_only()
        .repeatable_read()
        .run(async |conn| compute_range(conn, config, from, to).await)
        .await
}

/// A year's figures as of this moment: [`figures`] of that year alone.
pub async fn year_figures(
    conn: &mut AsyncPgConnection,
    config: &Config,
    year: StatsYear,
) -> AppResult<YearStats> {
    let mut years = figures(conn, config, year, year).await?;
    Ok(years.pop().expect("one year"))
}

/// Computes a year's figures from the data: [`compute_range`] of that year alone.
pub async fn compute(
    conn: &mut AsyncPgConnection,
    config: &Config,
    year: StatsYear,
) -> AppResult<YearStats> {
    let mut years = compute_range(conn, config, year, year).await?;
    Ok(years.pop().expect("one year"))
}

/// Computes the figures of the years `from..=to`, in order, from the data, with five queries
/// whatever the span: each table is read once for the whole span and its rows counted by
/// year. Run it in one snapshot (a repeatable-read transaction) so that the years agree.
pub async fn compute_range(
    conn: &mut AsyncPgConnection,
    config: &Config,
    from: StatsYear,
    to: StatsYear,
) -> AppResult<Vec<YearStats>> {
    let (from, to) = (from.get(), to.get());
    if from > to {
        return Err(AppError::Internal(format!(
            "no figures for the span {from}..={to}"
        )));
    }
    let days = (
        NaiveDate::from_ymd_opt(from, 1, 1).expect("a statistics year"),
        NaiveDate::from_ymd_opt(to, 12, 31).expect("a statistics year"),
    );
    let years: Vec<i32> = (from..=to).collect();
    let edges = YearEdges::of_span(config.timezone, from, to);

    // One after the other on the one connection. Pipelining them (diesel-async sends
    // futures polled together at once) measured no faster: the time is the database's
    // counting, not the five round trips.
    let items = repo::items_by_year(conn, &years, &edges).await?;
    let cases = repo::applications_by_year(conn, days, (from, to)).await?;
    let appeals = repo::appeals_by_year(conn, days).await?;
    let feedback = repo::feedback_by_year(conn, days).await?;
    let manual = repo::manual_figures(conn, (from, to)).await?;

    let mut span = Span::new(from, to);
    span.count_items(items);
    span.count_applications(&cases);
    span.count_appeals(appeals);
    span.count_feedback(feedback);
    span.set_manual_figures(manual)?;
    span.into_years(agency(config))
}

/// Stores a year's manual figures (table 2) and records who entered them.
pub async fn put_manual_figures(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    year: StatsYear,
    figures: &ManualFigures,
) -> AppResult<()> {
    let value = serde_json::to_value(figures).expect("figures serialise");
    let by = caller.user().map(|u| u.id);
    conn.transaction(async |conn| {
        repo::put_manual_figures(conn, year.get(), &value, by).await?;
        audit::record(
            conn,
            caller,
            "stats.manual_updated",
            "stats",
            Some(year.get().to_string()),
            value.clone(),
        )
        .await?;
        Ok::<_, AppError>(())
    })
    .await
}

fn agency(config: &Config) -> Agency {
    Agency {
        name: config.agency_name.clone(),
        code: config.agency_code.clone(),
        parent: config.agency_parent.clone(),
    }
}

/// One year's figures while they are being counted.
#[derive(Default)]
struct Tally {
    proactive: Proactive,
    table: ApplicationsTable,
    by_outcome: ByOutcome,
    /// Cases closed in the year but received in a later one (data that breaks an invariant):
    /// counted as closed in the year and nowhere else, as the year's own count would.
    received_later: ColumnCounts,
    appeals: AppealsTable,
    feedback: FeedbackStats,
    manual: Option<ManualFigures>,
}

/// The years of a span being counted, a tally each.
struct Span {
    from: i32,
    tallies: Vec<Tally>,
}

impl Span {
    fn new(from: i32, to: i32) -> Self {
        Span {
            from,
            tallies: (from..=to).map(|_| Tally::default()).collect(),
        }
    }

    /// The tally of `year`, if the span holds it.
    fn year(&mut self, year: i32) -> Option<&mut Tally> {
        let i = usize::try_from(year - self.from).ok()?;
        self.tallies.get_mut(i)
    }

    /// Items published in each year, by category.
    fn count_items(&mut self, items: Vec<CategoryCount>) {
        for c in items {
            let Some(tally) = self.year(c.year) else {
                continue;
            };
            *tally.proactive.by_category.slot(c.category) += c.n;
            tally.proactive.total += c.n;
        }
    }

    /// Table 3: the new cases of each year, the cases it handled (by outcome), and the cases
    /// carried into it and out of it.
    fn count_applications(&mut self, cases: &[CaseCount]) {
        // Open on the first day of the span: received before it, not closed before it.
        let mut carried_in = ColumnCounts::default();
        for c in cases {
            let open_on = |year: i32| c.closed_in.is_none_or(|closed| closed >= year);
            if c.received_in < self.from {
                if open_on(self.from) {
                    carried_in.add(c.applicant_type, c.n);
                }
            } else if let Some(tally) = self.year(c.received_in) {
                // New in the year received, unless closed before that year began.
                if open_on(c.received_in) {
                    tally.table.new_this_year.add(c.applicant_type, c.n);
                }
            }
            if let (Some(closed), Some(outcome)) = (c.closed_in, c.outcome) {
                if let Some(tally) = self.year(closed) {
                    tally.count_handled(c, outcome, closed);
                }
            }
        }
        self.carry_over(carried_in);
    }

    /// Carried over, year by year: what was open on 1 January, plus the new cases, minus the
    /// closed ones, is open on 31 December, and carried into the next year. A case closed in
    /// a year before the one it was received in was never open: it is added back, so that the
    /// figures are exactly those of the year counted alone, and the balance check refuses
    /// them.
    fn carry_over(&mut self, mut carried_in: ColumnCounts) {
        for tally in &mut self.tallies {
            let t = &mut tally.table;
            t.carried_from_last_year = carried_in;
            t.carried_to_next_year = carried_in
                .plus(&t.new_this_year)
                .minus(&t.total)
                .plus(&tally.received_later);
            carried_in = t.carried_to_next_year;
        }
    }

    /// Table 4: appeals filed in each year, by kind and result.
    fn count_appeals(&mut self, appeals: Vec<AppealCount>) {
        for a in appeals {
            if let Some(tally) = self.year(a.year) {
                tally.appeals.kind_mut(a.kind).add(a.result, a.n);
            }
        }
    }

    /// The feedback register: entries received in each year, by kind and channel, and how
    /// many were replied to by the year's end and on time.
    fn count_feedback(&mut self, feedback: Vec<FeedbackCount>) {
        for f in feedback {
            let Some(tally) = self.year(f.year) else {
                continue;
            };
            let stats = &mut tally.feedback;
            stats.received += f.received;
            stats.replied += f.replied;
            stats.replied_on_time += f.on_time;
            *stats.by_kind.slot(f.kind) += f.received;
            *stats.by_channel.slot(f.channel) += f.received;
        }
    }

    /// Table 2: the figures entered for each year, if any.
    fn set_manual_figures(&mut self, manual: Vec<ManualRow>) -> AppResult<()> {
        for m in manual {
            if let Some(tally) = self.year(m.year) {
                tally.manual = Some(serde_json::from_value(m.figures).map_err(AppError::internal)?);
            }
        }
        Ok(())
    }

    /// The figures of each year, in order; an error if table 3 of any year does not balance.
    fn into_years(self, agency: Agency) -> AppResult<Vec<YearStats>> {
        (self.from..)
            .zip(self.tallies)
            .map(|(year, tally)| tally.into_year(year, agency.clone()))
            .collect()
    }
}

impl Tally {
    /// A case closed in this year: its row of table 3, the total, and the seed's outcomes.
    fn count_handled(&mut self, c: &CaseCount, outcome: Outcome, closed: i32) {
        let row = match rules::outcome_row(outcome, c.reason) {
            Ok(key) => self.table.row_mut(key).expect("an outcome row"),
            // An unknown pair would unbalance the table: count it as "other" and log it.
            Err(key) => {
                tracing::warn!(%key, "application outcome outside the national table");
                &mut self.table.other_other
            }
        };
        row.add(c.applicant_type, c.n);
        self.table.total.add(c.applicant_type, c.n);
        if c.received_in > closed {
            self.received_later.add(c.applicant_type, c.n);
        }
        *self.by_outcome.slot(outcome) += c.n;
    }

    fn into_year(self, year: i32, agency: Agency) -> AppResult<YearStats> {
        let Tally {
            proactive,
            table,
            by_outcome,
            appeals,
            feedback,
            manual,
            ..
        } = self;
        let problems = rules::imbalances(&table);
        if !problems.is_empty() {
            // The counts are built to balance; if they do not, the data broke an invariant
            // (a case closed before it was received). Publishing such figures would be wrong.
            return Err(AppError::Internal(format!(
                "table 3 of {year} does not balance: {}",
                problems.join("; ")
            )));
        }
        let legacy = Legacy {
            proactive,
            applications: LegacyApplications {
                received: table.new_this_year.total,
                answered: table.total.total,
                by_outcome,
            },
            appeals: LegacyAppeals {
                reconsideration: appeals.reconsideration.total,
                litigation: appeals.litigation_direct.total
                    + appeals.litigation_after_reconsideration.total,
            },
        };
        Ok(YearStats {
            year,
            agency,
            legacy,
            national: National {
                proactive: manual.unwrap_or_default(),
                applications: table,
                appeals,
            },
            feedback,
        })
    }
}
