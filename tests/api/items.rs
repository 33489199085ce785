//! The catalogue: workflow and permissions, paging and links, filters, search, caching and
//! preconditions, import, attachments, the guide, the feed, concurrency and bad input.

use gongkai::auth::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem};

/// Items in known states for the role-matrix test.
pub struct Fixtures {
    pub published: String,
    pub draft: String,
    pub to_delete: String,
    pub to_submit: String,
    pub to_publish: String,
    pub pending: String,
    pub to_withdraw: String,
    pub attachment: String,
}

pub async fn fixtures(app: &TestApp, leader: &str) -> Fixtures {
    let draft = |t: &'static str| async move {
        create(app, leader, json!({"title": t, "category": "work"})).await["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let published = draft("published").await;
    let attachment = upload(app, leader, &published, "a.pdf", &pdf()).await;
    assert_eq!(attachment.status(), 201);
    let attachment: Value = attachment.json().await.unwrap();
    act(app, leader, &published, "publish", None).await;
    let to_withdraw = draft("to withdraw").await;
    act(app, leader, &to_withdraw, "publish", None).await;
    let pending = draft("pending").await;
    act(app, leader, &pending, "submit", None).await;
    Fixtures {
        published,
        draft: draft("draft").await,
        to_delete: draft("to delete").await,
        to_submit: draft("to submit").await,
        to_publish: draft("to publish").await,
        pending,
        to_withdraw,
        attachment: attachment["id"].as_str().unwrap().to_owned(),
    }
}

async fn create(app: &TestApp, token: &str, body: Value) -> Value {
    let res = app
        .send(Method::POST, "/api/v1/items", Some(token), Some(&body))
        .await;
    assert_eq!(res.status(), 201, "create {body}");
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let item: Value = res.json().await.unwrap();
    assert_eq!(
        location,
        format!("/api/v1/items/{}", item["id"].as_str().unwrap())
    );
    item
}

async fn act(
    app: &TestApp,
    token: &str,
    id: &str,
    action: &str,
    body: Option<Value>,
) -> reqwest::Response {
    app.send(
        Method::POST,
        &format!("/api/v1/items/{id}/{action}"),
        Some(token),
        body.as_ref(),
    )
    .await
}

async fn get_json(app: &TestApp, path: &str, token: Option<&str>) -> Value {
    let res = app.send(Method::GET, path, token, None).await;
    assert_eq!(res.status(), 200, "GET {path}");
    res.json().await.unwrap()
}

async fn import(app: &TestApp, token: &str, rows: Value) -> reqwest::Response {
    app.send(
        Method::POST,
        "/api/v1/items/import",
        Some(token),
        Some(&rows),
    )
    .await
}

async fn import_csv(app: &TestApp, token: &str, csv: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/items/import"))
        .bearer_auth(token)
        .header("content-type", "text/csv; charset=utf-8")
        .body(csv.to_owned())
        .send()
        .await
        .unwrap()
}

fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n".to_vec()
}

