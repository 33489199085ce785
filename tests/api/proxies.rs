//! Behind a proxy: the client's address comes from `X-Forwarded-For` / `Forwarded` only when
//! the peer is a trusted proxy (`GONGKAI_TRUSTED_PROXIES`), and it keys the rate limits and is
//! written in the audit log.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem};

fn complaint() -> Value {
    json!({"kind": "suggestion", "subject": "路灯", "content": "东路的路灯坏了。"})
}

async fn submit(app: &TestApp, forwarded_for: Option<&str>) -> reqwest::Response {
    let mut req = app
        .client
        .post(app.url("/api/v1/feedback"))
        .json(&complaint());
    if let Some(f) = forwarded_for {
        req = req.header("x-forwarded-for", f);
    }
    req.send().await.unwrap()
}

async fn audited_addresses(app: &TestApp) -> Vec<Option<String>> {
    use gongkai::db::schema::audit_log::dsl::*;
    let mut conn = app.pool.get().await.unwrap();
    audit_log
        .filter(action.eq("feedback.created"))
        .order(id)
        .select(client_ip)
        .load(&mut conn)
        .await
        .unwrap()
}

#[actix_web::test]
async fn a_trusted_proxy_names_the_client() {
    let app = TestApp::spawn_with(|c| {
        c.feedback_rate_per_min = 2;
        c.trusted_proxies = gongkai::config::parse_networks("127.0.0.1/32").unwrap();
    })
    .await;
    // Two clients behind the same proxy each get their own allowance.
    for _ in 0..2 {
        assert_eq!(submit(&app, Some("203.0.113.1")).await.status(), 201);
    }
    assert_problem(submit(&app, Some("203.0.113.1")).await, 429).await;
    // What the client itself wrote to the left of the proxy's hop does not count.
    assert_problem(submit(&app, Some("198.51.100.77, 203.0.113.1")).await, 429).await;
    assert_eq!(submit(&app, Some("203.0.113.2")).await.status(), 201);
    assert_eq!(
        audited_addresses(&app).await,
        [
            Some("203.0.113.1".to_owned()),
            Some("203.0.113.1".to_owned()),
            Some("203.0.113.2".to_owned())
        ]
    );
}

#[actix_web::test]
async fn forwarding_headers_from_anyone_else_are_ignored() {
    // Without trusted proxies, a client cannot pick the address it is limited by.
    let app = TestApp::spawn_with(|c| c.feedback_rate_per_min = 2).await;
    assert_eq!(submit(&app, Some("203.0.113.1")).await.status(), 201);
    assert_eq!(submit(&app, Some("203.0.113.2")).await.status(), 201);
    assert_problem(submit(&app, Some("203.0.113.3")).await, 429).await;
    assert_eq!(
        audited_addresses(&app).await,
        [Some("127.0.0.1".to_owned()), Some("127.0.0.1".to_owned())]
    );
}
