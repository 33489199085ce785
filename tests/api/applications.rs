//! Applications for disclosure over HTTP: receipt, reading rules, masking, the state machine
//! with its refusals, deadlines (with a calendar change), appeals and bad input.

use chrono::{Datelike, Duration, NaiveDate};
use gongkai::auth::Role;
use gongkai::calendar::WorkCalendar;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem};

fn today() -> NaiveDate {
    gongkai::clock::today(chrono_tz::Asia::Shanghai)
}

/// 20 working days after `day` with no calendar exceptions (a fresh database has none).
fn due_after(day: NaiveDate, n: u32) -> String {
    WorkCalendar::default().add_working_days(day, n).to_string()
}

fn person() -> Value {
    json!({
        "applicant": {"type": "natural_person", "name": "李明", "id_document_type": "resident_id",
                      "id_document_number": "11010519491231002X", "phone": "0533-7000000",
                      "email": "li.ming@example.cn", "address": "朱台镇西街1号"},
        "description": "2025年朱台镇农村道路改造工程的招标文件",
        "delivery": "email"
    })
}

fn organisation() -> Value {
    json!({
        "applicant": {"type": "enterprise", "name": "淄博某建设有限公司",
                      "unified_social_credit_code": "91350100M000100Y43", "phone": "0533-7111111"},
        "description": "本公司参与投标项目的评标结果",
        "delivery": "pickup"
    })
}

