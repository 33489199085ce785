//! Wires the application: database, state, middleware, and every feature's routes (and the
//! OpenAPI document made from the same registration). The only module that imports the
//! features' routes; nothing imports it but `main` and the tests.

use std::net::TcpListener;
use std::sync::Arc;

use actix_cors::Cors;
use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, http::header, web};
use secrecy::ExposeSecret;
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::password::Hasher;
use crate::auth::ratelimit::{KeyedLimit, SharedLimits};
use crate::auth::tokens::JwtKeys;
use crate::config::{Config, Environment};
use crate::db::{self, DbPool};
use crate::http::{self, BodyTimeout, InFlight, JsonLimit, RouteTable};
use crate::openapi::ApiDoc;
use crate::state::{AppState, DeadlineRecompute};
use crate::system;
use crate::{
    applications, audit, calendar, feedback, guide, items, reports, sessions, stats, tokens, users,
};

/// Registers every route. The OpenAPI paths come from the same calls.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(system::routes::healthz)
        .service(system::routes::readyz)
        .service(system::routes::metrics)
        .service(
            utoipa_actix_web::scope("/api/v1")
                .service(system::routes::openapi_json)
                // One line per feature; each feature's `routes::configure` lists its handlers.
                // actix tries the routes in this order, a regex per route with a parameter:
                // the catalogue, read most by far, comes first.
                .configure(items::routes::configure)
                .configure(sessions::routes::configure)
                .configure(users::routes::configure)
                .configure(tokens::routes::configure)
                .configure(audit::routes::configure)
                .configure(calendar::routes::configure)
                .configure(feedback::routes::configure)
                .configure(applications::routes::configure)
                .configure(stats::routes::configure)
                .configure(reports::routes::configure)
                .configure(guide::routes::configure),
        );
}

/// The features whose deadlines follow the working-day calendar: a change of the calendar
/// recomputes each one's open cases.
const DEADLINE_HOLDERS: &[DeadlineRecompute] = &[
    applications::service::recompute_deadlines,
    feedback::service::recompute_deadlines,
];

/// The complete OpenAPI document, as served at `/api/v1/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, mut doc) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(routes)
        .split_for_parts();
    crate::openapi::finish(&mut doc);
    doc
}

/// The document as committed in `openapi/openapi.json`.
pub fn openapi_pretty_json() -> String {
    let mut text = crate::openapi::stable_json(&openapi(), true);
    text.push('\n');
    text
}

/// Why the application could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Database(#[from] db::SetupError),
    #[error("cannot listen on {addr}: {cause}")]
    Bind { addr: String, cause: std::io::Error },
    /// A Redis URL that cannot be used (a Redis that is down is not an error: see
    /// `auth::ratelimit`).
    #[error("{0}")]
    Redis(String),
}

/// A built server, bound to its port, not yet running.
pub struct Application {
    port: u16,
    server: Server,
    pool: DbPool,
    in_flight: web::Data<InFlight>,
    grace: std::time::Duration,
}

async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
    let mut int = signal(SignalKind::interrupt()).expect("SIGINT handler");
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
}

