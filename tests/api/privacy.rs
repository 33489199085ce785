//! Personal data in any typed form (issue #16, items 0 and 12): Chinese input methods type
//! full-width digits, and people write numbers spaced, hyphenated or in Chinese numerals. The
//! public board must scrub all of them, a leader's texts are refused wherever the ASCII form
//! is, and a phone number follows one normalising rule in feedback and applications.

use gongkai::auth::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::feedback::{Office, act, answer, json_of, office};
use crate::helpers::{TestApp, assert_problem};

/// Registers an online entry, answers it and publishes it with the entry's own texts; returns
/// the entry's public question.
async fn published_question(app: &TestApp, o: &Office, content: &str, contact: Value) -> String {
    let body =
        json!({"kind": "complaint", "subject": "路灯不亮", "content": content, "contact": contact});
    let created = json_of(app.post_json("/api/v1/feedback", &body).await, 201).await;
    let id = created["id"].as_str().unwrap();
    answer(app, o, id).await;
    json_of(
        act(app, &o.leader, id, "publish", Some(json!({}))).await,
        200,
    )
    .await;
    let board = json_of(app.get("/api/v1/feedback/public?per_page=100").await, 200).await;
    let entry = board["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["register_no"] == created["register_no"])
        .expect("the entry is on the board");
    entry["question"].as_str().unwrap().to_owned()
}

/// Issue #16 item 0, as reported: full-width numbers published with `{}`, a contact phone
/// typed half full-width, and a leader's full-width replacement of the submitter's phone.
#[actix_web::test]
async fn full_width_personal_data_stays_off_the_public_board() {
    let app = TestApp::spawn().await;
    let o = office(&app).await;

    let question = published_question(
        &app,
        &o,
        "手机１３９０５３３１２３４，身份证号３７０３０５１９９２１１０３１５２１",
        json!({}),
    )
    .await;
    assert_eq!(question, "手机***，身份证号***");

    // A contact phone typed half full-width is accepted, and the same number in the text is
    // scrubbed.
    let question = published_question(
        &app,
        &o,
        "请回电139０533１２３４。",
        json!({"name": "王芳", "phone": "139０533１２３４"}),
    )
    .await;
    assert_eq!(question, "请回电***。");

    // The leader's replacement text: the full-width form is refused like the ASCII one.
    let body = json!({"kind": "complaint", "subject": "路灯不亮", "content": "路灯坏了。",
                      "contact": {"phone": "13812345678"}});
    let created = json_of(app.post_json("/api/v1/feedback", &body).await, 201).await;
    let id = created["id"].as_str().unwrap();
    answer(&app, &o, id).await;
    for reply in ["请致电13812345678", "请致电１３８１２３４５６７８"] {
        let p = assert_problem(
            act(
                &app,
                &o.leader,
                id,
                "publish",
                Some(json!({"reply": reply})),
            )
            .await,
            422,
        )
        .await;
        assert_eq!(p["errors"][0]["field"], "reply", "{reply}: {p}");
    }
}

/// Real-looking ways of writing phone numbers, identity numbers, credit codes and e-mail
/// addresses, each with what the board shows; then texts that carry no personal data and
/// stay as they are.
const SCRUBBED: &[(&str, &str)] = &[
    ("手机１３９０５３３１２３４。", "手机***。"),
    ("手机139０533１２３４。", "手机***。"),
    ("手机139 0533 1234。", "手机***。"),
    ("手机139-0533-1234。", "手机***。"),
    ("手机139.0533.1234。", "手机***。"),
    ("手机１３９－０５３３－１２３４。", "手机***。"),
    ("手机１３９　０５３３　１２３４。", "手机***。"),
    ("手机一三九〇五三三一二三四。", "手机***。"),
    ("手机壹叁玖零伍叁叁壹贰叁肆。", "手机***。"),
    ("手机139零五三三1234。", "手机***。"),
    ("手机幺三九零五三三幺二三四。", "手机***。"),
    ("手机+86 139 0533 1234。", "手机***。"),
    ("手机＋８６－１３９０５３３１２３４。", "手机***。"),
    ("座机(0533)7123456。", "座机***。"),
    ("座机０５３３－７１２３４５６。", "座机***。"),
    ("座机（0533）712 3456。", "座机***。"),
    (
        "身份证３７０３０５１９９２１１０３１５２１。",
        "身份证***。",
    ),
    ("身份证37030519921103152X。", "身份证***。"),
    (
        "身份证３７０３０５１９９２１１０３１５２ｘ。",
        "身份证***。",
    ),
    ("身份证370305 19921103 1521。", "身份证***。"),
    ("身份证370305-19921103-152X。", "身份证***。"),
    ("老身份证370305921103152。", "老身份证***。"),
    (
        "身份证三七〇三〇五一九九二一一〇三一五二一。",
        "身份证***。",
    ),
    ("信用代码91350100M000100Y43。", "信用代码***。"),
    (
        "信用代码９１３５０１００Ｍ０００１００Ｙ４３。",
        "信用代码***。",
    ),
    ("信用代码91350100m000100y43。", "信用代码***。"),
    ("邮箱zhang_san@163.com。", "邮箱***@***。"),
    ("邮箱li.ming＠example.com。", "邮箱***@***。"),
    (
        "邮箱ｌｉ．ｍｉｎｇ＠ｅｘａｍｐｌｅ．ｃｏｍ。",
        "邮箱***@***。",
    ),
    ("邮箱li.ming @ example.com。", "邮箱***@***。"),
    ("邮箱li.ming@example。com。", "邮箱***@***。"),
];

const INNOCENT: &[&str] = &[
    "2025年3月1日路灯坏了，共3盏。",
    "二〇二五年三月一日报修。",
    "依据朱政发〔2025〕3号文件。",
    "2026-03-02 10:30到现场。",
    "2024—2025年度的项目。",
    "工程款3,500,000元，另有人民币3500000元未付，合计约12.5万元。",
    "邮编256600。",
    "第12号楼3单元502室。",
];

#[actix_web::test]
async fn the_public_board_scrubs_a_corpus_of_variants_and_keeps_innocent_numbers() {
    let app = TestApp::spawn().await;
    let o = office(&app).await;
    let content: Vec<&str> = SCRUBBED
        .iter()
        .map(|(typed, _)| *typed)
        .chain(INNOCENT.iter().copied())
        .collect();
    let question = published_question(&app, &o, &content.join("\n"), json!({})).await;
    let expected: Vec<&str> = SCRUBBED
        .iter()
        .map(|(_, shown)| *shown)
        .chain(INNOCENT.iter().copied())
        .collect();
    for (got, (typed, want)) in question.lines().zip(content.iter().zip(&expected)) {
        assert_eq!(got, *want, "typed {typed:?}");
    }
    assert_eq!(question.lines().count(), expected.len(), "{question}");
}

/// The submitter's own phone and e-mail, typed in another form, in a leader's replacement
/// text: refused (422) as the ASCII form is.
#[actix_web::test]
async fn the_submitters_data_in_any_form_is_refused_in_edited_texts() {
    let app = TestApp::spawn().await;
    let o = office(&app).await;
    let body = json!({"kind": "complaint", "subject": "路灯不亮", "content": "路灯坏了。",
                      "contact": {"name": "王芳", "phone": "+86 139 0533 1234",
                                  "email": "wang.fang＠example.com"}});
    let created = json_of(app.post_json("/api/v1/feedback", &body).await, 201).await;
    let id = created["id"].as_str().unwrap();
    answer(&app, &o, id).await;
    for (text, what) in [
        ("请致电13905331234", "phone number"),
        ("请致电１３９０５３３１２３４", "phone number"),
        ("请致电139 0533 1234", "phone number"),
        ("请致电139-0533-1234", "phone number"),
        ("请致电139.0533.1234", "phone number"),
        ("请致电一三九〇五三三一二三四", "phone number"),
        ("请致电壹叁玖零伍叁叁壹贰叁肆", "phone number"),
        ("请致电＋８６　１３９　０５３３　１２３４", "phone number"),
        ("请发邮件至wang.fang@example.com", "e-mail address"),
        ("请发邮件至wang.fang＠example.com", "e-mail address"),
        (
            "请发邮件至ＷＡＮＧ．ＦＡＮＧ＠ＥＸＡＭＰＬＥ．ＣＯＭ",
            "e-mail address",
        ),
        ("请发邮件至wang.fang @ example.com", "e-mail address"),
        ("王芳您好", "name"),
    ] {
        let p = assert_problem(
            act(
                &app,
                &o.leader,
                id,
                "publish",
                Some(json!({"question": text})),
            )
            .await,
            422,
        )
        .await;
        assert_eq!(p["errors"][0]["field"], "question", "{text}: {p}");
        assert!(
            p["errors"][0]["message"].as_str().unwrap().contains(what),
            "{text}: {p}"
        );
    }
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
}

/// Issue #16 item 12: one phone rule for feedback and applications. Full-width forms, spaces,
/// hyphens, parentheses and a leading +86 are read alike; 5 to 20 digits remain; the number
/// is kept in ASCII.
#[actix_web::test]
async fn phones_follow_one_normalising_rule_in_feedback_and_applications() {
    let app = TestApp::spawn().await;
    let staff = app.token_for(Role::Staff).await;
    let feedback = |phone: &str| {
        json!({"kind": "consultation", "subject": "办事时间", "content": "几点上班？",
               "contact": {"phone": phone}})
    };
    let application = |phone: &str| {
        json!({"applicant": {"type": "natural_person", "name": "李明", "id_document_type": "passport",
                             "id_document_number": "E12345678", "phone": phone},
               "description": "2025年道路工程的招标文件", "delivery": "pickup"})
    };
    for (typed, kept) in [
        ("13905331234", "13905331234"),
        ("１３９０５３３１２３４", "13905331234"),
        ("139０533１２３４", "13905331234"),
        ("０５３３－７１２３４５６", "0533-7123456"),
        ("（０５３３）７１２３４５６", "(0533)7123456"),
        ("＋８６　１３９　０５３３　１２３４", "+86 139 0533 1234"),
        ("12345", "12345"),
        ("+86 12345", "+86 12345"),
        ("12345678901234567890", "12345678901234567890"),
    ] {
        let f = json_of(
            app.post_json("/api/v1/feedback", &feedback(typed)).await,
            201,
        )
        .await;
        let code = f["access_code"].as_str().unwrap();
        let res = app
            .client
            .get(app.url(&format!("/api/v1/feedback/{}", f["id"].as_str().unwrap())))
            .header("X-Access-Code", code)
            .send()
            .await
            .unwrap();
        assert_eq!(json_of(res, 200).await["contact"]["phone"], kept, "{typed}");
        let a = json_of(
            app.send(
                Method::POST,
                "/api/v1/applications",
                Some(&staff),
                Some(&application(typed)),
            )
            .await,
            201,
        )
        .await;
        assert_eq!(a["applicant"]["phone"], kept, "{typed}");
    }
    for typed in [
        "1234",
        "+86 1234",
        "１２３４",
        "123456789012345678901",
        "１２３４５６７８９０１２３４５６７８９０１",
        "0533-7000000 ext",
        "139０533１２３４转5",
        "138+1234+5678",
        "call me",
        "12-34-()",
    ] {
        let p = assert_problem(
            app.post_json("/api/v1/feedback", &feedback(typed)).await,
            422,
        )
        .await;
        assert_eq!(p["errors"][0]["field"], "contact.phone", "{typed}: {p}");
        let p = assert_problem(
            app.send(
                Method::POST,
                "/api/v1/applications",
                Some(&staff),
                Some(&application(typed)),
            )
            .await,
            422,
        )
        .await;
        assert_eq!(p["errors"][0]["field"], "applicant.phone", "{typed}: {p}");
        assert_eq!(
            p["errors"][0]["message"],
            "5 to 20 digits, with optional spaces, '-', parentheses and a leading '+' (+86 is not counted); full-width forms are read as ASCII",
            "{typed}"
        );
    }
}
