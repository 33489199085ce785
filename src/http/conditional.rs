//! Conditional requests (RFC 9110 §13): entity tags, `If-None-Match` for reads (304) and
//! `If-Match` for writes (412). The one place that compares validators.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};

use crate::error::{AppError, AppResult};

/// A strong entity tag, quoted as it travels (`"…"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ETag(String);

impl ETag {
    /// A tag from an opaque value (a version, a hash) that has no quotes of its own.
    pub fn strong(opaque: impl std::fmt::Display) -> Self {
        Self(format!("\"{opaque}\""))
    }

    /// The tag of a representation's bytes: the first 16 bytes of their SHA-256, in hex.
    pub fn of_bytes(body: &[u8]) -> Self {
        use sha2::{Digest, Sha256};
        Self::strong(hex::encode(&Sha256::digest(body)[..16]))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether a header's list of tags names this one (or is `*`). `If-None-Match` compares
    /// weakly (a `W/` tag matches by its opaque part); `If-Match` strongly.
    pub fn listed_in(&self, header: &str, weak: bool) -> bool {
        header.split(',').map(str::trim).any(|t| {
            t == "*" || t == self.0 || (weak && t.strip_prefix("W/").is_some_and(|s| s == self.0))
        })
    }
}

/// The header value takes the tag's text as it is, without copying it.
impl header::TryIntoHeaderValue for ETag {
    type Error = header::InvalidHeaderValue;

    fn try_into_value(self) -> Result<header::HeaderValue, Self::Error> {
        header::HeaderValue::try_from(self.0)
    }
}

impl std::fmt::Display for ETag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether the client already holds this representation (`If-None-Match` names its tag).
pub fn not_modified(req: &HttpRequest, tag: &ETag) -> bool {
    req.headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|h| tag.listed_in(h, true))
}

/// The `If-Match` header of a write, if any.
pub fn if_match(req: &HttpRequest) -> AppResult<Option<IfMatch>> {
    match req.headers().get(header::IF_MATCH) {
        None => Ok(None),
        Some(v) => v
            .to_str()
            .map(|s| Some(IfMatch(s.to_owned())))
            .map_err(|_| AppError::bad_request("If-Match is not readable")),
    }
}

/// The tags a write is conditional on, checked against the current version inside the
/// write's transaction.
#[derive(Debug, Clone)]
pub struct IfMatch(String);

impl IfMatch {
    /// 412 unless the current version's tag is listed.
    pub fn check(&self, current: &ETag) -> AppResult<()> {
        if current.listed_in(&self.0, false) {
            Ok(())
        } else {
            Err(AppError::PreconditionFailed)
        }
    }
}

/// A response with a strong `ETag` (a hash of the body); `304 Not Modified` when the client
/// already has it.
pub fn with_etag(
    req: &HttpRequest,
    content_type: &str,
    cache_control: &str,
    body: Vec<u8>,
) -> HttpResponse {
    let tag = ETag::of_bytes(&body);
    let unchanged = not_modified(req, &tag);
    let mut res = if unchanged {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    res.insert_header((header::ETAG, tag.to_string()))
        .insert_header((header::CACHE_CONTROL, cache_control.to_owned()))
        .insert_header((header::VARY, "Accept"));
    if unchanged {
        res.finish()
    } else {
        res.content_type(content_type.to_owned()).body(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_match_lists_stars_and_weak_forms() {
        let tag = ETag::strong("abc-1");
        assert_eq!(tag.as_str(), "\"abc-1\"");
        assert!(tag.listed_in("\"x\", \"abc-1\"", false));
        assert!(tag.listed_in("*", false));
        assert!(tag.listed_in("W/\"abc-1\"", true));
        assert!(!tag.listed_in("W/\"abc-1\"", false));
        assert!(!tag.listed_in("\"abc-2\"", true));
    }

    #[test]
    fn body_tags_are_32_hex_characters() {
        let tag = ETag::of_bytes(b"figures");
        assert_eq!(tag.as_str().len(), 34);
        assert_ne!(tag, ETag::of_bytes(b"other figures"));
    }
}