impl Application {
    /// Creates the database if needed, applies migrations, builds the pool and binds the
    /// listener (port 0 picks a free one).
    pub async fn build(config: Config) -> Result<Self, StartError> {
        let url = config.database_url.expose_secret().to_owned();
        db::ensure_database(&url).await?;
        let applied = db::run_migrations(&url).await?;
        if !applied.is_empty() {
            tracing::info!(?applied, "applied migrations");
        }
        let pool = db::build_pool(&config)?;
        let replicas = Arc::new(db::replicas::Replicas::new(
            config
                .database_read_urls
                .iter()
                .map(|url| {
                    let url = url.expose_secret();
                    let pool = db::pool_for(&config, url, config.db_pool_size)?;
                    Ok((replica_name(url), pool))
                })
                .collect::<Result<Vec<_>, db::SetupError>>()?,
            config.replica_max_lag,
        ));
        if !replicas.is_empty() {
            actix_web::rt::spawn(replicas.clone().monitor(pool.clone()));
        }
        let shared = match &config.redis_url {
            Some(url) => {
                let shared = SharedLimits::connect(url.expose_secret())
                    .map_err(|e| StartError::Redis(format!("GONGKAI_REDIS_URL: {:?}", e.kind())))?;
                tracing::info!("rate limits are shared by every server through Redis");
                Some(shared)
            }
            None => {
                tracing::info!(
                    "rate limits count per server: set GONGKAI_REDIS_URL to share them between servers"
                );
                None
            }
        };
        let listener = TcpListener::bind(config.bind).map_err(|cause| StartError::Bind {
            addr: config.bind.to_string(),
            cause,
        })?;
        let port = listener
            .local_addr()
            .map_err(|cause| StartError::Bind {
                addr: config.bind.to_string(),
                cause,
            })?
            .port();

        let doc = openapi();
        let route_table = web::Data::new(RouteTable::from_openapi(&doc));
        let openapi_json = web::Bytes::from(crate::openapi::stable_json(&doc, false));
        let config = Arc::new(config);
        let state = web::Data::new(AppState {
            config: config.clone(),
            pool: pool.clone(),
            metrics: crate::telemetry::metrics_handle(),
            openapi_json,
            jwt: JwtKeys::new(&config.jwt_secret, config.access_token_ttl),
            hasher: Hasher::new(config.hash_concurrency),
            login_by_ip: KeyedLimit::named("login-ip", config.login_rate_per_min, shared.clone()),
            login_by_name: KeyedLimit::named(
                "login-name",
                config.login_rate_per_min,
                shared.clone(),
            ),
            feedback_by_ip: KeyedLimit::named(
                "feedback-ip",
                config.feedback_rate_per_min,
                shared.clone(),
            ),
            submit_by_ip: KeyedLimit::named("submit-ip", config.submit_rate_per_min, shared),
            deadline_holders: DEADLINE_HOLDERS,
            replicas,
        });

        let in_flight = web::Data::new(InFlight::default());
        let in_flight_for_app = in_flight.clone();
        let workers = config.workers;
        let shutdown = config.shutdown_timeout.as_secs();
        let grace = config.shutdown_timeout;
        let client_timeout = config.client_timeout;
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(route_table.clone())
                .app_data(in_flight_for_app.clone())
                .app_data(JsonLimit(config.json_limit))
                .app_data(http::DefaultLanguage(config.language))
                .app_data(http::TrustedProxies(config.trusted_proxies.clone()))
                .app_data(BodyTimeout(config.body_timeout))
                .app_data(http::query_config())
                .app_data(http::path_config())
                .wrap(cors(&config))
                .wrap(from_fn(http::observe))
                .into_utoipa_app()
                .configure(routes)
                .into_app()
                .service(web::redirect("/docs", "/docs/"))
                .service(
                    SwaggerUi::new("/docs/{_:.*}")
                        .config(utoipa_swagger_ui::Config::from("/api/v1/openapi.json")),
                )
                .default_service(web::to(http::fallback))
        })
        .workers(workers)
        // Signals are handled in `run_until_stopped`, which lets in-flight requests finish.
        .disable_signals()
        .shutdown_timeout(shutdown)
        .client_request_timeout(client_timeout)
        .listen(listener)
        .map_err(|cause| StartError::Bind {
            addr: "listener".into(),
            cause,
        })?
        .run();

        Ok(Self {
            port,
            server,
            pool,
            in_flight,
            grace,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn pool(&self) -> &DbPool {
        &self.pool
    }

    /// Runs until SIGTERM or SIGINT, then shuts down gracefully: stops accepting connections,
    /// lets the requests in flight finish (up to `GONGKAI_SHUTDOWN_TIMEOUT_S`), and returns.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let handle = self.server.handle();
        let in_flight = self.in_flight.clone();
        let grace = self.grace;
        actix_web::rt::spawn(async move {
            shutdown_signal().await;
            tracing::info!(
                in_flight = in_flight.count(),
                "shutting down: finishing requests in flight"
            );
            handle.pause().await;
            let deadline = std::time::Instant::now() + grace;
            while in_flight.count() > 0 && std::time::Instant::now() < deadline {
                actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            if in_flight.count() > 0 {
                tracing::warn!(in_flight = in_flight.count(), "grace period over; closing");
            }
            handle.stop(false).await;
        });
        self.server.await
    }

    /// The running server, for tests that spawn it.
    pub fn into_server(self) -> Server {
        self.server
    }
}

/// A replica's name in metrics and logs: its host and port (never its password).
fn replica_name(url: &str) -> String {
    url::Url::parse(url).map_or_else(
        |_| "replica".to_owned(),
        |u| {
            format!(
                "{}:{}",
                u.host_str().unwrap_or("?"),
                u.port().unwrap_or(5432)
            )
        },
    )
}

fn cors(config: &Config) -> Cors {
    let base = Cors::default()
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            header::ACCEPT,
            header::ACCEPT_LANGUAGE,
            http::REQUEST_ID,
            header::HeaderName::from_static("x-access-code"),
        ])
        .expose_headers([
            header::ETAG,
            header::LOCATION,
            header::LINK,
            header::RETRY_AFTER,
            header::CONTENT_LANGUAGE,
            http::REQUEST_ID,
        ])
        .max_age(600);
    match (&config.cors_origins, config.environment) {
        (None, Environment::Development) => base.allow_any_origin(),
        (None, Environment::Production) => base,
        (Some(origins), _) => origins
            .iter()
            .fold(base, |cors, origin| cors.allowed_origin(origin)),
    }
}
