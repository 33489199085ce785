//! Readiness: whether the database answers in time.

use std::time::Duration;

use super::repo;
use crate::db::DbPool;
use crate::error::{AppError, AppResult};

/// How long readiness waits for the database.
const READY_WITHIN: Duration = Duration::from_secs(1);

/// `Ok` when a pooled connection answers within a second; otherwise `Unavailable` (503), with
/// the database's own words kept for the log.
pub async fn check_ready(pool: &DbPool) -> AppResult<()> {
    let check = async {
        let mut conn = pool.get().await?;
        repo::ping(&mut conn).await?;
        Ok::<_, AppError>(())
    };
    match tokio::time::timeout(READY_WITHIN, check).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(AppError::Unavailable(e))) => Err(AppError::Unavailable(e)),
        Ok(Err(e)) => Err(AppError::Unavailable(
            format!("database check failed: {e}").into(),
        )),
        Err(_) => Err(AppError::Unavailable(
            "the database did not answer within 1 s".into(),
        )),
    }
}
