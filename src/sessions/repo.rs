//! Sessions and their refresh tokens in the database.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::result::Error;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::auth::policy::Role;
use crate::db::lower;
use crate::db::schema::{refresh_tokens, sessions, users};

/// What sign-in needs to know of an account.
#[derive(Queryable)]
pub struct Account {
    pub id: Uuid,
    pub role: Role,
    pub password_hash: String,
    pub disabled: bool,
}

/// The account with this username, in any case.
pub async fn account_by_username(
    conn: &mut AsyncPgConnection,
    username: &str,
) -> Result<Option<Account>, Error> {
    users::table
        .filter(lower(users::username).eq(username.to_lowercase()))
        .select((
            users::id,
            users::role,
            users::password_hash,
            users::disabled,
        ))
        .first(conn)
        .await
        .optional()
}

/// Opens a session with its first refresh token; returns the session's id.
pub async fn open(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    expires_at: DateTime<Utc>,
    refresh_token_hash: &[u8],
) -> Result<Uuid, Error> {
    let session_id: Uuid = diesel::insert_into(sessions::table)
        .values((
            sessions::user_id.eq(user_id),
            sessions::expires_at.eq(expires_at),
        ))
        .returning(sessions::id)
        .get_result(conn)
        .await?;
    add_refresh_token(conn, session_id, refresh_token_hash).await?;
    Ok(session_id)
}

pub async fn add_refresh_token(
    conn: &mut AsyncPgConnection,
    session_id: Uuid,
    token_hash: &[u8],
) -> Result<(), Error> {
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::token_hash.eq(token_hash),
            refresh_tokens::session_id.eq(session_id),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// A refresh token, locked until the end of the transaction: when it was used, and its
/// session.
pub async fn lock_refresh_token(
    conn: &mut AsyncPgConnection,
    token_hash: &[u8],
) -> Result<Option<(Option<DateTime<Utc>>, Uuid)>, Error> {
    refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(token_hash))
        .select((refresh_tokens::used_at, refresh_tokens::session_id))
        .for_update()
        .first(conn)
        .await
        .optional()
}

pub async fn mark_used(
    conn: &mut AsyncPgConnection,
    token_hash: &[u8],
    at: DateTime<Utc>,
) -> Result<(), Error> {
    diesel::update(refresh_tokens::table.find(token_hash))
        .set(refresh_tokens::used_at.eq(at))
        .execute(conn)
        .await
        .map(|_| ())
}

/// The user of a session that is neither revoked nor expired, whose account is enabled.
pub async fn live_session_user(
    conn: &mut AsyncPgConnection,
    session_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<(Uuid, Role)>, Error> {
    sessions::table
        .inner_join(users::table)
        .filter(sessions::id.eq(session_id))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .filter(users::disabled.eq(false))
        .select((users::id, users::role))
        .first(conn)
        .await
        .optional()
}

/// Keeps a session alive until `expires_at`.
pub async fn extend(
    conn: &mut AsyncPgConnection,
    session_id: Uuid,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<(), Error> {
    diesel::update(sessions::table.find(session_id))
        .set((
            sessions::last_used_at.eq(now),
            sessions::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn revoke(
    conn: &mut AsyncPgConnection,
    session_id: Uuid,
    at: DateTime<Utc>,
    reason: &str,
) -> Result<(), Error> {
    diesel::update(sessions::table.find(session_id))
        .set((
            sessions::revoked_at.eq(at),
            sessions::revoked_reason.eq(reason),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// The session of a refresh token (used or not), locked: its id, its user and role, and when
/// it was revoked.
pub async fn lock_session_of(
    conn: &mut AsyncPgConnection,
    token_hash: &[u8],
) -> Result<Option<(Uuid, Uuid, Role, Option<DateTime<Utc>>)>, Error> {
    refresh_tokens::table
        .inner_join(sessions::table.inner_join(users::table))
        .filter(refresh_tokens::token_hash.eq(token_hash))
        .select((sessions::id, users::id, users::role, sessions::revoked_at))
        .for_update()
        .first(conn)
        .await
        .optional()
}