/// Sends a request with an optional bearer token and access code.
async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    code: Option<&str>,
    body: Option<&Value>,
) -> reqwest::Response {
    let mut req = app.client.request(method, app.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(c) = code {
        req = req.header("X-Access-Code", c);
    }
    if let Some(b) = body {
        req = req.json(b);
    }
    req.send().await.expect("request")
}

async fn act(
    app: &TestApp,
    id: &str,
    action: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> reqwest::Response {
    send(
        app,
        Method::POST,
        &format!("/api/v1/applications/{id}/{action}"),
        token,
        None,
        body.as_ref(),
    )
    .await
}

async fn ok(res: reqwest::Response) -> Value {
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    assert!(status.is_success(), "{status}: {body}");
    body
}

/// Submits and returns the created answer.
async fn submit(app: &TestApp, token: Option<&str>, body: &Value) -> Value {
    let res = send(
        app,
        Method::POST,
        "/api/v1/applications",
        token,
        None,
        Some(body),
    )
    .await;
    let status = res.status();
    let created: Value = res.json().await.unwrap();
    assert_eq!(status, 201, "{created}");
    created
}

/// Registers a paper application received on `on` (staff).
async fn register(app: &TestApp, staff: &str, on: NaiveDate) -> Value {
    let mut body = person();
    body["channel"] = json!("letter");
    body["received_on"] = json!(on);
    submit(app, Some(staff), &body).await
}

async fn get(app: &TestApp, id: &str, token: Option<&str>) -> Value {
    ok(send(
        app,
        Method::GET,
        &format!("/api/v1/applications/{id}"),
        token,
        None,
        None,
    )
    .await)
    .await
}

#[actix_web::test]
async fn anonymous_receipt_gets_a_tracking_number_deadline_and_access_code() {
    let app = TestApp::spawn().await;
    let a = submit(&app, None, &person()).await;
    let year = today().year();
    assert_eq!(a["tracking_no"], format!("{year}-00001"));
    assert_eq!(a["status"], "received");
    assert_eq!(a["channel"], "online");
    assert_eq!(a["received_on"], today().to_string());
    assert_eq!(a["due_on"], due_after(today(), 20));
    assert_eq!(a["allowed_actions"], json!(["withdraw"]));
    assert_eq!(a["timeline"][0]["action"], "received");
    assert_eq!(a["timeline"][0]["actor"], "applicant");
    assert!(a["timeline"][0].get("details").is_none(), "office only");
    let code = a["access_code"].as_str().unwrap();
    assert_eq!(code.len(), 24);

    let b = submit(&app, None, &organisation()).await;
    assert_eq!(b["tracking_no"], format!("{year}-00002"));
    assert_eq!(
        b["applicant"]["unified_social_credit_code"],
        "91350100M000100Y43"
    );

    // The code is stored only as a hash.
    let mut conn = app.pool.get().await.unwrap();
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Hit {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let hit: Hit = diesel::sql_query(
        "SELECT count(*) AS n FROM applications WHERE encode(access_code_hash, 'escape') LIKE '%' || $1 || '%'",
    )
    .bind::<diesel::sql_types::Text, _>(code)
    .get_result(&mut conn)
    .await
    .unwrap();
    assert_eq!(hit.n, 0);

    // The code is not shown again.
    let again: Value = send(
        &app,
        Method::GET,
        &format!("/api/v1/applications/{}", a["id"].as_str().unwrap()),
        None,
        Some(code),
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert!(again.get("access_code").is_none());
    assert_eq!(again["tracking_no"], a["tracking_no"]);
}

#[actix_web::test]
async fn reading_rules_owner_code_office_and_everyone_else_404() {
    let app = TestApp::spawn().await;
    let owner = app.token_for(Role::Public).await;
    let other = app.token_for(Role::Public).await;
    let staff = app.token_for(Role::Staff).await;
    let mine = submit(&app, Some(&owner), &person()).await;
    assert!(
        mine.get("access_code").is_none(),
        "an account follows its own"
    );
    let id = mine["id"].as_str().unwrap();
    let path = format!("/api/v1/applications/{id}");

    assert_eq!(get(&app, id, Some(&owner)).await["id"], id);
    assert_eq!(
        get(&app, id, Some(&staff)).await["applicant"]["phone"],
        "0533-7000000"
    );
    assert_problem(
        send(&app, Method::GET, &path, Some(&other), None, None).await,
        404,
    )
    .await;
    assert_problem(send(&app, Method::GET, &path, None, None, None).await, 404).await;

    let anon = submit(&app, None, &person()).await;
    let anon_id = anon["id"].as_str().unwrap();
    let code = anon["access_code"].as_str().unwrap();
    let anon_path = format!("/api/v1/applications/{anon_id}");
    let seen = ok(send(&app, Method::GET, &anon_path, None, Some(code), None).await).await;
    assert_eq!(
        seen["applicant"]["id_document_number"],
        "11010519491231002X"
    );
    // Case and dashes do not matter.
    let loose = code.to_lowercase().replace('-', "");
    assert_eq!(
        send(&app, Method::GET, &anon_path, None, Some(&loose), None)
            .await
            .status(),
        200
    );
    for wrong in [
        None,
        Some("AAAA-BBBB-CCCC-DDDD-EEEE"),
        Some(mine_code_of_other(&app).await.as_str()),
    ] {
        assert_problem(
            send(&app, Method::GET, &anon_path, None, wrong, None).await,
            404,
        )
        .await;
    }
    // Another account, without the code.
    assert_problem(
        send(&app, Method::GET, &anon_path, Some(&other), None, None).await,
        404,
    )
    .await;
    // An unknown id is the same 404.
    let unknown = format!("/api/v1/applications/{}", uuid::Uuid::new_v4());
    assert_problem(
        send(&app, Method::GET, &unknown, None, Some(code), None).await,
        404,
    )
    .await;

    // A public user's list holds their own only.
    let list = ok(send(
        &app,
        Method::GET,
        "/api/v1/applications",
        Some(&owner),
        None,
        None,
    )
    .await)
    .await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["id"], id);
    let list = ok(send(
        &app,
        Method::GET,
        "/api/v1/applications",
        Some(&other),
        None,
        None,
    )
    .await)
    .await;
    assert_eq!(list["total"], 0);
    assert_problem(
        send(&app, Method::GET, "/api/v1/applications", None, None, None).await,
        401,
    )
    .await;
}

/// The access code of yet another application: right code, wrong application.
async fn mine_code_of_other(app: &TestApp) -> String {
    submit(app, None, &person()).await["access_code"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[actix_web::test]
async fn lists_mask_identity_numbers_and_hide_contact_data() {
    let app = TestApp::spawn().await;
    let staff = app.token_for(Role::Staff).await;
    submit(&app, None, &person()).await;
    submit(&app, None, &organisation()).await;
    let list = ok(send(
        &app,
        Method::GET,
        "/api/v1/applications?sort=tracking_no",
        Some(&staff),
        None,
        None,
    )
    .await)
    .await;
    assert_eq!(list["total"], 2);
    let text = list.to_string();
    for secret in [
        "11010519491231002X",
        "0533-7000000",
        "li.ming@example.cn",
        "朱台镇西街1号",
        "0533-7111111",
    ] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    assert_eq!(
        list["items"][0]["identity_number_masked"],
        "1101**********002X"
    );
    assert_eq!(
        list["items"][1]["identity_number_masked"],
        "9135**********0Y43"
    );
    assert_eq!(list["items"][0]["applicant_name"], "李明");
    assert!(list["items"][0].get("applicant").is_none());
}

#[actix_web::test]
async fn list_filters_overdue_due_soon_and_sorts_by_deadline() {
    let app = TestApp::spawn().await;
    let staff = app.token_for(Role::Staff).await;
    let old = register(&app, &staff, today() - Duration::days(60)).await;
    let fresh = submit(&app, None, &organisation()).await;
    assert_eq!(old["overdue"], true);

    let list = ok(send(
        &app,
        Method::GET,
        "/api/v1/applications",
        Some(&staff),
        None,
        None,
    )
    .await)
    .await;
    assert_eq!(list["items"][0]["id"], old["id"], "soonest deadline first");
    let overdue = ok(send(
        &app,
        Method::GET,
        "/api/v1/applications?overdue=true",
        Some(&staff),
        None,
        None,
    )
    .await)
    .await;
    assert_eq!(overdue["total"], 1);
    assert_eq!(overdue["items"][0]["id"], old["id"]);
    assert_eq!(overdue["items"][0]["overdue"], true);
    let not = ok(send(
        &app,
        Method::GET,
        "/api/v1/applications?overdue=false",
        Some(&staff),
        None,
        None,
    )
    .await)
    .await;
    assert_eq!(not["items"][0]["id"], fresh["id"]);
    let soon = ok(send(
        &app,
        Method::GET,
        "/api/v1/applications?due_soon=20",
        Some(&staff),
        None,
        None,
    )
    .await)
    .await;
    assert_eq!(soon["total"], 1);
    assert_eq!(soon["items"][0]["id"], fresh["id"]);
    let soon = ok(send(
        &app,
        Method::GET,
        "/api/v1/applications?due_soon=5",
        Some(&staff),
        None,
        None,
    )
    .await)
    .await;
    assert_eq!(soon["total"], 0);
    let before = format!("/api/v1/applications?due_before={}", today());
    let before = ok(send(&app, Method::GET, &before, Some(&staff), None, None).await).await;
    assert_eq!(before["total"], 1);
    let typed = ok(send(
        &app,
        Method::GET,
        "/api/v1/applications?applicant_type=enterprise",
        Some(&staff),
        None,
        None,
    )
    .await)
    .await;
    assert_eq!(typed["items"][0]["id"], fresh["id"]);
    let year = format!(
        "/api/v1/applications?year={}&status=received",
        today().year()
    );
    assert!(
        ok(send(&app, Method::GET, &year, Some(&staff), None, None).await).await["total"]
            .as_i64()
            .unwrap()
            >= 1
    );
    for bad in [
        "status=lost",
        "applicant_type=alien",
        "year=3000",
        "due_soon=99",
        "sort=name",
        "overdue=maybe",
        "per_page=0",
    ] {
        let res = send(
            &app,
            Method::GET,
            &format!("/api/v1/applications?{bad}"),
            Some(&staff),
            None,
            None,
        )
        .await;
        assert_problem(res, 422).await;
    }
}

#[actix_web::test]
async fn the_whole_state_machine_with_a_draft_approved_by_a_leader() {
    let app = TestApp::spawn().await;
    let staff = app.token_for(Role::Staff).await;
    let leader = app.token_for(Role::Leader).await;
    // Received three days ago (working days or not, within the correction window).
    let received = today() - Duration::days(3);
    let a = register(&app, &staff, received).await;
    let id = a["id"].as_str().unwrap().to_owned();
    let code = a["access_code"].as_str().unwrap().to_owned();
    assert_eq!(a["channel"], "letter");
    assert_eq!(a["due_on"], due_after(received, 20));
    assert_eq!(
        a["allowed_actions"],
        json!([
            "request-correction",
            "start-consultation",
            "answer",
            "withdraw"
        ])
    );

    // Correction: the clock stops...
    let c = ok(act(
        &app,
        &id,
        "request-correction",
        Some(&staff),
        Some(json!({"note": "请说明年份", "days": 10})),
    )
    .await)
    .await;
    assert_eq!(c["status"], "awaiting_correction");
    assert_eq!(c["due_on"], Value::Null);
    assert_eq!(c["correction"]["due_on"], due_after(today(), 10));
    // ...and the applicant sends it with the code: the 20 days start again today.
    let res = send(
        &app,
        Method::POST,
        &format!("/api/v1/applications/{id}/submit-correction"),
        None,
        Some(&code),
        Some(&json!({"description": "2024年朱台镇X村道路改造工程的招标文件"})),
    )
    .await;
    let c = ok(res).await;
    assert_eq!(c["status"], "received");
    assert_eq!(c["due_on"], due_after(today(), 20));
    assert_eq!(c["description"], "2024年朱台镇X村道路改造工程的招标文件");
    assert_eq!(
        c["allowed_actions"],
        json!(["withdraw"]),
        "the applicant's view"
    );
    // A correction is asked for only once.
    let again = act(
        &app,
        &id,
        "request-correction",
        Some(&staff),
        Some(json!({"note": "again"})),
    )
    .await;
    let p = assert_problem(again, 409).await;
    assert!(p["detail"].as_str().unwrap().contains("only once"), "{p}");

    // Consultation on the same day: no working day is paused.
    let s = ok(act(
        &app,
        &id,
        "start-consultation",
        Some(&staff),
        Some(json!({"party": "third_party"})),
    )
    .await)
    .await;
    assert_eq!(s["status"], "in_consultation");
    assert_eq!(s["due_on"], Value::Null);
    let p = assert_problem(
        act(
            &app,
            &id,
            "answer",
            Some(&staff),
            Some(json!({"outcome": "granted", "text": "x"})),
        )
        .await,
        409,
    )
    .await;
    assert_eq!(
        p["allowed_actions"],
        json!(["end-consultation", "withdraw"])
    );
    let e = ok(act(&app, &id, "end-consultation", Some(&staff), None).await).await;
    assert_eq!(e["status"], "received");
    assert_eq!(e["due_on"], due_after(today(), 20));
    assert_eq!(e["consultations"][0]["ended_on"], today().to_string());

    // Extension: leaders only, once.
    assert_problem(
        act(
            &app,
            &id,
            "extend",
            Some(&staff),
            Some(json!({"days": 5, "reason": "r"})),
        )
        .await,
        403,
    )
    .await;
    let x = ok(act(
        &app,
        &id,
        "extend",
        Some(&leader),
        Some(json!({"days": 15, "reason": "涉及多个部门"})),
    )
    .await)
    .await;
    assert_eq!(x["due_on"], due_after(today(), 35));
    assert_eq!(x["extension"]["days"], 15);
    let p = assert_problem(
        act(
            &app,
            &id,
            "extend",
            Some(&leader),
            Some(json!({"days": 5, "reason": "r"})),
        )
        .await,
        409,
    )
    .await;
    assert!(
        p["detail"].as_str().unwrap().contains("already extended"),
        "{p}"
    );

    // A staff answer is a draft, shown to the office only.
    let d = ok(act(
        &app,
        &id,
        "answer",
        Some(&staff),
        Some(json!({"outcome": "refused", "reason": "third_party_rights", "text": "不予公开"})),
    )
    .await)
    .await;
    assert_eq!(d["status"], "answer_drafted");
    assert_eq!(d["draft_answer"]["reason"], "third_party_rights");
    assert_eq!(d["answer"], Value::Null);
    let seen = ok(send(
        &app,
        Method::GET,
        &format!("/api/v1/applications/{id}"),
        None,
        Some(&code),
        None,
    )
    .await)
    .await;
    assert!(seen.get("draft_answer").is_none());
    assert_eq!(seen["status"], "answer_drafted");
    // Staff cannot approve; a leader does.
    assert_problem(
        act(&app, &id, "approve-answer", Some(&staff), None).await,
        403,
    )
    .await;
    let f = ok(act(&app, &id, "approve-answer", Some(&leader), None).await).await;
    assert_eq!(f["status"], "answered");
    assert_eq!(
        f["answer"],
        json!({"outcome": "refused", "reason": "third_party_rights", "text": "不予公开"})
    );
    assert_eq!(f["closed_on"], today().to_string());
    assert_eq!(f["allowed_actions"], json!([]));
    // Closed: nothing more, and the applicant cannot withdraw.
    let res = send(
        &app,
        Method::POST,
        &format!("/api/v1/applications/{id}/withdraw"),
        None,
        Some(&code),
        None,
    )
    .await;
    let p = assert_problem(res, 409).await;
    assert_eq!(p["allowed_actions"], json!([]));

    // The timeline: every step, who, and the deadline before and after.
    let t = get(&app, &id, Some(&staff)).await["timeline"].clone();
    let steps: Vec<&str> = t
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        [
            "received",
            "correction_requested",
            "correction_submitted",
            "consultation_started",
            "consultation_ended",
            "extended",
            "answer_drafted",
            "answer_approved",
        ]
    );
    assert_eq!(t[1]["due_before"], due_after(received, 20));
    assert_eq!(t[1]["due_after"], Value::Null);
    assert_eq!(t[2]["actor"], "applicant");
    assert_eq!(t[5]["actor"], "leader");
    assert_eq!(t[5]["due_before"], due_after(today(), 20));
    assert_eq!(t[5]["due_after"], due_after(today(), 35));
    assert!(t[6]["actor_id"].is_string());
}

#[actix_web::test]
async fn leaders_answer_finally_and_applicants_withdraw() {
    let app = TestApp::spawn().await;
    let leader = app.token_for(Role::Leader).await;
    let owner = app.token_for(Role::Public).await;
    let a = submit(&app, None, &person()).await;
    let id = a["id"].as_str().unwrap();
    let f = ok(act(
        &app,
        id,
        "answer",
        Some(&leader),
        Some(json!({"outcome": "granted", "text": "见附件"})),
    )
    .await)
    .await;
    assert_eq!(f["status"], "answered");
    assert_eq!(f["answer"]["outcome"], "granted");
    assert_eq!(f["timeline"][1]["action"], "answered");

    let b = submit(&app, Some(&owner), &person()).await;
    let id = b["id"].as_str().unwrap();
    // Another public user may not (404: they may not know it exists).
    let other = app.token_for(Role::Public).await;
    assert_problem(act(&app, id, "withdraw", Some(&other), None).await, 404).await;
    assert_problem(act(&app, id, "withdraw", None, None).await, 404).await;
    let w = ok(act(
        &app,
        id,
        "withdraw",
        Some(&owner),
        Some(json!({"reason": "已获得"})),
    )
    .await)
    .await;
    assert_eq!(w["status"], "withdrawn");
    assert_eq!(w["answer"]["outcome"], "other");
    assert_eq!(w["closed_on"], today().to_string());
    // A public user may not use office actions at all.
    assert_problem(
        act(
            &app,
            id,
            "request-correction",
            Some(&owner),
            Some(json!({"note": "n"})),
        )
        .await,
        403,
    )
    .await;
    assert_problem(
        act(
            &app,
            id,
            "request-correction",
            None,
            Some(json!({"note": "n"})),
        )
        .await,
        401,
    )
    .await;
}

#[actix_web::test]
async fn time_limits_refuse_late_corrections_and_late_extensions_and_allow_closing_abandoned_ones()
{
    let app = TestApp::spawn().await;
    let staff = app.token_for(Role::Staff).await;
    let leader = app.token_for(Role::Leader).await;
    let old = register(&app, &staff, today() - Duration::days(60)).await;
    let id = old["id"].as_str().unwrap();
    let p = assert_problem(
        act(
            &app,
            id,
            "request-correction",
            Some(&staff),
            Some(json!({"note": "n"})),
        )
        .await,
        409,
    )
    .await;
    assert!(
        p["detail"].as_str().unwrap().contains("7 working days"),
        "{p}"
    );
    assert_eq!(
        p["allowed_actions"],
        json!(["start-consultation", "answer", "withdraw"])
    );
    let p = assert_problem(
        act(
            &app,
            id,
            "extend",
            Some(&leader),
            Some(json!({"days": 5, "reason": "r"})),
        )
        .await,
        409,
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("passed"), "{p}");

    // A correction not made in time: closed as other / correction_overdue.
    let a = submit(&app, None, &person()).await;
    let id = a["id"].as_str().unwrap();
    ok(act(
        &app,
        id,
        "request-correction",
        Some(&staff),
        Some(json!({"note": "n", "days": 1})),
    )
    .await)
    .await;
    let early = act(
        &app,
        id,
        "answer",
        Some(&leader),
        Some(json!({"outcome": "other", "reason": "correction_overdue", "text": "t"})),
    )
    .await;
    let p = assert_problem(early, 409).await;
    assert_eq!(
        p["allowed_actions"],
        json!(["submit-correction", "withdraw"])
    );
    // Time passes: the period ended yesterday.
    {
        use diesel::prelude::*;
        use diesel_async::RunQueryDsl;
        use gongkai::db::schema::applications;
        let mut conn = app.pool.get().await.unwrap();
        diesel::update(applications::table.find(uuid::Uuid::parse_str(id).unwrap()))
            .set(applications::correction_due_on.eq(today() - Duration::days(1)))
            .execute(&mut conn)
            .await
            .unwrap();
    }
    let wrong = act(
        &app,
        id,
        "answer",
        Some(&leader),
        Some(json!({"outcome": "granted", "text": "t"})),
    )
    .await;
    assert_eq!(
        assert_problem(wrong, 422).await["errors"][0]["field"],
        "reason"
    );
    let closed = ok(act(
        &app,
        id,
        "answer",
        Some(&leader),
        Some(json!({"outcome": "other", "reason": "correction_overdue", "text": "视为放弃申请"})),
    )
    .await)
    .await;
    assert_eq!(closed["status"], "answered");
    assert_eq!(closed["answer"]["reason"], "correction_overdue");
    // And correction_overdue fits nothing else.
    let b = submit(&app, None, &person()).await;
    let res = act(
        &app,
        b["id"].as_str().unwrap(),
        "answer",
        Some(&leader),
        Some(json!({"outcome": "other", "reason": "correction_overdue", "text": "t"})),
    )
    .await;
    assert_eq!(
        assert_problem(res, 422).await["errors"][0]["field"],
        "reason"
    );
}

#[actix_web::test]
async fn outcomes_and_reasons_are_validated_and_bad_answers_change_nothing() {
    let app = TestApp::spawn().await;
    let leader = app.token_for(Role::Leader).await;
    let a = submit(&app, None, &person()).await;
    let id = a["id"].as_str().unwrap();
    for (body, field) in [
        (json!({"outcome": "maybe", "text": "t"}), "outcome"),
        (json!({"outcome": "refused", "text": "t"}), "reason"),
        (
            json!({"outcome": "unable", "reason": "state_secret", "text": "t"}),
            "reason",
        ),
        (
            json!({"outcome": "granted", "reason": "not_held", "text": "t"}),
            "reason",
        ),
        (
            json!({"outcome": "not_processed", "reason": "nonsense", "text": "t"}),
            "reason",
        ),
        (json!({"outcome": "granted", "text": "  "}), "text"),
        (json!({"outcome": "granted"}), "text"),
    ] {
        let res = act(&app, id, "answer", Some(&leader), Some(body.clone())).await;
        let p = assert_problem(res, 422).await;
        assert_eq!(p["errors"][0]["field"], field, "{body}: {p}");
    }
    let after = get(&app, id, Some(&leader)).await;
    assert_eq!(after["status"], "received");
    assert_eq!(after["timeline"].as_array().unwrap().len(), 1);
    // Every outcome with each of its reasons is accepted (as drafts, by staff).
    let staff = app.token_for(Role::Staff).await;
    for (outcome, reason) in [
        ("partially_granted", None),
        ("refused", Some("law_enforcement_file")),
        ("unable", Some("needs_creation")),
        ("not_processed", Some("confirm_or_reissue")),
        ("other", Some("fee_unpaid")),
    ] {
        let mut body = json!({"outcome": outcome, "text": "t"});
        if let Some(r) = reason {
            body["reason"] = json!(r);
        }
        let d = ok(act(&app, id, "answer", Some(&staff), Some(body)).await).await;
        assert_eq!(d["draft_answer"]["outcome"], outcome);
    }
}

#[actix_web::test]
async fn bad_applications_are_422_and_create_nothing() {
    let app = TestApp::spawn().await;
    let staff = app.token_for(Role::Staff).await;
    let with = |path: &[&str], v: Value| {
        let mut b = person();
        let mut cur = &mut b;
        for p in &path[..path.len() - 1] {
            cur = &mut cur[*p];
        }
        cur[path[path.len() - 1]] = v;
        b
    };
    let tomorrow = today() + Duration::days(1);
    let cases: Vec<(Option<&str>, Value, &str)> = vec![
        (
            None,
            with(&["applicant", "type"], json!("alien")),
            "applicant.type",
        ),
        (
            None,
            with(
                &["applicant", "id_document_number"],
                json!("110105194912310021"),
            ),
            "applicant.id_document_number",
        ),
        (
            None,
            with(&["applicant", "id_document_type"], Value::Null),
            "applicant.id_document_type",
        ),
        (
            None,
            with(&["applicant", "name"], json!(" ")),
            "applicant.name",
        ),
        (
            None,
            with(&["applicant", "email"], json!("not-an-address")),
            "applicant.email",
        ),
        (None, with(&["description"], json!("")), "description"),
        (None, with(&["delivery"], json!("pigeon")), "delivery"),
        (None, with(&["channel"], json!("letter")), "channel"),
        (None, with(&["received_on"], json!(today())), "received_on"),
        (None, with(&["extra"], json!(1)), "extra"),
        (
            Some(&staff),
            with(&["received_on"], json!(tomorrow)),
            "received_on",
        ),
        (
            Some(&staff),
            with(&["received_on"], json!("2025-02-30")),
            "received_on",
        ),
        (
            None,
            json!({"applicant": {"type": "enterprise", "name": "X", "unified_social_credit_code": "91350100M000100Y44", "phone": "12345"}, "description": "d", "delivery": "pickup"}),
            "applicant.unified_social_credit_code",
        ),
        (
            None,
            json!({"applicant": {"type": "enterprise", "name": "X", "phone": "12345"}, "description": "d", "delivery": "pickup"}),
            "applicant.unified_social_credit_code",
        ),
        (
            None,
            json!({"applicant": {"type": "natural_person", "name": "X", "id_document_type": "passport", "id_document_number": "E1234567"}, "description": "d", "delivery": "post"}),
            "applicant.phone",
        ),
    ];
    for (token, body, field) in cases {
        let res = send(
            &app,
            Method::POST,
            "/api/v1/applications",
            token,
            None,
            Some(&body),
        )
        .await;
        let p = assert_problem(res, 422).await;
        let fields: Vec<&str> = p["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert!(fields.contains(&field), "{body}: {p}");
    }
    let list = ok(send(
        &app,
        Method::GET,
        "/api/v1/applications",
        Some(&staff),
        None,
        None,
    )
    .await)
    .await;
    assert_eq!(list["total"], 0);
    // The next good one is number 1: nothing was used up.
    let a = submit(&app, None, &person()).await;
    assert_eq!(a["tracking_no"], format!("{}-00001", today().year()));
}

/// One rule per kind of value (issue 14): an applicant's phone follows the phone rule that
/// feedback follows (5 to 20 digits; before, any 5 to 30 of the characters passed), names and
/// addresses are single lines, and the notes of actions refuse control characters like every
/// other text. Blank optional fields still mean "not given".
#[actix_web::test]
async fn applicant_fields_and_notes_follow_the_one_rule_of_their_kind() {
    let app = TestApp::spawn().await;
    let staff = app.token_for(Role::Staff).await;
    for (field, value) in [
        ("phone", json!("12-34-()")),
        ("phone", json!("1234567890 1234567890 1")),
        ("name", json!("李\n明")),
        ("address", json!("朱台镇\n西街1号")),
    ] {
        let mut body = person();
        body["applicant"][field] = value.clone();
        let res = send(
            &app,
            Method::POST,
            "/api/v1/applications",
            None,
            None,
            Some(&body),
        )
        .await;
        let p = assert_problem(res, 422).await;
        assert_eq!(
            p["errors"][0]["field"],
            format!("applicant.{field}"),
            "{value}: {p}"
        );
    }
    let mut blank = person();
    blank["applicant"]["phone"] = json!("  ");
    blank["applicant"]["address"] = json!("");
    blank["purpose"] = json!(" ");
    let a = submit(&app, None, &blank).await;
    assert_eq!(a["applicant"]["phone"], Value::Null);
    assert_eq!(a["purpose"], Value::Null);
    let res = act(
        &app,
        a["id"].as_str().unwrap(),
        "request-correction",
        Some(&staff),
        Some(json!({"note": "请补充\u{7}"})),
    )
    .await;
    assert_eq!(assert_problem(res, 422).await["errors"][0]["field"], "note");
}

#[actix_web::test]
async fn a_calendar_change_moves_open_deadlines_in_the_same_transaction() {
    let app = TestApp::spawn().await;
    let staff = app.token_for(Role::Staff).await;
    let leader = app.token_for(Role::Leader).await;
    let open = submit(&app, None, &person()).await;
    let closed = submit(&app, None, &person()).await;
    ok(act(
        &app,
        closed["id"].as_str().unwrap(),
        "answer",
        Some(&leader),
        Some(json!({"outcome": "granted", "text": "t"})),
    )
    .await)
    .await;
    let due: NaiveDate = open["due_on"].as_str().unwrap().parse().unwrap();
    // A weekday holiday inside the window, in the deadline's year.
    let mut holiday = due;
    while holiday.weekday().number_from_monday() > 5 || holiday.year() != due.year() {
        holiday -= Duration::days(1);
    }
    let year = holiday.year();
    let res = send(
        &app,
        Method::PUT,
        &format!("/api/v1/calendar/{year}"),
        Some(&staff),
        None,
        Some(&json!({"year": year, "holidays": [holiday], "workdays": []})),
    )
    .await;
    let changed = ok(res).await;
    assert_eq!(changed["recomputed_deadlines"], 1);
    let cal = WorkCalendar::new(&[holiday], &[]);
    let moved = get(&app, open["id"].as_str().unwrap(), Some(&staff)).await;
    assert_eq!(
        moved["due_on"],
        cal.add_working_days(today(), 20).to_string()
    );
    assert_ne!(moved["due_on"], open["due_on"]);
    let last = moved["timeline"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["action"], "deadline_recomputed");
    assert_eq!(last["actor"], "system");
    assert_eq!(last["due_before"], open["due_on"]);
    assert_eq!(last["due_after"], moved["due_on"]);
    // The closed one keeps its deadline.
    assert_eq!(
        get(&app, closed["id"].as_str().unwrap(), Some(&staff)).await["due_on"],
        closed["due_on"]
    );
    // A bad calendar changes nothing.
    let res = send(
        &app,
        Method::PUT,
        &format!("/api/v1/calendar/{year}"),
        Some(&staff),
        None,
        Some(&json!({"year": year, "holidays": [format!("{}-02-30", year)], "workdays": []})),
    )
    .await;
    assert_problem(res, 422).await;
    let res = send(
        &app,
        Method::PUT,
        &format!("/api/v1/calendar/{year}"),
        Some(&staff),
        None,
        Some(&json!({"year": year, "holidays": [format!("{}-10-01", year + 1)], "workdays": []})),
    )
    .await;
    assert_problem(res, 422).await;
    assert_eq!(
        get(&app, open["id"].as_str().unwrap(), Some(&staff)).await["due_on"],
        moved["due_on"]
    );
    // Putting the year back restores it.
    let res = send(
        &app,
        Method::PUT,
        &format!("/api/v1/calendar/{year}"),
        Some(&staff),
        None,
        Some(&json!({"year": year, "holidays": [], "workdays": []})),
    )
    .await;
    assert_eq!(ok(res).await["recomputed_deadlines"], 1);
    assert_eq!(
        get(&app, open["id"].as_str().unwrap(), Some(&staff)).await["due_on"],
        open["due_on"]
    );
}

#[actix_web::test]
async fn two_concurrent_actions_cannot_both_succeed() {
    let app = TestApp::spawn_with(|c| c.db_pool_size = 8).await;
    let leader = app.token_for(Role::Leader).await;
    for _ in 0..3 {
        let a = submit(&app, None, &person()).await;
        let id = a["id"].as_str().unwrap();
        let code = a["access_code"].as_str().unwrap();
        let answer = act(
            &app,
            id,
            "answer",
            Some(&leader),
            Some(json!({"outcome": "granted", "text": "t"})),
        );
        let path = format!("/api/v1/applications/{id}/withdraw");
        let withdraw = send(&app, Method::POST, &path, None, Some(code), None);
        let (x, y) = tokio::join!(answer, withdraw);
        let mut statuses = [x.status().as_u16(), y.status().as_u16()];
        statuses.sort();
        assert_eq!(statuses, [200, 409]);
        let t = get(&app, id, Some(&leader)).await["timeline"]
            .as_array()
            .unwrap()
            .len();
        assert_eq!(t, 2, "one step recorded");
    }
}

#[actix_web::test]
async fn integrations_need_the_scope_and_anonymous_submission_is_throttled() {
    let app = TestApp::spawn_with(|c| c.submit_rate_per_min = 2).await;
    let leader = app.token_for(Role::Leader).await;
    let token = |scopes: Value| {
        let app = &app;
        let leader = leader.clone();
        async move {
            let t: Value = app
                .send(
                    Method::POST,
                    "/api/v1/tokens",
                    Some(&leader),
                    Some(&json!({"name": "mini-program", "scopes": scopes})),
                )
                .await
                .json()
                .await
                .unwrap();
            t["secret"].as_str().unwrap().to_owned()
        }
    };
    let stats = token(json!(["stats:read"])).await;
    let writer = token(json!(["applications:write"])).await;
    assert_problem(
        send(
            &app,
            Method::POST,
            "/api/v1/applications",
            Some(&stats),
            None,
            Some(&person()),
        )
        .await,
        403,
    )
    .await;
    // Integrations are not throttled per address, and get access codes.
    for _ in 0..3 {
        let a = submit(&app, Some(&writer), &person()).await;
        assert!(a["access_code"].is_string());
        assert_eq!(a["timeline"][0]["actor"], "integration");
    }
    // An integration may only submit.
    assert_problem(
        send(
            &app,
            Method::GET,
            "/api/v1/applications",
            Some(&writer),
            None,
            None,
        )
        .await,
        403,
    )
    .await;
    submit(&app, None, &person()).await;
    submit(&app, None, &person()).await;
    let res = send(
        &app,
        Method::POST,
        "/api/v1/applications",
        None,
        None,
        Some(&person()),
    )
    .await;
    assert!(res.headers().contains_key("retry-after"));
    assert_problem(res, 429).await;
    // The office is not throttled.
    let staff = app.token_for(Role::Staff).await;
    submit(&app, Some(&staff), &person()).await;
}

#[actix_web::test]
async fn appeals_are_registered_and_decided() {
    let app = TestApp::spawn().await;
    let staff = app.token_for(Role::Staff).await;
    let leader = app.token_for(Role::Leader).await;
    let a = submit(&app, None, &person()).await;
    let id = a["id"].as_str().unwrap();
    let code = a["access_code"].as_str().unwrap();
    ok(act(
        &app,
        id,
        "answer",
        Some(&leader),
        Some(json!({"outcome": "refused", "reason": "state_secret", "text": "t"})),
    )
    .await)
    .await;
    let path = format!("/api/v1/applications/{id}/appeals");
    let res = send(
        &app,
        Method::POST,
        &path,
        Some(&staff),
        None,
        Some(&json!({"kind": "reconsideration", "filed_on": today()})),
    )
    .await;
    assert_eq!(res.status(), 201);
    let appeal: Value = res.json().await.unwrap();
    assert_eq!(appeal["result"], "pending");
    assert_eq!(appeal["decided_on"], Value::Null);
    let appeal_path = format!("/api/v1/appeals/{}", appeal["id"].as_str().unwrap());

    for body in [
        json!({"kind": "appeal_to_heaven", "filed_on": today()}),
        json!({"kind": "reconsideration", "filed_on": today() + Duration::days(1)}),
        json!({"kind": "reconsideration", "filed_on": today() - Duration::days(1)}),
    ] {
        assert_problem(
            send(&app, Method::POST, &path, Some(&staff), None, Some(&body)).await,
            422,
        )
        .await;
    }
    for body in [
        json!({"result": "upheld"}),
        json!({"result": "pending", "decided_on": today()}),
        json!({"result": "won", "decided_on": today()}),
        json!({"result": "upheld", "decided_on": today() + Duration::days(1)}),
    ] {
        assert_problem(
            send(
                &app,
                Method::PATCH,
                &appeal_path,
                Some(&staff),
                None,
                Some(&body),
            )
            .await,
            422,
        )
        .await;
    }
    let done = ok(send(
        &app,
        Method::PATCH,
        &appeal_path,
        Some(&staff),
        None,
        Some(&json!({"result": "upheld", "decided_on": today()})),
    )
    .await)
    .await;
    assert_eq!(done["result"], "upheld");
    assert_eq!(done["decided_on"], today().to_string());
    let back = ok(send(
        &app,
        Method::PATCH,
        &appeal_path,
        Some(&staff),
        None,
        Some(&json!({"result": "pending"})),
    )
    .await)
    .await;
    assert_eq!(back["decided_on"], Value::Null);

    // The applicant sees the appeal and the steps on the timeline.
    let seen = ok(send(
        &app,
        Method::GET,
        &format!("/api/v1/applications/{id}"),
        None,
        Some(code),
        None,
    )
    .await)
    .await;
    assert_eq!(seen["appeals"][0]["kind"], "reconsideration");
    let steps: Vec<&str> = seen["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        [
            "received",
            "answered",
            "appeal_filed",
            "appeal_updated",
            "appeal_updated"
        ]
    );
    let unknown = format!("/api/v1/appeals/{}", uuid::Uuid::new_v4());
    assert_problem(
        send(
            &app,
            Method::PATCH,
            &unknown,
            Some(&staff),
            None,
            Some(&json!({"result": "pending"})),
        )
        .await,
        404,
    )
    .await;
    let unknown = format!("/api/v1/applications/{}/appeals", uuid::Uuid::new_v4());
    assert_problem(
        send(
            &app,
            Method::POST,
            &unknown,
            Some(&staff),
            None,
            Some(&json!({"kind": "reconsideration", "filed_on": today()})),
        )
        .await,
        404,
    )
    .await;
}

#[actix_web::test]
async fn concurrent_receipts_get_unique_gap_free_tracking_numbers() {
    let app = TestApp::spawn_with(|c| {
        c.workers = 2;
        c.db_pool_size = 8;
    })
    .await;
    let body = person();
    let results = futures_util::future::join_all((0..40).map(|_| submit(&app, None, &body))).await;
    let mut numbers: Vec<String> = results
        .iter()
        .map(|a| a["tracking_no"].as_str().unwrap().to_owned())
        .collect();
    numbers.sort();
    let year = today().year();
    let expected: Vec<String> = (1..=40).map(|n| format!("{year}-{n:05}")).collect();
    assert_eq!(numbers, expected);
}

fn header_of(res: &reqwest::Response, name: &str) -> String {
    res.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

/// Issue #16 item 9: answers with personal data are kept by no cache, and caches key every
/// answer on the credentials; anonymous reads of public data stay cacheable.
#[actix_web::test]
async fn personal_answers_are_no_store_and_vary_on_the_credentials() {
    let app = TestApp::spawn().await;
    let private = |res: &reqwest::Response, what: &str| {
        let policy = header_of(res, "cache-control");
        assert!(policy.contains("no-store"), "{what}: {policy}");
        let vary = header_of(res, "vary");
        assert!(vary.contains("Authorization"), "{what}: {vary}");
        assert!(vary.contains("X-Access-Code"), "{what}: {vary}");
    };

    // The receipt shows the access code.
    let res = send(
        &app,
        Method::POST,
        "/api/v1/applications",
        None,
        None,
        Some(&person()),
    )
    .await;
    assert_eq!(res.status(), 201);
    private(&res, "receipt");
    let a: Value = res.json().await.unwrap();
    let (id, code) = (
        a["id"].as_str().unwrap(),
        a["access_code"].as_str().unwrap(),
    );

    let path = format!("/api/v1/applications/{id}");
    let res = send(&app, Method::GET, &path, None, Some(code), None).await;
    assert_eq!(res.status(), 200);
    private(&res, "read with the access code");

    let staff = app.token_for(Role::Staff).await;
    for path in ["/api/v1/applications", "/api/v1/feedback", "/api/v1/me"] {
        let res = send(&app, Method::GET, path, Some(&staff), None, None).await;
        assert_eq!(res.status(), 200, "{path}");
        private(&res, path);
    }
    // A signed-in view of the catalogue is private too.
    let res = send(&app, Method::GET, "/api/v1/items", Some(&staff), None, None).await;
    private(&res, "signed-in catalogue");

    // Anonymous public reads keep their public policy, and vary on the credentials since the
    // same URL shows more to the office.
    let res = app.get("/api/v1/items").await;
    assert_eq!(header_of(&res, "cache-control"), "public, max-age=60");
    assert!(header_of(&res, "vary").contains("Authorization"));
    // Public data stays public for a signed-in caller when its handler says so.
    let res = send(&app, Method::GET, "/api/v1/guide", Some(&staff), None, None).await;
    assert!(header_of(&res, "cache-control").starts_with("public"));
    // An existing Vary is merged, not replaced.
    let res = app.get("/api/v1/nowhere").await;
    assert_eq!(res.status(), 404);
    let vary = header_of(&res, "vary");
    assert!(vary.contains("Accept-Language"), "{vary}");
    private(&res, "a problem document");
}
