//! Signing in and out, refreshing, registering, and changing one's own password.
//!
//! Passwords are verified and hashed with no connection held: a burst of sign-ins waits on the
//! hasher, not on the pool.

use std::net::IpAddr;

use chrono::Utc;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use uuid::Uuid;

use super::model::{ChangePasswordRequest, LoginRequest, RegisterRequest};
use super::repo;
use super::views::TokenPair;
use crate::audit::{self, Actor};
use crate::auth::policy::Role;
use crate::auth::tokens;
use crate::caller::Caller;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::users::{self, NewUser, User};

fn bad_credentials() -> AppError {
    AppError::Unauthorized("wrong username or password".into())
}

/// Signs in with a username and password: throttled per client address and per username; an
/// unknown username and a wrong password get the same answer in about the same time.
pub async fn login(state: &AppState, client: IpAddr, body: LoginRequest) -> AppResult<TokenPair> {
    state.login_by_ip.check(&client).await?;
    state
        .login_by_name
        .check(&body.username.to_lowercase())
        .await?;

    let mut conn = state.pool.get().await?;
    let found = repo::account_by_username(&mut conn, &body.username).await?;
    // Release the connection while the hash is computed.
    drop(conn);
    let ok = state
        .hasher
        .verify(
            &body.password,
            found.as_ref().map(|a| a.password_hash.as_str()),
        )
        .await?;
    let Some(account) = found else {
        return Err(bad_credentials());
    };
    if !ok || account.disabled {
        tracing::info!(user_id = %account.id, "failed sign-in");
        return Err(bad_credentials());
    }
    let mut conn = state.pool.get().await?;
    open_session(&mut conn, state, account.id, account.role).await
}

/// Opens a session for the user: a refresh token row and an access token.
async fn open_session(
    conn: &mut AsyncPgConnection,
    state: &AppState,
    user_id: Uuid,
    role: Role,
) -> AppResult<TokenPair> {
    let refresh_token = tokens::random_token("");
    let expires_at = Utc::now() + state.config.refresh_token_ttl;
    let session_id = conn
        .transaction(async |conn| {
            let session_id = repo::open(
                conn,
                user_id,
                expires_at,
                &tokens::token_hash(&refresh_token),
            )
            .await?;
            audit::record(
                conn,
                Actor::user(user_id, role),
                "auth.login",
                "session",
                Some(session_id.to_string()),
                serde_json::json!({}),
            )
            .await?;
            Ok::<_, AppError>(session_id)
        })
        .await?;
    Ok(TokenPair::issue(
        &state.jwt,
        user_id,
        role,
        session_id,
        refresh_token,
    ))
}

enum RefreshOutcome {
    Renewed(Uuid, Role, Uuid),
    Reused,
    Invalid,
}

/// Exchanges a refresh token for a new pair. Refresh tokens rotate: each works once, and one
/// presented again (it was copied) revokes its whole session.
pub async fn refresh(state: &AppState, refresh_token: &str) -> AppResult<TokenPair> {
    let hash = tokens::token_hash(refresh_token);
    let next = tokens::random_token("");
    let next_hash = tokens::token_hash(&next);
    let ttl = state.config.refresh_token_ttl;
    let mut conn = state.pool.get().await?;
    let outcome = conn
        .transaction(async |conn| {
            // Lock the token row: of two concurrent refreshes with one token, one wins.
            let Some((used_at, session_id)) = repo::lock_refresh_token(conn, &hash).await? else {
                return Ok::<_, AppError>(RefreshOutcome::Invalid);
            };
            let now = Utc::now();
            let Some((user_id, role)) = repo::live_session_user(conn, session_id, now).await?
            else {
                return Ok(RefreshOutcome::Invalid);
            };
            if used_at.is_some() {
                repo::revoke(conn, session_id, now, "refresh_token_reuse").await?;
                audit::record(
                    conn,
                    Actor::user(user_id, role),
                    "auth.session_revoked",
                    "session",
                    Some(session_id.to_string()),
                    serde_json::json!({"reason": "refresh_token_reuse"}),
                )
                .await?;
                return Ok(RefreshOutcome::Reused);
            }
            repo::mark_used(conn, &hash, now).await?;
            repo::add_refresh_token(conn, session_id, &next_hash).await?;
            repo::extend(conn, session_id, now, now + ttl).await?;
            Ok(RefreshOutcome::Renewed(user_id, role, session_id))
        })
        .await?;
    match outcome {
        RefreshOutcome::Renewed(user, role, session) => {
            Ok(TokenPair::issue(&state.jwt, user, role, session, next))
        }
        RefreshOutcome::Reused => {
            tracing::warn!("refresh token reused: session revoked");
            Err(AppError::Unauthorized(
                "this refresh token was already used; the session is revoked, sign in again".into(),
            ))
        }
        RefreshOutcome::Invalid => Err(AppError::Unauthorized(
            "the refresh token is invalid, expired or revoked".into(),
        )),
    }
}

/// Signs out: revokes the session of the refresh token (already revoked is fine).
pub async fn logout(state: &AppState, refresh_token: &str) -> AppResult<()> {
    let hash = tokens::token_hash(refresh_token);
    let mut conn = state.pool.get().await?;
    conn.transaction(async |conn| {
        let Some((session_id, user_id, role, revoked_at)) =
            repo::lock_session_of(conn, &hash).await?
        else {
            return Err(AppError::Unauthorized("unknown refresh token".into()));
        };
        if revoked_at.is_none() {
            repo::revoke(conn, session_id, Utc::now(), "logout").await?;
            audit::record(
                conn,
                Actor::user(user_id, role),
                "auth.logout",
                "session",
                Some(session_id.to_string()),
                serde_json::json!({}),
            )
            .await?;
        }
        Ok(())
    })
    .await
}

/// Creates a `public` account, throttled per client address like sign-in.
pub async fn register(state: &AppState, client: IpAddr, body: RegisterRequest) -> AppResult<User> {
    state.login_by_ip.check(&client).await?;
    let new = NewUser::new(
        body.username,
        body.display_name,
        Role::Public,
        body.password,
    );
    users::create(state, &Caller::Anonymous, new).await
}

/// Changes the caller's own password and signs out the caller's other sessions.
pub async fn change_own_password(
    state: &AppState,
    caller: &Caller,
    body: ChangePasswordRequest,
) -> AppResult<()> {
    let me = caller.require_user()?;
    body.new_password
        .check_apart_from(&me.username)
        .map_err(|message| AppError::invalid("new_password", message))?;
    let mut conn = state.pool.get().await?;
    let current = users::repo::password_hash(&mut conn, me.id).await?;
    drop(conn);
    if !state
        .hasher
        .verify(&body.current_password, Some(&current))
        .await?
    {
        return Err(AppError::invalid(
            "current_password",
            "is not the current password",
        ));
    }
    let hash = state.hasher.hash(body.new_password.secret()).await?;
    let mut conn = state.pool.get().await?;
    let (me_id, session) = (me.id, me.session_id);
    conn.transaction(async |conn| {
        users::repo::set_password_hash(conn, me_id, &hash).await?;
        users::repo::revoke_sessions(conn, me_id, Some(session), "password_changed").await?;
        audit::record(
            conn,
            caller,
            "user.password_changed",
            "user",
            Some(me_id.to_string()),
            serde_json::json!({}),
        )
        .await?;
        Ok::<_, AppError>(())
    })
    .await
}
