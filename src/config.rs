//! Every setting of the service, read from the environment.
//!
//! The README's configuration table lists the same settings with their defaults; the
//! `SETTINGS` table below is the single source of both (a test checks the README against it).

use std::net::SocketAddr;
use std::time::Duration;

use chrono_tz::Tz;
use secrecy::{ExposeSecret, SecretString};

/// The JWT secret used when none is configured. Accepted only in development.
pub const DEVELOPMENT_JWT_SECRET: &str = "gongkai-development-secret-do-not-use-in-production";

/// One documented setting: its variable, its default (as text) and what it does.
pub struct Setting {
    pub name: &'static str,
    pub default: &'static str,
    pub description: &'static str,
}

/// The settings table, in the order the README shows it.
pub const SETTINGS: &[Setting] = &[
    Setting {
        name: "DATABASE_URL",
        default: "postgres://postgres@127.0.0.1:5432/gongkai",
        description: "PostgreSQL URL. The database is created on start if it does not exist.",
    },
    Setting {
        name: "DATABASE_READ_URL",
        default: "(none)",
        description: "Comma-separated URLs of streaming replicas. Reads that may lag slightly (public data read by anonymous callers) go to a replica that answers and is within `GONGKAI_REPLICA_MAX_LAG_MS` of the primary; writes, the office's and signed-in callers' reads, and every read when no replica qualifies go to `DATABASE_URL`.",
    },
    Setting {
        name: "GONGKAI_REPLICA_MAX_LAG_MS",
        default: "1000",
        description: "How far behind the primary a replica may be, measured every 200 ms from WAL positions, to serve reads; a replica further behind or not answering is skipped until it catches up.",
    },
    Setting {
        name: "GONGKAI_BIND",
        default: "127.0.0.1:8080",
        description: "Address and port the HTTP server listens on.",
    },
    Setting {
        name: "GONGKAI_PUBLIC_URL",
        default: "(development: http:// + GONGKAI_BIND; production: required)",
        description: "The service's public base URL as clients reach it (e.g. `https://gongkai.example.gov.cn`): an `http` or `https` URL without query or fragment. The links of the Atom feed are built from it alone, never from the request's `Host` or `X-Forwarded-Host`, which any client can set (a cache would keep the poisoned links for everyone).",
    },
    Setting {
        name: "GONGKAI_ENV",
        default: "development",
        description: "`development` or `production`. Production refuses a default JWT secret and allows no CORS origin unless listed.",
    },
    Setting {
        name: "GONGKAI_JWT_SECRET",
        default: "(development only: a fixed secret)",
        description: "HMAC secret for access tokens (HS256), at least 32 bytes. Required in production.",
    },
    Setting {
        name: "GONGKAI_AGENCY_NAME",
        default: "朱台镇人民政府",
        description: "The publishing agency's name, shown in the guide, feeds and reports.",
    },
    Setting {
        name: "GONGKAI_AGENCY_CODE",
        default: "11370305004300000X",
        description: "The agency's code, the first part of every index number (索引号).",
    },
    Setting {
        name: "GONGKAI_AGENCY_PARENT",
        default: "淄博市临淄区人民政府",
        description: "The superior government that collects the yearly statistics.",
    },
    Setting {
        name: "GONGKAI_TIMEZONE",
        default: "Asia/Shanghai",
        description: "IANA time zone of the agency: calendar years, dates and deadlines are counted in it.",
    },
    Setting {
        name: "GONGKAI_LANGUAGE",
        default: "zh-CN",
        description: "Language of problem documents and labels when the request's `Accept-Language` names none of `zh-CN` and `en`.",
    },
    Setting {
        name: "RUST_LOG",
        default: "info",
        description: "Log filter (tracing `EnvFilter` syntax).",
    },
    Setting {
        name: "GONGKAI_LOG_FORMAT",
        default: "text",
        description: "`text` for people, `json` for log collectors.",
    },
    Setting {
        name: "GONGKAI_WORKERS",
        default: "(number of CPUs)",
        description: "HTTP worker threads.",
    },
    Setting {
        name: "GONGKAI_DB_POOL_SIZE",
        default: "16",
        description: "Maximum PostgreSQL connections held by the server.",
    },
    Setting {
        name: "GONGKAI_DB_POOL_TIMEOUT_MS",
        default: "2000",
        description: "How long a request waits for a pooled connection (or for a new one to be made) before answering 503.",
    },
    Setting {
        name: "GONGKAI_DB_STATEMENT_TIMEOUT_MS",
        default: "5000",
        description: "PostgreSQL `statement_timeout` of every pooled connection.",
    },
    Setting {
        name: "GONGKAI_JSON_LIMIT",
        default: "1048576",
        description: "Largest accepted JSON request body, in bytes (413 above it).",
    },
    Setting {
        name: "GONGKAI_CLIENT_TIMEOUT_MS",
        default: "5000",
        description: "Time a client has to send the request head; slower clients are cut off (408).",
    },
    Setting {
        name: "GONGKAI_BODY_TIMEOUT_MS",
        default: "15000",
        description: "Time a client has to send a request body; slower clients are cut off (408).",
    },
    Setting {
        name: "GONGKAI_SHUTDOWN_TIMEOUT_S",
        default: "30",
        description: "Grace period for in-flight requests after SIGTERM.",
    },
    Setting {
        name: "GONGKAI_TRUSTED_PROXIES",
        default: "(none)",
        description: "Comma-separated addresses or CIDR blocks of the proxies in front of the server (e.g. `10.0.0.0/8`). From these peers the client's address is the rightmost hop of `Forwarded` / `X-Forwarded-For` that is not itself trusted; from any other peer those headers are ignored. The address keys rate limits and is written in logs and audit entries.",
    },
    Setting {
        name: "GONGKAI_CORS_ORIGINS",
        default: "(development: any; production: none)",
        description: "Comma-separated list of browser origins allowed to call the API.",
    },
    Setting {
        name: "GONGKAI_ACCESS_TOKEN_TTL_S",
        default: "900",
        description: "Lifetime of an access token (JWT).",
    },
    Setting {
        name: "GONGKAI_REFRESH_TOKEN_TTL_S",
        default: "2592000",
        description: "Lifetime of a refresh token (one session) without use.",
    },
    Setting {
        name: "GONGKAI_HASH_CONCURRENCY",
        default: "(number of CPUs)",
        description: "Password hashes computed at once; more wait their turn off the async executor.",
    },
    Setting {
        name: "GONGKAI_LOGIN_RATE_PER_MIN",
        default: "10",
        description: "Login attempts per minute allowed per client address and per username (429 above).",
    },
    Setting {
        name: "GONGKAI_FEEDBACK_REPLY_DAYS",
        default: "5",
        description: "Working days the office has to reply to public feedback, counted from the day after receipt (1 to 60).",
    },
    Setting {
        name: "GONGKAI_REDIS_URL",
        default: "(none)",
        description: "Redis that holds the rate limits (login, submissions, feedback) shared by every server, e.g. `redis://127.0.0.1:6379/0`. Without it each server keeps its own limits (and says so at start): behind a load balancer, N servers then allow N times each limit. When Redis does not answer within 100 ms, limits fall back to each server's own until it does (log line and `ratelimit_fallbacks_total`); reads never depend on Redis.",
    },
    Setting {
        name: "GONGKAI_FEEDBACK_RATE_PER_MIN",
        default: "5",
        description: "Feedback submissions per minute allowed per client address from the public, anonymous or signed in (429 above); the office is not limited.",
    },
    Setting {
        name: "GONGKAI_SUBMIT_RATE_PER_MIN",
        default: "30",
        description: "Applications per minute accepted from one client address for anonymous and `public` callers (429 above); the office and integration tokens are not throttled.",
    },
];

