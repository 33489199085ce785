//! The contract holds under hostile input: slow clients, NUL characters, huge and deep bodies,
//! out-of-range numbers; and the server shuts down gracefully.

use std::time::Duration;

use gongkai::auth::Role;
use reqwest::Method;
use serde_json::json;

use crate::helpers::{TestApp, assert_problem};

#[actix_web::test]
async fn a_body_sent_too_slowly_is_cut_off_with_408() {
    let app = TestApp::spawn_with(|c| c.body_timeout = Duration::from_millis(500)).await;
    let stream = futures_util::stream::unfold(0, |i| async move {
        if i >= 10 {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        Some((Ok::<_, std::io::Error>(vec![b' ']), i + 1))
    });
    let started = std::time::Instant::now();
    let res = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await
        .unwrap();
    let body = assert_problem(res, 408).await;
    assert_eq!(body["type"], "/problems/request-timeout");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[actix_web::test]
async fn nul_characters_are_refused_in_bodies_and_queries() {
    let app = TestApp::spawn().await;
    let res = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("content-type", "application/json")
        .body(r#"{"username": "a\u0000b", "password": "whatever-long"}"#)
        .send()
        .await
        .unwrap();
    let body = assert_problem(res, 422).await;
    assert_eq!(body["errors"][0]["field"], "username");

    let leader = app.token_for(Role::Leader).await;
    let res = app
        .send(Method::GET, "/api/v1/users?q=a%00b", Some(&leader), None)
        .await;
    let body = assert_problem(res, 422).await;
    assert_eq!(body["errors"][0]["field"], "query");
}

#[actix_web::test]
async fn hostile_values_are_client_errors() {
    let app = TestApp::spawn().await;
    let staff = app.token_for(Role::Staff).await;
    let cases = [
        // Numbers beyond i32/i64.
        r#"{"year": 99999999999999999999999, "holidays": [], "workdays": []}"#,
        r#"{"year": 1e400, "holidays": [], "workdays": []}"#,
        // Dates out of range, and SQL fragments where a date belongs.
        r#"{"year": 2025, "holidays": ["+275760-09-13"], "workdays": []}"#,
        r#"{"year": 2025, "holidays": ["2025-10-01'); DROP TABLE users;--"], "workdays": []}"#,
        // A lone surrogate.
        r#"{"year": 2025, "holidays": ["\ud800"], "workdays": []}"#,
    ];
    for body in cases {
        let res = app
            .client
            .put(app.url("/api/v1/calendar/2025"))
            .bearer_auth(&staff)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        assert!(status == 400 || status == 422, "{body}: {status}");
        assert_problem(res, status).await;
    }
    // Nothing was written.
    let cal: serde_json::Value = app.get("/api/v1/calendar/2025").await.json().await.unwrap();
    assert_eq!(cal["holidays"], json!([]));

    // A 10 MB string: refused with 413 as soon as its length is announced, before it is read.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = app.address.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{{\"username\": \"",
        10 * 1024 * 1024
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream
        .write_all("字".repeat(10_000).as_bytes())
        .await
        .unwrap();
    let mut answer = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut answer))
        .await
        .expect("answered without reading the whole body")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer[..n]);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("application/problem+json"), "{answer}");
}

/// SIGTERM lets an in-flight request finish, then the process exits 0.
#[actix_web::test]
async fn sigterm_finishes_in_flight_requests_and_exits_cleanly() {
    let app = TestApp::spawn().await;
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_gongkai"))
        .arg("serve")
        .env("DATABASE_URL", &app.db_url)
        .env("GONGKAI_BIND", format!("127.0.0.1:{port}"))
        .env("GONGKAI_WORKERS", "1")
        .env("GONGKAI_SHUTDOWN_TIMEOUT_S", "10")
        .env("RUST_LOG", "warn")
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    for _ in 0..100 {
        if client.get(format!("{base}/healthz")).send().await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // A request whose body takes 1.5 s to arrive is in flight when SIGTERM comes.
    let stream = futures_util::stream::unfold(0, |i| async move {
        let chunk: &[u8] = match i {
            0 => b"{\"username\": \"nobody\", ",
            1 => b"\"password\": \"wrong-password\"}",
            _ => return None,
        };
        if i == 1 {
            tokio::time::sleep(Duration::from_millis(1500)).await;
        }
        Some((Ok::<_, std::io::Error>(chunk.to_vec()), i + 1))
    });
    let in_flight = client
        .post(format!("{base}/api/v1/auth/login"))
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(stream))
        .send();
    let signal = async {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let pid = child.id().unwrap() as i32;
        // SAFETY: sending a signal to our own child process.
        std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .unwrap();
    };
    let (res, ()) = tokio::join!(in_flight, signal);
    let res = res.expect("the in-flight request is answered");
    assert_eq!(res.status(), 401, "answered normally");
    let status = tokio::time::timeout(Duration::from_secs(15), child.wait())
        .await
        .expect("exits within the grace period")
        .unwrap();
    assert!(status.success(), "{status:?}");
}

