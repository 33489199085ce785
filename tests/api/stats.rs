//! Yearly statistics and the annual report.

use chrono::{Datelike, Duration, NaiveDate};
use diesel_async::RunQueryDsl;
use gongkai::auth::Role;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem};

const TYPES: [&str; 6] = [
    "natural_person",
    "enterprise",
    "research_institution",
    "public_interest_org",
    "legal_service_org",
    "other_org",
];

/// Every outcome/reason pair the national table has a row for.
const OUTCOMES: [(&str, Option<&str>); 21] = [
    ("granted", None),
    ("partially_granted", None),
    ("refused", Some("state_secret")),
    ("refused", Some("prohibited_by_law")),
    ("refused", Some("security_stability")),
    ("refused", Some("third_party_rights")),
    ("refused", Some("internal_affairs")),
    ("refused", Some("process_information")),
    ("refused", Some("law_enforcement_file")),
    ("refused", Some("administrative_query")),
    ("unable", Some("not_held")),
    ("unable", Some("needs_creation")),
    ("unable", Some("still_unclear")),
    ("not_processed", Some("petition_complaint")),
    ("not_processed", Some("repeat_application")),
    ("not_processed", Some("public_publication")),
    ("not_processed", Some("excessive_repeated")),
    ("not_processed", Some("confirm_or_reissue")),
    ("other", Some("correction_overdue")),
    ("other", Some("fee_unpaid")),
    ("other", Some("other")),
];

/// A generated application: its type, receipt, and closure (day and table row), if closed.
struct Case {
    applicant_type: &'static str,
    received_on: NaiveDate,
    closed: Option<(NaiveDate, String)>,
}

fn random_history(seed: u64, n: usize, last_day: NaiveDate) -> Vec<Case> {
    let mut rng = StdRng::seed_from_u64(seed);
    let first = NaiveDate::from_ymd_opt(2015, 1, 1).unwrap();
    let span = (last_day - first).num_days();
    (0..n)
        .map(|_| {
            let received_on = first + Duration::days(rng.random_range(0..=span));
            let closed_on = received_on + Duration::days(rng.random_range(0..500));
            let closed = (rng.random_bool(0.8) && closed_on <= last_day).then(|| {
                let (o, r) = OUTCOMES[rng.random_range(0..OUTCOMES.len())];
                let row = match r {
                    Some(r) => format!("{o}.{r}"),
                    None => o.to_owned(),
                };
                (closed_on, row)
            });
            Case {
                applicant_type: TYPES[rng.random_range(0..TYPES.len())],
                received_on,
                closed,
            }
        })
        .collect()
}

/// Inserts the cases as the application feature stores them (closed cases are `answered`,
/// with the outcome and reason the statistics read).
async fn insert_cases(app: &TestApp, batch: u64, cases: &[Case]) {
    let mut conn = app.pool.get().await.unwrap();
    for (i, c) in cases.iter().enumerate() {
        let (status, closed_on, outcome, reason) = match &c.closed {
            Some((day, row)) => {
                let (o, r) = row
                    .split_once('.')
                    .map_or((row.as_str(), None), |(o, r)| (o, Some(r)));
                (
                    "'answered'",
                    format!("'{day}'"),
                    format!("'{o}'"),
                    r.map_or("NULL".into(), |r| format!("'{r}'")),
                )
            }
            None => ("'received'", "NULL".into(), "NULL".into(), "NULL".into()),
        };
        diesel::sql_query(format!(
            "INSERT INTO applications (id, tracking_no, status, applicant_type, description, delivery, channel,
                                       received_on, due_on, outcome, reason, closed_on)
             VALUES (gen_random_uuid(), 'gen-{batch}-{i}', {status}, '{}', 'generated', 'post', 'letter',
                     '{}', '{}', {outcome}, {reason}, {closed_on})",
            c.applicant_type,
            c.received_on,
            c.received_on + Duration::days(28),
        ))
        .execute(&mut conn)
        .await
        .unwrap();
    }
}

/// Imports catalogue rows as `token` and returns the answer (201 expected).
async fn import_items(app: &TestApp, token: &str, rows: Vec<Value>) -> Value {
    let res = app
        .send(
            Method::POST,
            "/api/v1/items/import",
            Some(token),
            Some(&Value::Array(rows)),
        )
        .await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    res.json().await.unwrap()
}

fn count(v: &Value) -> i64 {
    v.as_i64().unwrap()
}

/// Property: for random histories over twelve years, table 3 balances in every column of
/// every year, each row's total is the sum of its six columns, each year's carried-to-next-year
/// equals the next year's carried-from-last-year, and the figures equal an independent count
/// of the generated cases.
#[actix_web::test]
async fn table_3_balances_for_random_histories() {
    let app = TestApp::spawn().await;
    let today = gongkai::clock::today(chrono_tz::Asia::Shanghai);
    let mut offset = 0;
    for seed in 1..=4u64 {
        let cases = random_history(seed, 150, today);
        // Each seed adds to the previous ones: the property holds for the union too.
        insert_cases(&app, seed, &cases[..]).await;
        offset += cases.len();
        let _ = offset;
    }
    let all: Vec<Case> = (1..=4u64)
        .flat_map(|s| random_history(s, 150, today))
        .collect();
    let last_year = today.year();
    let res = app
        .get(&format!("/api/v1/stats?from=2015&to={last_year}"))
        .await;
    assert_eq!(res.status(), 200);
    let series: Value = res.json().await.unwrap();
    let years = series["years"].as_array().unwrap();
    assert_eq!(years.len() as i32, last_year - 2015 + 1);

    let columns = [
        "natural_person",
        "enterprise",
        "research_institution",
        "public_interest_org",
        "legal_service_org",
        "other_org",
        "total",
    ];
    let outcome_rows: Vec<String> = OUTCOMES
        .iter()
        .map(|(o, r)| r.map_or(o.to_string(), |r| format!("{o}.{r}")))
        .collect();
    for (i, y) in years.iter().enumerate() {
        let year = y["year"].as_i64().unwrap() as i32;
        let t = &y["national"]["applications"];
        let first = NaiveDate::from_ymd_opt(year, 1, 1).unwrap();
        let last = NaiveDate::from_ymd_opt(year, 12, 31).unwrap();
        for col in columns {
            let of_type = |c: &&Case| col == "total" || c.applicant_type == col;
            // Independent counts from the generated data.
            let new = all
                .iter()
                .filter(of_type)
                .filter(|c| c.received_on >= first && c.received_on <= last)
                .count() as i64;
            let open_at = |day: NaiveDate| {
                all.iter()
                    .filter(of_type)
                    .filter(|c| {
                        c.received_on <= day && c.closed.as_ref().is_none_or(|(d, _)| *d > day)
                    })
                    .count() as i64
            };
            assert_eq!(count(&t["new_this_year"][col]), new, "{year} new {col}");
            assert_eq!(
                count(&t["carried_from_last_year"][col]),
                open_at(first - Duration::days(1)),
                "{year} from {col}"
            );
            assert_eq!(
                count(&t["carried_to_next_year"][col]),
                open_at(last),
                "{year} to {col}"
            );
            let mut outcome_sum = 0;
            for row in &outcome_rows {
                let expected = all
                    .iter()
                    .filter(of_type)
                    .filter(|c| matches!(&c.closed, Some((d, r)) if *d >= first && *d <= last && r == row))
                    .count() as i64;
                assert_eq!(count(&t[row.as_str()][col]), expected, "{year} {row} {col}");
                outcome_sum += expected;
            }
            assert_eq!(count(&t["total"][col]), outcome_sum, "{year} total {col}");
            // The balance.
            assert_eq!(
                count(&t["new_this_year"][col]) + count(&t["carried_from_last_year"][col]),
                count(&t["total"][col]) + count(&t["carried_to_next_year"][col]),
                "{year} balance in {col}"
            );
        }
        for (row, counts) in t.as_object().unwrap() {
            let six: i64 = columns[..6].iter().map(|c| count(&counts[c])).sum();
            assert_eq!(
                six,
                count(&counts["total"]),
                "{year} {row}: total is the sum of the six"
            );
        }
        if let Some(next) = years.get(i + 1) {
            assert_eq!(
                t["carried_to_next_year"],
                next["national"]["applications"]["carried_from_last_year"],
                "{year} -> {}",
                year + 1
            );
        }
        // The seed's format agrees with the national one.
        assert_eq!(
            y["legacy"]["applications"]["received"],
            t["new_this_year"]["total"]
        );
        assert_eq!(y["legacy"]["applications"]["answered"], t["total"]["total"]);
    }
}

