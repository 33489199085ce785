//! The command line: start-up failures and account creation.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::helpers::TestApp;

fn gongkai(db_url: &str, args: &[&str], stdin: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gongkai"))
        .args(args)
        .env("DATABASE_URL", db_url)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn an_unreachable_database_is_one_clear_line_and_a_failure() {
    // Nothing listens on port 1.
    let out = gongkai(
        "postgres://postgres:secret@127.0.0.1:1/gongkai",
        &["migrate"],
        "",
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot connect to PostgreSQL at postgres://postgres:***@127.0.0.1:1/gongkai"),
        "{err}"
    );
    assert!(err.contains("DATABASE_URL"), "{err}");
    assert!(!err.contains("secret"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

#[test]
fn bad_configuration_names_the_variable() {
    let out = Command::new(env!("CARGO_BIN_EXE_gongkai"))
        .arg("serve")
        .env("GONGKAI_ENV", "production")
        .env_remove("GONGKAI_JWT_SECRET")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("GONGKAI_JWT_SECRET"));
}

#[test]
fn openapi_command_prints_the_document() {
    let out = Command::new(env!("CARGO_BIN_EXE_gongkai"))
        .arg("openapi")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        gongkai::startup::openapi_pretty_json()
    );
}

#[actix_web::test]
async fn user_create_makes_accounts_and_refuses_duplicates_and_weak_passwords() {
    let app = TestApp::spawn().await;
    let url = app.db_url.clone();
    let args = [
        "user",
        "create",
        "--username",
        "Zhang.Wei",
        "--role",
        "leader",
        "--password-stdin",
    ];
    let out = tokio::task::spawn_blocking({
        let url = url.clone();
        move || gongkai(&url, &args, "a long secret phrase\n")
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("created Zhang.Wei (leader)"));
    let res = app
        .post_json(
            "/api/v1/auth/login",
            &serde_json::json!({"username": "zhang.wei", "password": "a long secret phrase"}),
        )
        .await;
    assert_eq!(res.status(), 200);

    let dup = [
        "user",
        "create",
        "--username",
        "zhang.WEI",
        "--role",
        "staff",
        "--password-stdin",
    ];
    let out = tokio::task::spawn_blocking({
        let url = url.clone();
        move || gongkai(&url, &dup, "another long phrase\n")
    })
    .await
    .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("taken"));

    let weak = [
        "user",
        "create",
        "--username",
        "li.na",
        "--role",
        "staff",
        "--password-stdin",
    ];
    let out = tokio::task::spawn_blocking(move || gongkai(&url, &weak, "password123\n"))
        .await
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("password:"));
}
