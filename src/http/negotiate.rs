//! Content negotiation (`Accept`).

use actix_web::HttpRequest;
use actix_web::http::header;

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
