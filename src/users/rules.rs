//! What a change of an account may do, and what follows from it.

use uuid::Uuid;

use crate::auth::policy::Role;
use crate::error::AppError;

/// A leader cannot disable or demote their own account, so that the office always keeps a
/// leader who can manage accounts.
pub fn ensure_not_locking_out(
    me: Uuid,
    account: Uuid,
    disabled: Option<bool>,
    role: Option<Role>,
) -> Result<(), AppError> {
    if me == account && (disabled == Some(true) || role.is_some_and(|r| r != Role::Leader)) {
        return Err(AppError::conflict(
            "a leader cannot disable or demote their own account",
        ));
    }
    Ok(())
}

/// Why a change signs the user out everywhere, if it does: disabling, a password reset and a
/// change of role all do.
pub fn sign_out_reason(
    disabled: Option<bool>,
    password_reset: bool,
    role_changed: bool,
) -> Option<&'static str> {
    if disabled == Some(true) {
        Some("disabled")
    } else if password_reset {
        Some("password_reset")
    } else if role_changed {
        Some("role_changed")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaders_keep_their_own_account() {
        let (me, other) = (Uuid::new_v4(), Uuid::new_v4());
        assert!(ensure_not_locking_out(me, me, Some(true), None).is_err());
        assert!(ensure_not_locking_out(me, me, None, Some(Role::Staff)).is_err());
        assert!(ensure_not_locking_out(me, me, Some(false), Some(Role::Leader)).is_ok());
        assert!(ensure_not_locking_out(me, other, Some(true), Some(Role::Public)).is_ok());
    }

    #[test]
    fn disabling_resets_and_role_changes_sign_out() {
        assert_eq!(sign_out_reason(Some(true), true, true), Some("disabled"));
        assert_eq!(
            sign_out_reason(Some(false), true, true),
            Some("password_reset")
        );
        assert_eq!(sign_out_reason(None, false, true), Some("role_changed"));
        assert_eq!(sign_out_reason(Some(false), false, false), None);
    }
}
