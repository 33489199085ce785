//! The catalogue of proactively published items (主动公开目录): the model, its rules, the
//! review workflow and the revision history.
//!
//! Staff (and integration tokens with `items:write`) write drafts and submit them; a leader
//! publishes (the confidentiality review, 保密审查) or rejects with a reason, and may withdraw
//! a published item with a reason. A leader may publish a draft directly. Publishing gives
//! the item its index number (索引号), which never changes. Every change bumps `version` and
//! keeps a revision.
//!
//! - `model`: the vocabulary (statuses, categories, validities, actions), the value types of
//!   an item's fields, its rows and what callers send.
//! - `views`: what callers get back, and an item's `ETag`.
//! - `rules`: who sees what, what each status allows, where each step leads, what an edit
//!   changes.
//! - `repo`: the statements; `service`: the operations, each one transaction with its
//!   revision and audit entry (the workflow's `Command` and `perform`).
//! - `list` (filters, search, paging), `search` (the n-gram index), `import` (an existing
//!   catalogue), `attachments` (files), `feed` (Atom).
//! - `routes`: the HTTP handlers.

pub mod attachments;
pub mod feed;
pub mod import;
pub mod list;
pub mod model;
pub mod repo;
pub mod routes;
pub mod rules;
pub mod search;
pub mod service;
pub mod views;

/// The categories the statistics count.
pub use model::Category;
