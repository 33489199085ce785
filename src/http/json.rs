//! JSON request bodies: every failure a problem document naming the field, and every body
//! validated (the value types' rules) before a handler sees it.

use actix_web::http::header;
use actix_web::{HttpRequest, web};

use crate::error::AppError;

/// The largest JSON body accepted, set per app (and per scope where an endpoint needs more).
#[derive(Debug, Clone, Copy)]
pub struct JsonLimit(pub usize);

/// How long a client may take to send a whole body.
#[derive(Debug, Clone, Copy)]
pub struct BodyTimeout(pub std::time::Duration);

/// A JSON request body. Unlike `web::Json`, a wrong field is reported with its path
/// (`applicant.type`, `rows[3].title`), and every failure is a problem document: 415 for
/// another content type, 413 over the limit, 400 for broken JSON, 422 for wrong types,
/// missing or unknown fields, and for values that break their rules (every such field is
/// named, see `crate::values`).
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T> actix_web::FromRequest for Json<T>
where
    T: serde::de::DeserializeOwned + garde::Validate<Context = ()> + 'static,
{
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
                    crate::tr!("http.json.media_type").into(),
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
                            tracing::info!(cause = %other, "request body unreadable");
                            AppError::bad_request(crate::tr!("http.body_unreadable"))
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
            let value: T = parse_json(&body)?;
            validate(&value).map_err(|e| in_body_order(e, &body))?;
            Ok(Json(value))
        })
    }
}

/// Lists the bad fields of a body in the order the caller wrote them (validation finds them in
/// the order of the field names).
fn in_body_order(error: AppError, body: &[u8]) -> AppError {
    let AppError::Validation(mut errors) = error else {
        return error;
    };
    if errors.len() > 1 {
        if let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) {
            let mut paths = Vec::new();
            paths_of(&value, String::new(), &mut paths);
            errors.sort_by_key(|e| {
                paths
                    .iter()
                    .position(|p| *p == e.field)
                    .unwrap_or(usize::MAX)
            });
        }
    }
    AppError::Validation(errors)
}

/// Every path of a JSON value (`applicant.name`, `rows[3].title`), in document order.
fn paths_of(value: &serde_json::Value, path: String, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                let p = format!("{path}[{i}]");
                out.push(p.clone());
                paths_of(v, p, out);
            }
        }
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                out.push(p.clone());
                paths_of(v, p, out);
            }
        }
        _ => {}
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
                AppError::bad_request(crate::tr!("http.json.truncated"))
            }
            _ => malformed(&inner),
        }
    })?;
    de.end().map_err(|e| malformed(&e))?;
    Ok(value)
}

/// Broken JSON: where it breaks, without the parser's own words.
fn malformed(e: &serde_json::Error) -> AppError {
    AppError::bad_request(crate::tr!(
        "http.json.malformed",
        line = e.line(),
        column = e.column()
    ))
}

/// serde's messages end in "at line 1 column 9", which means nothing once the path is given.
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_owned(),
        None => msg.to_owned(),
    }
}

/// Runs the value types' rules over a request: 422 naming every bad field.
pub fn validate<T: garde::Validate<Context = ()>>(value: &T) -> Result<(), AppError> {
    value
        .validate()
        .map_err(|report| AppError::Validation(crate::values::rule::field_errors(report)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        tags: Vec<String>,
    }

    #[test]
    fn bad_fields_are_listed_in_the_order_of_the_body() {
        let errors = ["b", "rows[1].a", "rows[0].z", "missing"]
            .map(|f| crate::error::FieldError::new(f, "bad"))
            .to_vec();
        let body = br#"{"rows": [{"z": 1}, {"a": 2}], "b": 3}"#;
        let AppError::Validation(sorted) = in_body_order(AppError::Validation(errors), body) else {
            panic!()
        };
        let fields: Vec<_> = sorted.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["rows[0].z", "rows[1].a", "b", "missing"]);
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
