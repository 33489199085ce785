//! The black-box test harness: each test gets the real app on a free port, backed by its own
//! PostgreSQL database cloned from a template that is migrated once.

use std::sync::OnceLock;

use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use gongkai::audit::Actor;
use gongkai::auth::Role;
use gongkai::auth::password::Hasher;
use gongkai::config::Config;
use gongkai::db::DbPool;
use gongkai::startup::Application;
use gongkai::users::NewUser;
use secrecy::SecretString;
use sha2::{Digest, Sha256};

/// The PostgreSQL server the tests use (any database on it; they make their own).
pub fn server_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .or_else(|_| std::env::var("DATABASE_URL"))
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

fn url_for(db: &str) -> String {
    let mut url = url::Url::parse(&server_url()).expect("TEST_DATABASE_URL is a URL");
    url.set_path(&format!("/{db}"));
    url.to_string()
}

/// Runs `f` on a fresh single-threaded runtime in its own thread: for set-up and clean-up
/// that must not depend on the test's runtime.
fn run_detached<T: Send + 'static>(
    f: impl FnOnce() -> std::pin::Pin<Box<dyn std::future::Future<Output = T>>> + Send + 'static,
) -> T {
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(f())
    })
    .join()
    .expect("set-up thread")
}

fn migrations_hash() -> String {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut files: Vec<_> = walk(&dir);
    files.sort();
    let mut h = Sha256::new();
    for f in files {
        h.update(f.strip_prefix(&dir).unwrap().to_string_lossy().as_bytes());
        h.update(std::fs::read(&f).unwrap());
    }
    hex::encode(&h.finalize()[..8])
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// The migrated template database, made once per schema version. It is built under a temporary
/// name and renamed when complete, under an advisory lock, so that concurrent test processes
/// never clone a half-migrated template.
fn template() -> &'static str {
    static TEMPLATE: OnceLock<String> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let name = format!("gongkai_tpl_{}", migrations_hash());
        let name2 = name.clone();
        run_detached(move || {
            Box::pin(async move {
                let mut admin = AsyncPgConnection::establish(&url_for("postgres"))
                    .await
                    .expect("the test PostgreSQL server answers (run scripts/dev-db ensure)");
                diesel::sql_query("SELECT pg_advisory_lock(7401620091)")
                    .execute(&mut admin)
                    .await
                    .unwrap();
                let exists: i64 = diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
                    &format!("(SELECT count(*) FROM pg_database WHERE datname = '{name2}')"),
                ))
                .get_result(&mut admin)
                .await
                .unwrap();
                if exists == 0 {
                    let building = format!("{name2}_building");
                    diesel::sql_query(format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"))
                        .execute(&mut admin)
                        .await
                        .unwrap();
                    diesel::sql_query(format!("CREATE DATABASE {building}"))
                        .execute(&mut admin)
                        .await
                        .unwrap();
                    gongkai::db::run_migrations(&url_for(&building))
                        .await
                        .expect("migrations apply to the template");
                    diesel::sql_query(format!("ALTER DATABASE {building} RENAME TO {name2}"))
                        .execute(&mut admin)
                        .await
                        .unwrap();
                }
                diesel::sql_query("SELECT pg_advisory_unlock(7401620091)")
                    .execute(&mut admin)
                    .await
                    .unwrap();
            })
        });
        name
    })
}

pub const TEST_PASSWORD: &str = "test-password-long-enough";

fn test_password_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| {
        run_detached(|| {
            Box::pin(async {
                Hasher::new(1)
                    .hash(&SecretString::from(TEST_PASSWORD.to_owned()))
                    .await
                    .unwrap()
            })
        })
    })
}

/// A seeded account.
#[derive(Debug, Clone)]
pub struct TestUser {
    pub id: uuid::Uuid,
    pub username: String,
    pub password: String,
}

