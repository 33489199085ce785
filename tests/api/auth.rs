//! Sign-in, sessions, tokens, throttling, accounts and the audit log.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use gongkai::auth::Role;
use reqwest::Method;
use serde_json::json;

use crate::helpers::{TestApp, assert_problem};

#[actix_web::test]
async fn login_gives_a_pair_that_reaches_me() {
    let app = TestApp::spawn().await;
    let user = app.seed_user(Role::Staff).await;
    let pair = app.login(&user).await;
    assert_eq!(pair["token_type"], "Bearer");
    assert_eq!(pair["expires_in"], 900);
    assert!(pair["refresh_token"].as_str().unwrap().len() >= 43);
    let token = pair["access_token"].as_str().unwrap();
    let res = app.send(Method::GET, "/api/v1/me", Some(token), None).await;
    assert_eq!(res.status(), 200);
    let me: serde_json::Value = res.json().await.unwrap();
    assert_eq!(me["id"], user.id.to_string());
    assert_eq!(me["username"], user.username);
    assert_eq!(me["role"], "staff");
    assert!(me.get("password_hash").is_none());
}

#[actix_web::test]
async fn usernames_are_case_insensitive_at_login() {
    let app = TestApp::spawn().await;
    let mut user = app.seed_user(Role::Public).await;
    user.username = user.username.to_uppercase();
    app.login(&user).await;
}

#[actix_web::test]
async fn wrong_password_and_unknown_user_get_the_same_answer() {
    let app = TestApp::spawn().await;
    let user = app.seed_user(Role::Staff).await;
    let wrong_body = json!({"username": user.username, "password": "wrong-password-123"});
    let unknown_body = json!({"username": "no-such-user", "password": "wrong-password-123"});
    let wrong = app.post_json("/api/v1/auth/login", &wrong_body).await;
    assert_eq!(
        wrong.headers()["www-authenticate"],
        "Bearer realm=\"gongkai\""
    );
    let wrong = assert_problem(wrong, 401).await;
    let unknown = assert_problem(
        app.post_json("/api/v1/auth/login", &unknown_body).await,
        401,
    )
    .await;
    assert_eq!(wrong["detail"], unknown["detail"]);
    // Both verify an argon2 hash: neither answers in a fraction of the other's time. The
    // fastest of five tries each is compared, so that other tests running meanwhile do not
    // decide the outcome.
    let mut fastest = [f64::MAX; 2];
    for _ in 0..5 {
        for (i, body) in [&wrong_body, &unknown_body].into_iter().enumerate() {
            let t = std::time::Instant::now();
            app.post_json("/api/v1/auth/login", body).await;
            fastest[i] = fastest[i].min(t.elapsed().as_secs_f64());
        }
    }
    let [a, b] = fastest;
    assert!(a / b < 4.0 && b / a < 4.0, "wrong {a:.3}s, unknown {b:.3}s");
}

