//! Several servers behind one load balancer: with `GONGKAI_REDIS_URL` they count rate limits
//! together, so the limit holds for the whole service; without it each counts for itself.

use serde_json::json;

use crate::helpers::{TestApp, assert_problem};

fn redis_url() -> String {
    std::env::var("GONGKAI_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/15".into())
}

/// A client address of its own for each run, so that runs never share a Redis key.
fn fresh_client() -> String {
    let n = uuid::Uuid::new_v4().as_u128();
    format!("2001:db8::{:x}:{:x}", (n >> 16) as u16, n as u16)
}

async fn submit(app: &TestApp, client: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/feedback"))
        .header("x-forwarded-for", client)
        .json(&json!({"kind": "suggestion", "subject": "路灯", "content": "东路的路灯坏了。"}))
        .send()
        .await
        .unwrap()
}

/// Two servers on one database, behind a proxy on 127.0.0.1, 3 submissions a minute.
async fn two_servers(shared: bool) -> (TestApp, TestApp) {
    let adjust = |c: &mut gongkai::config::Config| {
        c.feedback_rate_per_min = 3;
        c.trusted_proxies = gongkai::config::parse_networks("127.0.0.1/32").unwrap();
        if shared {
            c.redis_url = Some(redis_url().into());
        }
    };
    let a = TestApp::spawn_with(adjust).await;
    let b = a.spawn_beside(adjust).await;
    (a, b)
}

#[actix_web::test]
async fn servers_sharing_redis_allow_the_limit_once() {
    let (a, b) = two_servers(true).await;
    let client = fresh_client();
    for app in [&a, &b, &a] {
        assert_eq!(submit(app, &client).await.status(), 201);
    }
    let refused = submit(&b, &client).await;
    let wait: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    // 3 a minute: the next one is allowed 20 s after the first.
    assert!((19..=20).contains(&wait), "Retry-After {wait}");
    assert_problem(refused, 429).await;
    assert_problem(submit(&a, &client).await, 429).await;
    // Another client is not affected.
    assert_eq!(submit(&b, &fresh_client()).await.status(), 201);
}

#[actix_web::test]
async fn servers_without_redis_each_allow_the_limit() {
    let (a, b) = two_servers(false).await;
    let client = fresh_client();
    for app in [&a, &a, &a, &b, &b, &b] {
        assert_eq!(submit(app, &client).await.status(), 201);
    }
    assert_problem(submit(&a, &client).await, 429).await;
    assert_problem(submit(&b, &client).await, 429).await;
}

/// A Redis that does not answer: limits still hold, per server, and nothing fails.
#[actix_web::test]
async fn without_an_answer_from_redis_each_server_limits_alone() {
    let a = TestApp::spawn_with(|c| {
        c.feedback_rate_per_min = 2;
        // Nothing listens on port 1.
        c.redis_url = Some("redis://127.0.0.1:1/0".to_owned().into());
    })
    .await;
    let client = fresh_client();
    for _ in 0..2 {
        assert_eq!(submit(&a, &client).await.status(), 201);
    }
    assert_problem(submit(&a, &client).await, 429).await;
    assert_eq!(a.get("/readyz").await.status(), 200);
}
