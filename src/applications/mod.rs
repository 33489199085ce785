//! Applications for disclosure (依申请公开): receipt, the statutory deadline, the state machine
//! of the office's handling, the answer, the timeline, and the applicant's remedies (appeals).
//!
//! - `model`: the vocabulary, the value types of the fields, the rows;
//! - `inputs`: what callers send (bodies, the list's query);
//! - `views`: what callers get back;
//! - `rules`: the pure rules: who may read an application (`viewer_of`), what may happen next
//!   (`allowed_actions`), what a new application must hold;
//! - `deadline`: the statutory deadline, from the application's events and the calendar;
//! - `repo`: the SQL;
//! - `service`: the operations, each one transaction (`create`, `perform` with a `Command`,
//!   `recompute_deadlines` for the calendar);
//! - `appeals`: the operations on appeals;
//! - `routes`: the handlers.
//!
//! The rules are asked inside the transaction that holds the application's row lock.

pub mod appeals;
pub mod deadline;
pub mod inputs;
pub mod model;
pub mod repo;
pub mod routes;
pub mod rules;
pub mod service;
pub mod views;

pub use views::{Application, ApplicationSummary};