#[actix_web::test]
async fn refresh_tokens_rotate_and_reuse_revokes_the_session() {
    let app = TestApp::spawn().await;
    let user = app.seed_user(Role::Public).await;
    let first = app.login(&user).await;
    let res = app
        .post_json(
            "/api/v1/auth/refresh",
            &json!({"refresh_token": first["refresh_token"]}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let second: serde_json::Value = res.json().await.unwrap();
    assert_ne!(second["refresh_token"], first["refresh_token"]);
    let access = second["access_token"].as_str().unwrap();
    assert_eq!(
        app.send(Method::GET, "/api/v1/me", Some(access), None)
            .await
            .status(),
        200
    );

    // The first refresh token again: stolen. The session ends, with every token of it.
    let res = app
        .post_json(
            "/api/v1/auth/refresh",
            &json!({"refresh_token": first["refresh_token"]}),
        )
        .await;
    assert_problem(res, 401).await;
    assert_problem(
        app.send(Method::GET, "/api/v1/me", Some(access), None)
            .await,
        401,
    )
    .await;
    let res = app
        .post_json(
            "/api/v1/auth/refresh",
            &json!({"refresh_token": second["refresh_token"]}),
        )
        .await;
    assert_problem(res, 401).await;

    // Another session of the same user is not affected.
    let other = app.login(&user).await;
    let t = other["access_token"].as_str().unwrap();
    assert_eq!(
        app.send(Method::GET, "/api/v1/me", Some(t), None)
            .await
            .status(),
        200
    );
}

#[actix_web::test]
async fn concurrent_refreshes_with_one_token_cannot_both_succeed() {
    let app = TestApp::spawn().await;
    let user = app.seed_user(Role::Public).await;
    let pair = app.login(&user).await;
    let body = json!({"refresh_token": pair["refresh_token"]});
    let (a, b) = tokio::join!(
        app.post_json("/api/v1/auth/refresh", &body),
        app.post_json("/api/v1/auth/refresh", &body)
    );
    let ok = [a.status(), b.status()]
        .iter()
        .filter(|s| s.as_u16() == 200)
        .count();
    assert!(ok <= 1, "{} {}", a.status(), b.status());
}

#[actix_web::test]
async fn logout_stops_access_tokens_at_once() {
    let app = TestApp::spawn().await;
    let user = app.seed_user(Role::Staff).await;
    let pair = app.login(&user).await;
    let access = pair["access_token"].as_str().unwrap();
    let res = app
        .post_json(
            "/api/v1/auth/logout",
            &json!({"refresh_token": pair["refresh_token"]}),
        )
        .await;
    assert_eq!(res.status(), 204);
    assert_problem(
        app.send(Method::GET, "/api/v1/me", Some(access), None)
            .await,
        401,
    )
    .await;
    let res = app
        .post_json(
            "/api/v1/auth/refresh",
            &json!({"refresh_token": pair["refresh_token"]}),
        )
        .await;
    assert_problem(res, 401).await;
    // Logging out twice is fine; an unknown token is not.
    let res = app
        .post_json(
            "/api/v1/auth/logout",
            &json!({"refresh_token": pair["refresh_token"]}),
        )
        .await;
    assert_eq!(res.status(), 204);
    let res = app
        .post_json("/api/v1/auth/logout", &json!({"refresh_token": "nope"}))
        .await;
    assert_problem(res, 401).await;
}

#[actix_web::test]
async fn bad_tokens_are_401() {
    let app = TestApp::spawn().await;
    let leader = app.token_for(Role::Leader).await;
    let mut tampered = leader.clone();
    tampered.pop();
    tampered.push(if leader.ends_with('A') { 'B' } else { 'A' });
    for token in ["garbage", "a.b.c", tampered.as_str(), "gk_unknown"] {
        let res = app.send(Method::GET, "/api/v1/me", Some(token), None).await;
        assert_eq!(
            res.headers()["www-authenticate"],
            "Bearer realm=\"gongkai\""
        );
        assert_problem(res, 401).await;
    }
    let res = app
        .client
        .get(app.url("/api/v1/me"))
        .header("authorization", format!("Basic {leader}"))
        .send()
        .await
        .unwrap();
    assert_problem(res, 401).await;
    // A token signed with another key.
    let other = TestApp::spawn_with(|c| {
        c.jwt_secret = secrecy::SecretString::from("another-secret-another-secret-000".to_owned())
    })
    .await;
    let foreign = other.token_for(Role::Leader).await;
    assert_problem(
        app.send(Method::GET, "/api/v1/me", Some(&foreign), None)
            .await,
        401,
    )
    .await;
}

#[actix_web::test]
async fn expired_access_tokens_are_401() {
    let app = TestApp::spawn_with(|c| c.access_token_ttl = std::time::Duration::from_secs(0)).await;
    let user = app.seed_user(Role::Staff).await;
    let pair = app.login(&user).await;
    // The validation allows 5 s of clock skew.
    tokio::time::sleep(std::time::Duration::from_millis(6100)).await;
    let res = app
        .send(
            Method::GET,
            "/api/v1/me",
            pair["access_token"].as_str(),
            None,
        )
        .await;
    assert_problem(res, 401).await;
}

#[actix_web::test]
async fn login_is_throttled_per_username_with_retry_after() {
    let app = TestApp::spawn_with(|c| c.login_rate_per_min = 3).await;
    let body = json!({"username": "target", "password": "wrong-password-123"});
    for _ in 0..3 {
        assert_eq!(
            app.post_json("/api/v1/auth/login", &body).await.status(),
            401
        );
    }
    let res = app.post_json("/api/v1/auth/login", &body).await;
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry));
    assert_problem(res, 429).await;
}

