//! Gap-free yearly sequences: `2026-00001`, `2026-00002`, … per counter name and year.

use diesel::sql_types::{Integer, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

#[derive(diesel::QueryableByName)]
struct Last {
    #[diesel(sql_type = Integer)]
    last: i32,
}

/// Takes the next number of `name` in `year`. Call it inside the transaction that uses the
/// number: concurrent callers wait on the counter row until this transaction ends, and a
/// rollback returns the number, so the sequence has neither duplicates nor gaps.
pub async fn next(
    conn: &mut AsyncPgConnection,
    name: &str,
    year: i32,
) -> Result<i32, diesel::result::Error> {
    let row: Last = diesel::sql_query(
        "INSERT INTO yearly_counters (name, year, last) VALUES ($1, $2, 1)
         ON CONFLICT (name, year) DO UPDATE SET last = yearly_counters.last + 1
         RETURNING last",
    )
    .bind::<Text, _>(name)
    .bind::<Integer, _>(year)
    .get_result(conn)
    .await?;
    Ok(row.last)
}

/// Raises the counter to at least `at_least` (after importing numbers assigned elsewhere).
pub async fn ensure_at_least(
    conn: &mut AsyncPgConnection,
    name: &str,
    year: i32,
    at_least: i32,
) -> Result<(), diesel::result::Error> {
    diesel::sql_query(
        "INSERT INTO yearly_counters (name, year, last) VALUES ($1, $2, $3)
         ON CONFLICT (name, year) DO UPDATE SET last = GREATEST(yearly_counters.last, EXCLUDED.last)",
    )
    .bind::<Text, _>(name)
    .bind::<Integer, _>(year)
    .bind::<Integer, _>(at_least)
    .execute(conn)
    .await?;
    Ok(())
}

/// `2026-00017`: the year and the number, zero-padded to five digits.
pub fn format_yearly(year: i32, number: i32) -> String {
    format!("{year}-{number:05}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats() {
        assert_eq!(super::format_yearly(2009, 17), "2009-00017");
        assert_eq!(super::format_yearly(2026, 123456), "2026-123456");
    }
}
