//! The shared HTTP layer, below every feature: the outermost middleware (request ids, logs,
//! metrics, security and cache headers, problem documents), the route table (404/405),
//! extractors that answer with problem documents, content negotiation and conditional requests.

pub mod cache;
pub mod client;
pub mod conditional;
pub mod extract;
pub mod in_flight;
pub mod json;
pub mod negotiate;
pub mod observe;
pub mod route_table;

pub use client::TrustedProxies;
pub use conditional::{ETag, IfMatch, with_etag};
pub use extract::{
    ACCESS_CODE_HEADER, OptionalJson, Query, access_code, client_ip, path_config, query_config,
};
pub use in_flight::InFlight;
pub use json::{BodyTimeout, Json, JsonLimit, parse_json, parse_json_unchecked};
pub use negotiate::negotiate;
pub use observe::{DefaultLanguage, REQUEST_ID, observe};
pub use route_table::{RouteTable, fallback};