#[actix_web::test]
async fn applications_handled_through_the_api_are_counted() {
    let app = TestApp::spawn().await;
    let leader = app.token_for(Role::Leader).await;
    let year = gongkai::clock::today(chrono_tz::Asia::Shanghai).year();
    let mut ids = Vec::new();
    for (t, name) in [
        ("natural_person", "王五"),
        ("enterprise", "某某有限公司"),
        ("enterprise", "另一公司"),
    ] {
        let applicant = if t == "natural_person" {
            json!({"type": t, "name": name, "id_document_type": "passport", "id_document_number": "E12345678", "phone": "13800000000"})
        } else {
            json!({"type": t, "name": name, "unified_social_credit_code": "91350100M000100Y43", "phone": "13800000000"})
        };
        let res = app
            .post_json(
                "/api/v1/applications",
                &json!({"applicant": applicant, "description": "2025年村道建设资金使用情况", "delivery": "pickup"}),
            )
            .await;
        assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
        let created: Value = res.json().await.unwrap();
        ids.push(created["id"].as_str().unwrap().to_owned());
    }
    let res = app
        .send(
            Method::POST,
            &format!("/api/v1/applications/{}/answer", ids[1]),
            Some(&leader),
            Some(&json!({"outcome": "refused", "reason": "third_party_rights", "text": "涉及商业秘密"})),
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());

    let stats: Value = app
        .get(&format!("/api/v1/stats/{year}"))
        .await
        .json()
        .await
        .unwrap();
    let t = &stats["national"]["applications"];
    assert_eq!(t["new_this_year"]["total"], 3);
    assert_eq!(t["new_this_year"]["enterprise"], 2);
    assert_eq!(t["refused.third_party_rights"]["enterprise"], 1);
    assert_eq!(t["total"]["total"], 1);
    assert_eq!(t["carried_to_next_year"]["total"], 2);
    assert_eq!(stats["legacy"]["applications"]["by_outcome"]["refused"], 1);
    // Personal data never appears in the statistics.
    let text = stats.to_string();
    assert!(!text.contains("王五") && !text.contains("13800000000") && !text.contains("E12345678"));
}

#[actix_web::test]
async fn appeals_count_in_the_year_filed_with_their_result_at_year_end() {
    let app = TestApp::spawn().await;
    insert_cases(
        &app,
        0,
        &[Case {
            applicant_type: "natural_person",
            received_on: NaiveDate::from_ymd_opt(2023, 3, 1).unwrap(),
            closed: Some((
                NaiveDate::from_ymd_opt(2023, 3, 20).unwrap(),
                "refused.state_secret".into(),
            )),
        }],
    )
    .await;
    let mut conn = app.pool.get().await.unwrap();
    for (kind, filed, result, decided) in [
        (
            "reconsideration",
            "2023-04-01",
            "upheld",
            Some("2023-06-01"),
        ),
        (
            "reconsideration",
            "2023-05-01",
            "corrected",
            Some("2024-02-01"),
        ),
        ("litigation_direct", "2023-07-01", "pending", None),
        (
            "litigation_after_reconsideration",
            "2024-03-01",
            "other",
            Some("2024-09-01"),
        ),
    ] {
        diesel::sql_query(format!(
            "INSERT INTO appeals (application_id, kind, filed_on, result, decided_on)
             SELECT id, '{kind}', '{filed}', '{result}', {} FROM applications LIMIT 1",
            decided.map_or("NULL".to_owned(), |d| format!("'{d}'"))
        ))
        .execute(&mut conn)
        .await
        .unwrap();
    }
    let s2023: Value = app.get("/api/v1/stats/2023").await.json().await.unwrap();
    let a = &s2023["national"]["appeals"];
    assert_eq!(
        a["reconsideration"],
        json!({"upheld": 1, "corrected": 0, "other": 0, "pending": 1, "total": 2})
    );
    assert_eq!(a["litigation_direct"]["pending"], 1);
    assert_eq!(
        s2023["legacy"]["appeals"],
        json!({"reconsideration": 2, "litigation": 1})
    );
    let s2024: Value = app.get("/api/v1/stats/2024").await.json().await.unwrap();
    assert_eq!(
        s2024["national"]["appeals"]["litigation_after_reconsideration"]["other"],
        1
    );
    assert_eq!(s2024["national"]["appeals"]["reconsideration"]["total"], 0);
}

