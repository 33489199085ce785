//! The one question the system endpoints ask the database.

use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// A round trip to the database.
pub async fn ping(conn: &mut AsyncPgConnection) -> Result<(), diesel::result::Error> {
    diesel::sql_query("SELECT 1")
        .execute(conn)
        .await
        .map(|_| ())
}
