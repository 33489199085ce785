//! Extractors and their error handlers: query strings, path parameters, optional bodies, the
//! client's address and the access code that stands in for an account.

use actix_web::error::{PathError, QueryPayloadError};
use actix_web::http::header;
use actix_web::{HttpRequest, web};
use futures_util::future::LocalBoxFuture;

use super::client::{TrustedProxies, client_address};
use super::json::Json;
use crate::error::{AppError, FieldError};

/// Query strings: a wrong type or an unknown parameter is a 422 naming it.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _req| query_error(err).into())
}

fn query_error(err: QueryPayloadError) -> AppError {
    match err {
        QueryPayloadError::Deserialize(e) => {
            AppError::Validation(vec![FieldError::new("query", e.to_string())])
        }
        _ => AppError::bad_request(crate::tr!("http.query_unreadable")),
    }
}

/// Path parameters: a malformed id is a 404 (no such resource), never a 500.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|_err: PathError, _req| AppError::NotFound.into())
}

/// A query string, parsed and validated (the value types' rules), every failure a 422.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T> actix_web::FromRequest for Query<T>
where
    T: serde::de::DeserializeOwned + garde::Validate<Context = ()> + 'static,
{
    type Error = AppError;
    type Future = futures_util::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let parsed = web::Query::<T>::from_query(req.query_string())
            .map_err(query_error)
            .and_then(|q| {
                super::json::validate(&q.0)?;
                Ok(Query(q.0))
            });
        futures_util::future::ready(parsed)
    }
}

/// A JSON body that may be left out: no body (or `Content-Length: 0`) means the defaults.
pub struct OptionalJson<T>(pub T);

impl<T> actix_web::FromRequest for OptionalJson<T>
where
    T: serde::de::DeserializeOwned + garde::Validate<Context = ()> + Default + 'static,
{
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let length = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        let chunked = req.headers().contains_key(header::TRANSFER_ENCODING);
        let typed = req.headers().contains_key(header::CONTENT_TYPE);
        if length == Some(0) || (length.is_none() && !chunked && !typed) {
            return Box::pin(async { Ok(OptionalJson(T::default())) });
        }
        let json = Json::<T>::from_request(req, payload);
        Box::pin(async move { json.await.map(|j| OptionalJson(j.0)) })
    }
}

/// The client's address: the TCP peer, or behind trusted proxies the hop they name (see
/// `http::client`).
pub fn client_ip(req: &HttpRequest) -> std::net::IpAddr {
    let none = TrustedProxies::default();
    let trusted = req.app_data::<TrustedProxies>().unwrap_or(&none);
    client_address(req.peer_addr().map(|a| a.ip()), req.headers(), trusted)
}

/// The header that proves an applicant or submitter without an account holds the case's code.
pub const ACCESS_CODE_HEADER: &str = "x-access-code";

/// The access code sent with the request, if any (trimmed; at most 100 characters).
pub fn access_code(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(ACCESS_CODE_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty() && v.len() <= 100)
}
