//! Cross-cutting HTTP behaviour: request ids, access logs, metrics, security headers, problem
//! documents for every error (including the ones actix produces itself), 404/405, and the
//! extractor error handlers.

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::{PathError, QueryPayloadError};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{Error, HttpRequest, HttpResponse, ResponseError, web};
use tracing::Instrument;

use crate::error::{AppError, PROBLEM_JSON, REQUEST_CONTEXT, RequestContext};

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

const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'";
const DOCS_CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; frame-ancestors 'none'";

/// The outermost middleware. Every request gets an id (echoed in `X-Request-Id` and present on
/// every log line of the request), one access-log line, metrics, security headers, and, when it
/// fails, a problem document whatever produced the failure.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let start = Instant::now();
    let _in_flight = req
        .app_data::<web::Data<crate::app::InFlight>>()
        .map(|d| d.clone().into_inner().enter());
    let request_id = incoming_request_id(&req).unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let method = req.method().clone();
    let path = req.path().to_owned();
    let span = tracing::info_span!("request", request_id = %request_id, %method, %path);
    let ctx = RequestContext {
        request_id: request_id.clone(),
        path: path.clone(),
    };

    // A NUL character cannot be stored and is never meaningful: refuse it before any handler.
    let nul_in_query = req.query_string().to_ascii_lowercase().contains("%00");
    let res = if nul_in_query {
        let err = REQUEST_CONTEXT.sync_scope(ctx.clone(), || {
            AppError::invalid("query", "NUL characters are not allowed").error_response()
        });
        req.into_response(err)
    } else {
        // Handlers and extractors turn their errors into responses; only a failing middleware
        // returns `Err` here, and actix renders that one itself.
        REQUEST_CONTEXT
            .scope(ctx.clone(), next.call(req).instrument(span.clone()))
            .await?
            .map_into_boxed_body()
    };
    let mut res = REQUEST_CONTEXT.sync_scope(ctx, || ensure_problem(res));

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

    let elapsed = start.elapsed();
    let labels = [
        ("method", method.to_string()),
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

/// The route table, taken from the OpenAPI document: to tell 405 from 404, and to name a
/// request's route in metrics and logs.
#[derive(Debug, Default)]
pub struct RouteTable {
    /// Each path of the document: its template, its segments, its methods.
    routes: Vec<(String, Vec<Segment>, Vec<Method>)>,
}

#[derive(Debug, PartialEq)]
enum Segment {
    Literal(String),
    Param,
}

impl RouteTable {
    pub fn from_openapi(doc: &utoipa::openapi::OpenApi) -> Self {
        let routes = doc
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let segments = path
                    .trim_matches('/')
                    .split('/')
                    .map(|s| {
                        if s.starts_with('{') {
                            Segment::Param
                        } else {
                            Segment::Literal(s.to_owned())
                        }
                    })
                    .collect();
                let mut methods = Vec::new();
                let ops = [
                    (&item.get, Method::GET),
                    (&item.put, Method::PUT),
                    (&item.post, Method::POST),
                    (&item.delete, Method::DELETE),
                    (&item.patch, Method::PATCH),
                ];
                for (op, m) in ops {
                    if op.is_some() {
                        methods.push(m);
                    }
                }
                if item.get.is_some() {
                    methods.push(Method::HEAD);
                }
                (path.clone(), segments, methods)
            })
            .collect();
        Self { routes }
    }

    /// The template of the document's path that `path` is an instance of (e.g.
    /// `/api/v1/items/{id}`), the one with the most literal segments when several are.
    ///
    /// Used as the metrics label instead of actix's `match_pattern`, which walks the whole
    /// resource map with a regex per route on every request (8% of the server's time on
    /// `GET /items/{id}`).
    pub fn template(&self, path: &str) -> Option<&str> {
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        self.routes
            .iter()
            .filter(|(_, segments, _)| Self::fits(segments, &parts))
            .max_by_key(|(_, segments, _)| {
                segments
                    .iter()
                    .filter(|s| matches!(s, Segment::Literal(_)))
                    .count()
            })
            .map(|(template, _, _)| template.as_str())
    }

    /// Whether a path's segments are an instance of a route's.
    fn fits(segments: &[Segment], parts: &[&str]) -> bool {
        segments.len() == parts.len()
            && segments.iter().zip(parts).all(|(s, p)| match s {
                Segment::Param => !p.is_empty(),
                Segment::Literal(l) => l == p,
            })
    }

    /// The methods the path allows, or `None` when no route has this path.
    pub fn allowed_methods(&self, path: &str) -> Option<Vec<Method>> {
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        let mut found: Option<Vec<Method>> = None;
        for (_, segments, methods) in &self.routes {
            if !Self::fits(segments, &parts) {
                continue;
            }
            found
                .get_or_insert_with(Vec::new)
                .extend(methods.iter().cloned());
        }
        found
    }
}