#[actix_web::test]
async fn registration_creates_public_accounts_with_unique_names() {
    let app = TestApp::spawn().await;
    let res = app
        .post_json(
            "/api/v1/auth/register",
            &json!({"username": "Li.Ming", "password": "correct horse battery", "display_name": "李明"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let user: serde_json::Value = res.json().await.unwrap();
    assert_eq!(user["role"], "public");
    assert_eq!(user["display_name"], "李明");

    let res = app
        .post_json(
            "/api/v1/auth/register",
            &json!({"username": "li.ming", "password": "another horse battery"}),
        )
        .await;
    assert_problem(res, 409).await;

    let res = app
        .post_json(
            "/api/v1/auth/register",
            &json!({"username": "zz", "password": "password123"}),
        )
        .await;
    let body = assert_problem(res, 422).await;
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["username", "password"]);

    // A role cannot be chosen at registration.
    let res = app
        .post_json(
            "/api/v1/auth/register",
            &json!({"username": "sneaky", "password": "correct horse battery", "role": "leader"}),
        )
        .await;
    assert_problem(res, 422).await;
}

#[actix_web::test]
async fn leaders_manage_accounts_and_disabling_stops_tokens_at_once() {
    let app = TestApp::spawn().await;
    let leader = app.token_for(Role::Leader).await;
    let res = app
        .send(
            Method::POST,
            "/api/v1/users",
            Some(&leader),
            Some(&json!({"username": "zhang.wei", "display_name": "张伟", "role": "staff", "password": "correct horse battery"})),
        )
        .await;
    assert_eq!(res.status(), 201);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let created: serde_json::Value = res.json().await.unwrap();
    assert_eq!(
        location,
        format!("/api/v1/users/{}", created["id"].as_str().unwrap())
    );

    let pair = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"username": "zhang.wei", "password": "correct horse battery"}),
        )
        .await
        .json::<serde_json::Value>()
        .await
        .unwrap();
    let staff = pair["access_token"].as_str().unwrap();
    assert_eq!(
        app.send(Method::GET, "/api/v1/me", Some(staff), None)
            .await
            .status(),
        200
    );

    let res = app
        .send(
            Method::PATCH,
            &location,
            Some(&leader),
            Some(&json!({"disabled": true})),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_problem(
        app.send(Method::GET, "/api/v1/me", Some(staff), None).await,
        401,
    )
    .await;
    let res = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"username": "zhang.wei", "password": "correct horse battery"}),
        )
        .await;
    assert_problem(res, 401).await;

    // Re-enabled with a new password; the role change applies at once.
    let res = app
        .send(
            Method::PATCH,
            &location,
            Some(&leader),
            Some(&json!({"disabled": false, "password": "a brand new password", "role": "leader"})),
        )
        .await;
    let updated: serde_json::Value = res.json().await.unwrap();
    assert_eq!(updated["role"], "leader");
    assert_eq!(updated["disabled"], false);
    let res = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"username": "zhang.wei", "password": "a brand new password"}),
        )
        .await;
    assert_eq!(res.status(), 200);

    // The list finds the account.
    let res = app
        .send(
            Method::GET,
            "/api/v1/users?q=zhang&role=leader",
            Some(&leader),
            None,
        )
        .await;
    let page: serde_json::Value = res.json().await.unwrap();
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["username"], "zhang.wei");
}

