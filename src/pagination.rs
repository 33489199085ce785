//! Paging for every list: `page` and `per_page` parameters, the `{items, total, page, per_page}`
//! envelope, and RFC 8288 `Link` headers.

use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{AppError, FieldError};

pub const DEFAULT_PER_PAGE: i64 = 20;
pub const MAX_PER_PAGE: i64 = 100;
/// Deeper pages than this are refused: use filters instead.
pub const MAX_PAGE: i64 = 100_000;

/// A validated page request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    pub page: i64,
    pub per_page: i64,
}

impl Paging {
    /// Validates the raw parameters (1-based `page`, `per_page` from 1 to 100).
    pub fn parse(page: Option<i64>, per_page: Option<i64>) -> Result<Self, AppError> {
        let mut errors = Vec::new();
        let page = page.unwrap_or(1);
        let per_page = per_page.unwrap_or(DEFAULT_PER_PAGE);
        if !(1..=MAX_PAGE).contains(&page) {
            errors.push(FieldError::new(
                "page",
                crate::tr!("value.range", first = 1, last = MAX_PAGE),
            ));
        }
        if !(1..=MAX_PER_PAGE).contains(&per_page) {
            errors.push(FieldError::new(
                "per_page",
                crate::tr!("value.range", first = 1, last = MAX_PER_PAGE),
            ));
        }
        if errors.is_empty() {
            Ok(Self { page, per_page })
        } else {
            Err(AppError::Validation(errors))
        }
    }

    pub fn offset(&self) -> i64 {
        (self.page - 1) * self.per_page
    }

    pub fn limit(&self) -> i64 {
        self.per_page
    }
}

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// How many match in all.
    pub total: i64,
    /// This page's number, from 1.
    pub page: i64,
    pub per_page: i64,
}

impl<T: Serialize> Page<T> {
    pub fn new(items: Vec<T>, total: i64, paging: Paging) -> Self {
        Self {
            items,
            total,
            page: paging.page,
            per_page: paging.per_page,
        }
    }

    /// The JSON response with `Link` headers (`first`, `prev`, `next`, `last`).
    pub fn respond(&self, req: &HttpRequest) -> HttpResponse {
        let mut res = HttpResponse::Ok();
        let link = self.link_header(req);
        if !link.is_empty() {
            res.insert_header((actix_web::http::header::LINK, link));
        }
        res.json(self)
    }

    fn link_header(&self, req: &HttpRequest) -> String {
        let last = ((self.total + self.per_page - 1) / self.per_page).max(1);
        let others: Vec<(String, String)> =
            url::form_urlencoded::parse(req.query_string().as_bytes())
                .filter(|(k, _)| k != "page")
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
        let url_for = |page: i64| {
            let mut q = url::form_urlencoded::Serializer::new(String::new());
            for (k, v) in &others {
                q.append_pair(k, v);
            }
            q.append_pair("page", &page.to_string());
            format!("<{}?{}>", req.path(), q.finish())
        };
        let mut links = vec![format!("{}; rel=\"first\"", url_for(1))];
        if self.page > 1 {
            links.push(format!(
                "{}; rel=\"prev\"",
                url_for((self.page - 1).min(last))
            ));
        }
        if self.page < last {
            links.push(format!("{}; rel=\"next\"", url_for(self.page + 1)));
        }
        links.push(format!("{}; rel=\"last\"", url_for(last)));
        links.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_bounds() {
        assert_eq!(
            Paging::parse(None, None).unwrap(),
            Paging {
                page: 1,
                per_page: 20
            }
        );
        assert!(Paging::parse(Some(0), None).is_err());
        assert!(Paging::parse(Some(-1), None).is_err());
        assert!(Paging::parse(None, Some(100_000)).is_err());
        assert!(Paging::parse(None, Some(0)).is_err());
        assert_eq!(Paging::parse(Some(3), Some(10)).unwrap().offset(), 20);
    }

    #[test]
    fn links_keep_filters_and_bound_pages() {
        let req = actix_web::test::TestRequest::get()
            .uri("/api/v1/items?category=policy&page=2&per_page=10")
            .to_http_request();
        let page = Page::new(
            Vec::<u8>::new(),
            35,
            Paging {
                page: 2,
                per_page: 10,
            },
        );
        let link = page.link_header(&req);
        assert!(
            link.contains("</api/v1/items?category=policy&per_page=10&page=1>; rel=\"first\""),
            "{link}"
        );
        assert!(link.contains("page=1>; rel=\"prev\""), "{link}");
        assert!(link.contains("page=3>; rel=\"next\""), "{link}");
        assert!(link.contains("page=4>; rel=\"last\""), "{link}");
    }
}