async fn upload(
    app: &TestApp,
    token: &str,
    id: &str,
    file_name: &str,
    bytes: &[u8],
) -> reqwest::Response {
    let boundary = "gongkai-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    app.client
        .post(app.url(&format!("/api/v1/items/{id}/attachments")))
        .bearer_auth(token)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn count_items(app: &TestApp) -> i64 {
    use diesel_async::RunQueryDsl;
    let mut conn = app.pool.get().await.unwrap();
    gongkai::db::schema::items::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap()
}

use diesel::QueryDsl;

fn this_year() -> i32 {
    use chrono::Datelike;
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .year()
}

#[actix_web::test]
async fn drafts_are_reviewed_published_edited_and_withdrawn() {
    let app = TestApp::spawn().await;
    let staff = app.token_for(Role::Staff).await;
    let leader = app.token_for(Role::Leader).await;
    let public = app.token_for(Role::Public).await;

    let item = create(
        &app,
        &staff,
        json!({"title": "朱台镇2009年政务公开工作要点", "summary": "要点", "body": "正文", "category": "plan",
               "doc_no": "朱政发〔2009〕12号", "written_on": "2009-02-26", "keywords": ["政务公开"]}),
    )
    .await;
    let id = item["id"].as_str().unwrap().to_owned();
    assert_eq!(item["status"], "draft");
    assert_eq!(item["index_no"], Value::Null);
    assert_eq!(item["publisher"], "朱台镇人民政府");
    assert_eq!(item["version"], 1);
    let path = format!("/api/v1/items/{id}");

    // Unpublished: a 404 for the public, not in their list.
    assert_problem(app.get(&path).await, 404).await;
    assert_problem(app.send(Method::GET, &path, Some(&public), None).await, 404).await;
    assert_eq!(get_json(&app, "/api/v1/items", None).await["total"], 0);
    assert_eq!(
        get_json(&app, "/api/v1/items", Some(&staff)).await["total"],
        1
    );

    // Staff submit; staff cannot publish; a leader rejects with a reason.
    let res = act(&app, &staff, &id, "submit", None).await;
    assert_eq!(res.status(), 200);
    assert_problem(act(&app, &staff, &id, "publish", None).await, 403).await;
    let res = act(
        &app,
        &leader,
        &id,
        "reject",
        Some(json!({"reason": "删除第三段"})),
    )
    .await;
    let rejected: Value = res.json().await.unwrap();
    assert_eq!(rejected["status"], "draft");
    assert_eq!(rejected["review_note"], "删除第三段");
    // Rejecting a draft is not allowed: 409 with what is.
    let p = assert_problem(
        act(&app, &leader, &id, "reject", Some(json!({"reason": "x"}))).await,
        409,
    )
    .await;
    assert_eq!(
        p["allowed_actions"],
        json!(["edit", "submit", "publish", "delete", "attach"])
    );

    // Resubmitted and published: the index number of this year, the first.
    act(&app, &staff, &id, "submit", None).await;
    let res = act(&app, &leader, &id, "publish", None).await;
    assert_eq!(res.status(), 200);
    let published: Value = res.json().await.unwrap();
    assert_eq!(published["status"], "published");
    let index_no = format!("11370305004300000X/{}-00001", this_year());
    assert_eq!(published["index_no"], index_no.as_str());
    assert!(published["published_at"].is_string());

    // Now public, cacheable.
    let res = app.get(&path).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "public, max-age=60");
    let public_view: Value = res.json().await.unwrap();
    assert!(public_view.get("review_note").is_none());
    assert!(public_view.get("allowed_actions").is_none());
    let res = app.send(Method::GET, &path, Some(&staff), None).await;
    assert_eq!(res.headers()["cache-control"], "private, no-store");

    // Staff may not change a published item; a leader may, and it stays published.
    let res = app
        .send(
            Method::PATCH,
            &path,
            Some(&staff),
            Some(&json!({"validity": "repealed"})),
        )
        .await;
    assert_problem(res, 403).await;
    assert_problem(
        app.send(Method::DELETE, &path, Some(&staff), None).await,
        409,
    )
    .await;
    let res = app
        .send(
            Method::PATCH,
            &path,
            Some(&leader),
            Some(&json!({"validity": "amended", "summary": "修订后的要点"})),
        )
        .await;
    assert_eq!(res.status(), 200);
    let edited: Value = res.json().await.unwrap();
    assert_eq!(edited["status"], "published");
    assert_eq!(edited["index_no"], index_no.as_str());
    assert_eq!(edited["summary"], "修订后的要点");
    assert_eq!(get_json(&app, &path, None).await["summary"], "修订后的要点");

    // Withdrawn: gone for the public, kept for the office, nothing more allowed.
    // A reason is required.
    assert_problem(act(&app, &leader, &id, "withdraw", None).await, 415).await;
    let p = assert_problem(
        act(&app, &leader, &id, "withdraw", Some(json!({"reason": " "}))).await,
        422,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "reason");
    assert_problem(
        act(&app, &staff, &id, "withdraw", Some(json!({"reason": "x"}))).await,
        403,
    )
    .await;
    let res = act(
        &app,
        &leader,
        &id,
        "withdraw",
        Some(json!({"reason": "已被新文件替代"})),
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_problem(app.get(&path).await, 404).await;
    let office: Value = get_json(&app, &path, Some(&leader)).await;
    assert_eq!(office["status"], "withdrawn");
    assert_eq!(office["withdrawn_reason"], "已被新文件替代");
    assert_eq!(office["index_no"], index_no.as_str());
    let p = assert_problem(act(&app, &leader, &id, "publish", None).await, 409).await;
    assert_eq!(p["allowed_actions"], json!([]));

    // The history: every change, who and what.
    let history = get_json(&app, &format!("{path}/history"), Some(&staff)).await;
    let actions: Vec<&str> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "created",
            "submitted",
            "rejected",
            "submitted",
            "published",
            "updated",
            "withdrawn"
        ]
    );
    let h = history["items"].as_array().unwrap();
    assert_eq!(h[2]["note"], "删除第三段");
    assert_eq!(h[5]["changes"], json!(["summary", "validity"]));
    assert_eq!(h[5]["snapshot"]["validity"], "amended");
    assert!(
        h[0]["actor"]["username"]
            .as_str()
            .unwrap()
            .starts_with("staff-")
    );
    assert!(
        h[4]["actor"]["username"]
            .as_str()
            .unwrap()
            .starts_with("leader-")
    );
    assert_eq!(history["total"], 7);
    assert_problem(
        app.send(Method::GET, &format!("{path}/history"), Some(&public), None)
            .await,
        403,
    )
    .await;

    // A leader publishes a draft directly; a draft can be deleted.
    let direct = create(
        &app,
        &leader,
        json!({"title": "直接发布", "category": "other"}),
    )
    .await;
    let res = act(
        &app,
        &leader,
        direct["id"].as_str().unwrap(),
        "publish",
        None,
    )
    .await;
    let direct: Value = res.json().await.unwrap();
    assert_eq!(
        direct["index_no"],
        format!("11370305004300000X/{}-00002", this_year())
    );
    let gone = create(&app, &staff, json!({"title": "草稿", "category": "other"})).await;
    let gone_path = format!("/api/v1/items/{}", gone["id"].as_str().unwrap());
    let res = app
        .send(Method::DELETE, &gone_path, Some(&staff), None)
        .await;
    assert_eq!(res.status(), 204);
    assert_problem(
        app.send(Method::GET, &gone_path, Some(&staff), None).await,
        404,
    )
    .await;
}