/// The default service: 405 with `Allow` for a known path, 204 for `OPTIONS`, 404 otherwise.
pub async fn fallback(
    req: HttpRequest,
    routes: web::Data<RouteTable>,
) -> Result<HttpResponse, AppError> {
    match routes.allowed_methods(req.path()) {
        Some(mut methods) => {
            methods.push(Method::OPTIONS);
            let allow: Vec<String> = methods.iter().map(|m| m.to_string()).collect();
            if req.method() == Method::OPTIONS {
                Ok(HttpResponse::NoContent()
                    .insert_header((header::ALLOW, allow.join(", ")))
                    .finish())
            } else {
                Err(AppError::MethodNotAllowed(allow))
            }
        }
        None => Err(AppError::NotFound),
    }
}

/// The largest JSON body accepted, set per app (and per scope where an endpoint needs more).
#[derive(Debug, Clone, Copy)]
pub struct JsonLimit(pub usize);

/// How long a client may take to send a whole body.
#[derive(Debug, Clone, Copy)]
pub struct BodyTimeout(pub std::time::Duration);

/// A JSON request body. Unlike `web::Json`, a wrong field is reported with its path
/// (`applicant.type`, `rows[3].title`), and every failure is a problem document: 415 for
/// another content type, 413 over the limit, 400 for broken JSON, 422 for wrong types,
/// missing or unknown fields.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T: serde::de::DeserializeOwned + 'static> actix_web::FromRequest for Json<T> {
    type Error = AppError;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        use futures_util::StreamExt;
        let limit = req.app_data::<JsonLimit>().map_or(1 << 20, |l| l.0);
        let timeout = req
            .app_data::<BodyTimeout>()
            .map_or(std::time::Duration::from_secs(15), |t| t.0);
        let content_type_ok = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<mime::Mime>().ok())
            .is_some_and(|m| {
                m.type_() == mime::APPLICATION
                    && (m.subtype() == mime::JSON || m.suffix() == Some(mime::JSON))
            });
        let declared_len = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            if !content_type_ok {
                return Err(AppError::UnsupportedMediaType(
                    "send the body as application/json".into(),
                ));
            }
            if declared_len.is_some_and(|n| n > limit) {
                return Err(AppError::PayloadTooLarge(limit));
            }
            let read = async {
                let mut body =
                    web::BytesMut::with_capacity(declared_len.unwrap_or(1024).min(limit));
                while let Some(chunk) = payload.next().await {
                    let chunk = chunk.map_err(|e| match e {
                        actix_web::error::PayloadError::Overflow => {
                            AppError::PayloadTooLarge(limit)
                        }
                        other => {
                            AppError::bad_request(format!("the body could not be read: {other}"))
                        }
                    })?;
                    if body.len() + chunk.len() > limit {
                        return Err(AppError::PayloadTooLarge(limit));
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(body)
            };
            // A client trickling its body must not hold a worker's attention forever.
            let body = tokio::time::timeout(timeout, read)
                .await
                .map_err(|_| AppError::RequestTimeout)??;
            parse_json(&body).map(Json)
        })
    }
}

/// Whether the JSON text has a `\u0000` escape (a NUL character in a string). Raw control
/// characters are invalid JSON, so the escape is the only way a NUL can arrive.
fn has_nul_escape(body: &[u8]) -> bool {
    body.windows(6).enumerate().any(|(i, w)| {
        w == b"\\u0000" && body[..i].iter().rev().take_while(|&&b| b == b'\\').count() % 2 == 0
    })
}