#[actix_web::test]
async fn a_leader_cannot_lock_themselves_out() {
    let app = TestApp::spawn().await;
    let me = app.seed_user(Role::Leader).await;
    let token = app.login(&me).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/users/{}", me.id);
    for body in [json!({"disabled": true}), json!({"role": "staff"})] {
        let res = app
            .send(Method::PATCH, &path, Some(&token), Some(&body))
            .await;
        assert_problem(res, 409).await;
    }
}

#[actix_web::test]
async fn changing_ones_password_signs_out_other_sessions() {
    let app = TestApp::spawn().await;
    let user = app.seed_user(Role::Public).await;
    let a = app.login(&user).await;
    let b = app.login(&user).await;
    let ta = a["access_token"].as_str().unwrap();
    let tb = b["access_token"].as_str().unwrap();
    let res = app
        .send(
            Method::POST,
            "/api/v1/me/password",
            Some(ta),
            Some(&json!({"current_password": "not it at all", "new_password": "a brand new password"})),
        )
        .await;
    let body = assert_problem(res, 422).await;
    assert_eq!(body["errors"][0]["field"], "current_password");
    let res = app
        .send(
            Method::POST,
            "/api/v1/me/password",
            Some(ta),
            Some(
                &json!({"current_password": user.password, "new_password": "a brand new password"}),
            ),
        )
        .await;
    assert_eq!(res.status(), 204);
    assert_eq!(
        app.send(Method::GET, "/api/v1/me", Some(ta), None)
            .await
            .status(),
        200
    );
    assert_problem(
        app.send(Method::GET, "/api/v1/me", Some(tb), None).await,
        401,
    )
    .await;
}

#[actix_web::test]
async fn integration_tokens_are_scoped_shown_once_and_revocable() {
    let app = TestApp::spawn().await;
    let leader = app.token_for(Role::Leader).await;
    let res = app
        .send(
            Method::POST,
            "/api/v1/tokens",
            Some(&leader),
            Some(&json!({"name": "district pull", "scopes": ["stats:read", "stats:read"]})),
        )
        .await;
    assert_eq!(res.status(), 201);
    let created: serde_json::Value = res.json().await.unwrap();
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("gk_"));
    assert_eq!(created["scopes"], json!(["stats:read"]));
    let id = created["id"].as_str().unwrap().to_owned();

    // Listed without the secret; stored only as a hash.
    let list = app
        .send(Method::GET, "/api/v1/tokens", Some(&leader), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(list.contains(&id) && !list.contains(&secret));
    {
        use gongkai::db::schema::api_tokens;
        let mut conn = app.pool.get().await.unwrap();
        let hash: Vec<u8> = api_tokens::table
            .select(api_tokens::token_hash)
            .first(&mut conn)
            .await
            .unwrap();
        assert_ne!(hash, secret.as_bytes());
        assert_eq!(hash.len(), 32);
    }

    // A token is not a user: it cannot manage accounts or act as one.
    assert_problem(
        app.send(Method::GET, "/api/v1/users", Some(&secret), None)
            .await,
        403,
    )
    .await;
    assert_problem(
        app.send(Method::GET, "/api/v1/me", Some(&secret), None)
            .await,
        403,
    )
    .await;
    // Its use is recorded.
    let list: serde_json::Value = app
        .send(Method::GET, "/api/v1/tokens", Some(&leader), None)
        .await
        .json()
        .await
        .unwrap();
    assert!(list["items"][0]["last_used_at"].is_string(), "{list}");

    let res = app
        .send(
            Method::DELETE,
            &format!("/api/v1/tokens/{id}"),
            Some(&leader),
            None,
        )
        .await;
    assert_eq!(res.status(), 204);
    assert_problem(
        app.send(Method::GET, "/api/v1/users", Some(&secret), None)
            .await,
        401,
    )
    .await;

    // Bad requests.
    for body in [
        json!({"name": "", "scopes": ["stats:read"]}),
        json!({"name": "x", "scopes": []}),
        json!({"name": "x", "scopes": ["everything"]}),
        json!({"name": "x", "scopes": ["stats:read"], "expires_at": "2001-01-01T00:00:00Z"}),
    ] {
        let res = app
            .send(Method::POST, "/api/v1/tokens", Some(&leader), Some(&body))
            .await;
        assert_problem(res, 422).await;
    }
}

