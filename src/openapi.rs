//! The OpenAPI document: its frame (info, security scheme, shared responses); the paths come
//! from the handlers' `#[utoipa::path]` attributes as the routes are registered.

use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{Modify, OpenApi, ToResponse};

use crate::error::PROBLEM_JSON;

/// Declares a shared problem response: its component name is the type's name.
macro_rules! problem_responses {
    ($($name:ident => $description:literal),* $(,)?) => {
        $(
            #[doc = $description]
            pub struct $name;
            impl<'r> ToResponse<'r> for $name {
                fn response() -> (&'r str, RefOr<Response>) {
                    (
                        stringify!($name),
                        ResponseBuilder::new()
                            .description($description)
                            .content(PROBLEM_JSON, Content::new(Some(Ref::from_schema_name("Problem"))))
                            .into(),
                    )
                }
            }
        )*
    };
}

problem_responses! {
    BadRequest => "Malformed request: broken JSON, or a bad query parameter.",
    Unauthorized => "No credentials, or invalid, expired or revoked credentials. Sent with `WWW-Authenticate: Bearer`.",
    Forbidden => "Authenticated, but this account's role or this token's scopes do not allow the operation.",
    NotFound => "No such resource, or one the caller may not know exists.",
    Conflict => "Not allowed in the resource's current state (`allowed_actions` lists what is), or a duplicate.",
    PreconditionFailed => "`If-Match` does not match the resource's current ETag.",
    PayloadTooLarge => "The request body is over the limit.",
    UnsupportedMediaType => "The request body is not `application/json`.",
    Unprocessable => "The request is well-formed but not valid: `errors` names every bad field.",
    NotAcceptable => "None of the representations this operation offers is acceptable (`Accept`).",
    TooManyRequests => "Rate limit reached: retry after the `Retry-After` seconds.",
    Unavailable => "The database is unreachable or overloaded: retry after the `Retry-After` seconds.",
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "gongkai API",
        description = "Government information disclosure (政府信息公开) for a town government: the catalogue \
of proactively published items and the guide, applications for disclosure with their statutory \
working-day deadlines, the public feedback register, and yearly statistics and annual reports.\n\n\
Every error is an RFC 9457 `application/problem+json` document (schema `Problem`). Every response \
carries `X-Request-Id`. Authenticate with `Authorization: Bearer <token>`: an access token from \
`POST /api/v1/auth/login`, or an integration token. Each operation's description says which \
roles may call it (also as `x-permitted-roles`).",
        license(name = "MIT OR Apache-2.0"),
    ),
    modifiers(&SecuritySchemes),
    components(
        schemas(crate::error::Problem, crate::error::FieldError),
        responses(
            BadRequest, Unauthorized, Forbidden, NotFound, Conflict, PreconditionFailed,
            PayloadTooLarge, UnsupportedMediaType, Unprocessable, NotAcceptable, TooManyRequests, Unavailable
        )
    ),
    tags(
        (name = "system", description = "Health, readiness, metrics and this document."),
        (name = "auth", description = "Sign-in, tokens, registration and one's own account."),
        (name = "users", description = "Accounts of the office and the public (leaders)."),
        (name = "tokens", description = "Integration tokens for scripts and other systems (leaders)."),
        (name = "audit", description = "Who did what, when (leaders)."),
        (name = "statistics", description = "Yearly figures in the seed's and the national format, for the office and the district."),
        (name = "reports", description = "The annual report: drafted by the office, published and frozen by a leader."),
        (name = "calendar", description = "The working-day calendar that statutory deadlines are counted in."),
        (name = "feedback", description = "The public feedback register (群众意见): consultations, complaints and suggestions, registered one by one, handled and answered; the public board."),
        (name = "applications", description = "Applications for disclosure (依申请公开): receipt, statutory deadlines, handling, answers and appeals."),
        (name = "items", description = "The catalogue of proactively published items (主动公开目录): search, review workflow, history, import, attachments and the Atom feed."),
        (name = "guide", description = "The guide to obtaining government information (政府信息公开指南)."),
    )
)]
pub struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT or integration token")
                    .description(Some(
                        "An access token (JWT) from `POST /api/v1/auth/login`, or an integration token.",
                    ))
                    .build(),
            ),
        );
    }
}

