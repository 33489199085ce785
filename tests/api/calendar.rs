//! The working-day calendar over HTTP.

use gongkai::auth::Role;
use reqwest::Method;
use serde_json::json;

use crate::helpers::{TestApp, assert_problem};

#[actix_web::test]
async fn staff_set_a_year_and_anyone_reads_it() {
    let app = TestApp::spawn().await;
    let staff = app.token_for(Role::Staff).await;
    let empty: serde_json::Value = app.get("/api/v1/calendar/2025").await.json().await.unwrap();
    assert_eq!(empty, json!({"year": 2025, "holidays": [], "workdays": []}));

    let body =
        json!({"year": 2025, "holidays": ["2025-10-08", "2025-10-01"], "workdays": ["2025-09-28"]});
    let res = app
        .send(
            Method::PUT,
            "/api/v1/calendar/2025",
            Some(&staff),
            Some(&body),
        )
        .await;
    assert_eq!(res.status(), 200);
    let got: serde_json::Value = app.get("/api/v1/calendar/2025").await.json().await.unwrap();
    assert_eq!(got["holidays"], json!(["2025-10-01", "2025-10-08"]));
    assert_eq!(got["workdays"], json!(["2025-09-28"]));

    // A second PUT replaces the year.
    let body = json!({"year": 2025, "holidays": [], "workdays": []});
    app.send(
        Method::PUT,
        "/api/v1/calendar/2025",
        Some(&staff),
        Some(&body),
    )
    .await;
    let got: serde_json::Value = app.get("/api/v1/calendar/2025").await.json().await.unwrap();
    assert_eq!(got["holidays"], json!([]));
}

#[actix_web::test]
async fn bad_calendars_are_422_and_change_nothing() {
    let app = TestApp::spawn().await;
    let staff = app.token_for(Role::Staff).await;
    let good = json!({"year": 2025, "holidays": ["2025-10-01"], "workdays": []});
    app.send(
        Method::PUT,
        "/api/v1/calendar/2025",
        Some(&staff),
        Some(&good),
    )
    .await;
    for (body, field) in [
        (
            json!({"year": 2025, "holidays": ["2025-02-30"], "workdays": []}),
            "holidays[0]",
        ),
        (
            json!({"year": 2025, "holidays": ["2024-10-01"], "workdays": []}),
            "holidays[0]",
        ),
        (
            json!({"year": 2025, "holidays": ["2025-10-04"], "workdays": []}),
            "holidays[0]",
        ),
        (
            json!({"year": 2025, "holidays": [], "workdays": ["2025-09-29"]}),
            "workdays[0]",
        ),
        (
            json!({"year": 2024, "holidays": [], "workdays": []}),
            "year",
        ),
        (
            json!({"year": 2025, "holidays": "2025-10-01", "workdays": []}),
            "holidays",
        ),
        (
            json!({"year": 2025, "holidays": [], "workdays": [], "extra": 1}),
            "extra",
        ),
    ] {
        let res = app
            .send(
                Method::PUT,
                "/api/v1/calendar/2025",
                Some(&staff),
                Some(&body),
            )
            .await;
        let problem = assert_problem(res, 422).await;
        assert_eq!(problem["errors"][0]["field"], field, "{body}: {problem}");
    }
    let got: serde_json::Value = app.get("/api/v1/calendar/2025").await.json().await.unwrap();
    assert_eq!(got["holidays"], json!(["2025-10-01"]), "nothing changed");

    assert_problem(app.get("/api/v1/calendar/99999").await, 422).await;
    assert_problem(app.get("/api/v1/calendar/0").await, 422).await;
    assert_problem(app.get("/api/v1/calendar/abc").await, 404).await;
}

#[actix_web::test]
async fn years_out_of_range_are_named() {
    let app = TestApp::spawn().await;
    let staff = app.token_for(Role::Staff).await;
    let problem = assert_problem(app.get("/api/v1/calendar/1989").await, 422).await;
    assert_eq!(problem["errors"][0]["field"], "year", "{problem}");
    let body = json!({"year": 2101, "holidays": [], "workdays": []});
    let res = app
        .send(
            Method::PUT,
            "/api/v1/calendar/2101",
            Some(&staff),
            Some(&body),
        )
        .await;
    let problem = assert_problem(res, 422).await;
    assert_eq!(problem["errors"][0]["field"], "year", "{problem}");
}
