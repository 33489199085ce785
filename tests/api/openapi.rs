use crate::helpers::TestApp;

/// The committed document must be the one the code generates: regenerate it with
/// `cargo run -- openapi > openapi/openapi.json` (see the README) when this fails.
#[test]
fn committed_openapi_document_matches_the_code() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi/openapi.json");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    let generated = gongkai::startup::openapi_pretty_json();
    if committed != generated {
        if std::env::var("UPDATE_OPENAPI").is_ok() {
            std::fs::write(&path, &generated).unwrap();
            return;
        }
        panic!(
            "openapi/openapi.json is out of date: run `UPDATE_OPENAPI=1 cargo test --test api openapi` or `cargo run -- openapi > openapi/openapi.json`"
        );
    }
}

#[actix_web::test]
async fn the_served_document_is_the_committed_one() {
    let app = TestApp::spawn().await;
    let res = app.get("/api/v1/openapi.json").await;
    assert_eq!(res.status(), 200);
    let served: serde_json::Value = res.json().await.unwrap();
    let generated: serde_json::Value =
        serde_json::from_str(&gongkai::startup::openapi_pretty_json()).unwrap();
    assert_eq!(served, generated);
    assert!(served["openapi"].as_str().unwrap().starts_with("3.1"));
}

#[test]
fn every_operation_documents_its_errors_and_has_an_id() {
    let doc: serde_json::Value =
        serde_json::from_str(&gongkai::startup::openapi_pretty_json()).unwrap();
    let mut seen_ids = std::collections::HashSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path}: operationId"));
            assert!(seen_ids.insert(id.to_owned()), "duplicate operationId {id}");
            let responses = op["responses"].as_object().unwrap();
            assert!(
                responses
                    .keys()
                    .any(|k| k.starts_with('2') || k.starts_with('3')),
                "{method} {path}: a success response"
            );
            if op.get("requestBody").is_some() {
                for code in ["400", "413", "415", "422"] {
                    assert!(responses.contains_key(code), "{method} {path}: {code}");
                }
            }
            if op.get("security").is_some() {
                assert!(responses.contains_key("401"), "{method} {path}: 401");
            }
        }
    }
}
