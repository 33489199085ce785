//! The public feedback register (群众意见): every consultation, complaint and suggestion from
//! the public is registered one by one (逐条登记) with a yearly register number, assigned to a
//! member of the office, handled, answered within a number of working days, and closed. The
//! submitter follows the case with their account or an access code and may rate the reply once;
//! a leader may put a question and its reply on the public board without personal data.
//!
//! The handling is a workflow (`crate::workflow`): the office's actions are `model::Act`, each
//! a `service::Command` performed by `service::perform`; `rules::allowed_actions` says what the
//! entry's state allows. Notes and ratings are not steps: a note may be added in any state, and
//! a rating is the submitter's, once, after the reply. `privacy` keeps personal data off the
//! public board.

pub mod model;
pub mod privacy;
pub mod repo;
pub mod routes;
pub mod rules;
pub mod service;
pub mod views;