/// A running app with its own database.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub pool: DbPool,
    pub db_name: String,
    pub db_url: String,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// Spawns the app after `adjust` has changed its configuration.
    pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> Self {
        if std::env::var("TEST_LOG").is_ok() {
            gongkai::telemetry::init_logging(gongkai::config::LogFormat::Text);
        }
        let template = template();
        let db_name = format!("gongkai_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = AsyncPgConnection::establish(&url_for("postgres"))
            .await
            .expect("test server");
        diesel::sql_query(format!("CREATE DATABASE {db_name} TEMPLATE {template}"))
            .execute(&mut admin)
            .await
            .expect("clone the template");
        let db_url = url_for(&db_name);
        Self::start(db_name, db_url, adjust).await
    }

    /// A second server on this app's database (as behind a load balancer), after `adjust`.
    pub async fn spawn_beside(&self, adjust: impl FnOnce(&mut Config)) -> Self {
        Self::start(self.db_name.clone(), self.db_url.clone(), adjust).await
    }

    /// A server on the database at `db_url` (created by the server if missing), after `adjust`.
    pub async fn start(db_name: String, db_url: String, adjust: impl FnOnce(&mut Config)) -> Self {
        let mut config = Config::from_lookup(|_| None).expect("default config");
        config.database_url = SecretString::from(db_url.clone());
        config.bind = "127.0.0.1:0".parse().unwrap();
        config.workers = 1;
        config.db_pool_size = 4;
        config.shutdown_timeout = std::time::Duration::from_secs(1);
        // Tests sign in often from one address; the throttling test sets its own limit.
        config.login_rate_per_min = 10_000;
        config.feedback_rate_per_min = 10_000;
        config.submit_rate_per_min = 10_000;
        adjust(&mut config);

        let app = Application::build(config).await.expect("the app starts");
        let address = format!("http://127.0.0.1:{}", app.port());
        let pool = app.pool().clone();
        actix_web::rt::spawn(app.into_server());
        // The suite reads messages in English; `tests/api/i18n.rs` checks the Chinese default.
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            reqwest::header::ACCEPT_LANGUAGE,
            reqwest::header::HeaderValue::from_static("en"),
        );
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(headers)
            .build()
            .unwrap();
        TestApp {
            address,
            client,
            pool,
            db_name,
            db_url,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
    }

    pub async fn post_json(&self, path: &str, body: &serde_json::Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&serde_json::Value>,
    ) -> reqwest::Response {
        let mut req = self.client.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        req.send().await.expect("request")
    }

    /// Creates an account directly in the database (all seeded accounts share one password,
    /// hashed once per test process).
    pub async fn seed_user(&self, role: Role) -> TestUser {
        let username = format!(
            "{}-{}",
            role.as_str(),
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        let new = NewUser::parse(
            username.clone(),
            None,
            role,
            SecretString::from(TEST_PASSWORD.to_owned()),
        )
        .expect("valid seed user");
        let mut conn = self.pool.get().await.unwrap();
        let user = gongkai::users::insert(&mut conn, Actor::system(), &new, test_password_hash())
            .await
            .expect("seed user");
        TestUser {
            id: user.id,
            username,
            password: TEST_PASSWORD.to_owned(),
        }
    }

    /// Signs in and returns the token pair.
    pub async fn login(&self, user: &TestUser) -> serde_json::Value {
        let res = self
            .post_json(
                "/api/v1/auth/login",
                &serde_json::json!({"username": user.username, "password": user.password}),
            )
            .await;
        assert_eq!(res.status(), 200, "login of {}", user.username);
        res.json().await.unwrap()
    }

    /// A new account of `role`, signed in: its access token.
    pub async fn token_for(&self, role: Role) -> String {
        let user = self.seed_user(role).await;
        self.login(&user).await["access_token"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Drops the test's database now (for tests of a missing database).
    pub async fn drop_database(&self) {
        let mut admin = AsyncPgConnection::establish(&url_for("postgres"))
            .await
            .unwrap();
        diesel::sql_query(format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.db_name
        ))
        .execute(&mut admin)
        .await
        .unwrap();
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let db = self.db_name.clone();
        run_detached(move || {
            Box::pin(async move {
                if let Ok(mut admin) = AsyncPgConnection::establish(&url_for("postgres")).await {
                    let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"))
                        .execute(&mut admin)
                        .await;
                }
            })
        });
    }
}

/// Asserts a problem document with `status`, returning it.
pub async fn assert_problem(res: reqwest::Response, status: u16) -> serde_json::Value {
    assert_eq!(res.status().as_u16(), status, "status of {}", res.url());
    let ct = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    assert!(
        ct.starts_with("application/problem+json"),
        "content type {ct}"
    );
    assert!(res.headers().contains_key("x-request-id"));
    let body: serde_json::Value = res.json().await.expect("problem body is JSON");
    assert_eq!(body["status"], status, "{body}");
    assert!(
        body["type"].as_str().unwrap().starts_with("/problems/"),
        "{body}"
    );
    assert!(body["title"].is_string(), "{body}");
    body
}
