//! The one shape of every workflow (catalogue items, applications, feedback).
//!
//! A feature with a state machine declares its actions as a vocabulary (`Act`, a
//! `text_enum!`: these names are what `allowed_actions` lists), its validated inputs as a
//! `Command` enum (one variant per action, carrying what the action needs), a pure
//! `allowed_actions(row, viewer, …) -> Vec<Act>` in its `rules`, and one `perform(conn,
//! caller, id, command, …)` that locks the row, asks the rules, applies the change and records
//! it (timeline, revision, audit) in one transaction. An action that the state does not allow
//! is refused here, the same way everywhere: 409 with what is allowed now.

use std::fmt::Display;

use crate::error::{AppError, AppResult};

/// A validated request for one action of a workflow.
pub trait Command {
    /// The workflow's vocabulary of actions.
    type Act: Copy + Eq + Display;

    /// The action this command performs.
    fn act(&self) -> Self::Act;
}

/// 409 unless `act` is among `allowed`. `state` names where the case is ("the item is
/// draft"); `why` adds the time limit or rule behind a refusal the state alone would allow
/// (empty when there is none).
pub fn ensure_allowed<A: Copy + Eq + Display>(
    act: A,
    allowed: &[A],
    state: impl FnOnce() -> String,
    why: impl FnOnce() -> String,
) -> AppResult<()> {
    if allowed.contains(&act) {
        return Ok(());
    }
    let why = why();
    let detail = crate::tr!("workflow.not_allowed", act = act, state = state());
    Err(AppError::Conflict {
        detail: if why.is_empty() {
            detail
        } else {
            crate::tr!("workflow.not_allowed_because", refusal = detail, why = why)
        }
        .into(),
        allowed_actions: Some(allowed.iter().map(|a| a.to_string()).collect()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_name_the_action_the_state_and_what_is_allowed() {
        assert!(ensure_allowed("submit", &["submit", "edit"], String::new, String::new).is_ok());
        let err = ensure_allowed(
            "extend",
            &["answer"],
            || "the application is received".into(),
            || "the deadline has passed".into(),
        )
        .unwrap_err();
        let p = err.to_problem();
        assert_eq!(p.status, 409);
        assert_eq!(
            p.detail.as_deref(),
            Some("extend is not allowed now: the application is received; the deadline has passed")
        );
        assert_eq!(p.allowed_actions, Some(vec!["answer".to_owned()]));
    }
}