/// Calls `f` on every operation of the document.
pub fn for_each_operation(
    doc: &mut utoipa::openapi::OpenApi,
    mut f: impl FnMut(&str, &str, &mut Operation),
) {
    for (path, item) in doc.paths.paths.iter_mut() {
        for (method, op) in [
            ("get", &mut item.get),
            ("put", &mut item.put),
            ("post", &mut item.post),
            ("delete", &mut item.delete),
            ("patch", &mut item.patch),
        ] {
            if let Some(op) = op.as_mut() {
                f(path, method, op);
            }
        }
    }
}

/// Completes the document after the routes are merged in: every operation that takes a body
/// or reaches the database lists the errors that the service's middleware can answer for it.
pub fn finish(doc: &mut utoipa::openapi::OpenApi) {
    for_each_operation(doc, |path, _method, op| {
        let system = matches!(path, "/healthz" | "/metrics");
        let add = |op: &mut Operation, status: &str, name: &str| {
            op.responses
                .responses
                .entry(status.to_owned())
                .or_insert_with(|| RefOr::Ref(Ref::from_response_name(name)));
        };
        if op.request_body.is_some() {
            add(op, "400", "BadRequest");
            add(op, "413", "PayloadTooLarge");
            add(op, "415", "UnsupportedMediaType");
            add(op, "422", "Unprocessable");
        }
        // Parameters are validated too (a year out of range, a page beyond the last allowed).
        if op.parameters.as_ref().is_some_and(|p| !p.is_empty()) {
            add(op, "422", "Unprocessable");
        }
        if !system {
            add(op, "503", "Unavailable");
        }
        if op.security.is_some() {
            add(op, "401", "Unauthorized");
        }
        // A malformed path parameter (not a UUID, a number out of range) is a 404.
        if path.contains('{') {
            add(op, "404", "NotFound");
        }
        let rule = op.operation_id.as_deref().and_then(|id| {
            crate::auth::policy::RULES
                .iter()
                .find(|r| r.operation_id == id)
        });
        if let Some(rule) = rule {
            let roles = crate::auth::policy::permitted(rule);
            let mut who = format!("\n\n**Who may call it:** {}", roles.join(", "));
            if let Some(scope) = rule.scope {
                who.push_str(&format!(
                    "; integration tokens with scope `{}`",
                    scope.as_str()
                ));
            }
            if !rule.note.is_empty() {
                who.push_str(&format!(" ({})", rule.note));
            }
            let description = op.description.get_or_insert_with(String::new);
            description.push_str(&who);
            // One extension key only: utoipa keeps extensions in a HashMap, so two keys would be
            // written in a different order on each run and the committed document would never
            // match. The token scope is in the description above.
            let mut ext = utoipa::openapi::extensions::Extensions::default();
            ext.insert("x-permitted-roles".to_owned(), serde_json::json!(roles));
            op.extensions
                .get_or_insert_with(Default::default)
                .merge(ext);
        }
    });
}

/// JSON that keeps the order of object keys as written (serde_json's `Value` sorts them).
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
enum Ordered {
    Null(()),
    Bool(bool),
    Number(serde_json::Number),
    String(String),
    Array(Vec<Ordered>),
    Object(indexmap::IndexMap<String, Ordered>),
}

/// The document as JSON, the same on every run. utoipa keeps an operation's extensions in a
/// `HashMap`, so an operation with two (`x-permitted-roles`, `x-token-scope`) would come out
/// in either order; here each operation's `x-` keys are sorted, everything else keeps its
/// order.
pub fn stable_json(doc: &utoipa::openapi::OpenApi, pretty: bool) -> String {
    let text = doc.to_json().expect("the document serialises");
    let mut value: Ordered = serde_json::from_str(&text).expect("the document parses");
    if let Ordered::Object(root) = &mut value {
        if let Some(Ordered::Object(paths)) = root.get_mut("paths") {
            for item in paths.values_mut() {
                let Ordered::Object(item) = item else {
                    continue;
                };
                for op in item.values_mut() {
                    if let Ordered::Object(map) = op {
                        map.sort_by(|a, _, b, _| {
                            let key = |k: &str| {
                                if k.starts_with("x-") {
                                    (1, k.to_owned())
                                } else {
                                    (0, String::new())
                                }
                            };
                            key(a).cmp(&key(b))
                        });
                    }
                }
            }
        }
    }
    if pretty {
        serde_json::to_string_pretty(&value)
    } else {
        serde_json::to_string(&value)
    }
    .expect("the document serialises")
}
