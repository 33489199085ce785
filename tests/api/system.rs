use crate::helpers::{TestApp, assert_problem};

#[actix_web::test]
async fn healthz_answers_without_the_database() {
    let app = TestApp::spawn().await;
    app.drop_database().await;
    let res = app.get("/healthz").await;
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["status"], "ok");
}

#[actix_web::test]
async fn readyz_is_ok_with_the_database_and_503_without_it() {
    let app = TestApp::spawn().await;
    let res = app.get("/readyz").await;
    assert_eq!(res.status(), 200);

    app.drop_database().await;
    let started = std::time::Instant::now();
    let res = app.get("/readyz").await;
    assert!(res.headers().contains_key("retry-after"));
    let body = assert_problem(res, 503).await;
    assert_eq!(body["type"], "/problems/service-unavailable");
    assert!(started.elapsed() < std::time::Duration::from_secs(3));
    // The database's own words (its name, the server's error text) stay in the log.
    assert!(!body.to_string().contains(&app.db_name), "{body}");
}

#[actix_web::test]
async fn request_ids_are_echoed_or_generated() {
    let app = TestApp::spawn().await;
    let res = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "trace-abc.123")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "trace-abc.123");

    // An id with characters that could forge log lines is replaced.
    let res = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "evil id\"}")
        .send()
        .await
        .unwrap();
    let id = res.headers()["x-request-id"].to_str().unwrap();
    assert_ne!(id, "evil id\"}");
    assert!(uuid::Uuid::parse_str(id).is_ok());

    // Errors carry the same id in their body.
    let res = app
        .client
        .get(app.url("/no/such/thing"))
        .header("x-request-id", "req-42")
        .send()
        .await
        .unwrap();
    let body = assert_problem(res, 404).await;
    assert_eq!(body["request_id"], "req-42");
    assert_eq!(body["instance"], "/no/such/thing");
}

#[actix_web::test]
async fn security_headers_are_on_every_response() {
    let app = TestApp::spawn().await;
    for path in ["/healthz", "/nowhere", "/api/v1/openapi.json"] {
        let res = app.get(path).await;
        let h = res.headers();
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{path}");
        assert!(h.contains_key("content-security-policy"), "{path}");
    }
}

#[actix_web::test]
async fn unknown_routes_are_404_and_wrong_methods_405_with_allow() {
    let app = TestApp::spawn().await;
    let body = assert_problem(app.get("/api/v1/nothing-here").await, 404).await;
    assert_eq!(body["type"], "/problems/not-found");

    let res = app.client.delete(app.url("/healthz")).send().await.unwrap();
    let allow = res.headers()["allow"].to_str().unwrap().to_owned();
    assert!(allow.contains("GET"), "{allow}");
    assert_problem(res, 405).await;

    let res = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/readyz"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert!(res.headers()["allow"].to_str().unwrap().contains("GET"));
}

#[actix_web::test]
async fn docs_are_served_from_the_binary() {
    let app = TestApp::spawn().await;
    let res = app.get("/docs").await;
    assert_eq!(res.status(), 307);
    assert_eq!(res.headers()["location"], "/docs/");
    let res = app.get("/docs/").await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("swagger-ui"), "{html}");
    assert!(!html.contains("://"), "no external asset: {html}");
    let res = app.get("/docs/swagger-initializer.js").await;
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("/api/v1/openapi.json"));
    assert_eq!(app.get("/docs/swagger-ui-bundle.js").await.status(), 200);
}

/// Issue #16 item 2: label values come from closed sets, so clients cannot grow the metrics'
/// memory by making up methods or paths.
#[actix_web::test]
async fn made_up_methods_and_paths_leave_the_metric_series_bounded() {
    let app = TestApp::spawn().await;
    for i in 0..50 {
        let method = reqwest::Method::from_bytes(format!("QX{i}Z").as_bytes()).unwrap();
        app.client
            .request(method.clone(), app.url("/healthz"))
            .send()
            .await
            .unwrap();
        app.client
            .request(method, app.url(&format!("/nowhere-{i}")))
            .send()
            .await
            .unwrap();
    }
    let text = app.get("/metrics").await.text().await.unwrap();
    let series: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("http_requests_total{"))
        .collect();
    for line in &series {
        assert!(
            !line.contains("QX"),
            "a made-up method became a label: {line}"
        );
        assert!(
            !line.contains("/nowhere-"),
            "a made-up path became a label: {line}"
        );
    }
    assert!(
        series
            .iter()
            .any(|l| l.contains(r#"method="other",route="/healthz""#)),
        "{text}"
    );
    // Seven methods and "other", times the few statuses /healthz answers.
    let healthz = series
        .iter()
        .filter(|l| l.contains(r#"route="/healthz""#))
        .count();
    assert!(healthz <= 8 * 3, "{healthz} series for /healthz: {text}");
}

#[actix_web::test]
async fn metrics_count_requests_by_route_and_status() {
    let app = TestApp::spawn().await;
    app.get("/healthz").await;
    app.get("/nowhere").await;
    let res = app.get("/metrics").await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = res.text().await.unwrap();
    assert!(
        text.contains(r#"http_requests_total{method="GET",route="/healthz",status="200"}"#),
        "{text}"
    );
    assert!(text.contains(r#"route="unmatched",status="404""#), "{text}");
    assert!(
        text.contains("http_request_duration_seconds_bucket"),
        "{text}"
    );
    assert!(text.contains("db_pool_connections_max"), "{text}");
}

#[actix_web::test]
async fn cors_preflight_is_answered_for_allowed_origins_only() {
    let app = TestApp::spawn_with(|c| {
        c.cors_origins = Some(vec!["https://portal.example.gov.cn".into()]);
    })
    .await;
    let res = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/healthz"))
        .header("origin", "https://portal.example.gov.cn")
        .header("access-control-request-method", "GET")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["access-control-allow-origin"],
        "https://portal.example.gov.cn"
    );

    let res = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/healthz"))
        .header("origin", "https://evil.example.com")
        .header("access-control-request-method", "GET")
        .send()
        .await
        .unwrap();
    assert!(!res.headers().contains_key("access-control-allow-origin"));
    assert_problem(res, 400).await;
}
