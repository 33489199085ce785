//! The route table, from the OpenAPI document: 404 or 405, and each request's route name.

use actix_web::http::Method;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};

use crate::error::AppError;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_templates_come_from_the_document_most_literal_first() {
        let table = RouteTable::from_openapi(&crate::startup::openapi());
        let t = |p: &str| table.template(p);
        assert_eq!(t("/api/v1/items/0b6f"), Some("/api/v1/items/{id}"));
        assert_eq!(t("/api/v1/items/import"), Some("/api/v1/items/import"));
        assert_eq!(t("/api/v1/items"), Some("/api/v1/items"));
        assert_eq!(t("/api/v1/items/"), Some("/api/v1/items"));
        assert_eq!(t("/healthz"), Some("/healthz"));
        assert_eq!(t("/api/v1/items/a/b/c/d"), None);
        assert_eq!(t("/docs/index.html"), None);
    }
}
