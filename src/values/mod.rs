//! Parsed values: one type for each kind of input value, holding its one rule.
//!
//! Every kind of value a caller can send (a line of text, a text of several lines, a phone
//! number, an e-mail address, an identity number, a credit code, a year) is a type here, and
//! its rule lives in that type alone: `parse` for values that arrive outside a JSON body (an
//! import row, a path segment), and [`garde::Validate`] for request bodies and query strings,
//! whose extractors validate before a handler sees them. Each type also describes itself to the
//! OpenAPI document (`ToSchema`), with the limits its rule enforces, so the document and the
//! code cannot disagree.
//!
//! Why not `#[serde(try_from)]`: deserialisation stops at the first bad field, and the API
//! names every bad field of a request at once. So these types deserialise their text as sent
//! (trimmed, nothing refused) and the extractor's validation reports all of them, with their
//! paths (`applicant.name`, `rows[3].title`).

pub mod contact;
pub mod identity;
pub mod rule;
pub mod text;
pub mod year;

pub use contact::{Email, Phone};
pub use identity::{CreditCode, DocumentNumber, ResidentId};
pub use rule::{Invalid, Value, blank_as_none, field_errors};
pub use year::{CalendarYear, StatsYear};