#[actix_web::test]
async fn feedback_figures_count_receipts_replies_and_punctuality() {
    let app = TestApp::spawn().await;
    let mut conn = app.pool.get().await.unwrap();
    // 2024: three entries; one replied on time, one late, one never.
    for (i, (kind, channel, received, due, replied)) in [
        (
            "complaint",
            "phone",
            "2024-03-01",
            "2024-03-08",
            Some("2024-03-05"),
        ),
        (
            "consultation",
            "online",
            "2024-06-03",
            "2024-06-10",
            Some("2024-06-20"),
        ),
        ("suggestion", "online", "2024-12-30", "2025-01-07", None),
    ]
    .into_iter()
    .enumerate()
    {
        diesel::sql_query(format!(
            "INSERT INTO feedback (register_no, kind, channel, subject, content, received_on, reply_due_on, reply_days,
                                   status, reply_text, replied_on, replied_at)
             VALUES ('2024-{i:05}', '{kind}', '{channel}', 's', 'c', '{received}', '{due}', 5,
                     {}, {}, {}, {})",
            if replied.is_some() { "'replied'" } else { "'registered'" },
            if replied.is_some() { "'答复'" } else { "NULL" },
            replied.map_or("NULL".into(), |d| format!("'{d}'")),
            replied.map_or("NULL".into(), |d| format!("'{d}T02:00:00Z'")),
        ))
        .execute(&mut conn)
        .await
        .unwrap();
    }
    let s: Value = app.get("/api/v1/stats/2024").await.json().await.unwrap();
    assert_eq!(
        s["feedback"],
        json!({
            "received": 3,
            "by_kind": {"consultation": 1, "complaint": 1, "suggestion": 1},
            "by_channel": {"online": 2, "phone": 1, "letter": 0, "in_person": 0, "mailbox": 0},
            "replied": 2,
            "replied_on_time": 1
        })
    );
}

fn manual() -> Value {
    json!({
        "rules": {"issued": 0, "repealed": 0, "in_force": 2},
        "normative_documents": {"issued": 3, "repealed": 1, "in_force": 12},
        "licences": {"decisions": 56},
        "penalties": {"decisions": 4},
        "compulsory_measures": {"decisions": 0},
        "fees": {"amount_10k_yuan": 1.25}
    })
}

#[actix_web::test]
async fn manual_figures_fill_table_2_and_bad_ones_change_nothing() {
    let app = TestApp::spawn().await;
    let staff = app.token_for(Role::Staff).await;
    let public = app.token_for(Role::Public).await;
    let res = app
        .send(
            Method::PUT,
            "/api/v1/stats/2025/manual",
            Some(&staff),
            Some(&manual()),
        )
        .await;
    assert_eq!(res.status(), 200);
    let s: Value = app.get("/api/v1/stats/2025").await.json().await.unwrap();
    assert_eq!(s["national"]["proactive"], manual());

    let mut bad = manual();
    bad["penalties"]["decisions"] = json!(-1);
    let p = assert_problem(
        app.send(
            Method::PUT,
            "/api/v1/stats/2025/manual",
            Some(&staff),
            Some(&bad),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "penalties.decisions");
    let mut bad = manual();
    bad["fees"]["amount_10k_yuan"] = json!(-3.5);
    assert_problem(
        app.send(
            Method::PUT,
            "/api/v1/stats/2025/manual",
            Some(&staff),
            Some(&bad),
        )
        .await,
        422,
    )
    .await;
    let mut bad = manual();
    bad["rules"]["bogus"] = json!(1);
    let p = assert_problem(
        app.send(
            Method::PUT,
            "/api/v1/stats/2025/manual",
            Some(&staff),
            Some(&bad),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "rules.bogus");
    let mut bad = manual();
    bad["licences"]["decisions"] = json!(1e30);
    assert_problem(
        app.send(
            Method::PUT,
            "/api/v1/stats/2025/manual",
            Some(&staff),
            Some(&bad),
        )
        .await,
        422,
    )
    .await;
    assert_problem(
        app.send(
            Method::PUT,
            "/api/v1/stats/2025/manual",
            Some(&public),
            Some(&manual()),
        )
        .await,
        403,
    )
    .await;
    assert_problem(
        app.send(
            Method::PUT,
            "/api/v1/stats/2025/manual",
            None,
            Some(&manual()),
        )
        .await,
        401,
    )
    .await;

    let s: Value = app.get("/api/v1/stats/2025").await.json().await.unwrap();
    assert_eq!(
        s["national"]["proactive"],
        manual(),
        "unchanged by the bad requests"
    );
    // Other years are not affected.
    let s: Value = app.get("/api/v1/stats/2024").await.json().await.unwrap();
    assert_eq!(s["national"]["proactive"]["licences"]["decisions"], 0);
}

#[actix_web::test]
async fn csv_and_etags() {
    let app = TestApp::spawn().await;
    let staff = app.token_for(Role::Staff).await;
    app.send(
        Method::PUT,
        "/api/v1/stats/2025/manual",
        Some(&staff),
        Some(&manual()),
    )
    .await;

    let res = app
        .client
        .get(app.url("/api/v1/stats/2025"))
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = res.text().await.unwrap();
    assert!(csv.starts_with("year,table,row,column,value\r\n"), "{csv}");
    assert!(
        csv.contains("2025,national.proactive,licences,decisions,56\r\n"),
        "{csv}"
    );
    assert!(
        csv.contains("2025,national.applications,refused.state_secret,enterprise,0\r\n"),
        "{csv}"
    );
    assert!(
        csv.contains("2025,legacy.proactive,total,value,0\r\n"),
        "{csv}"
    );
    assert!(
        csv.contains("2025,feedback,by_kind,complaint,0\r\n"),
        "{csv}"
    );
    let suffix = app
        .get("/api/v1/stats/2025.csv")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(suffix, csv);
    let range = app
        .get("/api/v1/stats.csv?from=2024&to=2025")
        .await
        .text()
        .await
        .unwrap();
    assert!(range.contains("\r\n2024,") && range.contains("\r\n2025,"));

    // 304 when unchanged, 200 with a new ETag when the figures change.
    for (path, accept) in [
        ("/api/v1/stats/2025", "application/json"),
        ("/api/v1/stats/2025", "text/csv"),
        ("/api/v1/stats?from=2024&to=2025", "application/json"),
        ("/api/v1/stats/2025.csv", "*/*"),
    ] {
        let first = app
            .client
            .get(app.url(path))
            .header("accept", accept)
            .send()
            .await
            .unwrap();
        let etag = first.headers()["etag"].to_str().unwrap().to_owned();
        let again = app
            .client
            .get(app.url(path))
            .header("accept", accept)
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304, "{path} {accept}");
        assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);
    }
    let before = app.get("/api/v1/stats/2025").await.headers()["etag"]
        .to_str()
        .unwrap()
        .to_owned();
    let mut changed = manual();
    changed["penalties"]["decisions"] = json!(5);
    app.send(
        Method::PUT,
        "/api/v1/stats/2025/manual",
        Some(&staff),
        Some(&changed),
    )
    .await;
    let res = app
        .client
        .get(app.url("/api/v1/stats/2025"))
        .header("if-none-match", &before)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_ne!(res.headers()["etag"].to_str().unwrap(), before);

    let res = app
        .client
        .get(app.url("/api/v1/stats/2025"))
        .header("accept", "image/png")
        .send()
        .await
        .unwrap();
    assert_problem(res, 406).await;
}

