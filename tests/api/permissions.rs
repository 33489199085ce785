//! The role matrix, table-driven: every operation of the API, called by every kind of caller.
//! The expectations are written here independently of `auth::policy`, and checked against both
//! the policy table and the running server.

use gongkai::auth::Role;
use gongkai::auth::policy::{self, RULES, Who};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser};

/// Who the issue says may call an operation.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    Anyone,
    SignedIn,
    Office,
    Leader,
}

struct Ctx {
    login_user: TestUser,
    leader_id: String,
    target_id: String,
    refresh_tokens: Vec<String>,
    application_id: String,
    appeal_id: String,
    items: crate::items::Fixtures,
}

struct Call {
    method: Method,
    path: String,
    body: Option<Value>,
}

fn call(method: Method, path: impl Into<String>, body: Option<Value>) -> Call {
    Call {
        method,
        path: path.into(),
        body,
    }
}

/// One row per operation: who may call it, and a request that succeeds (or fails only for
/// reasons other than permission) when the caller may.
fn spec(op: &str, ctx: &mut Ctx, n: usize) -> (Expect, Call) {
    use Expect::*;
    let unique = format!(
        "perm-{n}-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..6]
    );
    match op {
        "healthz" => (Anyone, call(Method::GET, "/healthz", None)),
        "readyz" => (Anyone, call(Method::GET, "/readyz", None)),
        "metrics" => (Anyone, call(Method::GET, "/metrics", None)),
        "openapi_json" => (Anyone, call(Method::GET, "/api/v1/openapi.json", None)),
        "login" => (
            Anyone,
            call(
                Method::POST,
                "/api/v1/auth/login",
                Some(
                    json!({"username": ctx.login_user.username, "password": ctx.login_user.password}),
                ),
            ),
        ),
        "refresh" => (
            Anyone,
            call(
                Method::POST,
                "/api/v1/auth/refresh",
                Some(json!({"refresh_token": ctx.refresh_tokens.pop().unwrap()})),
            ),
        ),
        "logout" => (
            Anyone,
            call(
                Method::POST,
                "/api/v1/auth/logout",
                Some(json!({"refresh_token": ctx.refresh_tokens.pop().unwrap()})),
            ),
        ),
        "register" => (
            Anyone,
            call(
                Method::POST,
                "/api/v1/auth/register",
                Some(json!({"username": unique, "password": "correct horse battery"})),
            ),
        ),
        "get_me" => (SignedIn, call(Method::GET, "/api/v1/me", None)),
        "change_own_password" => (
            SignedIn,
            call(
                Method::POST,
                "/api/v1/me/password",
                Some(
                    json!({"current_password": "not the password", "new_password": "correct horse battery"}),
                ),
            ),
        ),
        "list_users" => (Leader, call(Method::GET, "/api/v1/users", None)),
        "create_user" => (
            Leader,
            call(
                Method::POST,
                "/api/v1/users",
                Some(
                    json!({"username": unique, "role": "staff", "password": "correct horse battery"}),
                ),
            ),
        ),
        "get_user" => (
            Leader,
            call(
                Method::GET,
                format!("/api/v1/users/{}", ctx.leader_id),
                None,
            ),
        ),
        "update_user" => (
            Leader,
            call(
                Method::PATCH,
                format!("/api/v1/users/{}", ctx.target_id),
                Some(json!({"display_name": unique})),
            ),
        ),
        "list_tokens" => (Leader, call(Method::GET, "/api/v1/tokens", None)),
        "create_token" => (
            Leader,
            call(
                Method::POST,
                "/api/v1/tokens",
                Some(json!({"name": unique, "scopes": ["stats:read"]})),
            ),
        ),
        "revoke_token" => (
            Leader,
            call(
                Method::DELETE,
                format!("/api/v1/tokens/{}", uuid::Uuid::new_v4()),
                None,
            ),
        ),
        "list_audit" => (Leader, call(Method::GET, "/api/v1/audit", None)),
        "get_calendar" => (Anyone, call(Method::GET, "/api/v1/calendar/2025", None)),
        "put_calendar" => (
            Office,
            call(
                Method::PUT,
                "/api/v1/calendar/2025",
                Some(json!({"year": 2025, "holidays": ["2025-10-01"], "workdays": ["2025-09-28"]})),
            ),
        ),
        // feedback (issue 6): per-entry operations on an unknown id answer 404 when allowed.
        "create_feedback" => (
            Anyone,
            call(
                Method::POST,
                "/api/v1/feedback",
                Some(
                    json!({"kind": "suggestion", "subject": unique, "content": "c", "channel": "online"}),
                ),
            ),
        ),
        "list_feedback" => (SignedIn, call(Method::GET, "/api/v1/feedback", None)),
        "list_public_feedback" => (Anyone, call(Method::GET, "/api/v1/feedback/public", None)),
        "get_feedback" => (
            Anyone,
            call(
                Method::GET,
                format!("/api/v1/feedback/{}", uuid::Uuid::new_v4()),
                None,
            ),
        ),
        "assign_feedback" => (
            Office,
            call(
                Method::POST,
                format!("/api/v1/feedback/{}/assign", uuid::Uuid::new_v4()),
                Some(json!({"assignee_id": ctx.target_id})),
            ),
        ),
        "start_feedback" | "close_feedback" | "reopen_feedback" => (
            Office,
            call(
                Method::POST,
                format!(
                    "/api/v1/feedback/{}/{}",
                    uuid::Uuid::new_v4(),
                    op.trim_end_matches("_feedback")
                ),
                None,
            ),
        ),
        "reply_feedback" => (
            Office,
            call(
                Method::POST,
                format!("/api/v1/feedback/{}/reply", uuid::Uuid::new_v4()),
                Some(json!({"text": "reply"})),
            ),
        ),
        "add_feedback_note" => (
            Office,
            call(
                Method::POST,
                format!("/api/v1/feedback/{}/notes", uuid::Uuid::new_v4()),
                Some(json!({"text": "note"})),
            ),
        ),
        "rate_feedback" => (
            Anyone,
            call(
                Method::POST,
                format!("/api/v1/feedback/{}/rating", uuid::Uuid::new_v4()),
                Some(json!({"score": 4})),
            ),
        ),
        "publish_feedback" => (
            Leader,
            call(
                Method::POST,
                format!("/api/v1/feedback/{}/publish", uuid::Uuid::new_v4()),
                Some(json!({})),
            ),
        ),
        "unpublish_feedback" => (
            Leader,
            call(
                Method::POST,
                format!("/api/v1/feedback/{}/unpublish", uuid::Uuid::new_v4()),
                None,
            ),
        ),
        // applications (issue 5)
        "create_application" => (
            Anyone,
            call(
                Method::POST,
                "/api/v1/applications",
                Some(json!({
                    "applicant": {"type": "natural_person", "name": unique, "id_document_type": "passport",
                                  "id_document_number": "E12345678", "phone": "12345678"},
                    "description": "permissions", "delivery": "pickup"
                })),
            ),
        ),
        "list_applications" => (SignedIn, call(Method::GET, "/api/v1/applications", None)),
        "get_application" => (
            Anyone,
            call(
                Method::GET,
                format!("/api/v1/applications/{}", ctx.application_id),
                None,
            ),
        ),
        "request_correction"
        | "start_consultation"
        | "end_consultation"
        | "answer_application"
        | "submit_correction"
        | "withdraw_application"
        | "extend_application"
        | "approve_answer" => {
            let (action, body, who) = match op {
                "request_correction" => ("request-correction", Some(json!({"note": "n"})), Office),
                "start_consultation" => (
                    "start-consultation",
                    Some(json!({"party": "third_party"})),
                    Office,
                ),
                "end_consultation" => ("end-consultation", None, Office),
                "answer_application" => (
                    "answer",
                    Some(json!({"outcome": "granted", "text": "t"})),
                    Office,
                ),
                "submit_correction" => ("submit-correction", None, Anyone),
                "withdraw_application" => ("withdraw", None, Anyone),
                "extend_application" => ("extend", Some(json!({"days": 1, "reason": "r"})), Leader),
                _ => ("approve-answer", None, Leader),
            };
            (
                who,
                call(
                    Method::POST,
                    format!("/api/v1/applications/{}/{action}", ctx.application_id),
                    body,
                ),
            )
        }
        "create_appeal" => (
            Office,
            call(
                Method::POST,
                format!("/api/v1/applications/{}/appeals", ctx.application_id),
                Some(
                    json!({"kind": "reconsideration", "filed_on": gongkai::clock::today(chrono_tz::Asia::Shanghai)}),
                ),
            ),
        ),
        "update_appeal" => (
            Office,
            call(
                Method::PATCH,
                format!("/api/v1/appeals/{}", ctx.appeal_id),
                Some(json!({"result": "pending"})),
            ),
        ),
        // items (issue 4)
        "list_items" => (Anyone, call(Method::GET, "/api/v1/items", None)),
        "get_item" => (
            Anyone,
            call(
                Method::GET,
                format!("/api/v1/items/{}", ctx.items.published),
                None,
            ),
        ),
        "create_item" => (
            Office,
            call(
                Method::POST,
                "/api/v1/items",
                Some(json!({"title": unique, "category": "work"})),
            ),
        ),
        "update_item" => (
            Office,
            call(
                Method::PATCH,
                format!("/api/v1/items/{}", ctx.items.draft),
                Some(json!({"summary": unique})),
            ),
        ),
        "delete_item" => (
            Office,
            call(
                Method::DELETE,
                format!("/api/v1/items/{}", ctx.items.to_delete),
                None,
            ),
        ),
        "get_item_history" => (
            Office,
            call(
                Method::GET,
                format!("/api/v1/items/{}/history", ctx.items.published),
                None,
            ),
        ),
        "submit_item" => (
            Office,
            call(
                Method::POST,
                format!("/api/v1/items/{}/submit", ctx.items.to_submit),
                None,
            ),
        ),
        "publish_item" => (
            Leader,
            call(
                Method::POST,
                format!("/api/v1/items/{}/publish", ctx.items.to_publish),
                None,
            ),
        ),
        "reject_item" => (
            Leader,
            call(
                Method::POST,
                format!("/api/v1/items/{}/reject", ctx.items.pending),
                Some(json!({"reason": "needs work"})),
            ),
        ),
        "withdraw_item" => (
            Leader,
            call(
                Method::POST,
                format!("/api/v1/items/{}/withdraw", ctx.items.to_withdraw),
                Some(json!({"reason": "superseded"})),
            ),
        ),
        "import_items" => (
            Leader,
            call(
                Method::POST,
                "/api/v1/items/import",
                Some(
                    json!([{"title": unique, "category": "other", "published_at": "2009-05-01T08:00:00+08:00"}]),
                ),
            ),
        ),
        "upload_attachment" => (
            Office,
            // Not multipart: allowed callers get 415, others 401/403 first.
            call(
                Method::POST,
                format!("/api/v1/items/{}/attachments", ctx.items.draft),
                Some(json!({})),
            ),
        ),
        "get_attachment" => (
            Anyone,
            call(
                Method::GET,
                format!(
                    "/api/v1/items/{}/attachments/{}",
                    ctx.items.published, ctx.items.attachment
                ),
                None,
            ),
        ),
        "delete_attachment" => (
            Office,
            call(
                Method::DELETE,
                format!(
                    "/api/v1/items/{}/attachments/{}",
                    ctx.items.draft,
                    uuid::Uuid::new_v4()
                ),
                None,
            ),
        ),
        "items_feed" => (Anyone, call(Method::GET, "/api/v1/feeds/items.atom", None)),
        "get_guide" => (Anyone, call(Method::GET, "/api/v1/guide", None)),
        "put_guide" => (
            Leader,
            call(
                Method::PUT,
                "/api/v1/guide",
                Some(json!({"office_name": unique})),
            ),
        ),
        "get_stats" => (Anyone, call(Method::GET, "/api/v1/stats/2025", None)),
        "get_stats_csv" => (Anyone, call(Method::GET, "/api/v1/stats/2025.csv", None)),
        "list_stats" => (
            Anyone,
            call(Method::GET, "/api/v1/stats?from=2024&to=2025", None),
        ),
        "list_stats_csv" => (
            Anyone,
            call(Method::GET, "/api/v1/stats.csv?from=2024&to=2025", None),
        ),
        "put_manual_stats" => (
            Office,
            call(
                Method::PUT,
                "/api/v1/stats/2025/manual",
                Some(json!({
                    "rules": {"issued": 0, "repealed": 0, "in_force": 0},
                    "normative_documents": {"issued": 1, "repealed": 0, "in_force": 3},
                    "licences": {"decisions": 5}, "penalties": {"decisions": 0},
                    "compulsory_measures": {"decisions": 0}, "fees": {"amount_10k_yuan": 0.0}
                })),
            ),
        ),
        "get_report_draft" => (
            Office,
            call(Method::GET, "/api/v1/reports/2025/draft", None),
        ),
        "put_report_draft" => (
            Office,
            call(
                Method::PUT,
                "/api/v1/reports/2025",
                Some(
                    json!({"overview": "o", "problems_and_improvements": "p", "other_matters": "m"}),
                ),
            ),
        ),
        "publish_report" => (
            Leader,
            call(Method::POST, "/api/v1/reports/2025/publish", None),
        ),
        "get_report" => (Anyone, call(Method::GET, "/api/v1/reports/2025", None)),
        other => {
            panic!("no permission spec for operation {other}: add one to tests/api/permissions.rs")
        }
    }
}

