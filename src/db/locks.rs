//! PostgreSQL advisory locks: every lock the service takes, in one key space.
//!
//! The keys are fixed numbers (they outlive a release: two versions of the server running
//! during a rolling update must agree on them), listed here once.

use diesel::sql_types::{BigInt, Integer};
use diesel_async::RunQueryDsl;

/// What a lock protects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lock {
    /// Applying migrations: one server migrates while the others wait (session lock).
    Migrations,
    /// The working-day calendar: `PUT /calendar/{year}` takes it exclusively while it replaces a
    /// year and recomputes deadlines; every writer of a deadline takes it shared, so no
    /// deadline is computed against a calendar being replaced and then missed by the
    /// recomputation.
    Calendar,
    /// The numbering of one year's applications (tracking numbers).
    ApplicationNumbering { year: i32 },
    /// Publishing one year's annual report (versions follow one another).
    ReportPublishing { year: i32 },
}

/// How a transaction-scoped lock is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Exclusive,
    Shared,
}

/// A lock's key: one 64-bit key, or a class and a 32-bit key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    One(i64),
    Two(i32, i32),
}

impl Lock {
    pub fn key(self) -> Key {
        match self {
            Lock::Migrations => Key::One(7_401_620_090),
            Lock::Calendar => Key::One(7_401_620_092),
            Lock::ApplicationNumbering { year } => Key::Two(740_162_005, year),
            Lock::ReportPublishing { year } => Key::Two(74_016, year),
        }
    }

    /// The statement that takes a session-level lock (for `batch_execute`).
    pub fn session_sql(self) -> String {
        match self.key() {
            Key::One(k) => format!("SELECT pg_advisory_lock({k})"),
            Key::Two(a, b) => format!("SELECT pg_advisory_lock({a}, {b})"),
        }
    }

    /// The statement that releases a session-level lock.
    pub fn unlock_sql(self) -> String {
        match self.key() {
            Key::One(k) => format!("SELECT pg_advisory_unlock({k})"),
            Key::Two(a, b) => format!("SELECT pg_advisory_unlock({a}, {b})"),
        }
    }
}

/// Takes a lock until the end of the current transaction, waiting for it.
pub async fn lock_xact<C>(conn: &mut C, lock: Lock, mode: Mode) -> Result<(), diesel::result::Error>
where
    C: diesel_async::AsyncConnectionCore<Backend = diesel::pg::Pg> + Send,
{
    let f = match mode {
        Mode::Exclusive => "pg_advisory_xact_lock",
        Mode::Shared => "pg_advisory_xact_lock_shared",
    };
    // The statement text depends only on the lock's shape and mode: it stays prepared.
    match lock.key() {
        Key::One(k) => super::prepared::Prepared(
            diesel::sql_query(format!("SELECT {f}($1)")).bind::<BigInt, _>(k),
        )
        .execute(conn)
        .await
        .map(|_| ()),
        Key::Two(a, b) => super::prepared::Prepared(
            diesel::sql_query(format!("SELECT {f}($1, $2)"))
                .bind::<Integer, _>(a)
                .bind::<Integer, _>(b),
        )
        .execute(conn)
        .await
        .map(|_| ()),
    }
}

#[derive(diesel::QueryableByName)]
struct Taken {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    locked: bool,
}

/// Tries to take an exclusive lock until the end of the current transaction: `false` when
/// another transaction holds it.
pub async fn try_lock_xact<C>(conn: &mut C, lock: Lock) -> Result<bool, diesel::result::Error>
where
    C: diesel_async::AsyncConnectionCore<Backend = diesel::pg::Pg> + Send,
{
    let Taken { locked } = match lock.key() {
        Key::One(k) => {
            super::prepared::Prepared(
                diesel::sql_query("SELECT pg_try_advisory_xact_lock($1) AS locked")
                    .bind::<BigInt, _>(k),
            )
            .get_result(conn)
            .await?
        }
        Key::Two(a, b) => {
            super::prepared::Prepared(
                diesel::sql_query("SELECT pg_try_advisory_xact_lock($1, $2) AS locked")
                    .bind::<Integer, _>(a)
                    .bind::<Integer, _>(b),
            )
            .get_result(conn)
            .await?
        }
    };
    Ok(locked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_distinct() {
        let locks = [
            Lock::Migrations,
            Lock::Calendar,
            Lock::ApplicationNumbering { year: 2025 },
            Lock::ReportPublishing { year: 2025 },
        ];
        for (i, a) in locks.iter().enumerate() {
            for b in &locks[i + 1..] {
                assert_ne!(a.key(), b.key(), "{a:?} {b:?}");
            }
        }
    }
}
