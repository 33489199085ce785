//! The public feedback register: workflow, reading rules, the public board, ratings, deadlines
//! and bad input.

use chrono::{Datelike, NaiveDate};
use gongkai::auth::Role;
use gongkai::calendar::WorkCalendar;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, assert_problem};

fn today() -> NaiveDate {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive()
}

fn complaint() -> Value {
    json!({
        "kind": "complaint",
        "subject": "路灯不亮",
        "content": "我是李明，朱台村东路的路灯坏了两周。电话13812345678，邮箱li.ming@example.com。",
        "contact": {"name": "李明", "phone": "13812345678", "email": "li.ming@example.com"}
    })
}

pub(crate) async fn json_of(res: reqwest::Response, status: u16) -> Value {
    let got = res.status().as_u16();
    let text = res.text().await.unwrap();
    assert_eq!(got, status, "{text}");
    serde_json::from_str(&text).unwrap()
}

/// Sends with an optional access code.
async fn send_code(
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
    req.send().await.unwrap()
}

pub(crate) struct Office {
    pub(crate) staff: String,
    staff_user: TestUser,
    pub(crate) leader: String,
}

pub(crate) async fn office(app: &TestApp) -> Office {
    let staff_user = app.seed_user(Role::Staff).await;
    let staff = app.login(&staff_user).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    Office {
        staff,
        staff_user,
        leader: app.token_for(Role::Leader).await,
    }
}

pub(crate) async fn act(
    app: &TestApp,
    token: &str,
    id: &str,
    action: &str,
    body: Option<Value>,
) -> reqwest::Response {
    app.send(
        Method::POST,
        &format!("/api/v1/feedback/{id}/{action}"),
        Some(token),
        body.as_ref(),
    )
    .await
}

/// Takes an entry from `registered` to `replied`.
pub(crate) async fn answer(app: &TestApp, o: &Office, id: &str) {
    json_of(
        act(
            app,
            &o.staff,
            id,
            "assign",
            Some(json!({"assignee_id": o.staff_user.id})),
        )
        .await,
        200,
    )
    .await;
    json_of(act(app, &o.staff, id, "start", None).await, 200).await;
    json_of(
        act(
            app,
            &o.staff,
            id,
            "reply",
            Some(json!({"text": "已通知供电所，李明您好，3月6日修复。"})),
        )
        .await,
        200,
    )
    .await;
}