/// Whether the service runs for development or in production.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Development,
    Production,
}

/// The resolved configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: SecretString,
    /// Streaming replicas for reads that may lag.
    pub database_read_urls: Vec<SecretString>,
    pub replica_max_lag: Duration,
    pub bind: SocketAddr,
    /// The public base URL, without a trailing slash: links to the service are built from it.
    pub public_url: String,
    pub environment: Environment,
    pub jwt_secret: SecretString,
    pub agency_name: String,
    pub agency_code: String,
    pub agency_parent: String,
    pub timezone: Tz,
    pub language: crate::i18n::Lang,
    pub log_format: LogFormat,
    pub workers: usize,
    pub db_pool_size: usize,
    pub db_pool_timeout: Duration,
    pub db_statement_timeout: Duration,
    pub json_limit: usize,
    pub client_timeout: Duration,
    pub body_timeout: Duration,
    pub shutdown_timeout: Duration,
    /// `None` means any origin (development default).
    pub cors_origins: Option<Vec<String>>,
    /// Proxies whose forwarding headers are believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    pub hash_concurrency: usize,
    pub login_rate_per_min: u32,
    pub redis_url: Option<SecretString>,
    pub feedback_reply_days: u32,
    pub feedback_rate_per_min: u32,
    pub submit_rate_per_min: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// The items of a setting that lists values separated by commas, trimmed, empty ones skipped.
