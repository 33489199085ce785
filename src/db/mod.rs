//! The database: connection pool, embedded migrations, and the schema.

pub mod counters;
pub mod like;
pub mod locks;
pub mod prepared;
pub mod replicas;
pub mod schema;

pub use like::escape_like;
pub use prepared::Prepared;

use std::time::Duration;

use diesel::ConnectionError;
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use futures_util::FutureExt;
use secrecy::ExposeSecret;

use crate::config::{Config, redact_url};

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

pub type DbPool = Pool<AsyncPgConnection>;
pub type DbConn = Object<AsyncPgConnection>;
pub type PoolError = diesel_async::pooled_connection::deadpool::PoolError;

/// Why the database could not be prepared at start-up.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error(
        "cannot connect to PostgreSQL at {url}: {cause}. Start PostgreSQL (or run `scripts/dev-db start`) or set DATABASE_URL."
    )]
    Unreachable { url: String, cause: String },
    #[error("DATABASE_URL {url} is not a PostgreSQL URL with a database name")]
    BadUrl { url: String },
    #[error("database setup failed at {url}: {cause}")]
    Failed { url: String, cause: String },
}

/// Splits a URL into the server's maintenance URL (database `postgres`) and the database name.
pub fn split_database_url(url: &str) -> Option<(String, String)> {
    let mut parsed = url::Url::parse(url).ok()?;
    if !matches!(parsed.scheme(), "postgres" | "postgresql") {
        return None;
    }
    let name = parsed.path().trim_start_matches('/').to_owned();
    if name.is_empty() || name.contains('/') {
        return None;
    }
    parsed.set_path("/postgres");
    Some((parsed.to_string(), name))
}

fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Creates the database named in `url` when it does not exist yet.
pub async fn ensure_database(url: &str) -> Result<(), SetupError> {
    let shown = redact_url(url);
    let (admin_url, name) =
        split_database_url(url).ok_or(SetupError::BadUrl { url: shown.clone() })?;
    let unreachable = |e: ConnectionError| SetupError::Unreachable {
        url: shown.clone(),
        cause: e.to_string(),
    };
    // Connecting to the database itself first avoids needing rights on `postgres`.
    match AsyncPgConnection::establish(url).await {
        Ok(_) => return Ok(()),
        Err(e) if e.to_string().contains("does not exist") => {}
        Err(e) => return Err(unreachable(e)),
    }
    let mut admin = AsyncPgConnection::establish(&admin_url)
        .await
        .map_err(unreachable)?;
    match diesel::sql_query(format!("CREATE DATABASE {}", quote_ident(&name)))
        .execute(&mut admin)
        .await
    {
        Ok(_) => {
            tracing::info!(database = %name, "created database");
            Ok(())
        }
        // Another process created it between our two connections.
        Err(diesel::result::Error::DatabaseError(_, info))
            if info.message().contains("already exists") =>
        {
            Ok(())
        }
        Err(e) => Err(SetupError::Failed {
            url: shown,
            cause: e.to_string(),
        }),
    }
}

/// Applies pending embedded migrations. Several servers may start at once: an advisory lock
/// lets one migrate while the others wait.
pub async fn run_migrations(url: &str) -> Result<Vec<String>, SetupError> {
    use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
    let url = url.to_owned();
    let shown = redact_url(&url);
    let failed = move |cause: String| SetupError::Failed {
        url: shown.clone(),
        cause,
    };
    // The migration harness is synchronous; it must not run on the async executor.
    tokio::task::spawn_blocking(move || -> Result<Vec<String>, String> {
        use diesel::Connection;
        use diesel::connection::SimpleConnection;
        let mut conn: AsyncConnectionWrapper<AsyncPgConnection> =
            <AsyncConnectionWrapper<AsyncPgConnection> as Connection>::establish(&url)
                .map_err(|e| e.to_string())?;
        SimpleConnection::batch_execute(&mut conn, &locks::Lock::Migrations.session_sql())
            .map_err(|e| e.to_string())?;
        let applied = conn
            .run_pending_migrations(MIGRATIONS)
            .map(|v| v.iter().map(|m| m.to_string()).collect())
            .map_err(|e| e.to_string());
        let _ = SimpleConnection::batch_execute(&mut conn, &locks::Lock::Migrations.unlock_sql());
        applied
    })
    .await
    .map_err(|e| e.to_string())
    .and_then(|r| r)
    .map_err(failed)
}

/// Builds the pool. Connections are made lazily; each gets the statement timeout and UTC.
pub fn build_pool(config: &Config) -> Result<DbPool, SetupError> {
    pool_for(
        config,
        config.database_url.expose_secret(),
        config.db_pool_size,
    )
}

/// A pool of connections to `url` with the service's settings (statement timeout, UTC).
pub fn pool_for(config: &Config, url: &str, size: usize) -> Result<DbPool, SetupError> {
    let statement_timeout_ms = config.db_statement_timeout.as_millis() as u64;
    let mut manager_config = ManagerConfig::<AsyncPgConnection>::default();
    // No test query on every checkout (the default would add a round trip to every request):
    // a connection whose socket the server closed, or whose transaction broke, is already
    // refused by the recycle check, and any other failure surfaces as a 503 on first use.
    manager_config.recycling_method = RecyclingMethod::Fast;
    manager_config.custom_setup = Box::new(move |url| {
        async move {
            let mut conn = AsyncPgConnection::establish(url).await?;
            conn.batch_execute(&format!(
                "SET statement_timeout = {statement_timeout_ms}; SET TIME ZONE 'UTC'"
            ))
            .await
            .map_err(ConnectionError::CouldntSetupConfiguration)?;
            Ok(conn)
        }
        .boxed()
    });
    let manager =
        AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(url, manager_config);
    Pool::builder(manager)
        .max_size(size)
        .runtime(deadpool::Runtime::Tokio1)
        .wait_timeout(Some(config.db_pool_timeout))
        .create_timeout(Some(config.db_pool_timeout))
        .recycle_timeout(Some(Duration::from_secs(2)))
        .build()
        .map_err(|e| SetupError::Failed {
            url: redact_url(url),
            cause: e.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_urls() {
        assert_eq!(
            split_database_url("postgres://postgres@127.0.0.1:5432/gongkai"),
            Some((
                "postgres://postgres@127.0.0.1:5432/postgres".into(),
                "gongkai".into()
            ))
        );
        assert_eq!(split_database_url("postgres://h/"), None);
        assert_eq!(split_database_url("mysql://h/db"), None);
    }

    #[test]
    fn quotes_identifiers() {
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
    }
}

diesel::define_sql_function! {
    /// SQL `lower(text)`.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}
