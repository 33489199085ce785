//! Creating and changing accounts: each a transaction with its audit entry. Passwords are
//! hashed before the transaction, so that no connection waits on the hasher.

use diesel_async::{AsyncConnection, AsyncPgConnection};
use uuid::Uuid;

use super::model::{NewUser, UpdateUserRequest, User};
use super::{repo, rules};
use crate::audit::{self, Actor};
use crate::caller::Caller;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Creates an account (hashing its password off the executor) and records who created it.
pub async fn create(state: &AppState, by: &Caller, new: NewUser) -> AppResult<User> {
    let hash = state.hasher.hash(&new.password).await?;
    let mut conn = state.pool.get().await?;
    insert(&mut conn, by.into(), &new, &hash).await
}

/// Inserts an account whose password is already hashed.
pub async fn insert(
    conn: &mut AsyncPgConnection,
    actor: Actor,
    new: &NewUser,
    hash: &str,
) -> AppResult<User> {
    let taken = || AppError::conflict(format!("the username {} is taken", new.username.as_str()));
    conn.transaction(async |conn| {
        if repo::username_taken(conn, &new.username).await? {
            return Err(taken());
        }
        // Two registrations of one name at once: the unique index refuses the second.
        let user = repo::insert(conn, new, hash)
            .await
            .map_err(|e| match AppError::from(e) {
                AppError::Conflict { .. } => taken(),
                other => other,
            })?;
        audit::record(
            conn,
            actor,
            "user.created",
            "user",
            Some(user.id.to_string()),
            serde_json::json!({"username": user.username, "role": user.role}),
        )
        .await?;
        Ok(user)
    })
    .await
}

/// Changes an account. Disabling, a role change and a password reset sign the user out
/// everywhere, in the same transaction.
pub async fn update(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    changes: UpdateUserRequest,
) -> AppResult<User> {
    let me = caller.require_user()?.id;
    let mut conn = state.pool.get().await?;
    let current = repo::load(&mut conn, id).await?;
    if let Some(password) = &changes.password {
        password
            .check_apart_from(&current.username)
            .map_err(|message| AppError::invalid("password", message))?;
    }
    rules::ensure_not_locking_out(me, id, changes.disabled, changes.role)?;
    drop(conn);
    let hash = match &changes.password {
        Some(password) => Some(state.hasher.hash(password.secret()).await?),
        None => None,
    };
    let mut conn = state.pool.get().await?;
    conn.transaction(async |conn| {
        let user = repo::update(conn, id, &changes, hash.as_deref()).await?;
        let role_changed = changes.role.is_some_and(|r| r != current.role);
        if let Some(reason) = rules::sign_out_reason(changes.disabled, hash.is_some(), role_changed)
        {
            repo::revoke_sessions(conn, id, None, reason).await?;
        }
        audit::record(
            conn,
            caller,
            "user.updated",
            "user",
            Some(id.to_string()),
            serde_json::json!({
                "display_name": changes.display_name,
                "role": changes.role,
                "disabled": changes.disabled,
                "password_reset": hash.is_some(),
            }),
        )
        .await?;
        Ok(user)
    })
    .await
}
