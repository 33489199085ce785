//! Read replicas against a real streaming replica: `scripts/cluster db-fresh` makes a private
//! primary and a `pg_basebackup` replica under `target/replica-test` (ports 55442 and 55443, or
//! `GONGKAI_TEST_REPLICA_PORT` and the next one, so that two checkouts can test at once).
//!
//! Anonymous reads of public data go to the replica while it is at most
//! `GONGKAI_REPLICA_MAX_LAG_MS` behind, signed-in callers read the primary (their own writes),
//! a replica further behind is skipped, and a replica that stops fails no request.

use std::process::Command;
use std::time::{Duration, Instant};

use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use gongkai::auth::Role;
use reqwest::Method;
use serde_json::json;

use crate::helpers::TestApp;

/// The private primary's port; the replica listens on the next one.
fn primary_port() -> u16 {
    std::env::var("GONGKAI_TEST_REPLICA_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(55442)
}

fn replica_port() -> u16 {
    primary_port() + 1
}
const MAX_LAG: Duration = Duration::from_millis(2500);

fn cluster(command: &str) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/target/replica-test");
    let out = Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/cluster"))
        .arg(command)
        .env("CLUSTER_DIR", dir)
        .env("CLUSTER_PRIMARY_PORT", primary_port().to_string())
        .env("CLUSTER_REPLICA_PORT", replica_port().to_string())
        .output()
        .expect("scripts/cluster runs");
    assert!(
        out.status.success(),
        "scripts/cluster {command}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn url(port: u16) -> String {
    format!("postgres://postgres@127.0.0.1:{port}/gongkai")
}

async fn on_replica(sql: &str) {
    let mut conn = AsyncPgConnection::establish(&url(replica_port()))
        .await
        .unwrap();
    diesel::sql_query(sql).execute(&mut conn).await.unwrap();
}

/// The count of reads the server sent to `target` (from `/metrics`).
async fn reads(app: &TestApp, target: &str) -> f64 {
    let text = app.get("/metrics").await.text().await.unwrap();
    let prefix = format!("db_reads_total{{target=\"{target}\"}} ");
    text.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .map_or(0.0, |v| v.trim().parse().unwrap())
}

async fn anonymous_status(app: &TestApp, path: &str) -> u16 {
    app.send(Method::GET, path, None, None)
        .await
        .status()
        .as_u16()
}

/// Creates and publishes an item as `leader`; its address.
async fn publish(app: &TestApp, leader: &str, title: &str) -> String {
    let res = app
        .send(
            Method::POST,
            "/api/v1/items",
            Some(leader),
            Some(&json!({"title": title, "category": "work"})),
        )
        .await;
    assert_eq!(res.status(), 201);
    let id = res.json::<serde_json::Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .send(
            Method::POST,
            &format!("/api/v1/items/{id}/publish"),
            Some(leader),
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    format!("/api/v1/items/{id}")
}

/// Polls `probe` every 50 ms until it holds; how long that took, or `None` after `within`.
async fn until(within: Duration, mut probe: impl AsyncFnMut() -> bool) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() < within {
        if probe().await {
            return Some(start.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    None
}

#[actix_web::test]
async fn anonymous_reads_use_a_replica_that_keeps_up_and_never_fail_when_it_goes() {
    tokio::task::spawn_blocking(|| cluster("db-fresh"))
        .await
        .unwrap();
    let app = TestApp::start("gongkai".into(), url(primary_port()), |c| {
        c.database_read_urls = vec![url(replica_port()).into()];
        c.replica_max_lag = MAX_LAG;
    })
    .await;
    let leader = app.token_for(Role::Leader).await;

    // A published item reaches the replica, and anonymous reads are served there.
    let first = publish(&app, &leader, "第一条").await;
    let seen = until(Duration::from_secs(5), async || {
        anonymous_status(&app, &first).await == 200 && reads(&app, "replica").await > 0.0
    })
    .await;
    assert!(seen.is_some(), "anonymous reads never reached the replica");

    // The replica stops replaying: it falls behind from now on.
    on_replica("SELECT pg_wal_replay_pause()").await;
    let paused = Instant::now();
    let second = publish(&app, &leader, "第二条").await;
    // The writer reads its own write at once (signed in: the primary) ...
    let res = app.send(Method::GET, &second, Some(&leader), None).await;
    assert_eq!(res.status(), 200);
    // ... while an anonymous reader, served by the replica within the allowed lag, does not
    // see it yet.
    let before = reads(&app, "replica").await;
    assert_eq!(anonymous_status(&app, &second).await, 404);
    assert!(
        reads(&app, "replica").await > before,
        "served by the replica"
    );
    assert!(
        paused.elapsed() < MAX_LAG,
        "the check above ran within the bound"
    );
    // Once the replica is further behind than allowed, anonymous reads go to the primary:
    // never staler than the bound plus one sample of the monitor.
    let fresh = until(MAX_LAG * 2, async || {
        anonymous_status(&app, &second).await == 200
    })
    .await
    .expect("anonymous reads leave a replica that lags too far");
    let bound = MAX_LAG + gongkai::db::replicas::SAMPLE_EVERY * 3;
    assert!(
        paused.elapsed() <= bound + Duration::from_millis(500),
        "{fresh:?}"
    );
    on_replica("SELECT pg_wal_replay_resume()").await;

    // The replica stops (immediately, its connections cut): no anonymous read fails.
    let stop = tokio::task::spawn_blocking(|| cluster("stop-replica"));
    let mut failed = 0;
    let mut served = 0;
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(2) || !stop.is_finished() {
        for path in [first.as_str(), second.as_str(), "/api/v1/items?per_page=5"] {
            served += 1;
            if anonymous_status(&app, path).await != 200 {
                failed += 1;
            }
        }
    }
    stop.await.unwrap();
    assert_eq!(
        failed, 0,
        "{failed} of {served} reads failed while the replica stopped"
    );
    let primary_before = reads(&app, "primary").await;
    assert_eq!(anonymous_status(&app, &first).await, 200);
    assert!(
        reads(&app, "primary").await > primary_before,
        "the primary serves"
    );

    // It starts again and is used again.
    tokio::task::spawn_blocking(|| cluster("start-replica"))
        .await
        .unwrap();
    let back = until(Duration::from_secs(10), async || {
        let before = reads(&app, "replica").await;
        anonymous_status(&app, &first).await == 200 && reads(&app, "replica").await > before
    })
    .await;
    assert!(back.is_some(), "the replica is used again once it answers");
    tokio::task::spawn_blocking(|| cluster("db-down"))
        .await
        .unwrap();
}