fn allowed(expect: Expect, role: Option<Role>) -> bool {
    match expect {
        Expect::Anyone => true,
        Expect::SignedIn => role.is_some(),
        Expect::Office => matches!(role, Some(Role::Staff | Role::Leader)),
        Expect::Leader => role == Some(Role::Leader),
    }
}

#[actix_web::test]
async fn every_operation_enforces_the_role_matrix() {
    let app = TestApp::spawn().await;
    let leader_user = app.seed_user(Role::Leader).await;
    let target = app.seed_user(Role::Staff).await;
    let login_user = app.seed_user(Role::Public).await;
    let mut refresh_tokens = Vec::new();
    for _ in 0..12 {
        refresh_tokens.push(
            app.login(&login_user).await["refresh_token"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let leader = app.login(&leader_user).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let application: Value = app
        .send(
            Method::POST,
            "/api/v1/applications",
            Some(&leader),
            Some(&json!({
                "applicant": {"type": "natural_person", "name": "权限", "id_document_type": "passport",
                              "id_document_number": "E12345678", "phone": "12345678"},
                "description": "permissions", "delivery": "pickup"
            })),
        )
        .await
        .json()
        .await
        .unwrap();
    let appeal: Value = app
        .send(
            Method::POST,
            &format!(
                "/api/v1/applications/{}/appeals",
                application["id"].as_str().unwrap()
            ),
            Some(&leader),
            Some(&json!({"kind": "reconsideration", "filed_on": application["received_on"]})),
        )
        .await
        .json()
        .await
        .unwrap();
    let mut ctx = Ctx {
        login_user,
        leader_id: leader_user.id.to_string(),
        target_id: target.id.to_string(),
        refresh_tokens,
        application_id: application["id"].as_str().unwrap().to_owned(),
        appeal_id: appeal["id"].as_str().unwrap().to_owned(),
        items: crate::items::fixtures(&app, &leader).await,
    };
    let integration: Value = app
        .send(
            Method::POST,
            "/api/v1/tokens",
            Some(&leader),
            Some(&json!({"name": "all scopes", "scopes": ["stats:read", "items:read", "items:write", "applications:write"]})),
        )
        .await
        .json()
        .await
        .unwrap();
    let callers: Vec<(&str, Option<Role>, Option<String>)> = vec![
        ("anonymous", None, None),
        (
            "public",
            Some(Role::Public),
            Some(app.token_for(Role::Public).await),
        ),
        (
            "staff",
            Some(Role::Staff),
            Some(app.token_for(Role::Staff).await),
        ),
        ("leader", Some(Role::Leader), Some(leader.clone())),
        (
            "token",
            None,
            Some(integration["secret"].as_str().unwrap().to_owned()),
        ),
    ];

    // The document and the policy name the same operations.
    let doc: Value = serde_json::from_str(&gongkai::startup::openapi_pretty_json()).unwrap();
    let mut doc_ops: Vec<String> = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .map(|op| op["operationId"].as_str().unwrap().to_owned())
        .collect();
    doc_ops.sort();
    let mut rule_ops: Vec<String> = RULES.iter().map(|r| r.operation_id.to_owned()).collect();
    rule_ops.sort();
    assert_eq!(
        doc_ops, rule_ops,
        "every operation has exactly one policy rule"
    );

    let mut n = 0;
    let mut failures = Vec::new();
    for rule in RULES {
        // The policy table says what this test expects.
        let (expect, _) = spec(rule.operation_id, &mut ctx, 0);
        let table_expect = match rule.who {
            Who::Anyone => Expect::Anyone,
            Who::Roles(r) if r.len() == 3 => Expect::SignedIn,
            Who::Roles(r) if r == [Role::Leader, Role::Staff] => Expect::Office,
            Who::Roles(r) if r == [Role::Leader] => Expect::Leader,
            Who::Roles(r) => panic!("unexpected role set {r:?}"),
        };
        assert_eq!(expect, table_expect, "policy of {}", rule.operation_id);

        for (name, role, token) in &callers {
            n += 1;
            let (expect, c) = spec(rule.operation_id, &mut ctx, n);
            let res = app
                .send(c.method.clone(), &c.path, token.as_deref(), c.body.as_ref())
                .await;
            let status = res.status().as_u16();
            let may = if *name == "token" {
                expect == Expect::Anyone
                    || rule.scope.is_some()
                        && policy::decide(rule.action, None, Some(gongkai::auth::Scope::ALL))
                            == policy::Decision::Allow
            } else {
                allowed(expect, *role)
            };
            let ok = if may {
                status != 401 && status != 403 && status < 500
            } else if token.is_none() {
                status == 401
            } else {
                status == 403
            };
            if !ok {
                failures.push(format!(
                    "{} {} as {name}: {status} ({})",
                    c.method,
                    c.path,
                    res.text().await.unwrap_or_default()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn readme_permission_matrix_is_the_policy() {
    let readme =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .unwrap();
    let start = readme.find("<!-- permissions:start -->\n").expect("marker")
        + "<!-- permissions:start -->\n".len();
    let end = readme.find("<!-- permissions:end -->").expect("marker");
    if std::env::var("UPDATE_README").is_ok() && readme[start..end] != policy::markdown_matrix() {
        let updated = format!(
            "{}{}{}",
            &readme[..start],
            policy::markdown_matrix(),
            &readme[end..]
        );
        std::fs::write(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"),
            updated,
        )
        .unwrap();
        return;
    }
    assert_eq!(
        &readme[start..end],
        policy::markdown_matrix(),
        "run `UPDATE_README=1 cargo test --test api readme_permission` to regenerate the README matrix"
    );
}