#[actix_web::test]
async fn integration_tokens_write_drafts_but_never_publish() {
    let app = TestApp::spawn().await;
    let leader = app.token_for(Role::Leader).await;
    let token = |scopes: Value| {
        let app = &app;
        let leader = leader.clone();
        async move {
            let res = app
                .send(
                    Method::POST,
                    "/api/v1/tokens",
                    Some(&leader),
                    Some(&json!({"name": "script", "scopes": scopes})),
                )
                .await;
            res.json::<Value>().await.unwrap()["secret"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let writer = token(json!(["items:write"])).await;
    let reader = token(json!(["items:read"])).await;
    let stats = token(json!(["stats:read"])).await;

    let item = create(
        &app,
        &writer,
        json!({"title": "脚本草稿", "category": "work"}),
    )
    .await;
    let id = item["id"].as_str().unwrap();
    let path = format!("/api/v1/items/{id}");
    let res = app
        .send(
            Method::PATCH,
            &path,
            Some(&writer),
            Some(&json!({"body": "正文"})),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(act(&app, &writer, id, "submit", None).await.status(), 200);
    assert_problem(act(&app, &writer, id, "publish", None).await, 403).await;
    assert_eq!(
        get_json(&app, &path, Some(&reader)).await["status"],
        "pending_review"
    );
    assert_eq!(
        get_json(&app, &format!("{path}/history"), Some(&reader)).await["total"],
        3
    );
    assert_problem(app.send(Method::GET, &path, Some(&stats), None).await, 404).await;
    assert_problem(
        app.send(
            Method::POST,
            "/api/v1/items",
            Some(&reader),
            Some(&json!({"title": "x", "category": "work"})),
        )
        .await,
        403,
    )
    .await;

    // Once published, a token cannot change it.
    act(&app, &leader, id, "publish", None).await;
    let res = app
        .send(
            Method::PATCH,
            &path,
            Some(&writer),
            Some(&json!({"body": "改"})),
        )
        .await;
    assert_problem(res, 403).await;
    let history = get_json(&app, &format!("{path}/history"), Some(&leader)).await;
    assert_eq!(history["items"][0]["actor"]["kind"], "token");
}

#[actix_web::test]
async fn etags_answer_304_and_stale_if_match_is_412() {
    let app = TestApp::spawn().await;
    let staff = app.token_for(Role::Staff).await;
    let leader = app.token_for(Role::Leader).await;
    let item = create(&app, &staff, json!({"title": "缓存", "category": "work"})).await;
    let id = item["id"].as_str().unwrap();
    let path = format!("/api/v1/items/{id}");
    act(&app, &leader, id, "publish", None).await;

    let res = app.get(&path).await;
    let tag = res.headers()["etag"].to_str().unwrap().to_owned();
    let res = app
        .client
        .get(app.url(&path))
        .header("if-none-match", &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 304);
    assert_eq!(res.headers()["etag"].to_str().unwrap(), tag);
    let res = app
        .client
        .get(app.url(&path))
        .header("if-none-match", "\"other\"")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    // The office's view has its own tag; If-Match takes it.
    let res = app.send(Method::GET, &path, Some(&leader), None).await;
    let office_tag = res.headers()["etag"].to_str().unwrap().to_owned();
    assert_ne!(office_tag, tag);
    let patch = |tag: String, body: Value| {
        let app = &app;
        let leader = leader.clone();
        let path = path.clone();
        async move {
            app.client
                .patch(app.url(&path))
                .bearer_auth(&leader)
                .header("if-match", tag)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    let res = patch(office_tag.clone(), json!({"summary": "一"})).await;
    assert_eq!(res.status(), 200);
    let new_tag = res.headers()["etag"].to_str().unwrap().to_owned();
    assert_ne!(new_tag, office_tag);
    // The old tag is stale now: 412, nothing changes.
    assert_problem(patch(office_tag, json!({"summary": "二"})).await, 412).await;
    assert_eq!(get_json(&app, &path, None).await["summary"], "一");
    // The public tag changed too.
    let res = app
        .client
        .get(app.url(&path))
        .header("if-none-match", &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

fn rows(n: usize, f: impl Fn(usize) -> Value) -> Value {
    Value::Array((0..n).map(f).collect())
}

#[actix_web::test]
async fn lists_page_with_links_and_every_filter_works() {
    let app = TestApp::spawn().await;
    let leader = app.token_for(Role::Leader).await;
    let staff = app.token_for(Role::Staff).await;
    let categories = [
        "organization",
        "policy",
        "plan",
        "work",
        "statistics",
        "other",
    ];
    let res = import(
        &app,
        &leader,
        rows(45, |i| {
            json!({
                "title": format!("条目{i:02}"),
                "category": categories[i % 6],
                "validity": if i % 5 == 0 { "repealed" } else { "valid" },
                // Days in 2009, one a day from 1 March.
                "published_at": format!("2009-03-{:02}T10:00:00+08:00", 1 + i % 28),
            })
        }),
    )
    .await;
    assert_eq!(res.status(), 201);
    // Two items around the new year in Beijing: the first is a 2010 item (still 2009 in UTC).
    let res = import(
        &app,
        &leader,
        json!([
            {"title": "新年", "category": "other", "published_at": "2009-12-31T16:30:00Z"},
            {"title": "年末", "category": "other", "published_at": "2009-12-31T15:30:00Z"},
        ]),
    )
    .await;
    assert_eq!(res.status(), 201);
    let got: Value = res.json().await.unwrap();
    assert_eq!(got["items"][0]["index_no"], "11370305004300000X/2010-00001");
    assert_eq!(got["items"][1]["index_no"], "11370305004300000X/2009-00046");
    let draft = create(&app, &staff, json!({"title": "草稿", "category": "plan"})).await;

    // Paging: 47 published items, 20 a page.
    let res = app.get("/api/v1/items?page=2").await;
    assert_eq!(res.status(), 200);
    let link = res.headers()["link"].to_str().unwrap().to_owned();
    for rel in ["first", "prev", "next", "last"] {
        assert!(link.contains(&format!("rel=\"{rel}\"")), "{link}");
    }
    assert!(link.contains("page=3>; rel=\"next\""), "{link}");
    assert!(link.contains("page=3>; rel=\"last\""), "{link}");
    let page: Value = res.json().await.unwrap();
    assert_eq!(page["total"], 47);
    assert_eq!(page["page"], 2);
    assert_eq!(page["per_page"], 20);
    assert_eq!(page["items"].as_array().unwrap().len(), 20);
    assert!(page["items"][0].get("body").is_none());
    let last: Value = get_json(&app, "/api/v1/items?page=3", None).await;
    assert_eq!(last["items"].as_array().unwrap().len(), 7);
    let res = app.get("/api/v1/items?page=3").await;
    assert!(
        !res.headers()["link"]
            .to_str()
            .unwrap()
            .contains("rel=\"next\"")
    );
    // Newest first by default; no item twice across pages.
    let mut seen = std::collections::HashSet::new();
    let mut previous = String::from("9999");
    for p in 1..=3 {
        let page = get_json(&app, &format!("/api/v1/items?page={p}"), None).await;
        for it in page["items"].as_array().unwrap() {
            assert!(seen.insert(it["id"].as_str().unwrap().to_owned()));
            let at = it["published_at"].as_str().unwrap().to_owned();
            assert!(at <= previous, "{at} after {previous}");
            previous = at;
        }
    }
    assert_eq!(seen.len(), 47);

    let total = |q: &'static str, token: Option<String>| {
        let app = &app;
        async move {
            get_json(app, &format!("/api/v1/items?{q}"), token.as_deref()).await["total"]
                .as_i64()
                .unwrap()
        }
    };
    assert_eq!(total("category=policy", None).await, 8);
    assert_eq!(total("category=other", None).await, 9);
    assert_eq!(total("validity=repealed", None).await, 9);
    assert_eq!(
        total("category=organization&validity=repealed", None).await,
        2
    );
    assert_eq!(total("year=2009", None).await, 46);
    assert_eq!(total("year=2010", None).await, 1);
    assert_eq!(total("year=2008", None).await, 0);
    assert_eq!(total("published_from=2009-03-27", None).await, 4);
    assert_eq!(
        total("published_from=2009-03-01&published_to=2009-03-01", None).await,
        2
    );
    assert_eq!(total("published_to=2009-12-31", None).await, 46);
    assert_eq!(
        total("published_from=2010-01-01T00:00:00%2B08:00", None).await,
        1
    );
    assert_eq!(total("status=draft", Some(staff.clone())).await, 1);
    assert_eq!(total("status=published", Some(staff.clone())).await, 47);
    assert_eq!(total("", Some(staff.clone())).await, 48);
    assert_eq!(total("status=published", None).await, 47);
    let p = assert_problem(app.get("/api/v1/items?status=draft").await, 422).await;
    assert_eq!(p["errors"][0]["field"], "status");
    // The office's newest-first list puts unpublished items first.
    let office = get_json(&app, "/api/v1/items", Some(&staff)).await;
    assert_eq!(office["items"][0]["id"], draft["id"]);

    // Sorting.
    let by_title = get_json(&app, "/api/v1/items?sort=title&per_page=3", None).await;
    let titles: Vec<&str> = by_title["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["年末", "新年", "条目00"]);
    let by_index = get_json(&app, "/api/v1/items?sort=index_no&per_page=2", None).await;
    assert_eq!(
        by_index["items"][0]["index_no"],
        "11370305004300000X/2009-00001"
    );
    let oldest = get_json(&app, "/api/v1/items?sort=published_at&per_page=1", None).await;
    assert_eq!(oldest["items"][0]["published_at"], "2009-03-01T02:00:00Z");
    let newest = get_json(&app, "/api/v1/items?per_page=1", None).await;
    assert_eq!(newest["items"][0]["title"], "新年");
}

#[actix_web::test]
async fn search_finds_one_and_two_character_terms_everywhere() {
    let app = TestApp::spawn().await;
    let leader = app.token_for(Role::Leader).await;
    let res = import(
        &app,
        &leader,
        json!([
            {"title": "关于政务公开的通知", "category": "policy", "published_at": "2009-03-01"},
            {"title": "统计报表", "summary": "本镇年度统计", "category": "statistics", "published_at": "2009-03-02"},
            {"title": "规划", "body": "全镇道路建设，依法公开征求意见。", "category": "plan", "published_at": "2009-03-03"},
            {"title": "文件", "doc_no": "朱政发〔2009〕12号", "category": "policy", "published_at": "2009-03-04"},
            {"title": "公示", "body": "公 开", "category": "work", "published_at": "2009-03-05", "keywords": ["X"]},
            {"title": "English Policy notes", "category": "other", "published_at": "2009-03-06"},
        ]),
    )
    .await;
    assert_eq!(res.status(), 201);
    let titles = |q: &'static str| {
        let app = &app;
        async move {
            let page = get_json(app, &format!("/api/v1/items?q={}", urlencode(q)), None).await;
            let mut t: Vec<String> = page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["title"].as_str().unwrap().to_owned())
                .collect();
            assert_eq!(page["total"].as_u64().unwrap() as usize, t.len());
            t.sort();
            t
        }
    };
    // Two characters: in a title, and in a body; "公 开" with a space is not "公开".
    assert_eq!(titles("公开").await, ["关于政务公开的通知", "规划"]);
    // One character: title, summary, body.
    assert_eq!(titles("镇").await, ["统计报表", "规划"]);
    assert_eq!(titles("公").await, ["公示", "关于政务公开的通知", "规划"]);
    // Longer terms are exact substrings.
    assert_eq!(titles("政务公开").await, ["关于政务公开的通知"]);
    assert_eq!(titles("务公开的").await, ["关于政务公开的通知"]);
    assert!(titles("公开政务").await.is_empty());
    // The document number, whole or in part; ASCII words by prefix, any case.
    assert_eq!(titles("朱政发〔2009〕12号").await, ["文件"]);
    assert_eq!(titles("12号").await, ["文件"]);
    assert_eq!(titles("polic").await, ["English Policy notes"]);
    // Several terms: all must occur.
    assert_eq!(titles("公开 镇").await, ["规划"]);
    // Relevance: a title match ranks above a body match.
    let ranked = get_json(
        &app,
        &format!("/api/v1/items?q={}", urlencode("公开")),
        None,
    )
    .await;
    assert_eq!(ranked["items"][0]["title"], "关于政务公开的通知");
    let p = assert_problem(
        app.get(&format!("/api/v1/items?q={}", urlencode("〔〕")))
            .await,
        422,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "q");
}

/// Relevance is a ranking with a boundary: title and document-number matches first, then the
/// rest, newest first within each; the pages must cross that boundary without repeating or
/// losing an item, and an edited title moves an item between the parts.
#[actix_web::test]
async fn relevance_puts_title_matches_first_and_pages_across_the_boundary() {
    let app = TestApp::spawn().await;
    let leader = app.token_for(Role::Leader).await;
    let res = import(
        &app,
        &leader,
        json!([
            {"title": "防汛工作一", "category": "work", "published_at": "2010-01-01"},
            {"title": "文件甲", "doc_no": "防汛〔2010〕1号", "category": "work", "published_at": "2010-01-02"},
            {"title": "防汛工作三", "category": "work", "published_at": "2010-01-03"},
            {"title": "正文一", "body": "做好防汛准备。", "category": "work", "published_at": "2010-02-01"},
            {"title": "正文二", "summary": "汛期防汛", "category": "work", "published_at": "2010-02-02"},
            {"title": "正文三", "body": "防汛", "category": "work", "published_at": "2010-02-03"},
            {"title": "正文四", "body": "抗旱", "category": "work", "published_at": "2010-02-04"},
        ]),
    )
    .await;
    assert_eq!(res.status(), 201);
    let page = |p: u32| {
        let app = &app;
        async move {
            get_json(
                app,
                &format!("/api/v1/items?q={}&per_page=2&page={p}", urlencode("防汛")),
                None,
            )
            .await
        }
    };
    let mut seen = Vec::new();
    for p in 1..=3 {
        let body = page(p).await;
        assert_eq!(body["total"], 6, "page {p}");
        for i in body["items"].as_array().unwrap() {
            seen.push(i["title"].as_str().unwrap().to_owned());
        }
    }
    assert_eq!(
        seen,
        [
            "防汛工作三",
            "文件甲",
            "防汛工作一",
            "正文三",
            "正文二",
            "正文一"
        ]
    );
    assert!(page(4).await["items"].as_array().unwrap().is_empty());

    // A new title moves the item into the first part.
    let list = get_json(
        &app,
        &format!("/api/v1/items?q={}", urlencode("正文一")),
        None,
    )
    .await;
    let id = list["items"][0]["id"].as_str().unwrap().to_owned();
    let item = app
        .send(
            Method::GET,
            &format!("/api/v1/items/{id}"),
            Some(&leader),
            None,
        )
        .await;
    let etag = item.headers()["etag"].to_str().unwrap().to_owned();
    let res = app
        .client
        .patch(app.url(&format!("/api/v1/items/{id}")))
        .bearer_auth(&leader)
        .header("If-Match", etag)
        .json(&json!({"title": "防汛正文一"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let first = page(1).await;
    assert_eq!(first["items"][0]["title"], "防汛正文一");
    // An explicit sort replaces relevance.
    let by_date = get_json(
        &app,
        &format!(
            "/api/v1/items?q={}&sort=-published_at&per_page=1",
            urlencode("防汛")
        ),
        None,
    )
    .await;
    assert_eq!(by_date["items"][0]["title"], "正文三");
}

/// A text search counts and pages through its first 1,000 matches only; lists without `q`
/// count everything.
#[actix_web::test]
async fn a_text_search_reaches_its_first_thousand_matches() {
    let app = TestApp::spawn().await;
    let leader = app.token_for(Role::Leader).await;
    let res = import(
        &app,
        &leader,
        rows(1_005, |i| {
            json!({"title": format!("测试条目{i}"), "category": "other",
                   "published_at": format!("2010-01-01T00:{:02}:{:02}Z", i / 60 % 60, i % 60)})
        }),
    )
    .await;
    assert_eq!(res.status(), 201);
    let q = urlencode("测试");
    for sort in ["", "&sort=-published_at"] {
        let res = app
            .get(&format!("/api/v1/items?q={q}&per_page=100&page=10{sort}"))
            .await;
        assert_eq!(res.status(), 200);
        let link = res.headers()["link"].to_str().unwrap().to_owned();
        assert!(link.contains("page=10>; rel=\"last\""), "{link}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["total"], 1000, "{sort}");
        assert_eq!(body["items"].as_array().unwrap().len(), 100);
        let beyond = get_json(
            &app,
            &format!("/api/v1/items?q={q}&per_page=100&page=11{sort}"),
            None,
        )
        .await;
        assert_eq!(beyond["total"], 1000);
        assert!(beyond["items"].as_array().unwrap().is_empty());
    }
    // Without `q` every item is counted.
    let all = get_json(&app, "/api/v1/items?category=other&per_page=1", None).await;
    assert_eq!(all["total"], 1005);

    // The first pages are read directly and deeper ones through a deferred join: one order
    // across both, every item once.
    for (sort, filter) in [("-published_at", "&category=other"), ("title", "")] {
        let mut seen: Vec<(String, String)> = Vec::new();
        for page in 1..=11 {
            let body = get_json(
                &app,
                &format!("/api/v1/items?per_page=100&page={page}&sort={sort}{filter}"),
                None,
            )
            .await;
            assert_eq!(body["total"], 1005);
            seen.extend(body["items"].as_array().unwrap().iter().map(|i| {
                let key = if sort == "title" {
                    &i["title"]
                } else {
                    &i["published_at"]
                };
                (
                    key.as_str().unwrap().to_owned(),
                    i["id"].as_str().unwrap().to_owned(),
                )
            }));
        }
        let mut ids: Vec<&String> = seen.iter().map(|(_, id)| id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 1005, "{sort}");
        let keys: Vec<&String> = seen.iter().map(|(k, _)| k).collect();
        let mut expected = keys.clone();
        if sort == "title" {
            expected.sort();
        } else {
            expected.sort_by(|a, b| b.cmp(a));
        }
        assert_eq!(keys, expected, "{sort}");
    }
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[actix_web::test]
async fn sql_and_rust_build_the_same_search_vector() {
    use diesel_async::RunQueryDsl;
    let app = TestApp::spawn().await;
    let mut conn = app.pool.get().await.unwrap();
    for (title, summary, doc_no, body) in [
        (
            "关于2009年朱台镇 ABC-12号",
            "摘要𠀀𠀁",
            Some("朱政发〔2009〕12号"),
            "正文，公开。\nLine two",
        ),
        ("x", "", None, ""),
        ("Ｆｕｌｌ宽", "ÄÖ é", Some(""), "一"),
    ] {
        #[derive(diesel::QueryableByName)]
        struct Same {
            #[diesel(sql_type = diesel::sql_types::Bool)]
            same: bool,
            #[diesel(sql_type = diesel::sql_types::Text)]
            sql: String,
            #[diesel(sql_type = diesel::sql_types::Text)]
            rust: String,
        }
        let rust = gongkai::items::search::SearchVector::of(title, summary, doc_no, body);
        let r: Same = diesel::sql_query(
            "SELECT item_search_vector($1, $2, $3, $4) = $5 AS same,
                    item_search_vector($1, $2, $3, $4)::text AS sql, $5::text AS rust",
        )
        .bind::<diesel::sql_types::Text, _>(title)
        .bind::<diesel::sql_types::Text, _>(summary)
        .bind::<diesel::sql_types::Nullable<diesel::sql_types::Text>, _>(doc_no)
        .bind::<diesel::sql_types::Text, _>(body)
        .bind::<gongkai::db::schema::sql_types::Tsvector, _>(&rust)
        .get_result(&mut conn)
        .await
        .unwrap();
        assert!(r.same, "{title}: SQL {} Rust {}", r.sql, r.rust);
    }
    // Rows written by plain SQL get their vector from the trigger and are found.
    diesel::sql_query(
        "INSERT INTO items (title, category, publisher, created_by_kind, status, published_at, index_no)
         VALUES ('SQL写入的条目', 'other', '朱台镇人民政府', 'system', 'published', now(), 'X/2009-00001')",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let page = get_json(
        &app,
        &format!("/api/v1/items?q={}", urlencode("写入")),
        None,
    )
    .await;
    assert_eq!(page["total"], 1);
}

#[actix_web::test]
async fn imports_json_and_csv_with_their_numbers() {
    let app = TestApp::spawn().await;
    let leader = app.token_for(Role::Leader).await;
    let res = import(
        &app,
        &leader,
        json!([
            {"title": "旧条目", "category": "policy", "published_at": "2009-03-02T09:30:00+08:00",
             "index_no": "11370305004300000X/2009-00017", "doc_no": "朱政发〔2009〕12号", "keywords": ["a", "b"],
             "written_on": "2009-02-26", "validity": "amended", "publisher": "朱台镇党委", "summary": "s", "body": "b"},
            {"title": "无编号", "category": "work", "published_at": "2009-05-01"},
            {"title": "他机构", "category": "work", "published_at": "2009-05-02", "index_no": "OTHER-1/2009-00099"},
        ]),
    )
    .await;
    assert_eq!(res.status(), 201);
    let got: Value = res.json().await.unwrap();
    assert_eq!(got["imported"], 3);
    // The counter moved past 17: the next number of 2009 is 18.
    assert_eq!(got["items"][1]["index_no"], "11370305004300000X/2009-00018");
    let first = get_json(
        &app,
        &format!("/api/v1/items/{}", got["items"][0]["id"].as_str().unwrap()),
        None,
    )
    .await;
    assert_eq!(first["status"], "published");
    assert_eq!(first["published_at"], "2009-03-02T01:30:00Z");
    assert_eq!(first["keywords"], json!(["a", "b"]));
    assert_eq!(first["validity"], "amended");
    assert_eq!(first["publisher"], "朱台镇党委");

    let csv = "title,category,published_at,keywords,index_no\n\
               \"CSV条目, 含逗号\",plan,2009-06-01T08:00:00+08:00,规划；计划,\n\
               第二条,other,2009-06-02,,11370305004300000X/2009-00030\n";
    let res = import_csv(&app, &leader, csv).await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let got: Value = res.json().await.unwrap();
    assert_eq!(got["items"][0]["index_no"], "11370305004300000X/2009-00031");
    let item = get_json(
        &app,
        &format!("/api/v1/items/{}", got["items"][0]["id"].as_str().unwrap()),
        None,
    )
    .await;
    assert_eq!(item["title"], "CSV条目, 含逗号");

    // The imports left nothing in the GIN pending lists, which every later search would scan.
    {
        use diesel_async::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct Pending {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut conn = app.pool.get().await.unwrap();
        diesel::sql_query("CREATE EXTENSION IF NOT EXISTS pgstattuple")
            .execute(&mut conn)
            .await
            .unwrap();
        for index in ["items_search_idx", "items_headline_idx"] {
            let p: Pending = diesel::sql_query(format!(
                "SELECT pending_tuples AS n FROM pgstatginindex('{index}')"
            ))
            .get_result(&mut conn)
            .await
            .unwrap();
            assert_eq!(p.n, 0, "{index}");
        }
    }
    assert_eq!(item["keywords"], json!(["规划", "计划"]));
    // The history says it was imported.
    let h = get_json(
        &app,
        &format!(
            "/api/v1/items/{}/history",
            got["items"][0]["id"].as_str().unwrap()
        ),
        Some(&leader),
    )
    .await;
    assert_eq!(h["items"][0]["action"], "imported");
    assert_problem(
        import(&app, &app.token_for(Role::Staff).await, json!([])).await,
        403,
    )
    .await;
}

#[actix_web::test]
async fn bad_imports_list_every_bad_row_and_write_nothing() {
    let app = TestApp::spawn().await;
    let leader = app.token_for(Role::Leader).await;
    import(&app, &leader, json!([{"title": "已有", "category": "other", "published_at": "2009-01-05", "index_no": "11370305004300000X/2009-00001"}])).await;
    let before = count_items(&app).await;
    let res = import(
        &app,
        &leader,
        json!([
            {"title": "好", "category": "policy", "published_at": "2009-03-02"},
            {"title": "坏类别", "category": "rules", "published_at": "2009-03-02"},
            {"category": "policy", "published_at": "2009-02-30"},
            {"title": "摘要太长", "category": "policy", "published_at": "2009-03-02", "summary": "字".repeat(101)},
            {"title": "NUL\u{0}", "category": "policy", "published_at": "2009-03-02", "colour": "red"},
            {"title": "编号已用", "category": "policy", "published_at": "2009-03-02", "index_no": "11370305004300000X/2009-00001"},
            {"title": "编号年份", "category": "policy", "published_at": "2010-03-02", "index_no": "11370305004300000X/2009-00005"},
            {"title": "未来", "category": "policy", "published_at": "2999-01-01", "validity": "maybe", "written_on": "2009-13-01"},
        ]),
    )
    .await;
    let p = assert_problem(res, 422).await;
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in [
        "rows[1].category",
        "rows[2].title",
        "rows[2].published_at",
        "rows[3].summary",
        "rows[4].title",
        "rows[4].colour",
        "rows[6].index_no",
        "rows[7].published_at",
        "rows[7].validity",
        "rows[7].written_on",
    ] {
        assert!(fields.contains(&f), "{f} in {fields:?}");
    }
    assert!(
        !fields.iter().any(|f| f.starts_with("rows[0]")),
        "{fields:?}"
    );
    assert_eq!(count_items(&app).await, before);
    // A number already in the database: found inside the transaction.
    let res = import(&app, &leader, json!([
        {"title": "编号已用", "category": "policy", "published_at": "2009-03-02", "index_no": "11370305004300000X/2009-00001"},
        {"title": "好", "category": "policy", "published_at": "2009-03-02"},
    ])).await;
    let p = assert_problem(res, 422).await;
    assert_eq!(p["errors"][0]["field"], "rows[0].index_no");
    // The same number twice in one import.
    let res = import(&app, &leader, json!([
        {"title": "a", "category": "policy", "published_at": "2009-03-02", "index_no": "11370305004300000X/2009-00007"},
        {"title": "b", "category": "policy", "published_at": "2009-03-02", "index_no": "11370305004300000X/2009-00007"},
    ])).await;
    let p = assert_problem(res, 422).await;
    assert_eq!(p["errors"][0]["field"], "rows[1].index_no");
    assert_eq!(count_items(&app).await, before);

    // CSV: a missing column, an unknown column, a quote left open, a short row.
    let p = assert_problem(
        import_csv(&app, &leader, "title,category\n标题,policy\n").await,
        422,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "published_at");
    let p = assert_problem(
        import_csv(&app, &leader, "title,category,published_at,colour\n").await,
        422,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "colour");
    let p = assert_problem(
        import_csv(
            &app,
            &leader,
            "title,category,published_at\n\"标题,policy,2009-01-01\n",
        )
        .await,
        422,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "body");
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("line 2"),
        "{p}"
    );
    let p = assert_problem(
        import_csv(&app, &leader, "title,category,published_at\n标题,policy\n").await,
        422,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "rows[0]");
    let p = assert_problem(
        import_csv(
            &app,
            &leader,
            "title,category,published_at\n标题,policy,2009-02-30\n",
        )
        .await,
        422,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "rows[0].published_at");
    // Not UTF-8, another media type, too many rows.
    let res = app
        .client
        .post(app.url("/api/v1/items/import"))
        .bearer_auth(&leader)
        .header("content-type", "text/csv")
        .body(b"title,category,published_at\n\xff\xfe,policy,2009-01-01\n".to_vec())
        .send()
        .await
        .unwrap();
    assert_problem(res, 422).await;
    let res = app
        .client
        .post(app.url("/api/v1/items/import"))
        .bearer_auth(&leader)
        .header("content-type", "application/xml")
        .body("<rows/>")
        .send()
        .await
        .unwrap();
    assert_problem(res, 415).await;
    let p = assert_problem(
        import(
            &app,
            &leader,
            rows(
                10_001,
                |_| json!({"title": "x", "category": "other", "published_at": "2009-01-01"}),
            ),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "rows");
    let p = assert_problem(import(&app, &leader, json!([])).await, 422).await;
    assert_eq!(p["errors"][0]["field"], "rows");
    assert_eq!(count_items(&app).await, before);
}

#[actix_web::test]
async fn attachments_are_checked_by_content_and_served_with_their_name() {
    let app = TestApp::spawn().await;
    let staff = app.token_for(Role::Staff).await;
    let leader = app.token_for(Role::Leader).await;
    let item = create(&app, &staff, json!({"title": "附件", "category": "work"})).await;
    let id = item["id"].as_str().unwrap();

    let res = upload(&app, &staff, id, "../../etc/2009年工作要点.pdf", &pdf()).await;
    assert_eq!(res.status(), 201);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let meta: Value = res.json().await.unwrap();
    assert_eq!(meta["file_name"], "2009年工作要点.pdf");
    assert_eq!(meta["content_type"], "application/pdf");
    assert_eq!(meta["size"], pdf().len());
    let sha = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(pdf()))
    };
    assert_eq!(meta["sha256"], sha.as_str());

    // A draft's file is not public.
    assert_problem(app.get(&location).await, 404).await;
    let res = app.send(Method::GET, &location, Some(&staff), None).await;
    assert_eq!(res.status(), 200);
    act(&app, &leader, id, "publish", None).await;

    let res = app.get(&location).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert_eq!(
        res.headers()["etag"].to_str().unwrap(),
        format!("\"{sha}\"")
    );
    let cd = res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cd.contains("filename*=UTF-8''2009%E5%B9%B4%E5%B7%A5%E4%BD%9C%E8%A6%81%E7%82%B9.pdf"),
        "{cd}"
    );
    assert_eq!(res.bytes().await.unwrap().to_vec(), pdf());
    let res = app
        .client
        .get(app.url(&location))
        .header("if-none-match", format!("\"{sha}\""))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 304);
    let item = get_json(&app, &format!("/api/v1/items/{id}"), None).await;
    assert_eq!(item["attachments"][0]["id"], meta["id"]);

    // Published: only a leader adds files. Types come from the content, not the name.
    let res = upload(&app, &staff, id, "b.png", b"\x89PNG\r\n\x1a\nrest").await;
    assert_problem(res, 403).await;
    let res = upload(&app, &leader, id, "b.png", b"\x89PNG\r\n\x1a\nrest").await;
    let png: Value = res.json().await.unwrap();
    assert_eq!(png["content_type"], "image/png");
    let res = upload(&app, &leader, id, "evil.pdf", b"MZ\x90\x00this is an exe").await;
    assert_problem(res, 415).await;
    let res = upload(&app, &leader, id, "empty.pdf", b"").await;
    assert_problem(res, 422).await;
    let mut big = pdf();
    big.resize(20 * 1024 * 1024 + 1, b' ');
    let res = upload(&app, &leader, id, "big.pdf", &big).await;
    assert_problem(res, 413).await;
    // DOCX: a ZIP with the Office parts.
    let docx = {
        let mut buf = std::io::Cursor::new(Vec::new());
        let mut z = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        z.start_file("[Content_Types].xml", opts).unwrap();
        std::io::Write::write_all(&mut z, b"<Types/>").unwrap();
        z.start_file("word/document.xml", opts).unwrap();
        std::io::Write::write_all(&mut z, b"<w:document/>").unwrap();
        z.finish().unwrap();
        buf.into_inner()
    };
    let res = upload(&app, &leader, id, "a.docx", &docx).await;
    let d: Value = res.json().await.unwrap();
    assert_eq!(
        d["content_type"],
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    );
    let res = app
        .send(
            Method::DELETE,
            &format!(
                "/api/v1/items/{id}/attachments/{}",
                d["id"].as_str().unwrap()
            ),
            Some(&leader),
            None,
        )
        .await;
    assert_eq!(res.status(), 204);
    let item = get_json(&app, &format!("/api/v1/items/{id}"), None).await;
    assert_eq!(item["attachments"].as_array().unwrap().len(), 2);
    let history = get_json(&app, &format!("/api/v1/items/{id}/history"), Some(&leader)).await;
    let actions: Vec<&str> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "created",
            "attachment_added",
            "published",
            "attachment_added",
            "attachment_added",
            "attachment_removed"
        ]
    );
}

#[actix_web::test]
async fn concurrent_publishing_neither_repeats_nor_skips_numbers() {
    let app = TestApp::spawn_with(|c| c.db_pool_size = 8).await;
    let leader = app.token_for(Role::Leader).await;
    let mut ids = Vec::new();
    for i in 0..40 {
        ids.push(
            create(
                &app,
                &leader,
                json!({"title": format!("并发{i}"), "category": "work"}),
            )
            .await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let mut tasks = Vec::new();
    for chunk in ids.chunks(5) {
        let chunk = chunk.to_vec();
        let leader = leader.clone();
        let url = app.address.clone();
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut got = Vec::new();
            for id in chunk {
                let res = client
                    .post(format!("{url}/api/v1/items/{id}/publish"))
                    .bearer_auth(&leader)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status(), 200);
                got.push(
                    res.json::<Value>().await.unwrap()["index_no"]
                        .as_str()
                        .unwrap()
                        .to_owned(),
                );
            }
            got
        }));
    }
    let mut numbers = Vec::new();
    for t in tasks {
        numbers.extend(t.await.unwrap());
    }
    numbers.sort();
    let expected: Vec<String> = (1..=40)
        .map(|n| format!("11370305004300000X/{}-{n:05}", this_year()))
        .collect();
    assert_eq!(numbers, expected);
}

#[actix_web::test]
async fn bad_input_is_a_4xx_naming_the_field_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let staff = app.token_for(Role::Staff).await;
    let base = json!({"title": "标题", "category": "work"});
    let with = |k: &str, v: Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    for (body, field) in [
        (with("category", json!("rules")), "category"),
        (with("validity", json!("sometimes")), "validity"),
        (with("summary", json!("字".repeat(101))), "summary"),
        (with("title", json!("a\u{0}b")), "title"),
        (with("body", json!("a\u{0}b")), "body"),
        (with("keywords", json!(["a\u{0}"])), "keywords[0]"),
        (with("colour", json!("red")), "colour"),
        (with("written_on", json!("2009-02-30")), "written_on"),
        (with("title", json!("")), "title"),
        (with("title", json!(42)), "title"),
    ] {
        let res = app
            .send(Method::POST, "/api/v1/items", Some(&staff), Some(&body))
            .await;
        let p = assert_problem(res, 422).await;
        let named = p["errors"][0]["field"] == field
            || p["errors"][0]["message"]
                .as_str()
                .unwrap_or("")
                .contains(field);
        assert!(named, "{body}: {p}");
    }
    // Invalid UTF-8.
    let res = app
        .client
        .post(app.url("/api/v1/items"))
        .bearer_auth(&staff)
        .header("content-type", "application/json")
        .body(b"{\"title\": \"\xff\xfe\", \"category\": \"work\"}".to_vec())
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    assert!(status == 400 || status == 422, "{status}");
    assert_problem(res, status).await;
    assert_eq!(count_items(&app).await, 0);

    // A body within the length limit but with more distinct n-grams than a search vector can
    // hold (100,000 different four-byte characters: 1.2 MB of lexemes).
    let rich: String = (0..100_000u32)
        .map(|i| char::from_u32(0x20000 + i).unwrap())
        .collect();
    let res = app
        .send(
            Method::POST,
            "/api/v1/items",
            Some(&staff),
            Some(&with("body", json!(rich))),
        )
        .await;
    let p = assert_problem(res, 422).await;
    assert_eq!(p["errors"][0]["field"], "body", "{p}");
    assert_eq!(count_items(&app).await, 0);

    // Edits with bad values change nothing.
    let item = create(&app, &staff, base.clone()).await;
    let path = format!("/api/v1/items/{}", item["id"].as_str().unwrap());
    for (body, field) in [
        (json!({"summary": "字".repeat(101)}), "summary"),
        (json!({"doc_no": "x\u{0}"}), "doc_no"),
        (json!({"category": "x"}), "category"),
        (json!({"version": 9}), "version"),
    ] {
        let p = assert_problem(
            app.send(Method::PATCH, &path, Some(&staff), Some(&body))
                .await,
            422,
        )
        .await;
        let named = p["errors"][0]["field"] == field
            || p["errors"][0]["message"]
                .as_str()
                .unwrap_or("")
                .contains(field);
        assert!(named, "{body}: {p}");
    }
    assert_eq!(get_json(&app, &path, Some(&staff)).await["version"], 1);

    // Query parameters.
    for (q, field) in [
        ("per_page=100000", "per_page"),
        ("page=-1", "page"),
        ("page=x", "page"),
        ("category=rules", "category"),
        ("validity=x", "validity"),
        ("published_from=2009-02-30", "published_from"),
        ("published_to=yesterday", "published_to"),
        ("year=20x9", "year"),
        ("sort=colour", "sort"),
    ] {
        let p = assert_problem(app.get(&format!("/api/v1/items?{q}")).await, 422).await;
        assert_eq!(p["errors"][0]["field"], field, "{q}: {p}");
    }
    let p = assert_problem(app.get("/api/v1/items?colour=red").await, 422).await;
    assert!(p["detail"].as_str().unwrap().contains("colour"), "{p}");
    assert_problem(app.get("/api/v1/items/not-a-uuid").await, 404).await;
}

#[actix_web::test]
async fn the_guide_is_public_and_leaders_write_it() {
    let app = TestApp::spawn().await;
    let leader = app.token_for(Role::Leader).await;
    let staff = app.token_for(Role::Staff).await;
    let g = get_json(&app, "/api/v1/guide", None).await;
    assert_eq!(g["office_name"], "朱台镇人民政府");
    assert_eq!(g["updated_at"], Value::Null);
    let body = json!({"office_name": "朱台镇政务公开办公室", "address": "朱台镇政府大院", "hours": "周一至周五",
                      "phone": "0533-7000000", "fax": "0533-7000001", "email": "zhutai@example.gov.cn",
                      "website": "https://zhutai.example.gov.cn", "text": "一、主动公开"});
    assert_problem(
        app.send(Method::PUT, "/api/v1/guide", Some(&staff), Some(&body))
            .await,
        403,
    )
    .await;
    let res = app
        .send(Method::PUT, "/api/v1/guide", Some(&leader), Some(&body))
        .await;
    assert_eq!(res.status(), 200);
    let g = get_json(&app, "/api/v1/guide", None).await;
    assert_eq!(g["email"], "zhutai@example.gov.cn");
    assert_eq!(g["text"], "一、主动公开");
    for (k, v) in [
        ("email", "not-an-address"),
        ("website", "javascript:alert(1)"),
        ("phone", "call me"),
        ("text", "a\u{0}"),
    ] {
        let mut b = body.clone();
        b[k] = json!(v);
        let p = assert_problem(
            app.send(Method::PUT, "/api/v1/guide", Some(&leader), Some(&b))
                .await,
            422,
        )
        .await;
        assert_eq!(p["errors"][0]["field"], k);
    }
    assert_eq!(
        get_json(&app, "/api/v1/guide", None).await["email"],
        "zhutai@example.gov.cn"
    );
}

#[actix_web::test]
async fn the_feed_is_atom_with_escaped_text() {
    let app = TestApp::spawn().await;
    let leader = app.token_for(Role::Leader).await;
    let item = create(
        &app,
        &leader,
        json!({"title": "A & B <通知>", "summary": "\"引号\"", "category": "work"}),
    )
    .await;
    let id = item["id"].as_str().unwrap();
    act(&app, &leader, id, "publish", None).await;
    create(
        &app,
        &leader,
        json!({"title": "草稿不出现", "category": "work"}),
    )
    .await;
    let res = app.get("/api/v1/feeds/items.atom").await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/atom+xml")
    );
    let xml = res.text().await.unwrap();
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>"));
    assert!(xml.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\""));
    assert!(xml.contains(&format!("<id>urn:uuid:{id}</id>")));
    assert!(
        xml.contains("<title>A &amp; B &lt;通知&gt;</title>"),
        "{xml}"
    );
    assert!(xml.contains("&quot;引号&quot;"));
    assert!(!xml.contains("草稿不出现"));
    assert_eq!(xml.matches("<entry>").count(), 1);
    assert_eq!(xml.matches("</entry>").count(), 1);
    for required in ["<updated>", "<author>", "<link rel=\"self\""] {
        assert!(xml.contains(required), "{required}");
    }
}

/// Issue #16 item 7: the feed's links come from `GONGKAI_PUBLIC_URL`, never from a header the
/// client chose (a shared cache would keep the poisoned feed for everyone).
#[actix_web::test]
async fn the_feed_links_to_the_configured_public_url_whatever_the_host_headers() {
    let app = TestApp::spawn_with(|c| c.public_url = "https://gongkai.example.gov.cn".into()).await;
    let leader = app.token_for(Role::Leader).await;
    let item = create(&app, &leader, json!({"title": "链接", "category": "work"})).await;
    let id = item["id"].as_str().unwrap();
    act(&app, &leader, id, "publish", None).await;
    let res = app
        .client
        .get(app.url("/api/v1/feeds/items.atom"))
        .header("X-Forwarded-Host", "evil.example")
        .header("X-Forwarded-Proto", "http")
        .header("Forwarded", "host=evil.example;proto=http")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let xml = res.text().await.unwrap();
    assert!(!xml.contains("evil.example"), "{xml}");
    assert!(
        xml.contains("https://gongkai.example.gov.cn/api/v1/feeds/items.atom"),
        "{xml}"
    );
    assert!(
        xml.contains(&format!("https://gongkai.example.gov.cn/api/v1/items/{id}")),
        "{xml}"
    );
}
