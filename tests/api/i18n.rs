//! Answers in the caller's language: Chinese unless `Accept-Language` asks for English (or the
//! `GONGKAI_LANGUAGE` setting says otherwise); `type` URIs and field paths never change.

use serde_json::Value;

use crate::helpers::TestApp;

async fn problem_in(app: &TestApp, accept_language: Option<&str>, path: &str) -> (String, Value) {
    let mut req = reqwest::Client::new().get(app.url(path));
    if let Some(l) = accept_language {
        req = req.header("accept-language", l);
    }
    let res = req.send().await.unwrap();
    assert_eq!(res.status(), 404);
    let lang = res
        .headers()
        .get("content-language")
        .expect("problem documents say their language")
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        res.headers()
            .get("vary")
            .is_some_and(|v| v.to_str().unwrap().contains("Accept-Language"))
    );
    (lang, res.json().await.unwrap())
}

#[actix_web::test]
async fn problems_are_chinese_unless_english_is_asked_for() {
    let app = TestApp::spawn().await;
    let (lang, p) = problem_in(&app, None, "/api/v1/nowhere").await;
    assert_eq!(lang, "zh-CN");
    assert_eq!(p["title"], "未找到");
    assert_eq!(p["detail"], "此地址没有资源");
    assert_eq!(p["type"], "/problems/not-found");

    let (lang, p) = problem_in(&app, Some("en-GB,en;q=0.9"), "/api/v1/nowhere").await;
    assert_eq!(lang, "en");
    assert_eq!(p["title"], "Not found");
    assert_eq!(p["type"], "/problems/not-found");

    // A language we do not speak falls back to the default; a Chinese variant reads Chinese.
    assert_eq!(problem_in(&app, Some("fr"), "/x").await.0, "zh-CN");
    assert_eq!(problem_in(&app, Some("zh-TW"), "/x").await.0, "zh-CN");
}

#[actix_web::test]
async fn field_messages_follow_the_language_and_keep_their_paths() {
    let app = TestApp::spawn().await;
    let send = |lang: &'static str, query: &'static str| {
        reqwest::Client::new()
            .get(app.url(&format!("/api/v1/items?{query}")))
            .header("accept-language", lang)
            .send()
    };
    let zh: Value = send("zh-CN", "page=0").await.unwrap().json().await.unwrap();
    let en: Value = send("en", "page=0").await.unwrap().json().await.unwrap();
    assert_eq!(zh["title"], "请求内容不合规");
    assert_eq!(en["title"], "The request is not valid");
    assert_eq!(zh["errors"][0]["field"], "page");
    assert_eq!(en["errors"][0]["field"], "page");
    assert_eq!(zh["errors"][0]["message"], "应在 1 至 100000 之间");
    assert_eq!(en["errors"][0]["message"], "must be from 1 to 100000");
    assert_eq!(zh["detail"], "page：应在 1 至 100000 之间");
    // A NUL in the query is refused before any handler, in the caller's language too.
    let zh: Value = send("zh-CN", "q=%00").await.unwrap().json().await.unwrap();
    assert_eq!(zh["errors"][0]["message"], "不允许包含 NUL 字符");
}

#[actix_web::test]
async fn the_default_language_is_a_setting() {
    let app = TestApp::spawn_with(|c| c.language = gongkai::i18n::Lang::En).await;
    let (lang, p) = problem_in(&app, None, "/api/v1/nowhere").await;
    assert_eq!(lang, "en");
    assert_eq!(p["title"], "Not found");
    // An explicit Chinese request still gets Chinese.
    assert_eq!(problem_in(&app, Some("zh"), "/x").await.0, "zh-CN");
}