fn comma_list(list: &str) -> impl Iterator<Item = &str> {
    list.split(',').map(str::trim).filter(|s| !s.is_empty())
}

/// A list of addresses or CIDR blocks separated by commas (`10.0.0.0/8, 192.168.1.1`).
pub fn parse_networks(list: &str) -> Result<Vec<ipnet::IpNet>, String> {
    comma_list(list)
        .map(|s| {
            s.parse::<ipnet::IpNet>()
                .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| format!("`{s}` is not an address or a CIDR block"))
        })
        .collect()
}

/// An `http(s)` base URL without query or fragment, returned without its trailing slash so
/// that paths can be appended.
pub fn parse_public_url(raw: &str) -> Result<String, String> {
    let url = url::Url::parse(raw).map_err(|e| format!("`{raw}`: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("`{raw}`: expected an `http` or `https` URL"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("`{raw}`: has no host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!("`{raw}`: must have no query or fragment"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!("`{raw}`: must have no user or password"));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// A configuration that cannot be used, with the variable to fix.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {variable}: {message}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub message: String,
}

fn default_of(name: &str) -> &'static str {
    SETTINGS
        .iter()
        .find(|s| s.name == name)
        .map(|s| s.default)
        .expect("every setting read is in SETTINGS")
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads settings through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &'static str| -> Option<String> {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let text = |name: &'static str| get(name).unwrap_or_else(|| default_of(name).to_owned());
        fn parse<T: std::str::FromStr>(
            name: &'static str,
            raw: Option<String>,
            default: T,
        ) -> Result<T, ConfigError>
        where
            T::Err: std::fmt::Display,
        {
            match raw {
                None => Ok(default),
                Some(v) => v.parse().map_err(|e: T::Err| ConfigError {
                    variable: name,
                    message: format!("`{v}`: {e}"),
                }),
            }
        }
        let cpus = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);

        let environment = match get("GONGKAI_ENV").as_deref() {
            None | Some("development") => Environment::Development,
            Some("production") => Environment::Production,
            Some(other) => {
                return Err(ConfigError {
                    variable: "GONGKAI_ENV",
                    message: format!("`{other}`: expected `development` or `production`"),
                });
            }
        };
        let jwt_secret = match get("GONGKAI_JWT_SECRET") {
            Some(s) if s.len() < 32 => {
                return Err(ConfigError {
                    variable: "GONGKAI_JWT_SECRET",
                    message: "must be at least 32 bytes long".into(),
                });
            }
            Some(s) if s == DEVELOPMENT_JWT_SECRET && environment == Environment::Production => {
                return Err(ConfigError {
                    variable: "GONGKAI_JWT_SECRET",
                    message: "the development secret cannot be used in production".into(),
                });
            }
            Some(s) => s,
            None if environment == Environment::Production => {
                return Err(ConfigError {
                    variable: "GONGKAI_JWT_SECRET",
                    message: "must be set in production (at least 32 random bytes)".into(),
                });
            }
            None => DEVELOPMENT_JWT_SECRET.to_owned(),
        };
        let timezone: Tz = {
            let raw = text("GONGKAI_TIMEZONE");
            raw.parse().map_err(|_| ConfigError {
                variable: "GONGKAI_TIMEZONE",
                message: format!("`{raw}` is not an IANA time zone name"),
            })?
        };
        let language = {
            let raw = text("GONGKAI_LANGUAGE");
            crate::i18n::Lang::parse(&raw).ok_or_else(|| ConfigError {
                variable: "GONGKAI_LANGUAGE",
                message: format!("`{raw}`: expected `zh-CN` or `en`"),
            })?
        };
        let log_format = match get("GONGKAI_LOG_FORMAT").as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(ConfigError {
                    variable: "GONGKAI_LOG_FORMAT",
                    message: format!("`{other}`: expected `text` or `json`"),
                });
            }
        };
        let cors_origins = match get("GONGKAI_CORS_ORIGINS") {
            Some(list) => Some(
                comma_list(&list)
                    .map(|o| o.trim_end_matches('/').to_owned())
                    .filter(|o| !o.is_empty())
                    .collect(),
            ),
            None if environment == Environment::Production => Some(Vec::new()),
            None => None,
        };
        let trusted_proxies = match get("GONGKAI_TRUSTED_PROXIES") {
            None => Vec::new(),
            Some(list) => parse_networks(&list).map_err(|message| ConfigError {
                variable: "GONGKAI_TRUSTED_PROXIES",
                message,
            })?,
        };
        let ms = |name: &'static str, default: u64| -> Result<Duration, ConfigError> {
            parse(name, get(name), default).map(Duration::from_millis)
        };
        let secs = |name: &'static str, default: u64| -> Result<Duration, ConfigError> {
            parse(name, get(name), default).map(Duration::from_secs)
        };
        let positive = |name: &'static str, v: usize| -> Result<usize, ConfigError> {
            if v == 0 {
                Err(ConfigError {
                    variable: name,
                    message: "must be at least 1".into(),
                })
            } else {
                Ok(v)
            }
        };

        let bind: SocketAddr = parse("GONGKAI_BIND", get("GONGKAI_BIND"), {
            default_of("GONGKAI_BIND").parse().expect("valid default")
        })?;
        let public_url = match get("GONGKAI_PUBLIC_URL") {
            Some(raw) => parse_public_url(&raw).map_err(|message| ConfigError {
                variable: "GONGKAI_PUBLIC_URL",
                message,
            })?,
            None if environment == Environment::Production => {
                return Err(ConfigError {
                    variable: "GONGKAI_PUBLIC_URL",
                    message: "must be set in production (e.g. `https://gongkai.example.gov.cn`)"
                        .into(),
                });
            }
            None => format!("http://{bind}"),
        };

        Ok(Config {
            database_url: SecretString::from(text("DATABASE_URL")),
            database_read_urls: get("DATABASE_READ_URL")
                .map(|list| {
                    comma_list(&list)
                        .map(|u| SecretString::from(u.to_owned()))
                        .collect()
                })
                .unwrap_or_default(),
            replica_max_lag: ms("GONGKAI_REPLICA_MAX_LAG_MS", 1000)?,
            redis_url: get("GONGKAI_REDIS_URL")
                .filter(|u| !u.trim().is_empty())
                .map(|u| SecretString::from(u.trim().to_owned())),
            bind,
            public_url,
            environment,
            jwt_secret: SecretString::from(jwt_secret),
            agency_name: text("GONGKAI_AGENCY_NAME"),
            agency_code: text("GONGKAI_AGENCY_CODE"),
            agency_parent: text("GONGKAI_AGENCY_PARENT"),
            timezone,
            language,
            log_format,
            workers: positive(
                "GONGKAI_WORKERS",
                parse("GONGKAI_WORKERS", get("GONGKAI_WORKERS"), cpus)?,
            )?,
            db_pool_size: positive(
                "GONGKAI_DB_POOL_SIZE",
                parse("GONGKAI_DB_POOL_SIZE", get("GONGKAI_DB_POOL_SIZE"), 16)?,
            )?,
            db_pool_timeout: ms("GONGKAI_DB_POOL_TIMEOUT_MS", 2000)?,
            db_statement_timeout: ms("GONGKAI_DB_STATEMENT_TIMEOUT_MS", 5000)?,
            json_limit: positive(
                "GONGKAI_JSON_LIMIT",
                parse("GONGKAI_JSON_LIMIT", get("GONGKAI_JSON_LIMIT"), 1 << 20)?,
            )?,
            client_timeout: ms("GONGKAI_CLIENT_TIMEOUT_MS", 5000)?,
            body_timeout: ms("GONGKAI_BODY_TIMEOUT_MS", 15000)?,
            shutdown_timeout: secs("GONGKAI_SHUTDOWN_TIMEOUT_S", 30)?,
            cors_origins,
            trusted_proxies,
            access_token_ttl: secs("GONGKAI_ACCESS_TOKEN_TTL_S", 900)?,
            refresh_token_ttl: secs("GONGKAI_REFRESH_TOKEN_TTL_S", 30 * 24 * 3600)?,
            hash_concurrency: positive(
                "GONGKAI_HASH_CONCURRENCY",
                parse(
                    "GONGKAI_HASH_CONCURRENCY",
                    get("GONGKAI_HASH_CONCURRENCY"),
                    cpus,
                )?,
            )?,
            login_rate_per_min: parse(
                "GONGKAI_LOGIN_RATE_PER_MIN",
                get("GONGKAI_LOGIN_RATE_PER_MIN"),
                10,
            )?
            .max(1),
            feedback_reply_days: {
                let n: u32 = parse(
                    "GONGKAI_FEEDBACK_REPLY_DAYS",
                    get("GONGKAI_FEEDBACK_REPLY_DAYS"),
                    5,
                )?;
                if !(1..=60).contains(&n) {
                    return Err(ConfigError {
                        variable: "GONGKAI_FEEDBACK_REPLY_DAYS",
                        message: format!("`{n}`: must be from 1 to 60"),
                    });
                }
                n
            },
            feedback_rate_per_min: {
                let n: u32 = parse(
                    "GONGKAI_FEEDBACK_RATE_PER_MIN",
                    get("GONGKAI_FEEDBACK_RATE_PER_MIN"),
                    5,
                )?;
                positive("GONGKAI_FEEDBACK_RATE_PER_MIN", n as usize)?;
                n
            },
            submit_rate_per_min: parse(
                "GONGKAI_SUBMIT_RATE_PER_MIN",
                get("GONGKAI_SUBMIT_RATE_PER_MIN"),
                30,
            )?
            .max(1),
        })
    }

    /// The database URL with any password replaced, for messages and logs.
    pub fn redacted_database_url(&self) -> String {
        redact_url(self.database_url.expose_secret())
    }
}

