//! The bad-input corpus: every write operation of the OpenAPI document, with hostile bodies,
//! answers a client error (never a server error), as a problem document, and changes nothing.
//! Bodies are the documented examples with one field at a time replaced by a hostile value,
//! plus hostile bodies as a whole.

use diesel::sql_types::Text;
use diesel_async::RunQueryDsl;
use gongkai::auth::Role;
use serde_json::{Value, json};

use crate::helpers::TestApp;

#[derive(diesel::QueryableByName)]
struct Fingerprint {
    #[diesel(sql_type = Text)]
    fingerprint: String,
}

/// A digest of every row of every table the API writes.
async fn fingerprint(app: &TestApp) -> String {
    let mut conn = app.pool.get().await.unwrap();
    let tables: Vec<Fingerprint> = diesel::sql_query(
        "SELECT tablename::text AS fingerprint FROM pg_tables WHERE schemaname = 'public'
         AND tablename NOT IN ('__diesel_schema_migrations') ORDER BY 1",
    )
    .load(&mut conn)
    .await
    .unwrap();
    let mut out = String::new();
    for t in tables {
        let f: Fingerprint = diesel::sql_query(format!(
            "SELECT count(*)::text || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') AS fingerprint FROM \"{}\" t",
            t.fingerprint
        ))
        .get_result(&mut conn)
        .await
        .unwrap();
        out.push_str(&format!("{}={};", t.fingerprint, f.fingerprint));
    }
    out
}

/// Bodies that no JSON endpoint may accept, whatever its schema.
fn hostile_bodies() -> Vec<(&'static str, String)> {
    vec![
        (
            "deep nesting",
            format!("{}{}", "[".repeat(50_000), "]".repeat(50_000)),
        ),
        (
            "deep objects",
            format!("{}1{}", "{\"a\":".repeat(5_000), "}".repeat(5_000)),
        ),
        ("a NUL string", "\"\\u0000\"".to_owned()),
        ("a lone surrogate", "\"\\udc00\"".to_owned()),
        ("a number beyond f64", "1e400".to_owned()),
        ("broken JSON", "{\"a\": ".to_owned()),
        ("10 MB", format!("\"{}\"", "x".repeat(10 * 1024 * 1024))),
    ]
}

/// Values that must be refused wherever a documented example has a string or a number.
fn hostile_values(original: &Value) -> Vec<(&'static str, Value, bool)> {
    // (what, value, must be refused)
    let mut v = vec![
        ("NUL", json!("ab\u{0}cd"), true),
        ("SQL", json!("'); DROP TABLE users; --"), false),
        ("path traversal", json!("../../../../etc/passwd"), false),
        ("an object", json!({"$gt": ""}), true),
    ];
    if original.is_number() {
        v.push(("beyond i64", json!(1e30), true));
        v.push(("negative", json!(-1), false));
    }
    if original
        .as_str()
        .is_some_and(|s| s.len() == 10 && s.as_bytes()[4] == b'-')
    {
        v.push(("an impossible date", json!("2009-02-30"), true));
        v.push(("a date out of range", json!("+275760-09-13"), true));
    }
    v
}

fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => &doc["components"]["schemas"][r.trim_start_matches("#/components/schemas/")],
        None => schema,
    }
}

/// Paths to every string and number leaf of an example.
fn leaves(v: &Value, path: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                path.push(k.clone());
                leaves(child, path, out);
                path.pop();
            }
        }
        Value::String(_) | Value::Number(_) => out.push(path.clone()),
        _ => {}
    }
}

fn replace(v: &mut Value, path: &[String], with: Value) {
    let mut cur = v;
    for p in path {
        cur = &mut cur[p.as_str()];
    }
    *cur = with;
}

#[actix_web::test]
async fn every_write_operation_refuses_hostile_input_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let leader = app.token_for(Role::Leader).await;
    let doc: Value = serde_json::from_str(&gongkai::startup::openapi_pretty_json()).unwrap();
    let mut failures = Vec::new();
    let mut sent = 0;
    let mut before = fingerprint(&app).await;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if !["post", "put", "patch"].contains(&method.as_str()) {
                continue;
            }
            let Some(schema) =
                op["requestBody"]["content"]["application/json"]["schema"].as_object()
            else {
                continue;
            };
            let url_path = path
                .replace("{year}", "2025")
                .split('/')
                .map(|s| {
                    if s.starts_with('{') {
                        uuid::Uuid::new_v4().to_string()
                    } else {
                        s.to_owned()
                    }
                })
                .collect::<Vec<_>>()
                .join("/");
            let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let mut cases: Vec<(String, String, bool)> = hostile_bodies()
                .into_iter()
                .map(|(what, body)| (what.to_owned(), body, true))
                .collect();
            let example = resolve(&doc, &Value::Object(schema.clone()))["example"].clone();
            if example.is_object() {
                let mut paths = Vec::new();
                leaves(&example, &mut Vec::new(), &mut paths);
                for p in paths {
                    let mut original = &example;
                    for k in &p {
                        original = &original[k.as_str()];
                    }
                    for (what, value, refuse) in hostile_values(original) {
                        let mut body = example.clone();
                        replace(&mut body, &p, value);
                        cases.push((
                            format!("{what} in {}", p.join(".")),
                            body.to_string(),
                            refuse,
                        ));
                    }
                }
            }
            for (what, body, refuse) in cases {
                sent += 1;
                let res = app
                    .client
                    .request(m.clone(), app.url(&url_path))
                    .bearer_auth(&leader)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await;
                let res = match res {
                    Ok(r) => r,
                    // The server may answer 413 and close before the 10 MB are sent.
                    Err(_) if what == "10 MB" => continue,
                    Err(e) => {
                        failures.push(format!("{method} {path} with {what}: {e}"));
                        continue;
                    }
                };
                let status = res.status().as_u16();
                let ct = res
                    .headers()
                    .get("content-type")
                    .map(|v| v.to_str().unwrap().to_owned())
                    .unwrap_or_default();
                if status >= 500 {
                    failures.push(format!(
                        "{method} {path} with {what}: {status} {}",
                        res.text().await.unwrap_or_default()
                    ));
                    continue;
                }
                let after = fingerprint(&app).await;
                if (400..500).contains(&status) {
                    if !ct.starts_with("application/problem+json") {
                        failures.push(format!(
                            "{method} {path} with {what}: {status} without problem+json"
                        ));
                    }
                    if after != before {
                        failures.push(format!(
                            "{method} {path} with {what}: {status} but the database changed"
                        ));
                    }
                } else if refuse {
                    failures.push(format!("{method} {path} with {what}: accepted ({status})"));
                }
                before = after;
            }
        }
    }
    assert!(
        sent > 300,
        "only {sent} requests: is the document's body list right?"
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // SQL fragments stored as text did nothing.
    let mut conn = app.pool.get().await.unwrap();
    diesel::sql_query("SELECT 1 FROM users LIMIT 1")
        .execute(&mut conn)
        .await
        .unwrap();
}
