//! Yearly counters under concurrency: no duplicates, no gaps, rollbacks give numbers back.

use diesel_async::{AsyncConnection, AsyncPgConnection};
use gongkai::db::counters;

use crate::helpers::TestApp;

#[actix_web::test]
async fn concurrent_takers_get_distinct_consecutive_numbers() {
    let app = TestApp::spawn().await;
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let url = app.db_url.clone();
        tasks.push(tokio::spawn(async move {
            let mut conn = AsyncPgConnection::establish(&url).await.unwrap();
            let mut got = Vec::new();
            for i in 0..25 {
                let n = conn
                    .transaction(async |c| {
                        let n = counters::next(c, "test", 2026).await?;
                        if i % 5 == 4 {
                            // Rolled back: the number goes back.
                            return Err(diesel::result::Error::RollbackTransaction);
                        }
                        Ok(n)
                    })
                    .await;
                if let Ok(n) = n {
                    got.push(n);
                }
            }
            got
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    all.sort();
    assert_eq!(all, (1..=160).collect::<Vec<i32>>());
}