#[actix_web::test]
async fn bad_years_and_spans_are_422() {
    let app = TestApp::spawn().await;
    for path in [
        "/api/v1/stats/0",
        "/api/v1/stats/99999",
        "/api/v1/stats?from=2026&to=2009",
        "/api/v1/stats?from=1900&to=2001",
        "/api/v1/stats?from=2009",
        "/api/v1/stats?from=2009&to=2010&extra=1",
        "/api/v1/stats.csv?from=2026&to=2009",
    ] {
        assert_problem(app.get(path).await, 422).await;
    }
    assert_problem(app.get("/api/v1/stats/abc").await, 404).await;
    assert_eq!(
        app.get("/api/v1/stats?from=1926&to=2025").await.status(),
        200,
        "100 years"
    );
}

fn sections() -> Value {
    json!({
        "overview": "2025年，我镇认真贯彻落实《条例》。\n依法公开政府信息。",
        "problems_and_improvements": "时效性不够强。",
        "other_matters": "本年度未收取信息处理费。<script>alert(1)</script>",
        "applications_note": "本年度收到申请情况如下。"
    })
}

#[actix_web::test]
async fn reports_freeze_their_figures_and_keep_versions() {
    let app = TestApp::spawn().await;
    let staff = app.token_for(Role::Staff).await;
    let leader = app.token_for(Role::Leader).await;
    let public = app.token_for(Role::Public).await;
    let year = gongkai::clock::today(chrono_tz::Asia::Shanghai).year();
    let path = format!("/api/v1/reports/{year}");

    assert_problem(app.get(&path).await, 404).await;
    assert_problem(
        app.send(
            Method::POST,
            &format!("{path}/publish"),
            Some(&leader),
            None,
        )
        .await,
        409,
    )
    .await;
    let res = app
        .send(Method::PUT, &path, Some(&staff), Some(&sections()))
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    assert_problem(
        app.send(Method::GET, &format!("{path}/draft"), Some(&public), None)
            .await,
        403,
    )
    .await;
    assert_problem(
        app.send(Method::POST, &format!("{path}/publish"), Some(&staff), None)
            .await,
        403,
    )
    .await;
    assert_problem(app.get(&path).await, 404).await;

    let res = app
        .send(
            Method::POST,
            &format!("{path}/publish"),
            Some(&leader),
            None,
        )
        .await;
    assert_eq!(res.status(), 201);
    assert_eq!(
        res.headers()["location"],
        format!("{path}?version=1").as_str()
    );
    let v1: Value = res.json().await.unwrap();
    assert_eq!(v1["version"], 1);
    assert_eq!(
        v1["figures"]["national"]["applications"]["new_this_year"]["total"],
        0
    );

    // New data after publication does not change the published report.
    let res = app
        .post_json(
            "/api/v1/applications",
            &json!({"applicant": {"type": "other_org", "name": "某协会", "unified_social_credit_code": "91350100M000100Y43", "phone": "05337000000"},
                    "description": "年度预算", "delivery": "pickup"}),
        )
        .await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let latest: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(
        latest["figures"]["national"]["applications"]["new_this_year"]["total"],
        0
    );
    assert_eq!(latest["versions"], json!([1]));

    // Publishing again makes version 2 with the new figures; version 1 stays.
    let v2: Value = app
        .send(
            Method::POST,
            &format!("{path}/publish"),
            Some(&leader),
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v2["version"], 2);
    assert_eq!(
        v2["figures"]["national"]["applications"]["new_this_year"]["other_org"],
        1
    );
    let latest: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(latest["version"], 2);
    assert_eq!(latest["versions"], json!([1, 2]));
    let old: Value = app
        .get(&format!("{path}?version=1"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(old["figures"], v1["figures"]);
    assert_problem(app.get(&format!("{path}?version=3")).await, 404).await;
    assert_problem(app.get(&format!("{path}?version=0")).await, 422).await;

    // The database refuses to alter a published version.
    let mut conn = app.pool.get().await.unwrap();
    let err = diesel::sql_query("UPDATE reports SET figures = '{}'")
        .execute(&mut conn)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("cannot be changed"), "{err}");
}

#[actix_web::test]
async fn reports_render_as_html_and_markdown() {
    let app = TestApp::spawn().await;
    let staff = app.token_for(Role::Staff).await;
    let leader = app.token_for(Role::Leader).await;
    app.send(
        Method::PUT,
        "/api/v1/reports/2025",
        Some(&staff),
        Some(&sections()),
    )
    .await;
    app.send(
        Method::PUT,
        "/api/v1/stats/2025/manual",
        Some(&staff),
        Some(&manual()),
    )
    .await;
    app.send(
        Method::POST,
        "/api/v1/reports/2025/publish",
        Some(&leader),
        None,
    )
    .await;

    let res = app
        .client
        .get(app.url("/api/v1/reports/2025"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("default-src 'none'") && !csp.contains("script"),
        "{csp}"
    );
    let html = res.text().await.unwrap();
    for heading in [
        "一、总体情况",
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
        "五、存在的主要问题及改进情况",
        "六、其他需要报告的事项",
    ] {
        assert!(html.contains(heading), "{heading}");
    }
    for id in ["table-2", "table-3", "table-4", "table-categories"] {
        assert!(html.contains(&format!("id=\"{id}\"")), "{id}");
    }
    assert!(html.contains("<svg") && html.matches("<rect").count() == 6);
    assert!(
        html.contains("<td>56</td>"),
        "licences from the manual figures"
    );
    assert!(!html.contains("<script>"), "the narrative is escaped");
    assert!(html.contains("&lt;script&gt;"));
    assert!(
        !html.contains("http://") || html.matches("http://").count() == 1,
        "only the SVG namespace"
    );

    let res = app
        .client
        .get(app.url("/api/v1/reports/2025"))
        .header("accept", "text/markdown")
        .send()
        .await
        .unwrap();
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/markdown")
    );
    let md = res.text().await.unwrap();
    assert!(md.starts_with("# 2025年"), "{md}");
    assert!(md.contains("| （一）予以公开 |"), "{md}");
    assert!(md.contains("| 行政许可 | 56 |"), "{md}");

    let res = app
        .client
        .get(app.url("/api/v1/reports/2025"))
        .header("accept", "image/png")
        .send()
        .await
        .unwrap();
    assert_problem(res, 406).await;
}

/// The HTML report, rendered by a real browser: the tables and the chart are there.
#[actix_web::test]
async fn the_html_report_renders_in_headless_chromium() {
    let app = TestApp::spawn().await;
    let staff = app.token_for(Role::Staff).await;
    let leader = app.token_for(Role::Leader).await;
    app.send(
        Method::PUT,
        "/api/v1/reports/2025",
        Some(&staff),
        Some(&sections()),
    )
    .await;
    app.send(
        Method::POST,
        "/api/v1/reports/2025/publish",
        Some(&leader),
        None,
    )
    .await;
    // Chromium asks for text/html first, as browsers do.
    let browser = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            std::process::Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .expect(
            "headless Chromium is installed (scripts/test installs it: apt-get install chromium)",
        );
    let profile = std::env::temp_dir().join(format!("gongkai-chromium-{}", uuid::Uuid::new_v4()));
    let out = tokio::process::Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            &format!("--user-data-dir={}", profile.display()),
            "--dump-dom",
            &app.url("/api/v1/reports/2025"),
        ])
        .output()
        .await
        .unwrap();
    let _ = std::fs::remove_dir_all(&profile);
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dom.contains("id=\"table-3\""), "{dom}");
    assert!(dom.contains("id=\"table-4\""));
    assert!(
        dom.contains("<svg") && dom.matches("<rect").count() == 6,
        "{dom}"
    );
    assert!(dom.contains("政府信息公开工作年度报告"));
}