/// Replaces the password of a URL with `***`.
pub fn redact_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        Ok(u) => u.to_string(),
        Err(_) => "(unparseable URL)".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_are_those_documented() {
        let c = config(&[]).unwrap();
        assert_eq!(
            c.database_url.expose_secret(),
            "postgres://postgres@127.0.0.1:5432/gongkai"
        );
        assert_eq!(c.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(c.environment, Environment::Development);
        assert_eq!(c.timezone, chrono_tz::Asia::Shanghai);
        assert_eq!(c.json_limit, 1 << 20);
        assert_eq!(c.access_token_ttl, Duration::from_secs(900));
        assert!(c.cors_origins.is_none());
        assert_eq!(c.public_url, "http://127.0.0.1:8080");
    }

    #[test]
    fn the_public_url_is_an_http_base_and_required_in_production() {
        let c = config(&[("GONGKAI_PUBLIC_URL", "https://gongkai.example.gov.cn/")]).unwrap();
        assert_eq!(c.public_url, "https://gongkai.example.gov.cn");
        let c = config(&[("GONGKAI_PUBLIC_URL", "https://example.gov.cn/gongkai/")]).unwrap();
        assert_eq!(c.public_url, "https://example.gov.cn/gongkai");
        for bad in [
            "gongkai.example.gov.cn",
            "ftp://example.gov.cn",
            "https://example.gov.cn/?a=1",
            "https://example.gov.cn/#top",
            "https://u:p@example.gov.cn",
        ] {
            let err = config(&[("GONGKAI_PUBLIC_URL", bad)]).unwrap_err();
            assert_eq!(err.variable, "GONGKAI_PUBLIC_URL", "{bad}");
        }
        let err = config(&[
            ("GONGKAI_ENV", "production"),
            (
                "GONGKAI_JWT_SECRET",
                "0123456789abcdef0123456789abcdef-prod",
            ),
        ])
        .unwrap_err();
        assert_eq!(err.variable, "GONGKAI_PUBLIC_URL");
    }

    #[test]
    fn production_refuses_the_default_or_a_missing_secret() {
        let err = config(&[("GONGKAI_ENV", "production")]).unwrap_err();
        assert_eq!(err.variable, "GONGKAI_JWT_SECRET");
        let err = config(&[
            ("GONGKAI_ENV", "production"),
            ("GONGKAI_JWT_SECRET", DEVELOPMENT_JWT_SECRET),
        ])
        .unwrap_err();
        assert_eq!(err.variable, "GONGKAI_JWT_SECRET");
        let ok = config(&[
            ("GONGKAI_ENV", "production"),
            (
                "GONGKAI_JWT_SECRET",
                "0123456789abcdef0123456789abcdef-prod",
            ),
            ("GONGKAI_PUBLIC_URL", "https://gongkai.example.gov.cn"),
        ])
        .unwrap();
        assert_eq!(ok.cors_origins, Some(vec![]));
    }

    #[test]
    fn bad_values_name_their_variable() {
        for (k, v) in [
            ("GONGKAI_BIND", "nowhere"),
            ("GONGKAI_TIMEZONE", "Mars/Olympus"),
            ("GONGKAI_DB_POOL_SIZE", "0"),
            ("GONGKAI_JSON_LIMIT", "-1"),
            ("GONGKAI_ENV", "staging"),
            ("GONGKAI_JWT_SECRET", "short"),
            ("GONGKAI_FEEDBACK_REPLY_DAYS", "0"),
            ("GONGKAI_FEEDBACK_REPLY_DAYS", "61"),
            ("GONGKAI_FEEDBACK_RATE_PER_MIN", "0"),
        ] {
            let err = config(&[(k, v)]).unwrap_err();
            assert_eq!(err.variable, k, "{v}");
        }
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redact_url("postgres://u@h/db"), "postgres://u@h/db");
    }
}
