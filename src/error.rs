//! The one error type of the API, rendered as RFC 9457 `application/problem+json`.

use std::borrow::Cow;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

pub const PROBLEM_JSON: &str = "application/problem+json";

tokio::task_local! {
    /// The request being served: its id and path, for problem documents and error logs.
    pub static REQUEST_CONTEXT: RequestContext;
}

/// What an error response needs to know about its request.
#[derive(Debug, Clone)]
pub struct RequestContext {
    pub request_id: String,
    pub path: String,
    /// The client's address (behind trusted proxies, the hop they name).
    pub client_ip: Option<std::net::IpAddr>,
}

/// An RFC 9457 problem document. Every error of this API has this shape.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "/problems/validation-error",
    "title": "The request is not valid",
    "status": 422,
    "detail": "2 fields are not valid",
    "instance": "/api/v1/items",
    "request_id": "5b1c7c1e-7a1f-4f44-9a7b-6f3f7d0f9d11",
    "errors": [{"field": "summary", "message": "at most 100 characters"}]
}))]
pub struct Problem {
    /// A URI reference naming the kind of problem; stable, clients may switch on it.
    #[serde(rename = "type")]
    pub type_: String,
    /// A short, human-readable summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong with this request, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The path of the request that failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// The request id (also in the `X-Request-Id` header); quote it when reporting a problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// For validation failures: every field that is wrong.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
    /// For state conflicts: the actions that are allowed in the current state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_actions: Option<Vec<String>>,
}

