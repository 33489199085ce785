//! The annual report (政府信息公开工作年度报告): narrative sections written by the office,
//! frozen with a snapshot of the figures when a leader publishes it, rendered as JSON, a
//! printable HTML page in the national format, or Markdown.
//!
//! `model` holds the sections and the report, `repo` the statements, `service` writing and
//! publishing, `render` the HTML page and the Markdown, `routes` the HTTP side.

pub mod model;
pub mod render;
pub mod repo;
pub mod routes;
pub mod service;

pub use model::{MAX_SECTION_CHARS, Report, ReportDraft, ReportSections};