/// The path of the first string holding a NUL character.
fn nul_path(value: &serde_json::Value, path: &mut Vec<String>) -> bool {
    match value {
        serde_json::Value::String(s) => s.contains('\0'),
        serde_json::Value::Array(items) => items.iter().enumerate().any(|(i, v)| {
            path.push(format!("[{i}]"));
            let found = nul_path(v, path);
            if !found {
                path.pop();
            }
            found
        }),
        serde_json::Value::Object(map) => map.iter().any(|(k, v)| {
            path.push(if path.is_empty() {
                k.clone()
            } else {
                format!(".{k}")
            });
            let found = k.contains('\0') || nul_path(v, path);
            if !found {
                path.pop();
            }
            found
        }),
        _ => false,
    }
}

/// Parses JSON, reporting the path of a bad field. Text with NUL characters is refused
/// everywhere: PostgreSQL cannot store it, and no field of this API needs it.
pub fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, AppError> {
    if has_nul_escape(body) {
        nul_check(body)?;
    }
    parse_json_unchecked(body)
}

fn nul_check(body: &[u8]) -> Result<(), AppError> {
    {
        if let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) {
            let mut path = Vec::new();
            if nul_path(&value, &mut path) {
                let field = if path.is_empty() {
                    "body".to_owned()
                } else {
                    path.concat()
                };
                return Err(AppError::invalid(field, "NUL characters are not allowed"));
            }
        }
    }
    Ok(())
}

/// Parses JSON like `parse_json`, leaving NUL characters to the caller (a bulk import reports
/// them row by row, with every other bad field).
pub fn parse_json_unchecked<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, AppError> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data => {
                let message = inner.to_string();
                // serde reports a missing field at its parent: name the field itself.
                let missing = message
                    .strip_prefix("missing field `")
                    .and_then(|rest| rest.split('`').next());
                let field = match (path.as_str(), missing) {
                    (".", Some(name)) => name.to_owned(),
                    (".", None) => "body".to_owned(),
                    (_, Some(name)) => format!("{path}.{name}"),
                    (_, None) => path,
                };
                AppError::Validation(vec![crate::error::FieldError::new(
                    field,
                    strip_position(&inner.to_string()),
                )])
            }
            serde_json::error::Category::Eof => {
                AppError::bad_request("malformed JSON: the body ended too early")
            }
            _ => AppError::bad_request(format!("malformed JSON: {inner}")),
        }
    })?;
    de.end()
        .map_err(|e| AppError::bad_request(format!("malformed JSON: {e}")))?;
    Ok(value)
}

/// serde's messages end in "at line 1 column 9", which means nothing once the path is given.
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_owned(),
        None => msg.to_owned(),
    }
}

/// Picks the representation for the request's `Accept` header among `offered` (the first is
/// the default). `None` when the client accepts none of them (406).
pub fn negotiate(req: &HttpRequest, offered: &[&'static str]) -> Option<&'static str> {
    let Some(accept) = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.trim().is_empty())
    else {
        return offered.first().copied();
    };
    let mut best: Option<(f32, usize, &'static str)> = None;
    for (order, part) in accept.split(',').enumerate() {
        let mut pieces = part.split(';');
        let range = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = pieces
            .filter_map(|p| p.trim().strip_prefix("q="))
            .filter_map(|q| q.parse::<f32>().ok())
            .next()
            .unwrap_or(1.0);
        if q <= 0.0 {
            continue;
        }
        let matched = offered.iter().find(|o| {
            range == **o
                || range == "*/*"
                || range
                    .strip_suffix("/*")
                    .is_some_and(|t| o.split('/').next() == Some(t))
        });
        if let Some(m) = matched {
            // More specific ranges win over wildcards at equal quality.
            let specific = if range.contains('*') { 0.0 } else { 0.001 };
            let score = q + specific;
            if best.is_none_or(|(s, o, _)| score > s || (score == s && order < o)) {
                best = Some((score, order, m));
            }
        }
    }
    best.map(|(_, _, m)| m)
}

/// A response with a strong `ETag` (SHA-256 of the body); `304 Not Modified` when the client
/// already has it (`If-None-Match`).
pub fn with_etag(
    req: &HttpRequest,
    content_type: &str,
    cache_control: &str,
    body: Vec<u8>,
) -> HttpResponse {
    use sha2::{Digest, Sha256};
    let etag = format!("\"{}\"", hex::encode(&Sha256::digest(&body)[..16]));
    let matches = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .map(|t| t.trim().trim_start_matches("W/"))
                .any(|t| t == etag || t == "*")
        });
    let mut res = if matches {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    res.insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, cache_control.to_owned()))
        .insert_header((header::VARY, "Accept"));
    if matches {
        res.finish()
    } else {
        res.content_type(content_type.to_owned()).body(body)
    }
}

