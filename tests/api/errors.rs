//! Every kind of client mistake is a problem document with the right status, never a 500.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{TestApp, assert_problem};

#[actix_web::test]
async fn malformed_json_is_400() {
    let app = TestApp::spawn().await;
    let res = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("content-type", "application/json")
        .body("{\"username\": ")
        .send()
        .await
        .unwrap();
    let body = assert_problem(res, 400).await;
    assert_eq!(body["type"], "/problems/bad-request");

    let res = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("content-type", "application/json")
        .body("{\"username\": \"a\", \"password\": \"b\"} trailing")
        .send()
        .await
        .unwrap();
    assert_problem(res, 400).await;
}

#[actix_web::test]
async fn wrong_content_type_is_415() {
    let app = TestApp::spawn().await;
    for ct in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        None,
    ] {
        let mut req = app
            .client
            .post(app.url("/api/v1/auth/login"))
            .body(r#"{"username":"a","password":"b"}"#);
        if let Some(ct) = ct {
            req = req.header("content-type", ct);
        }
        let body = assert_problem(req.send().await.unwrap(), 415).await;
        assert_eq!(body["type"], "/problems/unsupported-media-type");
    }
    // A JSON suffix type is JSON.
    let res = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header(
            "content-type",
            "application/merge-patch+json; charset=utf-8",
        )
        .body(r#"{"username":"nobody","password":"whatever-long"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
}

#[actix_web::test]
async fn unknown_fields_and_wrong_types_are_422_with_the_field_path() {
    let app = TestApp::spawn().await;
    let res = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"username": "a", "password": "b", "remember_me": true}),
        )
        .await;
    let body = assert_problem(res, 422).await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("remember_me"),
        "{body}"
    );

    let res = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"username": 5, "password": "b"}),
        )
        .await;
    let body = assert_problem(res, 422).await;
    assert_eq!(body["errors"][0]["field"], "username", "{body}");

    let res = app
        .post_json("/api/v1/auth/login", &json!({"username": "x"}))
        .await;
    let body = assert_problem(res, 422).await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("password"),
        "{body}"
    );

    let res = app.post_json("/api/v1/auth/login", &json!([1, 2])).await;
    assert_problem(res, 422).await;
}

#[actix_web::test]
async fn bodies_over_the_limit_are_413() {
    let app = TestApp::spawn_with(|c| c.json_limit = 1024).await;
    let big = "x".repeat(2000);
    let res = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"username": big, "password": "b"}),
        )
        .await;
    let body = assert_problem(res, 413).await;
    assert_eq!(body["type"], "/problems/payload-too-large");

    // Without a Content-Length (chunked), the limit holds while reading.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..4).map(|_| Ok(vec![b' '; 600])).collect();
    let res = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            chunks,
        )))
        .send()
        .await
        .unwrap();
    assert_problem(res, 413).await;
}

#[actix_web::test]
async fn bad_query_parameters_are_422() {
    let app = TestApp::spawn().await;
    let leader = app.token_for(gongkai::auth::Role::Leader).await;
    for q in [
        "page=abc",
        "per_page=100000",
        "page=-1",
        "page=0",
        "role=emperor",
        "bogus=1",
    ] {
        let res = app
            .send(
                Method::GET,
                &format!("/api/v1/users?{q}"),
                Some(&leader),
                None,
            )
            .await;
        let body = assert_problem(res, 422).await;
        assert_eq!(body["type"], "/problems/validation-error", "{q}: {body}");
    }
}

#[actix_web::test]
async fn malformed_ids_in_paths_are_404() {
    let app = TestApp::spawn().await;
    let leader = app.token_for(gongkai::auth::Role::Leader).await;
    let res = app
        .send(Method::GET, "/api/v1/users/not-a-uuid", Some(&leader), None)
        .await;
    assert_problem(res, 404).await;
}
