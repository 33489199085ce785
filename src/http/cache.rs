//! Cache headers of responses that may carry personal data: `Cache-Control: no-store` unless
//! the handler chose a public policy for public data, and `Vary` on the credentials.

use actix_web::http::header::{self, HeaderMap, HeaderValue};

use super::extract::ACCESS_CODE_HEADER;

/// The policy of a response whose handler chose none, and of any answer to a caller with
/// credentials that is not public: kept by no cache, shared or private.
pub const NO_STORE: &str = "no-store";

/// The request headers that change what a response contains.
const CREDENTIALS: [&str; 2] = ["Authorization", "X-Access-Code"];

/// Whether the request carries credentials: a bearer token or an access code.
pub fn has_credentials(headers: &HeaderMap) -> bool {
    headers.contains_key(header::AUTHORIZATION) || headers.contains_key(ACCESS_CODE_HEADER)
}

/// Sets the cache headers of a response.
///
/// `Cache-Control`: a handler that serves public data says so (`public, max-age=…`) and is
/// believed; everything else is `no-store`, whoever asked: the office's lists, `/me`, an
/// application read with its access code, a receipt that shows the code, an error. A default
/// of "cacheable" would leak whatever a handler forgot to mark.
///
/// `Vary`: the credentials are added to every response (merged with `Accept`,
/// `Accept-Language`, `Origin`, ...). The catalogue's lists and items differ between an
/// anonymous and a signed-in caller under one URL; anonymous requests all lack both headers,
/// so shared caches still keep one copy of the public answer.
pub fn apply(headers: &mut HeaderMap, credentials: bool) {
    let policy = headers
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .map(str::to_ascii_lowercase);
    let keep = match &policy {
        None => false,
        Some(p) if has_directive(p, "public") || has_directive(p, "no-store") => true,
        // A private, storable policy is the handler's choice for anonymous callers only.
        Some(_) => !credentials,
    };
    if !keep {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(NO_STORE));
    }

    let mut vary: Vec<String> = headers
        .get_all(header::VARY)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .collect();
    if vary.iter().any(|v| v == "*") {
        return;
    }
    for name in CREDENTIALS {
        if !vary.iter().any(|v| v.eq_ignore_ascii_case(name)) {
            vary.push(name.to_owned());
        }
    }
    if let Ok(value) = HeaderValue::from_str(&vary.join(", ")) {
        headers.insert(header::VARY, value);
    }
}

fn has_directive(policy: &str, directive: &str) -> bool {
    policy
        .split(',')
        .any(|d| d.trim().split('=').next() == Some(directive))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(pairs: &[(header::HeaderName, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(k.clone(), HeaderValue::from_static(v));
        }
        h
    }

    fn get(h: &HeaderMap, name: header::HeaderName) -> String {
        h.get(name).unwrap().to_str().unwrap().to_owned()
    }

    #[test]
    fn public_policies_are_kept_and_others_become_no_store_for_credentials() {
        for credentials in [false, true] {
            let mut h = with(&[(header::CACHE_CONTROL, "public, max-age=60")]);
            apply(&mut h, credentials);
            assert_eq!(get(&h, header::CACHE_CONTROL), "public, max-age=60");
            let mut h = with(&[(header::CACHE_CONTROL, "private, no-store")]);
            apply(&mut h, credentials);
            assert_eq!(get(&h, header::CACHE_CONTROL), "private, no-store");
            let mut h = HeaderMap::new();
            apply(&mut h, credentials);
            assert_eq!(get(&h, header::CACHE_CONTROL), "no-store");
        }
        let mut h = with(&[(header::CACHE_CONTROL, "private, max-age=60")]);
        apply(&mut h, true);
        assert_eq!(get(&h, header::CACHE_CONTROL), "no-store");
        let mut h = with(&[(header::CACHE_CONTROL, "private, max-age=60")]);
        apply(&mut h, false);
        assert_eq!(get(&h, header::CACHE_CONTROL), "private, max-age=60");
    }

    #[test]
    fn vary_is_merged_once() {
        let mut h = with(&[
            (header::VARY, "Accept"),
            (header::VARY, "Origin, authorization"),
        ]);
        apply(&mut h, false);
        assert_eq!(
            get(&h, header::VARY),
            "Accept, Origin, authorization, X-Access-Code"
        );
        assert_eq!(h.get_all(header::VARY).count(), 1);
        let mut h = with(&[(header::VARY, "*")]);
        apply(&mut h, true);
        assert_eq!(get(&h, header::VARY), "*");
    }
}