/// The statement timeout is set on every pooled connection.
#[actix_web::test]
async fn statements_are_cut_off_at_the_configured_timeout() {
    let app = TestApp::spawn_with(|c| c.db_statement_timeout = Duration::from_millis(200)).await;
    let mut conn = app.pool.get().await.unwrap();
    let started = std::time::Instant::now();
    let err =
        diesel_async::RunQueryDsl::execute(diesel::sql_query("SELECT pg_sleep(2)"), &mut conn)
            .await
            .unwrap_err();
    assert!(err.to_string().contains("statement timeout"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(1));
}

/// When every pooled connection is busy, a request waits at most the pool timeout, then 503.
#[actix_web::test]
async fn a_full_pool_answers_503_after_the_wait_timeout() {
    let app = TestApp::spawn_with(|c| {
        c.db_pool_size = 1;
        c.db_pool_timeout = Duration::from_millis(300);
    })
    .await;
    let held = app.pool.get().await.unwrap();
    let started = std::time::Instant::now();
    let res = app.get("/api/v1/calendar/2025").await;
    let waited = started.elapsed();
    assert_problem(res, 503).await;
    assert!(
        waited >= Duration::from_millis(250) && waited < Duration::from_secs(2),
        "{waited:?}"
    );
    drop(held);
    assert_eq!(app.get("/api/v1/calendar/2025").await.status(), 200);
}

/// A reference to a row that does not exist is the client's mistake: 422 naming the field.
#[actix_web::test]
async fn a_dangling_reference_is_422_naming_the_field() {
    let app = TestApp::spawn().await;
    let res = app
        .post_json(
            "/api/v1/feedback",
            &json!({"kind": "consultation", "subject": "s", "content": "c",
                    "related_item_id": uuid::Uuid::new_v4()}),
        )
        .await;
    let body = assert_problem(res, 422).await;
    assert_eq!(body["errors"][0]["field"], "related_item_id", "{body}");
}

/// `db::Prepared` keeps a raw statement prepared on its connection: the second run with other
/// values reuses it, so it costs one round trip instead of two.
#[actix_web::test]
async fn prepared_raw_statements_are_prepared_once_per_connection() {
    use diesel_async::{AsyncPgConnection, RunQueryDsl};
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let app = TestApp::spawn().await;
    let mut conn = app.pool.get().await.unwrap();
    let sql = "SELECT $1::bigint * 2 AS n /* prepared-once */";
    for v in [1_i64, 2, 3] {
        let r: N =
            gongkai::db::Prepared(diesel::sql_query(sql).bind::<diesel::sql_types::BigInt, _>(v))
                .get_result(&mut conn)
                .await
                .unwrap();
        assert_eq!(r.n, v * 2);
    }
    // How many statements with this marker the connection keeps prepared.
    async fn kept(conn: &mut AsyncPgConnection, marker: &str) -> i64 {
        let r: N = diesel::sql_query(
            "SELECT count(*) AS n FROM pg_prepared_statements \
             WHERE strpos(statement, $1) > 0 AND strpos(statement, 'pg_prepared_statements') = 0",
        )
        .bind::<diesel::sql_types::Text, _>(marker)
        .get_result(conn)
        .await
        .unwrap();
        r.n
    }
    assert_eq!(kept(&mut conn, "prepared-once").await, 1);
    // A plain raw statement is not kept.
    let _: N = diesel::sql_query("SELECT 7::bigint AS n /* not-kept */")
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(kept(&mut conn, "not-kept").await, 0);
}