#[actix_web::test]
async fn expired_integration_tokens_stop_working() {
    let app = TestApp::spawn().await;
    let leader = app.token_for(Role::Leader).await;
    let expires = chrono::Utc::now() + chrono::Duration::seconds(2);
    let created: serde_json::Value = app
        .send(
            Method::POST,
            "/api/v1/tokens",
            Some(&leader),
            Some(&json!({"name": "short", "scopes": ["items:read"], "expires_at": expires})),
        )
        .await
        .json()
        .await
        .unwrap();
    let secret = created["secret"].as_str().unwrap();
    assert_problem(
        app.send(Method::GET, "/api/v1/users", Some(secret), None)
            .await,
        403,
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    assert_problem(
        app.send(Method::GET, "/api/v1/users", Some(secret), None)
            .await,
        401,
    )
    .await;
}

#[actix_web::test]
async fn state_changes_are_audited_with_their_request_id() {
    let app = TestApp::spawn().await;
    let leader_user = app.seed_user(Role::Leader).await;
    let leader = app.login(&leader_user).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .client
        .post(app.url("/api/v1/users"))
        .bearer_auth(&leader)
        .header("x-request-id", "audit-me-1")
        .json(&json!({"username": "audited", "role": "staff", "password": "correct horse battery"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let created: serde_json::Value = res.json().await.unwrap();

    let page: serde_json::Value = app
        .send(
            Method::GET,
            &format!(
                "/api/v1/audit?action=user.created&actor_id={}",
                leader_user.id
            ),
            Some(&leader),
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 1, "{page}");
    let entry = &page["items"][0];
    assert_eq!(entry["entity_id"], created["id"]);
    assert_eq!(entry["request_id"], "audit-me-1");
    assert_eq!(entry["actor_role"], "leader");
    assert_eq!(entry["summary"]["username"], "audited");

    // Sign-ins are recorded too; filters by entity and time work.
    let since = (chrono::Utc::now() - chrono::Duration::minutes(5)).to_rfc3339();
    let url = format!(
        "/api/v1/audit?action=auth.login&entity_type=session&from={}",
        urlencode(&since)
    );
    let page: serde_json::Value = app
        .send(Method::GET, &url, Some(&leader), None)
        .await
        .json()
        .await
        .unwrap();
    assert!(page["total"].as_i64().unwrap() >= 1, "{page}");
    let res = app
        .send(
            Method::GET,
            "/api/v1/audit?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z",
            Some(&leader),
            None,
        )
        .await;
    assert_problem(res, 422).await;
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[actix_web::test]
async fn the_audit_log_is_append_only_in_the_database() {
    let app = TestApp::spawn().await;
    app.seed_user(Role::Staff).await;
    let mut conn = app.pool.get().await.unwrap();
    for sql in [
        "UPDATE audit_log SET action = 'forged'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
    ] {
        let err = diesel::sql_query(sql).execute(&mut conn).await.unwrap_err();
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
    let n: i64 = gongkai::db::schema::audit_log::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert!(n >= 1);
}

#[actix_web::test]
async fn list_filters_follow_the_rules_of_their_values() {
    let app = TestApp::spawn().await;
    let leader = app.token_for(Role::Leader).await;
    let too_long = format!("/api/v1/audit?entity_id={}", "x".repeat(101));
    for (path, field) in [
        ("/api/v1/audit?action=", "action"),
        (too_long.as_str(), "entity_id"),
        ("/api/v1/audit?entity_type=a%01b", "entity_type"),
        ("/api/v1/users?q=a%01b", "q"),
    ] {
        let res = app.send(Method::GET, path, Some(&leader), None).await;
        let problem = assert_problem(res, 422).await;
        assert_eq!(problem["errors"][0]["field"], field, "{path}: {problem}");
    }
    // An empty search is no filter.
    let res = app
        .send(Method::GET, "/api/v1/users?q=", Some(&leader), None)
        .await;
    assert_eq!(res.status(), 200);
}