/// The seed: 朱台镇's 2009 report counts 139 items — 机构职能 17, 政策法规 78, 规划计划 4,
/// 业务工作 33, 统计数据 3, 其它信息 4 — no applications, no appeals. Loaded through the
/// catalogue's import, with boundary times in Beijing time around the new year.
#[actix_web::test]
async fn the_seed_year_2009_gives_exactly_the_seeds_figures() {
    let app = TestApp::spawn().await;
    let leader = app.token_for(Role::Leader).await;
    let counts = [
        ("organization", 17),
        ("policy", 78),
        ("plan", 4),
        ("work", 33),
        ("statistics", 3),
        ("other", 4),
    ];
    let mut rows = Vec::new();
    let mut n = 0;
    for (category, count) in counts {
        for i in 0..count {
            n += 1;
            // The first item of the year was published 10 minutes into 2009, Beijing time
            // (still 2008 in UTC); the rest spread over the year.
            let published_at = if n == 1 {
                "2009-01-01T00:10:00+08:00".to_owned()
            } else {
                format!("2009-{:02}-{:02}T09:30:00+08:00", 1 + n % 12, 1 + i % 28)
            };
            rows.push(json!({
                "title": format!("朱台镇{category}信息第{i}号"),
                "category": category,
                "published_at": published_at,
            }));
        }
    }
    // Published at 00:30 on 1 January 2010 Beijing time: a 2010 item, though 2009 in UTC.
    rows.push(json!({"title": "2010年第一条", "category": "work", "published_at": "2010-01-01T00:30:00+08:00"}));
    import_items(&app, &leader, rows).await;

    let s: Value = app.get("/api/v1/stats/2009").await.json().await.unwrap();
    assert_eq!(
        s["legacy"],
        json!({
            "proactive": {"total": 139, "by_category": {"organization": 17, "policy": 78, "plan": 4, "work": 33, "statistics": 3, "other": 4}},
            "applications": {"received": 0, "answered": 0, "by_outcome": {"granted": 0, "partially_granted": 0, "refused": 0, "unable": 0, "not_processed": 0, "other": 0}},
            "appeals": {"reconsideration": 0, "litigation": 0}
        })
    );
    assert_eq!(s["agency"]["code"], "11370305004300000X");
    assert_eq!(s["national"]["applications"]["total"]["total"], 0);
    let s2010: Value = app.get("/api/v1/stats/2010").await.json().await.unwrap();
    assert_eq!(s2010["legacy"]["proactive"]["total"], 1);
    assert_eq!(s2010["legacy"]["proactive"]["by_category"]["work"], 1);
    let s2008: Value = app.get("/api/v1/stats/2008").await.json().await.unwrap();
    assert_eq!(s2008["legacy"]["proactive"]["total"], 0);

    // The report in the seed's words.
    let staff = app.token_for(Role::Staff).await;
    app.send(
        Method::PUT,
        "/api/v1/reports/2009",
        Some(&staff),
        Some(&sections()),
    )
    .await;
    app.send(
        Method::POST,
        "/api/v1/reports/2009/publish",
        Some(&leader),
        None,
    )
    .await;
    let html = app
        .client
        .get(app.url("/api/v1/reports/2009"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("共主动公开政府信息139条。其中机构职能17条、政策法规78条、规划计划4条、业务工作33条、统计数据3条、其它信息4条。"),
        "{html}"
    );
}

/// A row of table 3 with the given columns (the others zero) and their total.
fn columns(counts: &[(&str, i64)]) -> Value {
    let mut row = serde_json::Map::new();
    for t in TYPES {
        let n = counts.iter().find(|(c, _)| *c == t).map_or(0, |(_, n)| *n);
        row.insert(t.to_owned(), json!(n));
    }
    row.insert(
        "total".into(),
        json!(counts.iter().map(|(_, n)| n).sum::<i64>()),
    );
    Value::Object(row)
}

/// Table 3 with the given rows, every other row zero.
fn table_3(rows: &[(&str, &[(&str, i64)])], like: &Value) -> Value {
    let mut table = serde_json::Map::new();
    for key in like.as_object().unwrap().keys() {
        let counts = rows
            .iter()
            .find(|(k, _)| k == key)
            .map_or(&[][..], |(_, c)| c);
        table.insert(key.clone(), columns(counts));
    }
    Value::Object(table)
}

/// An appeal kind's column of table 4.
fn appeal(upheld: i64, corrected: i64, other: i64, pending: i64) -> Value {
    json!({"upheld": upheld, "corrected": corrected, "other": other, "pending": pending,
           "total": upheld + corrected + other + pending})
}

/// A span of years gives, year by year, exactly what each year gives alone, and the figures
/// counted by hand: items across the new year in the agency's zone, applications answered a
/// later year and one left open for years, appeals decided the next year, late replies.
#[actix_web::test]
async fn a_span_of_years_gives_each_years_own_figures() {
    let app = TestApp::spawn().await;
    let leader = app.token_for(Role::Leader).await;
    let staff = app.token_for(Role::Staff).await;

    // Items, in Beijing time (UTC+8).
    let items = [
        ("2018-12-31T15:59:00Z", "policy"), // 2018-12-31 23:59: before the span
        ("2019-06-01T02:00:00Z", "organization"), // 2019
        ("2019-12-31T15:59:59Z", "policy"), // 2019-12-31 23:59:59: 2019
        ("2019-12-31T16:30:00Z", "policy"), // 2020-01-01 00:30: 2020, though 2019 in UTC
        ("2020-03-01T01:00:00Z", "plan"),   // 2020
        ("2020-03-02T01:00:00Z", "plan"),   // 2020, withdrawn below: still counts
        ("2021-12-31T16:00:00Z", "statistics"), // 2022-01-01 00:00: 2022
        ("2022-05-05T01:00:00Z", "work"),   // 2022
        ("2023-12-31T15:00:00Z", "other"),  // 2023-12-31 23:00: 2023
        ("2023-12-31T16:00:00Z", "other"),  // 2024-01-01 00:00: after the span
    ];
    let rows: Vec<Value> = items
        .iter()
        .enumerate()
        .map(|(i, (at, category))| {
            json!({"title": format!("跨年统计第{i}号"), "category": category, "published_at": at})
        })
        .collect();
    let imported = import_items(&app, &leader, rows).await;
    let withdrawn = imported["items"][5]["id"].as_str().unwrap();
    let res = app
        .send(
            Method::POST,
            &format!("/api/v1/items/{withdrawn}/withdraw"),
            Some(&leader),
            Some(&json!({"reason": "内容已过时"})),
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());

    // Applications.
    let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let case = |t: &'static str, received: &str, closed: Option<(&str, &str)>| Case {
        applicant_type: t,
        received_on: day(received),
        closed: closed.map(|(d, row)| (day(d), row.to_owned())),
    };
    insert_cases(
        &app,
        0,
        &[
            // Answered two years later: carried out of 2019 and 2020.
            case("enterprise", "2019-03-01", Some(("2021-02-01", "granted"))),
            // Received on the last day of 2019, answered in 2020.
            case(
                "natural_person",
                "2019-12-31",
                Some(("2020-01-02", "refused.state_secret")),
            ),
            // Open since 2018: carried into and out of every year of the span.
            case("natural_person", "2018-11-01", None),
            case(
                "other_org",
                "2020-06-01",
                Some(("2020-06-20", "partially_granted")),
            ),
            case(
                "legal_service_org",
                "2022-12-31",
                Some(("2023-01-01", "other.correction_overdue")),
            ),
            // Received and answered before the span: in none of its years.
            case(
                "research_institution",
                "2017-05-01",
                Some(("2018-12-31", "unable.not_held")),
            ),
            case("public_interest_org", "2023-12-31", None),
            case(
                "enterprise",
                "2018-12-31",
                Some(("2019-01-01", "not_processed.repeat_application")),
            ),
        ],
    )
    .await;

    let mut conn = app.pool.get().await.unwrap();
    // Appeals: the result as known on 31 December of the year filed.
    for (kind, filed, result, decided) in [
        (
            "reconsideration",
            "2018-12-31",
            "upheld",
            Some("2019-01-02"),
        ),
        (
            "reconsideration",
            "2019-11-01",
            "upheld",
            Some("2020-01-15"),
        ),
        (
            "litigation_direct",
            "2020-02-01",
            "corrected",
            Some("2020-08-01"),
        ),
        (
            "litigation_after_reconsideration",
            "2021-12-31",
            "other",
            Some("2021-12-31"),
        ),
        ("reconsideration", "2022-03-01", "pending", None),
    ] {
        diesel::sql_query(format!(
            "INSERT INTO appeals (application_id, kind, filed_on, result, decided_on)
             SELECT id, '{kind}', '{filed}', '{result}', {} FROM applications LIMIT 1",
            decided.map_or("NULL".to_owned(), |d| format!("'{d}'"))
        ))
        .execute(&mut conn)
        .await
        .unwrap();
    }
    // Feedback: replied by 31 December of the year received, and by the deadline.
    for (i, (kind, channel, received, due, replied)) in [
        // Replied late, in the next year: neither replied nor on time in 2019.
        (
            "complaint",
            "phone",
            "2019-12-20",
            "2019-12-27",
            Some("2020-01-03"),
        ),
        // Replied on time, but in the next year: not replied by the end of 2020.
        (
            "consultation",
            "online",
            "2020-12-25",
            "2021-01-05",
            Some("2021-01-04"),
        ),
        (
            "suggestion",
            "letter",
            "2021-03-01",
            "2021-03-08",
            Some("2021-03-20"),
        ),
        (
            "complaint",
            "mailbox",
            "2021-04-01",
            "2021-04-08",
            Some("2021-04-02"),
        ),
        (
            "consultation",
            "in_person",
            "2023-06-01",
            "2023-06-08",
            None,
        ),
    ]
    .into_iter()
    .enumerate()
    {
        diesel::sql_query(format!(
            "INSERT INTO feedback (register_no, kind, channel, subject, content, received_on, reply_due_on, reply_days,
                                   status, reply_text, replied_on, replied_at)
             VALUES ('span-{i:05}', '{kind}', '{channel}', 's', 'c', '{received}', '{due}', 5,
                     {}, {}, {}, {})",
            if replied.is_some() { "'replied'" } else { "'registered'" },
            if replied.is_some() { "'答复'" } else { "NULL" },
            replied.map_or("NULL".into(), |d| format!("'{d}'")),
            replied.map_or("NULL".into(), |d| format!("'{d}T02:00:00Z'")),
        ))
        .execute(&mut conn)
        .await
        .unwrap();
    }
    drop(conn);
    let res = app
        .send(
            Method::PUT,
            "/api/v1/stats/2021/manual",
            Some(&staff),
            Some(&manual()),
        )
        .await;
    assert_eq!(res.status(), 200);

    // Every year of a span, and of a span starting in the middle, is the year alone.
    let mut years = Vec::new();
    for (from, to) in [(2019, 2023), (2021, 2022), (2020, 2020)] {
        let res = app.get(&format!("/api/v1/stats?from={from}&to={to}")).await;
        assert_eq!(res.status(), 200);
        let series: Value = res.json().await.unwrap();
        assert_eq!(
            (series["from"].clone(), series["to"].clone()),
            (json!(from), json!(to))
        );
        let span = series["years"].as_array().unwrap().clone();
        assert_eq!(span.len() as i32, to - from + 1);
        for (y, year) in span.iter().zip(from..=to) {
            assert_eq!(y["year"], year);
            let alone: Value = app
                .get(&format!("/api/v1/stats/{year}"))
                .await
                .json()
                .await
                .unwrap();
            assert_eq!(*y, alone, "{year} in {from}-{to}");
        }
        if from == 2019 {
            years = span;
        }
    }
    let year = |y: i32| &years[(y - 2019) as usize];

    // Items by category.
    let proactive = |y: i32| year(y)["legacy"]["proactive"].clone();
    let by_category = |counts: &[(&str, i64)]| {
        let mut o = json!({"organization": 0, "policy": 0, "plan": 0, "work": 0, "statistics": 0, "other": 0});
        for (c, n) in counts {
            o[*c] = json!(n);
        }
        json!({"total": counts.iter().map(|(_, n)| n).sum::<i64>(), "by_category": o})
    };
    assert_eq!(
        proactive(2019),
        by_category(&[("organization", 1), ("policy", 1)])
    );
    assert_eq!(proactive(2020), by_category(&[("policy", 1), ("plan", 2)]));
    assert_eq!(proactive(2021), by_category(&[]));
    assert_eq!(
        proactive(2022),
        by_category(&[("statistics", 1), ("work", 1)])
    );
    assert_eq!(proactive(2023), by_category(&[("other", 1)]));

    // Table 3.
    let like = &year(2019)["national"]["applications"];
    let expected: [(i32, Value); 5] = [
        (
            2019,
            table_3(
                &[
                    ("new_this_year", &[("natural_person", 1), ("enterprise", 1)]),
                    (
                        "carried_from_last_year",
                        &[("natural_person", 1), ("enterprise", 1)],
                    ),
                    ("not_processed.repeat_application", &[("enterprise", 1)]),
                    ("total", &[("enterprise", 1)]),
                    (
                        "carried_to_next_year",
                        &[("natural_person", 2), ("enterprise", 1)],
                    ),
                ],
                like,
            ),
        ),
        (
            2020,
            table_3(
                &[
                    ("new_this_year", &[("other_org", 1)]),
                    (
                        "carried_from_last_year",
                        &[("natural_person", 2), ("enterprise", 1)],
                    ),
                    ("partially_granted", &[("other_org", 1)]),
                    ("refused.state_secret", &[("natural_person", 1)]),
                    ("total", &[("natural_person", 1), ("other_org", 1)]),
                    (
                        "carried_to_next_year",
                        &[("natural_person", 1), ("enterprise", 1)],
                    ),
                ],
                like,
            ),
        ),
        (
            2021,
            table_3(
                &[
                    (
                        "carried_from_last_year",
                        &[("natural_person", 1), ("enterprise", 1)],
                    ),
                    ("granted", &[("enterprise", 1)]),
                    ("total", &[("enterprise", 1)]),
                    ("carried_to_next_year", &[("natural_person", 1)]),
                ],
                like,
            ),
        ),
        (
            2022,
            table_3(
                &[
                    ("new_this_year", &[("legal_service_org", 1)]),
                    ("carried_from_last_year", &[("natural_person", 1)]),
                    (
                        "carried_to_next_year",
                        &[("natural_person", 1), ("legal_service_org", 1)],
                    ),
                ],
                like,
            ),
        ),
        (
            2023,
            table_3(
                &[
                    ("new_this_year", &[("public_interest_org", 1)]),
                    (
                        "carried_from_last_year",
                        &[("natural_person", 1), ("legal_service_org", 1)],
                    ),
                    ("other.correction_overdue", &[("legal_service_org", 1)]),
                    ("total", &[("legal_service_org", 1)]),
                    (
                        "carried_to_next_year",
                        &[("natural_person", 1), ("public_interest_org", 1)],
                    ),
                ],
                like,
            ),
        ),
    ];
    for (y, table) in expected {
        assert_eq!(year(y)["national"]["applications"], table, "table 3 of {y}");
    }
    let outcomes = |y: i32| year(y)["legacy"]["applications"].clone();
    let legacy = |received: i64, answered: i64, by: &[(&str, i64)]| {
        let mut o = json!({"granted": 0, "partially_granted": 0, "refused": 0, "unable": 0, "not_processed": 0, "other": 0});
        for (k, n) in by {
            o[*k] = json!(n);
        }
        json!({"received": received, "answered": answered, "by_outcome": o})
    };
    assert_eq!(outcomes(2019), legacy(2, 1, &[("not_processed", 1)]));
    assert_eq!(
        outcomes(2020),
        legacy(1, 2, &[("partially_granted", 1), ("refused", 1)])
    );
    assert_eq!(outcomes(2021), legacy(0, 1, &[("granted", 1)]));
    assert_eq!(outcomes(2022), legacy(1, 0, &[]));
    assert_eq!(outcomes(2023), legacy(1, 1, &[("other", 1)]));

    // Table 4 and the seed's appeals.
    let zero = appeal(0, 0, 0, 0);
    for (y, reconsideration, direct, after, legacy) in [
        (2019, appeal(0, 0, 0, 1), zero.clone(), zero.clone(), [1, 0]),
        (2020, zero.clone(), appeal(0, 1, 0, 0), zero.clone(), [0, 1]),
        (2021, zero.clone(), zero.clone(), appeal(0, 0, 1, 0), [0, 1]),
        (2022, appeal(0, 0, 0, 1), zero.clone(), zero.clone(), [1, 0]),
        (2023, zero.clone(), zero.clone(), zero.clone(), [0, 0]),
    ] {
        assert_eq!(
            year(y)["national"]["appeals"],
            json!({"reconsideration": reconsideration, "litigation_direct": direct,
                   "litigation_after_reconsideration": after}),
            "table 4 of {y}"
        );
        assert_eq!(
            year(y)["legacy"]["appeals"],
            json!({"reconsideration": legacy[0], "litigation": legacy[1]})
        );
    }

    // Feedback.
    let feedback = |received: i64,
                    kinds: [i64; 3],
                    channels: [i64; 5],
                    replied: i64,
                    on_time: i64| {
        json!({
            "received": received,
            "by_kind": {"consultation": kinds[0], "complaint": kinds[1], "suggestion": kinds[2]},
            "by_channel": {"online": channels[0], "phone": channels[1], "letter": channels[2],
                           "in_person": channels[3], "mailbox": channels[4]},
            "replied": replied,
            "replied_on_time": on_time
        })
    };
    assert_eq!(
        year(2019)["feedback"],
        feedback(1, [0, 1, 0], [0, 1, 0, 0, 0], 0, 0)
    );
    assert_eq!(
        year(2020)["feedback"],
        feedback(1, [1, 0, 0], [1, 0, 0, 0, 0], 0, 0)
    );
    assert_eq!(
        year(2021)["feedback"],
        feedback(2, [0, 1, 1], [0, 0, 1, 0, 1], 2, 1)
    );
    assert_eq!(
        year(2022)["feedback"],
        feedback(0, [0, 0, 0], [0, 0, 0, 0, 0], 0, 0)
    );
    assert_eq!(
        year(2023)["feedback"],
        feedback(1, [1, 0, 0], [0, 0, 0, 1, 0], 0, 0)
    );

    // Table 2: the manual figures of their own year only.
    assert_eq!(year(2021)["national"]["proactive"], manual());
    for y in [2019, 2020, 2022, 2023] {
        assert_eq!(
            year(y)["national"]["proactive"]["licences"]["decisions"],
            0,
            "{y}"
        );
    }
}