/// Query strings: a wrong type or an unknown parameter is a 400 naming it.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _req| {
        let QueryPayloadError::Deserialize(e) = &err else {
            return AppError::bad_request("unreadable query string").into();
        };
        AppError::Validation(vec![crate::error::FieldError::new("query", e.to_string())]).into()
    })
}

/// Path parameters: a malformed id is a 404 (no such resource), never a 500.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|_err: PathError, _req| AppError::NotFound.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_templates_come_from_the_document_most_literal_first() {
        let table = RouteTable::from_openapi(&crate::app::openapi());
        let t = |p: &str| table.template(p);
        assert_eq!(t("/api/v1/items/0b6f"), Some("/api/v1/items/{id}"));
        assert_eq!(t("/api/v1/items/import"), Some("/api/v1/items/import"));
        assert_eq!(t("/api/v1/items"), Some("/api/v1/items"));
        assert_eq!(t("/api/v1/items/"), Some("/api/v1/items"));
        assert_eq!(t("/healthz"), Some("/healthz"));
        assert_eq!(t("/api/v1/items/a/b/c/d"), None);
        assert_eq!(t("/docs/index.html"), None);
    }

    #[test]
    fn negotiation_follows_quality_and_specificity() {
        let offered = ["application/json", "text/html", "text/markdown"];
        let pick = |accept: Option<&str>| {
            let mut r = actix_web::test::TestRequest::get();
            if let Some(a) = accept {
                r = r.insert_header((header::ACCEPT, a));
            }
            negotiate(&r.to_http_request(), &offered)
        };
        assert_eq!(pick(None), Some("application/json"));
        assert_eq!(pick(Some("*/*")), Some("application/json"));
        assert_eq!(pick(Some("text/html")), Some("text/html"));
        assert_eq!(
            pick(Some(
                "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
            )),
            Some("text/html")
        );
        assert_eq!(
            pick(Some("text/markdown, */*;q=0.1")),
            Some("text/markdown")
        );
        assert_eq!(pick(Some("text/*")), Some("text/html"));
        assert_eq!(pick(Some("image/png")), None);
        assert_eq!(pick(Some("text/html;q=0")), None);
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        tags: Vec<String>,
    }

    #[test]
    fn nul_characters_are_refused_with_their_path() {
        let err = parse_json::<Body>(br#"{"name": "a", "tags": ["x", "b\u0000c"]}"#).unwrap_err();
        let AppError::Validation(e) = err else {
            panic!("{err:?}")
        };
        assert_eq!(e[0].field, "tags[1]");
        // An escaped backslash followed by u0000 is not a NUL.
        assert!(parse_json::<Body>(br#"{"name": "\\u0000", "tags": []}"#).is_ok());
    }

    #[test]
    fn lone_surrogates_deep_nesting_and_trailing_text_are_bad_requests() {
        assert!(matches!(
            parse_json::<Body>(br#"{"name": "\ud800", "tags": []}"#),
            Err(AppError::BadRequest(_))
        ));
        // Deep nesting never overflows the stack: typed bodies stop at the first wrong type,
        // untyped ones at serde_json's recursion limit.
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(matches!(
            parse_json::<Body>(deep.as_bytes()),
            Err(AppError::Validation(_))
        ));
        assert!(matches!(
            parse_json::<serde_json::Value>(deep.as_bytes()),
            Err(AppError::BadRequest(_))
        ));
        let deep_nul = format!("{}\"\\u0000\"{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(parse_json::<Body>(deep_nul.as_bytes()).is_err());
        assert!(matches!(
            parse_json::<Body>(br#"{"name": "a", "tags": []} x"#),
            Err(AppError::BadRequest(_))
        ));
    }

    #[test]
    fn wrong_types_name_the_field() {
        let err = parse_json::<Body>(br#"{"name": "a", "tags": [1]}"#).unwrap_err();
        let AppError::Validation(e) = err else {
            panic!()
        };
        assert_eq!(e[0].field, "tags[0]");
    }
}