#[actix_web::test]
async fn the_whole_workflow_with_conflicts_and_audit() {
    let app = TestApp::spawn().await;
    let o = office(&app).await;

    let res = app.post_json("/api/v1/feedback", &complaint()).await;
    assert!(res.headers().contains_key("location"));
    let created = json_of(res, 201).await;
    let id = created["id"].as_str().unwrap().to_owned();
    let year = today().year();
    assert_eq!(created["register_no"], format!("{year}-00001"));
    assert_eq!(created["status"], "registered");
    assert_eq!(created["channel"], "online");
    assert_eq!(created["received_on"], today().to_string());
    let due = WorkCalendar::default().add_working_days(today(), 5);
    assert_eq!(created["reply_due_on"], due.to_string());
    let code = created["access_code"].as_str().unwrap();
    assert_eq!(code.len(), 24, "{code}");
    assert!(created.get("office").is_none(), "{created}");

    // The second entry of the year gets the next number.
    let second = json_of(app.post_json("/api/v1/feedback", &complaint()).await, 201).await;
    assert_eq!(second["register_no"], format!("{year}-00002"));

    // Out of order: 409 naming what is allowed.
    let p = assert_problem(act(&app, &o.staff, &id, "start", None).await, 409).await;
    assert_eq!(p["allowed_actions"], json!(["assign"]));
    let p = assert_problem(
        act(&app, &o.staff, &id, "reply", Some(json!({"text": "x"}))).await,
        409,
    )
    .await;
    assert_eq!(p["allowed_actions"], json!(["assign"]));

    let f = json_of(
        act(
            &app,
            &o.staff,
            &id,
            "assign",
            Some(json!({"assignee_id": o.staff_user.id})),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(f["status"], "assigned");
    assert_eq!(f["office"]["assignee_id"], o.staff_user.id.to_string());
    assert_eq!(f["office"]["allowed_actions"], json!(["assign", "start"]));
    let f = json_of(act(&app, &o.staff, &id, "start", None).await, 200).await;
    assert_eq!(f["status"], "in_progress");
    let p = assert_problem(act(&app, &o.staff, &id, "close", None).await, 409).await;
    assert_eq!(p["allowed_actions"], json!(["assign", "reply"]));
    let f = json_of(
        act(
            &app,
            &o.staff,
            &id,
            "reply",
            Some(json!({"text": "已通知供电所。"})),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(f["status"], "replied");
    assert_eq!(f["reply"]["text"], "已通知供电所。");
    assert_eq!(f["reply"]["replied_on"], today().to_string());
    assert_eq!(f["reply"]["on_time"], true);
    let first_replied_at = f["reply"]["replied_at"].clone();
    assert_problem(
        act(
            &app,
            &o.staff,
            &id,
            "assign",
            Some(json!({"assignee_id": o.staff_user.id})),
        )
        .await,
        409,
    )
    .await;

    let f = json_of(act(&app, &o.staff, &id, "close", None).await, 200).await;
    assert_eq!(f["status"], "closed");
    assert!(f["office"]["closed_at"].is_string());
    let f = json_of(act(&app, &o.staff, &id, "reopen", None).await, 200).await;
    assert_eq!(f["status"], "in_progress");
    assert_eq!(
        f["reply_due_on"],
        due.to_string(),
        "reopening keeps the deadline"
    );
    // A new reply replaces the text; the first reply's time stays.
    let f = json_of(
        act(
            &app,
            &o.staff,
            &id,
            "reply",
            Some(json!({"text": "3月6日已修复。"})),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(f["reply"]["text"], "3月6日已修复。");
    assert_eq!(f["reply"]["replied_at"], first_replied_at);

    // Assigning to a public account or to nobody is refused.
    let public = app.seed_user(Role::Public).await;
    let other = second["id"].as_str().unwrap();
    let p = assert_problem(
        act(
            &app,
            &o.staff,
            other,
            "assign",
            Some(json!({"assignee_id": public.id})),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "assignee_id");
    assert_problem(
        act(
            &app,
            &o.staff,
            other,
            "assign",
            Some(json!({"assignee_id": uuid::Uuid::new_v4()})),
        )
        .await,
        422,
    )
    .await;
    // Unknown entries are 404 for every action.
    let nobody = uuid::Uuid::new_v4().to_string();
    assert_problem(act(&app, &o.staff, &nobody, "start", None).await, 404).await;
    assert_problem(act(&app, &o.staff, "not-a-uuid", "start", None).await, 404).await;

    // Every state change is in the audit log.
    let audit = json_of(
        app.send(
            Method::GET,
            &format!("/api/v1/audit?entity_type=feedback&entity_id={id}&per_page=100"),
            Some(&o.leader),
            None,
        )
        .await,
        200,
    )
    .await;
    let mut actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    actions.sort();
    assert_eq!(
        actions,
        [
            "feedback.assigned",
            "feedback.closed",
            "feedback.created",
            "feedback.reopened",
            "feedback.replied",
            "feedback.replied",
            "feedback.started"
        ]
    );
    let text = audit.to_string();
    assert!(
        !text.contains("13812345678"),
        "no contact data in the audit log"
    );
}

#[actix_web::test]
async fn reading_rules_notes_and_masking() {
    let app = TestApp::spawn().await;
    let o = office(&app).await;
    let owner = app.seed_user(Role::Public).await;
    let owner_token = app.login(&owner).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let stranger = app.token_for(Role::Public).await;

    // Anonymous, with a code.
    let anon = json_of(app.post_json("/api/v1/feedback", &complaint()).await, 201).await;
    let anon_id = anon["id"].as_str().unwrap();
    let code = anon["access_code"].as_str().unwrap();
    // Signed-in member of the public: no code, followed by account.
    let mine = json_of(
        app.send(
            Method::POST,
            "/api/v1/feedback",
            Some(&owner_token),
            Some(&complaint()),
        )
        .await,
        201,
    )
    .await;
    assert!(mine.get("access_code").is_none(), "{mine}");
    let mine_id = mine["id"].as_str().unwrap();

    json_of(
        act(
            &app,
            &o.staff,
            anon_id,
            "notes",
            Some(json!({"text": "内部：已电话联系供电所"})),
        )
        .await,
        201,
    )
    .await;
    json_of(
        act(
            &app,
            &o.staff,
            mine_id,
            "notes",
            Some(json!({"text": "内部：重复投诉"})),
        )
        .await,
        201,
    )
    .await;

    let path = format!("/api/v1/feedback/{anon_id}");
    // Nobody without the code, a wrong code, another user: 404.
    assert_problem(app.get(&path).await, 404).await;
    assert_problem(
        send_code(
            &app,
            Method::GET,
            &path,
            None,
            Some("AAAAA-BBBBB-CCCCC-DDDDD"),
            None,
        )
        .await,
        404,
    )
    .await;
    assert_problem(
        app.send(Method::GET, &path, Some(&stranger), None).await,
        404,
    )
    .await;
    // The code, also in lower case without dashes.
    let seen = json_of(
        send_code(&app, Method::GET, &path, None, Some(code), None).await,
        200,
    )
    .await;
    assert_eq!(
        seen["contact"]["phone"], "13812345678",
        "their own contact data"
    );
    assert!(seen.get("office").is_none());
    assert!(!seen.to_string().contains("内部"), "{seen}");
    let loose = code.replace('-', "").to_lowercase();
    json_of(
        send_code(&app, Method::GET, &path, None, Some(&loose), None).await,
        200,
    )
    .await;
    // An access code does not open another entry.
    assert_problem(
        send_code(
            &app,
            Method::GET,
            &format!("/api/v1/feedback/{mine_id}"),
            None,
            Some(code),
            None,
        )
        .await,
        404,
    )
    .await;

    // The owner by account; strangers not.
    let path = format!("/api/v1/feedback/{mine_id}");
    let seen = json_of(
        app.send(Method::GET, &path, Some(&owner_token), None).await,
        200,
    )
    .await;
    assert!(seen.get("office").is_none());
    assert!(!seen.to_string().contains("内部"));
    assert_problem(
        app.send(Method::GET, &path, Some(&stranger), None).await,
        404,
    )
    .await;

    // The office sees everything, including notes and full contact data.
    let seen = json_of(
        app.send(Method::GET, &path, Some(&o.staff), None).await,
        200,
    )
    .await;
    assert_eq!(seen["office"]["notes"][0]["text"], "内部：重复投诉");
    assert_eq!(seen["office"]["submitter_id"], owner.id.to_string());
    assert_eq!(seen["contact"]["phone"], "13812345678");

    // Lists: the office sees all, masked; the public sees its own, without contact data.
    let list = json_of(
        app.send(Method::GET, "/api/v1/feedback", Some(&o.staff), None)
            .await,
        200,
    )
    .await;
    assert_eq!(list["total"], 2);
    for item in list["items"].as_array().unwrap() {
        assert_eq!(item["contact"]["phone"], "138****5678");
        assert_eq!(item["contact"]["email"], "l***@example.com");
        assert!(item["office"].get("notes").is_none());
    }
    let list = json_of(
        app.send(Method::GET, "/api/v1/feedback", Some(&owner_token), None)
            .await,
        200,
    )
    .await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["id"], mine_id);
    assert!(list["items"][0].get("contact").is_none());
    assert!(list["items"][0].get("office").is_none());
    let list = json_of(
        app.send(Method::GET, "/api/v1/feedback", Some(&stranger), None)
            .await,
        200,
    )
    .await;
    assert_eq!(list["total"], 0);
    assert_problem(app.get("/api/v1/feedback").await, 401).await;

    // Notes are the office's: the submitter cannot add one.
    assert_problem(
        act(
            &app,
            &owner_token,
            mine_id,
            "notes",
            Some(json!({"text": "x"})),
        )
        .await,
        403,
    )
    .await;
}

#[actix_web::test]
async fn list_filters_paging_and_overdue() {
    let app = TestApp::spawn().await;
    let o = office(&app).await;
    // A letter received last autumn, long overdue.
    let letter = json!({"kind": "suggestion", "subject": "建议增设公交站", "content": "建议在朱台村口增设公交站。",
        "channel": "letter", "received_on": "2025-09-30"});
    let old = json_of(
        app.send(
            Method::POST,
            "/api/v1/feedback",
            Some(&o.staff),
            Some(&letter),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(old["register_no"], "2025-00001");
    assert_eq!(old["reply_due_on"], "2025-10-07");
    assert!(
        old["access_code"].is_string(),
        "the office hands the code on"
    );
    assert_eq!(old["overdue"], true);
    for _ in 0..3 {
        json_of(app.post_json("/api/v1/feedback", &complaint()).await, 201).await;
    }
    let consult = json!({"kind": "consultation", "subject": "办事时间", "content": "办公室几点上班？", "channel": "phone"});
    let c = json_of(
        app.send(
            Method::POST,
            "/api/v1/feedback",
            Some(&o.staff),
            Some(&consult),
        )
        .await,
        201,
    )
    .await;
    act(
        &app,
        &o.staff,
        c["id"].as_str().unwrap(),
        "assign",
        Some(json!({"assignee_id": o.staff_user.id})),
    )
    .await;

    let total = |q: &'static str| {
        let app = &app;
        let token = o.staff.clone();
        async move {
            let v = json_of(
                app.send(
                    Method::GET,
                    &format!("/api/v1/feedback{q}"),
                    Some(&token),
                    None,
                )
                .await,
                200,
            )
            .await;
            v["total"].as_i64().unwrap()
        }
    };
    assert_eq!(total("").await, 5);
    assert_eq!(total("?kind=complaint").await, 3);
    assert_eq!(total("?channel=letter").await, 1);
    assert_eq!(total("?channel=online&kind=complaint").await, 3);
    assert_eq!(total("?year=2025").await, 1);
    assert_eq!(total("?status=assigned").await, 1);
    assert_eq!(total("?overdue=true").await, 1);
    assert_eq!(total("?overdue=false").await, 4);
    let q: &'static str = Box::leak(format!("?assignee={}", o.staff_user.id).into_boxed_str());
    assert_eq!(total(q).await, 1);

    let res = app
        .send(
            Method::GET,
            "/api/v1/feedback?per_page=2&page=2",
            Some(&o.staff),
            None,
        )
        .await;
    let link = res.headers()["link"].to_str().unwrap().to_owned();
    assert!(link.contains("rel=\"next\""), "{link}");
    let page = json_of(res, 200).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    assert_eq!(page["page"], 2);

    for q in [
        "?status=lost",
        "?kind=praise",
        "?year=3000",
        "?overdue=maybe",
        "?per_page=0",
        "?colour=red",
        "?assignee=x",
    ] {
        assert_problem(
            app.send(
                Method::GET,
                &format!("/api/v1/feedback{q}"),
                Some(&o.staff),
                None,
            )
            .await,
            422,
        )
        .await;
    }
}

#[actix_web::test]
async fn a_calendar_change_moves_open_reply_deadlines() {
    let app = TestApp::spawn().await;
    let o = office(&app).await;
    let letter = |day: &str| json!({"kind": "suggestion", "subject": "s", "content": "c", "channel": "letter", "received_on": day});
    let open = json_of(
        app.send(
            Method::POST,
            "/api/v1/feedback",
            Some(&o.staff),
            Some(&letter("2025-09-30")),
        )
        .await,
        201,
    )
    .await;
    let answered = json_of(
        app.send(
            Method::POST,
            "/api/v1/feedback",
            Some(&o.staff),
            Some(&letter("2025-09-30")),
        )
        .await,
        201,
    )
    .await;
    answer(&app, &o, answered["id"].as_str().unwrap()).await;
    assert_eq!(open["reply_due_on"], "2025-10-07");

    // National Day 2025: 10-01..03 and 10-06..08 off, Sunday 09-28 and Saturday 10-11 worked.
    let cal = json!({"year": 2025,
        "holidays": ["2025-10-01", "2025-10-02", "2025-10-03", "2025-10-06", "2025-10-07", "2025-10-08"],
        "workdays": ["2025-09-28", "2025-10-11"]});
    let updated = json_of(
        app.send(
            Method::PUT,
            "/api/v1/calendar/2025",
            Some(&o.staff),
            Some(&cal),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(updated["recomputed_deadlines"], 1, "only the open entry");
    // 10-09, 10-10, 10-11 (made up), 10-13, 10-14.
    let got = json_of(
        app.send(
            Method::GET,
            &format!("/api/v1/feedback/{}", open["id"].as_str().unwrap()),
            Some(&o.staff),
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(got["reply_due_on"], "2025-10-14");
    let got = json_of(
        app.send(
            Method::GET,
            &format!("/api/v1/feedback/{}", answered["id"].as_str().unwrap()),
            Some(&o.staff),
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        got["reply_due_on"], "2025-10-07",
        "an answered entry keeps its deadline"
    );

    // New entries are computed on the new calendar.
    let later = json_of(
        app.send(
            Method::POST,
            "/api/v1/feedback",
            Some(&o.staff),
            Some(&letter("2025-09-30")),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(later["reply_due_on"], "2025-10-14");
}

#[actix_web::test]
async fn the_public_board_shows_no_personal_data() {
    let app = TestApp::spawn().await;
    let o = office(&app).await;
    let created = json_of(app.post_json("/api/v1/feedback", &complaint()).await, 201).await;
    let id = created["id"].as_str().unwrap();

    // Only answered entries, only leaders.
    let p = assert_problem(
        act(&app, &o.leader, id, "publish", Some(json!({}))).await,
        409,
    )
    .await;
    assert_eq!(p["allowed_actions"], json!(["assign"]));
    answer(&app, &o, id).await;
    assert_problem(
        act(&app, &o.staff, id, "publish", Some(json!({}))).await,
        403,
    )
    .await;

    // Edited texts must not carry the submitter's data.
    let p = assert_problem(
        act(
            &app,
            &o.leader,
            id,
            "publish",
            Some(json!({"question": "请拨打 138-1234-5678 联系"})),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "question");
    assert_problem(
        act(
            &app,
            &o.leader,
            id,
            "publish",
            Some(json!({"reply": "李明您好"})),
        )
        .await,
        422,
    )
    .await;
    assert_problem(
        act(&app, &o.leader, id, "publish", Some(json!({"answer": "x"}))).await,
        422,
    )
    .await;
    let empty = json_of(app.get("/api/v1/feedback/public").await, 200).await;
    assert_eq!(
        empty["total"], 0,
        "nothing was published by the refused attempts"
    );

    let f = json_of(
        act(&app, &o.leader, id, "publish", Some(json!({}))).await,
        200,
    )
    .await;
    assert_eq!(f["published"], true);
    let board = json_of(app.get("/api/v1/feedback/public").await, 200).await;
    assert_eq!(board["total"], 1);
    let entry = &board["items"][0];
    assert_eq!(entry["register_no"], created["register_no"]);
    assert_eq!(
        entry["question"],
        "我是李某，朱台村东路的路灯坏了两周。电话***，邮箱***@***。"
    );
    assert_eq!(entry["reply"], "已通知供电所，李某您好，3月6日修复。");
    let text = board.to_string();
    for secret in [
        "13812345678",
        "li.ming",
        "李明",
        "contact",
        "access",
        "assignee",
        "id\"",
    ] {
        assert!(!text.contains(secret), "{secret} on the board: {text}");
    }

    // Edited texts replace the defaults.
    json_of(
        act(
            &app,
            &o.leader,
            id,
            "publish",
            Some(json!({"question": "路灯何时修复？"})),
        )
        .await,
        200,
    )
    .await;
    let board = json_of(app.get("/api/v1/feedback/public?kind=complaint").await, 200).await;
    assert_eq!(board["items"][0]["question"], "路灯何时修复？");
    let board = json_of(
        app.get("/api/v1/feedback/public?kind=suggestion").await,
        200,
    )
    .await;
    assert_eq!(board["total"], 0);

    json_of(act(&app, &o.leader, id, "unpublish", None).await, 200).await;
    assert_problem(act(&app, &o.leader, id, "unpublish", None).await, 409).await;
    let board = json_of(app.get("/api/v1/feedback/public").await, 200).await;
    assert_eq!(board["total"], 0);
}

#[actix_web::test]
async fn the_submitter_rates_the_reply_once() {
    let app = TestApp::spawn().await;
    let o = office(&app).await;
    let created = json_of(app.post_json("/api/v1/feedback", &complaint()).await, 201).await;
    let id = created["id"].as_str().unwrap();
    let code = created["access_code"].as_str().unwrap();
    let path = format!("/api/v1/feedback/{id}/rating");
    let good = json!({"score": 5, "comment": "修得很快"});

    let p = assert_problem(
        send_code(&app, Method::POST, &path, None, Some(code), Some(&good)).await,
        409,
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("no reply"), "{p}");
    answer(&app, &o, id).await;

    // Only the submitter.
    assert_problem(
        send_code(&app, Method::POST, &path, None, None, Some(&good)).await,
        404,
    )
    .await;
    let stranger = app.token_for(Role::Public).await;
    assert_problem(
        app.send(Method::POST, &path, Some(&stranger), Some(&good))
            .await,
        404,
    )
    .await;
    assert_problem(
        app.send(Method::POST, &path, Some(&o.staff), Some(&good))
            .await,
        403,
    )
    .await;
    // Bad input.
    for (body, field) in [
        (json!({"score": 0}), "score"),
        (json!({"score": 6}), "score"),
        (json!({"score": "5"}), "score"),
        (json!({"score": 3, "comment": "字".repeat(501)}), "comment"),
        (json!({"score": 3, "stars": 3}), "stars"),
    ] {
        let p = assert_problem(
            send_code(&app, Method::POST, &path, None, Some(code), Some(&body)).await,
            422,
        )
        .await;
        assert!(p.to_string().contains(field), "{body}: {p}");
    }

    let f = json_of(
        send_code(&app, Method::POST, &path, None, Some(code), Some(&good)).await,
        200,
    )
    .await;
    assert_eq!(f["rating"]["score"], 5);
    assert_eq!(f["rating"]["comment"], "修得很快");
    assert!(f.get("office").is_none());
    assert_problem(
        send_code(
            &app,
            Method::POST,
            &path,
            None,
            Some(code),
            Some(&json!({"score": 1})),
        )
        .await,
        409,
    )
    .await;

    // A signed-in submitter rates by account.
    let owner = app.seed_user(Role::Public).await;
    let owner_token = app.login(&owner).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let mine = json_of(
        app.send(
            Method::POST,
            "/api/v1/feedback",
            Some(&owner_token),
            Some(&complaint()),
        )
        .await,
        201,
    )
    .await;
    let mine_id = mine["id"].as_str().unwrap();
    answer(&app, &o, mine_id).await;
    let f = json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/feedback/{mine_id}/rating"),
            Some(&owner_token),
            Some(&json!({"score": 2})),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(f["rating"]["score"], 2);
    assert!(f["rating"]["comment"].is_null());
}

#[actix_web::test]
async fn bad_input_is_refused_and_registers_nothing() {
    let app = TestApp::spawn().await;
    let o = office(&app).await;
    let public = app.token_for(Role::Public).await;
    let base = complaint();
    let with = |k: &str, v: Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    let tomorrow = (today() + chrono::Duration::days(1)).to_string();
    let cases: Vec<(Option<&str>, Value, &str)> = vec![
        (None, json!({"subject": "s", "content": "c"}), "kind"),
        (None, with("kind", json!("praise")), "kind"),
        (None, with("subject", json!("  ")), "subject"),
        (None, with("subject", json!("字".repeat(201))), "subject"),
        (None, with("content", json!("x".repeat(5001))), "content"),
        (None, with("subject", json!("a\u{0}b")), "subject"),
        (
            None,
            with("contact", json!({"phone": "call me"})),
            "contact.phone",
        ),
        (
            None,
            with("contact", json!({"email": "nobody"})),
            "contact.email",
        ),
        (None, with("contact", json!({"fax": "1"})), "contact.fax"),
        (None, with("channel", json!("phone")), "channel"),
        (
            None,
            with("received_on", json!("2025-01-01")),
            "received_on",
        ),
        (
            None,
            with("related_item_id", json!("not-a-uuid")),
            "related_item_id",
        ),
        (None, with("colour", json!("red")), "colour"),
        (
            Some(public.as_str()),
            with("channel", json!("letter")),
            "channel",
        ),
        (Some(o.staff.as_str()), base.clone(), "channel"),
        (
            Some(o.staff.as_str()),
            with("channel", json!("fax")),
            "channel",
        ),
        (
            Some(o.staff.as_str()),
            json!({"kind": "complaint", "subject": "s", "content": "c", "channel": "letter", "received_on": tomorrow}),
            "received_on",
        ),
        (
            Some(o.staff.as_str()),
            json!({"kind": "complaint", "subject": "s", "content": "c", "channel": "letter", "received_on": "2025-02-30"}),
            "received_on",
        ),
    ];
    for (token, body, field) in cases {
        let res = app
            .send(Method::POST, "/api/v1/feedback", token, Some(&body))
            .await;
        let p = assert_problem(res, 422).await;
        assert_eq!(p["errors"][0]["field"], field, "{body}: {p}");
    }
    // Several bad fields at once are all named.
    let p = assert_problem(
        app.post_json(
            "/api/v1/feedback",
            &json!({"kind": "complaint", "subject": "", "content": "", "contact": {"email": "x"}}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(p["errors"].as_array().unwrap().len(), 3, "{p}");
    // Broken JSON, wrong content type.
    let res = app
        .client
        .post(app.url("/api/v1/feedback"))
        .header("content-type", "application/json")
        .body("{\"kind\":")
        .send()
        .await
        .unwrap();
    assert_problem(res, 400).await;
    let res = app
        .client
        .post(app.url("/api/v1/feedback"))
        .body("kind=complaint")
        .send()
        .await
        .unwrap();
    assert_problem(res, 415).await;
    // Bad texts for the office's actions.
    let f = json_of(app.post_json("/api/v1/feedback", &complaint()).await, 201).await;
    let id = f["id"].as_str().unwrap();
    assert_problem(
        act(
            &app,
            &o.staff,
            id,
            "assign",
            Some(json!({"assignee_id": "x"})),
        )
        .await,
        422,
    )
    .await;
    assert_problem(
        act(&app, &o.staff, id, "notes", Some(json!({"text": ""}))).await,
        422,
    )
    .await;

    let list = json_of(
        app.send(Method::GET, "/api/v1/feedback", Some(&o.staff), None)
            .await,
        200,
    )
    .await;
    assert_eq!(list["total"], 1, "only the good one was registered");
    assert_eq!(
        list["items"][0]["register_no"],
        format!("{}-00001", today().year()),
        "no number was used up"
    );
}

#[actix_web::test]
async fn public_submissions_are_throttled_per_address() {
    let app = TestApp::spawn_with(|c| c.feedback_rate_per_min = 2).await;
    let staff = app.token_for(Role::Staff).await;
    let public = app.token_for(Role::Public).await;
    json_of(app.post_json("/api/v1/feedback", &complaint()).await, 201).await;
    json_of(
        app.send(
            Method::POST,
            "/api/v1/feedback",
            Some(&public),
            Some(&complaint()),
        )
        .await,
        201,
    )
    .await;
    let res = app.post_json("/api/v1/feedback", &complaint()).await;
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry));
    assert_problem(res, 429).await;
    // Bad input counts too: a flood of garbage is throttled as well.
    assert_problem(app.post_json("/api/v1/feedback", &json!({})).await, 429).await;
    // The office registering calls is not limited.
    let call = json!({"kind": "consultation", "subject": "s", "content": "c", "channel": "phone"});
    for _ in 0..3 {
        json_of(
            app.send(Method::POST, "/api/v1/feedback", Some(&staff), Some(&call))
                .await,
            201,
        )
        .await;
    }
}

#[actix_web::test]
async fn concurrent_submissions_and_transitions_stay_consistent() {
    let app = TestApp::spawn().await;
    let o = office(&app).await;
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let client = app.client.clone();
        let url = app.url("/api/v1/feedback");
        tasks.push(tokio::spawn(async move {
            let res = client.post(url).json(&complaint()).send().await.unwrap();
            assert_eq!(res.status(), 201);
            let v: Value = res.json().await.unwrap();
            v["register_no"].as_str().unwrap().to_owned()
        }));
    }
    let mut numbers = Vec::new();
    for t in tasks {
        numbers.push(t.await.unwrap());
    }
    numbers.sort();
    let year = today().year();
    let expected: Vec<String> = (1..=10).map(|n| format!("{year}-{n:05}")).collect();
    assert_eq!(numbers, expected);

    // Two office members start the same entry at once: one wins, the other gets 409.
    let f = json_of(app.post_json("/api/v1/feedback", &complaint()).await, 201).await;
    let id = f["id"].as_str().unwrap().to_owned();
    act(
        &app,
        &o.staff,
        &id,
        "assign",
        Some(json!({"assignee_id": o.staff_user.id})),
    )
    .await;
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let client = app.client.clone();
        let url = app.url(&format!("/api/v1/feedback/{id}/start"));
        let token = o.staff.clone();
        tasks.push(tokio::spawn(async move {
            client
                .post(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    statuses.sort();
    assert_eq!(statuses, [200, 409, 409, 409]);
}

/// Every day the register records (receipt, reply) is the agency's day, never UTC's. Two
/// agencies twenty-five hours apart: at any instant at least one of them is on another date
/// than UTC, so a date taken from UTC anywhere shows here whatever the hour.
#[actix_web::test]
async fn recorded_days_are_the_agencys_days_in_any_time_zone() {
    for zone in [
        chrono_tz::Pacific::Kiritimati,
        chrono_tz::Pacific::Pago_Pago,
    ] {
        let app = TestApp::spawn_with(|c| c.timezone = zone).await;
        let o = office(&app).await;
        let zone_today = || chrono::Utc::now().with_timezone(&zone).date_naive();
        // The zone's day may turn during a step: the recorded day is one of the two.
        let days = |before: NaiveDate, after: NaiveDate| [before.to_string(), after.to_string()];

        let before = zone_today();
        let created = json_of(app.post_json("/api/v1/feedback", &complaint()).await, 201).await;
        let after = zone_today();
        let received = created["received_on"].as_str().unwrap().to_owned();
        assert!(days(before, after).contains(&received), "{zone}: {created}");
        let received_on: NaiveDate = received.parse().unwrap();
        assert_eq!(
            created["register_no"],
            format!("{}-00001", received_on.year()),
            "{zone}"
        );
        assert_eq!(
            created["reply_due_on"],
            WorkCalendar::default()
                .add_working_days(received_on, 5)
                .to_string(),
            "{zone}"
        );
        assert_eq!(created["overdue"], false, "{zone}");

        let id = created["id"].as_str().unwrap();
        let before = zone_today();
        answer(&app, &o, id).await;
        let f = json_of(
            app.send(
                Method::GET,
                &format!("/api/v1/feedback/{id}"),
                Some(&o.staff),
                None,
            )
            .await,
            200,
        )
        .await;
        let after = zone_today();
        let replied = f["reply"]["replied_on"].as_str().unwrap().to_owned();
        assert!(days(before, after).contains(&replied), "{zone}: {f}");
        assert_eq!(f["reply"]["on_time"], true, "{zone}");

        // Closing and reopening keep the recorded days.
        json_of(act(&app, &o.staff, id, "close", None).await, 200).await;
        let f = json_of(act(&app, &o.staff, id, "reopen", None).await, 200).await;
        assert_eq!(f["received_on"], received, "{zone}");
        assert_eq!(f["reply"]["replied_on"], replied, "{zone}");
        assert_eq!(f["overdue"], false, "{zone}");
        let list = json_of(
            app.send(
                Method::GET,
                "/api/v1/feedback?overdue=false",
                Some(&o.staff),
                None,
            )
            .await,
            200,
        )
        .await;
        assert_eq!(list["total"], 1, "{zone}: not overdue on the agency's day");
    }
}