/// An application closed in a year before the one it was received in breaks table 3 of the
/// year it was closed in: that year, and every span that holds it, is an error, not figures.
#[actix_web::test]
async fn a_case_closed_before_it_was_received_unbalances_its_year() {
    let app = TestApp::spawn().await;
    insert_cases(
        &app,
        0,
        &[Case {
            applicant_type: "enterprise",
            received_on: NaiveDate::from_ymd_opt(2021, 2, 1).unwrap(),
            closed: Some((
                NaiveDate::from_ymd_opt(2020, 6, 1).unwrap(),
                "granted".into(),
            )),
        }],
    )
    .await;
    for path in ["/api/v1/stats/2020", "/api/v1/stats?from=2019&to=2021"] {
        assert_problem(app.get(path).await, 500).await;
    }
    for path in [
        "/api/v1/stats/2019",
        "/api/v1/stats/2021",
        "/api/v1/stats?from=2021&to=2022",
    ] {
        assert_eq!(app.get(path).await.status(), 200, "{path}");
    }
}

#[derive(diesel::QueryableByName, Debug, PartialEq)]
struct DayCount {
    #[diesel(sql_type = diesel::sql_types::Date)]
    day: NaiveDate,
    #[diesel(sql_type = diesel::sql_types::Text)]
    category: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// The stored per-day counts and a recount of the items, both without empty days.
async fn stored_and_recounted(app: &TestApp) -> (Vec<DayCount>, Vec<DayCount>) {
    let mut conn = app.pool.get().await.unwrap();
    let stored = diesel::sql_query(
        "SELECT day, category, n FROM item_daily_counts WHERE n <> 0 ORDER BY day, category",
    )
    .load(&mut conn)
    .await
    .unwrap();
    let recounted = diesel::sql_query(
        "SELECT (published_at AT TIME ZONE 'UTC')::date AS day, category, count(*) AS n
         FROM items WHERE status IN ('published', 'withdrawn') GROUP BY 1, 2 ORDER BY 1, 2",
    )
    .load(&mut conn)
    .await
    .unwrap();
    (stored, recounted)
}

#[actix_web::test]
async fn the_stored_daily_counts_follow_every_kind_of_write() {
    let app = TestApp::spawn().await;
    let leader = app.token_for(Role::Leader).await;
    let staff = app.token_for(Role::Staff).await;
    let rows: Vec<Value> = (0..30)
        .map(|i| {
            json!({
                "title": format!("日计数第{i}号"),
                "category": (["policy", "work", "plan"])[i % 3],
                "published_at": format!("2021-03-{:02}T{:02}:15:00+08:00", 1 + i % 4, (i * 5) % 24),
            })
        })
        .collect();
    let imported = import_items(&app, &leader, rows).await;
    let id = |i: usize| imported["items"][i]["id"].as_str().unwrap().to_owned();

    // Drafts through the workflow, a withdrawal, an edit, a deleted draft.
    let mut drafts = Vec::new();
    for i in 0..3 {
        let res = app
            .send(
                Method::POST,
                "/api/v1/items",
                Some(&staff),
                Some(&json!({"title": format!("草稿{i}"), "category": "other"})),
            )
            .await;
        assert_eq!(res.status(), 201);
        drafts.push(
            res.json::<Value>().await.unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    for d in &drafts[..2] {
        let res = app
            .send(
                Method::POST,
                &format!("/api/v1/items/{d}/publish"),
                Some(&leader),
                None,
            )
            .await;
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    }
    let res = app
        .send(
            Method::DELETE,
            &format!("/api/v1/items/{}", drafts[2]),
            Some(&staff),
            None,
        )
        .await;
    assert_eq!(res.status(), 204);
    let res = app
        .send(
            Method::POST,
            &format!("/api/v1/items/{}/withdraw", id(4)),
            Some(&leader),
            Some(&json!({"reason": "内容已过时"})),
        )
        .await;
    assert_eq!(res.status(), 200);
    let (stored, recounted) = stored_and_recounted(&app).await;
    assert_eq!(stored, recounted);
    assert_eq!(stored.iter().map(|c| c.n).sum::<i64>(), 32);

    // Writes by plain SQL (repairs): a moved publication time, a recategorised item, deletions.
    let mut conn = app.pool.get().await.unwrap();
    for sql in [
        format!(
            "UPDATE items SET published_at = published_at - interval '400 days' WHERE id = '{}'",
            id(1)
        ),
        format!(
            "UPDATE items SET category = 'statistics' WHERE id IN ('{}', '{}')",
            id(2),
            id(3)
        ),
        format!(
            "DELETE FROM items WHERE id IN ('{}', '{}', '{}')",
            id(5),
            id(6),
            id(4)
        ),
    ] {
        diesel::sql_query(sql).execute(&mut conn).await.unwrap();
        let (stored, recounted) = stored_and_recounted(&app).await;
        assert_eq!(stored, recounted);
    }
    let (stored, _) = stored_and_recounted(&app).await;
    assert_eq!(stored.iter().map(|c| c.n).sum::<i64>(), 29);

    // The rebuild gives the same.
    diesel::sql_query("SELECT item_daily_counts_rebuild()")
        .execute(&mut conn)
        .await
        .unwrap();
    assert_eq!(stored_and_recounted(&app).await.0, stored);
}

#[actix_web::test]
async fn years_of_a_half_hour_zone_end_inside_a_utc_day() {
    let app = TestApp::spawn_with(|c| c.timezone = chrono_tz::Asia::Kolkata).await;
    let leader = app.token_for(Role::Leader).await;
    // India is UTC+5:30: its years begin at 18:30 UTC on 31 December.
    let items = [
        ("2019-12-31T00:00:00Z", "policy"), // 2019, in the last whole UTC day
        ("2019-12-31T18:29:59Z", "policy"), // 2019-12-31 23:59:59: 2019
        ("2019-12-31T18:30:00Z", "work"),   // 2020-01-01 00:00: 2020
        ("2020-01-01T00:00:00Z", "work"),   // 2020, first whole UTC day
        ("2020-07-01T12:00:00Z", "plan"),   // 2020
        ("2020-12-31T18:29:00Z", "plan"),   // 2020
        ("2020-12-31T18:31:00Z", "other"),  // 2021
    ];
    let rows: Vec<Value> = items
        .iter()
        .enumerate()
        .map(|(i, (at, category))| json!({"title": format!("半时区第{i}号"), "category": category, "published_at": at}))
        .collect();
    import_items(&app, &leader, rows).await;
    let years: Value = app
        .get("/api/v1/stats?from=2019&to=2021")
        .await
        .json()
        .await
        .unwrap();
    let proactive: Vec<Value> = years["years"]
        .as_array()
        .unwrap()
        .iter()
        .map(|y| y["legacy"]["proactive"].clone())
        .collect();
    assert_eq!(proactive[0]["total"], 2);
    assert_eq!(proactive[0]["by_category"]["policy"], 2);
    assert_eq!(proactive[1]["total"], 4);
    assert_eq!(proactive[1]["by_category"]["work"], 2);
    assert_eq!(proactive[1]["by_category"]["plan"], 2);
    assert_eq!(proactive[2]["total"], 1);
    assert_eq!(proactive[2]["by_category"]["other"], 1);
}