/// One invalid field: its path in the request (`applicant.type`, `rows[3].title`, `query.page`).
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Every way a request can fail.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("bad request: {0}")]
    BadRequest(Cow<'static, str>),
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    #[error("authentication required")]
    Unauthorized(Cow<'static, str>),
    #[error("forbidden")]
    Forbidden(Cow<'static, str>),
    #[error("not found")]
    NotFound,
    #[error("method not allowed")]
    MethodNotAllowed(Vec<String>),
    #[error("conflict: {detail}")]
    Conflict {
        detail: Cow<'static, str>,
        allowed_actions: Option<Vec<String>>,
    },
    #[error("precondition failed")]
    PreconditionFailed,
    #[error("precondition required")]
    PreconditionRequired,
    #[error("payload too large")]
    PayloadTooLarge(usize),
    #[error("unsupported media type")]
    UnsupportedMediaType(Cow<'static, str>),
    #[error("not acceptable")]
    NotAcceptable(Cow<'static, str>),
    #[error("request timeout")]
    RequestTimeout,
    #[error("too many requests")]
    TooManyRequests { retry_after_secs: u64 },
    /// The database cannot serve the request now. The text is for the log only.
    #[error("service unavailable: {0}")]
    Unavailable(Cow<'static, str>),
    /// Any other status, for errors produced outside this crate (see `http::ensure_problem`).
    #[error("{0}")]
    Status(StatusCode),
    #[error("internal error: {0}")]
    Internal(String),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn bad_request(detail: impl Into<Cow<'static, str>>) -> Self {
        Self::BadRequest(detail.into())
    }
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }
    pub fn conflict(detail: impl Into<Cow<'static, str>>) -> Self {
        Self::Conflict {
            detail: detail.into(),
            allowed_actions: None,
        }
    }
    pub fn internal(e: impl std::fmt::Display) -> Self {
        Self::Internal(e.to_string())
    }

    /// The kind of problem: the last segment of its `type` URI, and the key of its title.
    fn slug(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "bad-request",
            Self::Validation(_) => "validation-error",
            Self::Unauthorized(_) => "unauthorized",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound => "not-found",
            Self::MethodNotAllowed(_) => "method-not-allowed",
            Self::Conflict { .. } => "conflict",
            Self::PreconditionFailed => "precondition-failed",
            Self::PreconditionRequired => "precondition-required",
            Self::PayloadTooLarge(_) => "payload-too-large",
            Self::UnsupportedMediaType(_) => "unsupported-media-type",
            Self::NotAcceptable(_) => "not-acceptable",
            Self::RequestTimeout => "request-timeout",
            Self::TooManyRequests { .. } => "too-many-requests",
            Self::Unavailable(_) => "service-unavailable",
            Self::Internal(_) => "internal-error",
            Self::Status(_) => "http-error",
        }
    }

    /// What went wrong, in the request's language. Details passed in by the code that failed
    /// are already in it.
    fn detail(&self) -> Option<String> {
        Some(match self {
            Self::BadRequest(d)
            | Self::Unauthorized(d)
            | Self::Forbidden(d)
            | Self::UnsupportedMediaType(d)
            | Self::NotAcceptable(d) => d.to_string(),
            // The cause (server names, database errors) is logged, not shown.
            Self::Unavailable(_) => crate::tr!("problem.service-unavailable.detail"),
            Self::Conflict { detail, .. } => detail.to_string(),
            Self::Validation(errors) => match errors.len() {
                1 => crate::tr!(
                    "problem.validation-error.one",
                    field = errors[0].field,
                    message = errors[0].message
                ),
                n => crate::tr!("problem.validation-error.many", n = n),
            },
            Self::NotFound => crate::tr!("problem.not-found.detail"),
            Self::MethodNotAllowed(allowed) => {
                crate::tr!(
                    "problem.method-not-allowed.detail",
                    allowed = allowed.join(", ")
                )
            }
            Self::PreconditionFailed => crate::tr!("problem.precondition-failed.detail"),
            Self::PreconditionRequired => crate::tr!("problem.precondition-required.detail"),
            Self::PayloadTooLarge(limit) => {
                crate::tr!("problem.payload-too-large.detail", limit = limit)
            }
            Self::TooManyRequests { retry_after_secs } => {
                crate::tr!(
                    "problem.too-many-requests.detail",
                    seconds = retry_after_secs
                )
            }
            Self::RequestTimeout => crate::tr!("problem.request-timeout.detail"),
            // Never show internals to the client; the log has them, under the request id.
            Self::Internal(_) => crate::tr!("problem.internal-error.detail"),
            Self::Status(s) => crate::tr!("problem.http-error.detail", status = s.as_u16()),
        })
    }

    /// The problem document for this error in the current request.
    pub fn to_problem(&self) -> Problem {
        let slug = self.slug();
        let ctx = REQUEST_CONTEXT.try_with(|c| c.clone()).ok();
        Problem {
            type_: format!("/problems/{slug}"),
            title: crate::i18n::text(&format!("problem.{slug}.title"), crate::i18n::current()),
            status: self.status_code().as_u16(),
            detail: self.detail(),
            instance: ctx.as_ref().map(|c| c.path.clone()),
            request_id: ctx.map(|c| c.request_id),
            errors: match self {
                Self::Validation(e) => Some(e.clone()),
                _ => None,
            },
            allowed_actions: match self {
                Self::Conflict {
                    allowed_actions, ..
                } => allowed_actions.clone(),
                _ => None,
            },
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            Self::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::NotAcceptable(_) => StatusCode::NOT_ACCEPTABLE,
            Self::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Status(s) => *s,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let problem = self.to_problem();
        if let Self::Internal(cause) = self {
            tracing::error!(request_id = ?problem.request_id, %cause, "internal error");
        } else if let Self::Unavailable(cause) = self {
            tracing::warn!(request_id = ?problem.request_id, %cause, "service unavailable");
        }
        let mut res = HttpResponse::build(self.status_code());
        res.content_type(PROBLEM_JSON)
            .insert_header((header::CONTENT_LANGUAGE, crate::i18n::current().tag()))
            .insert_header((header::VARY, "Accept-Language"));
        match self {
            Self::Unauthorized(_) => {
                res.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"gongkai\""));
            }
            Self::MethodNotAllowed(allowed) => {
                res.insert_header((header::ALLOW, allowed.join(", ")));
            }
            Self::TooManyRequests { retry_after_secs } => {
                res.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            Self::Unavailable(_) => {
                res.insert_header((header::RETRY_AFTER, "1"));
            }
            _ => {}
        }
        res.body(serde_json::to_string(&problem).unwrap_or_default())
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind as K, Error as E};
        match e {
            E::NotFound => Self::NotFound,
            E::DatabaseError(K::UniqueViolation, info) => Self::conflict(format!(
                "already exists ({})",
                info.constraint_name().unwrap_or("unique")
            )),
            // A reference to something that does not exist: name the field
            // (constraint `<table>_<column>_fkey` names column `<column>`).
            E::DatabaseError(K::ForeignKeyViolation, info) => {
                let field = info
                    .constraint_name()
                    .and_then(|c| c.strip_suffix("_fkey"))
                    .and_then(|c| info.table_name().and_then(|t| c.strip_prefix(t)))
                    .map(|c| c.trim_start_matches('_').to_owned())
                    .unwrap_or_else(|| "body".to_owned());
                Self::invalid(field, "refers to something that does not exist")
            }
            E::DatabaseError(K::SerializationFailure, _) => {
                Self::conflict("a concurrent change won; retry the request")
            }
            E::DatabaseError(K::ClosedConnection, _) => {
                Self::Unavailable("the database connection was lost".into())
            }
            E::DatabaseError(K::Unknown, info) if info.message().contains("statement timeout") => {
                Self::Unavailable("the database did not answer in time".into())
            }
            // The server went away under the request (restart, failover, network): the client
            // may retry; nothing was committed.
            E::DatabaseError(_, info) if is_connection_loss(info.message()) => {
                Self::Unavailable(format!("database connection lost: {}", info.message()).into())
            }
            other => Self::Internal(other.to_string()),
        }
    }
}

/// Messages of PostgreSQL and the driver that mean the connection, not the query, failed.
fn is_connection_loss(message: &str) -> bool {
    const SIGNS: [&str; 6] = [
        "terminating connection",
        "connection closed",
        "the database system is",
        "server closed the connection",
        "connection reset",
        "broken pipe",
    ];
    SIGNS.iter().any(|s| message.contains(s))
}

impl From<diesel_async::pooled_connection::deadpool::PoolError> for AppError {
    fn from(e: diesel_async::pooled_connection::deadpool::PoolError) -> Self {
        Self::Unavailable(format!("database unavailable: {e}").into())
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        Self::Internal(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_hide_their_cause() {
        let p = AppError::internal("relation \"users\" does not exist").to_problem();
        assert_eq!(p.status, 500);
        let text = serde_json::to_string(&p).unwrap();
        assert!(!text.contains("relation"), "{text}");
    }

    #[test]
    fn validation_lists_fields() {
        let p = AppError::Validation(vec![
            FieldError::new("title", "required"),
            FieldError::new("summary", "at most 100 characters"),
        ])
        .to_problem();
        assert_eq!(p.status, 422);
        assert_eq!(p.errors.unwrap().len(), 2);
        assert_eq!(p.type_, "/problems/validation-error");
    }
}
