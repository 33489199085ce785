//! The outermost middleware: request ids, access logs, metrics, security and cache headers,
//! and a problem document for every failure, whatever produced it.

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{Error, ResponseError, web};
use tracing::Instrument;

use super::cache;
use super::extract::client_ip;
use super::in_flight::InFlight;
use super::route_table::RouteTable;
use crate::error::{AppError, PROBLEM_JSON, REQUEST_CONTEXT, RequestContext};
use crate::i18n::{self, Lang};

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// A client-supplied request id is kept when it is short and printable; otherwise a new one is made.
fn incoming_request_id(req: &ServiceRequest) -> Option<String> {
    let v = req.headers().get(&REQUEST_ID)?.to_str().ok()?;
    let ok = !v.is_empty()
        && v.len() <= 128
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b));
    ok.then(|| v.to_owned())
}

/// The language of answers when the request's `Accept-Language` names none of ours
/// (`GONGKAI_LANGUAGE`), registered as app data.
#[derive(Debug, Clone, Copy)]
pub struct DefaultLanguage(pub Lang);

const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'";
const DOCS_CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; frame-ancestors 'none'";

/// The outermost middleware. Every request gets an id (echoed in `X-Request-Id` and present on
/// every log line of the request), one access-log line, metrics, security and cache headers
/// (`http::cache`), and, when it fails, a problem document whatever produced the failure.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let start = Instant::now();
    let _in_flight = req
        .app_data::<web::Data<InFlight>>()
        .map(|d| d.clone().into_inner().enter());
    let request_id = incoming_request_id(&req).unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let method = req.method().clone();
    let path = req.path().to_owned();
    let client = client_ip(req.request());
    let credentials = cache::has_credentials(req.headers());
    let span = tracing::info_span!("request", request_id = %request_id, %method, %path, %client);
    let ctx = RequestContext {
        request_id: request_id.clone(),
        path: path.clone(),
        client_ip: Some(client),
    };
    let default_lang = req
        .app_data::<DefaultLanguage>()
        .map_or(Lang::default(), |d| d.0);
    let lang = Lang::negotiate(
        req.headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
        default_lang,
    );

    // A NUL character cannot be stored and is never meaningful: refuse it before any handler.
    let nul_in_query = req.query_string().to_ascii_lowercase().contains("%00");
    let res = if nul_in_query {
        let err = REQUEST_CONTEXT.sync_scope(ctx.clone(), || {
            i18n::sync_scope(lang, || {
                AppError::invalid("query", crate::tr!("value.nul")).error_response()
            })
        });
        req.into_response(err)
    } else {
        // Handlers and extractors turn their errors into responses; only a failing middleware
        // returns `Err` here, and actix renders that one itself.
        REQUEST_CONTEXT
            .scope(
                ctx.clone(),
                i18n::scope(lang, next.call(req).instrument(span.clone())),
            )
            .await?
            .map_into_boxed_body()
    };
    let mut res =
        REQUEST_CONTEXT.sync_scope(ctx, || i18n::sync_scope(lang, || ensure_problem(res)));

    let status = res.status();
    // Paths outside the document (the Swagger UI) are rare: actix finds their pattern.
    let documented = res
        .request()
        .app_data::<web::Data<RouteTable>>()
        .and_then(|t| t.template(&path).map(str::to_owned));
    let route = documented
        .or_else(|| res.request().match_pattern())
        .unwrap_or_else(|| "unmatched".to_owned());
    let headers = res.headers_mut();
    headers.insert(
        REQUEST_ID,
        HeaderValue::from_str(&request_id).expect("checked ascii"),
    );
    let csp = if path.starts_with("/docs") {
        DOCS_CSP
    } else {
        API_CSP
    };
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, csp),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (
            HeaderName::from_static("cross-origin-resource-policy"),
            "same-site",
        ),
    ] {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }

    cache::apply(headers, credentials);

    let elapsed = start.elapsed();
    let labels = [
        ("method", method_label(&method).to_owned()),
        ("route", route.clone()),
        ("status", status.as_u16().to_string()),
    ];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels[..2])
        .record(elapsed.as_secs_f64());
    let latency_ms = elapsed.as_secs_f64() * 1000.0;
    if status.is_server_error() {
        tracing::warn!(parent: &span, status = status.as_u16(), %route, latency_ms, "request failed");
    } else {
        tracing::info!(parent: &span, status = status.as_u16(), %route, latency_ms, "request");
    }
    Ok(res)
}

/// The `method` label of metrics: one of a closed set. The method is whatever the client sent
/// (`curl -X Q123`), and every new label value is a new series kept in memory forever.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Rewrites an error response that is not yet a problem document (from actix, a middleware or
/// a bundled service) into one, keeping its status. Its original text is dropped: it may
/// contain internals.
fn ensure_problem(res: ServiceResponse<BoxBody>) -> ServiceResponse<BoxBody> {
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if is_problem {
        return res;
    }
    let err = match status {
        StatusCode::NOT_FOUND => AppError::NotFound,
        StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge(0),
        s if s.is_server_error() => AppError::Internal(format!("unhandled {s} response")),
        s => AppError::Status(s),
    };
    let mut new = err.error_response();
    // Keep headers that carry meaning (Allow, WWW-Authenticate, Retry-After, CORS, ...).
    for (name, value) in res.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            new.headers_mut().insert(name.clone(), value.clone());
        }
    }
    res.into_response(new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_up_methods_share_one_label() {
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(method_label(&Method::OPTIONS), "OPTIONS");
        for m in ["Q123", "TRACE", "CONNECT", "PROPFIND", "get"] {
            assert_eq!(
                method_label(&Method::from_bytes(m.as_bytes()).unwrap()),
                "other"
            );
        }
    }
}
