//! Reading and replacing the guide.

use diesel_async::{AsyncConnection, AsyncPgConnection};

use super::model::GuideUpdate;
use super::repo;
use super::views::Guide;
use crate::caller::Caller;
use crate::error::AppResult;

/// The guide; before it is first written, the agency's name and empty fields.
pub async fn load(conn: &mut AsyncPgConnection, agency_name: &str) -> AppResult<Guide> {
    Ok(repo::load(conn)
        .await?
        .unwrap_or_else(|| Guide::unwritten(agency_name)))
}

/// Replaces the guide, with its audit entry.
pub async fn save(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    g: GuideUpdate,
) -> AppResult<Guide> {
    conn.transaction(async |conn| {
        let guide = repo::save(conn, &g).await?;
        crate::audit::record(
            conn,
            caller,
            "guide.updated",
            "guide",
            None,
            serde_json::json!({"office_name": g.office_name}),
        )
        .await?;
        Ok(guide)
    })
    .await
}
