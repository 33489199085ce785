//! Accounts in the database, and the sessions they sign out of.

use chrono::Utc;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::result::Error;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::model::{NewUser, UpdateUserRequest, User, UserQuery};
use crate::db::schema::{sessions, users};
use crate::db::{escape_like, lower};
use crate::pagination::Paging;

/// Whether an account has this username, in any case.
pub async fn username_taken(conn: &mut AsyncPgConnection, username: &str) -> Result<bool, Error> {
    let taken: i64 = users::table
        .filter(lower(users::username).eq(username.to_lowercase()))
        .count()
        .get_result(conn)
        .await?;
    Ok(taken > 0)
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    new: &NewUser,
    hash: &str,
) -> Result<User, Error> {
    diesel::insert_into(users::table)
        .values((
            users::username.eq(new.username.as_str()),
            users::display_name.eq(new.display_name.as_str()),
            users::role.eq(new.role),
            users::password_hash.eq(hash),
        ))
        .returning(User::as_returning())
        .get_result(conn)
        .await
}

pub async fn load(conn: &mut AsyncPgConnection, id: Uuid) -> Result<User, Error> {
    users::table
        .find(id)
        .select(User::as_select())
        .first(conn)
        .await
}

/// A page of the accounts the query selects, oldest first, and how many it selects in all.
pub async fn list(
    conn: &mut AsyncPgConnection,
    query: &UserQuery,
    paging: Paging,
) -> Result<(Vec<User>, i64), Error> {
    let filtered = || {
        let mut q = users::table.into_boxed::<Pg>();
        if let Some(role) = query.role {
            q = q.filter(users::role.eq(role));
        }
        if let Some(disabled) = query.disabled {
            q = q.filter(users::disabled.eq(disabled));
        }
        if let Some(text) = query.q.as_deref().filter(|t| !t.is_empty()) {
            let pattern = format!("%{}%", escape_like(text));
            q = q.filter(
                users::username
                    .ilike(pattern.clone())
                    .or(users::display_name.ilike(pattern)),
            );
        }
        q
    };
    let total: i64 = filtered().count().get_result(conn).await?;
    let items = filtered()
        .order((users::created_at.asc(), users::id.asc()))
        .offset(paging.offset())
        .limit(paging.limit())
        .select(User::as_select())
        .load(conn)
        .await?;
    Ok((items, total))
}

/// Applies the changes that are given; `hash` is the new password's.
pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    changes: &UpdateUserRequest,
    hash: Option<&str>,
) -> Result<User, Error> {
    diesel::update(users::table.find(id))
        .set((
            changes
                .display_name
                .as_ref()
                .map(|d| users::display_name.eq(d.as_str())),
            changes.role.map(|r| users::role.eq(r)),
            changes.disabled.map(|d| users::disabled.eq(d)),
            hash.map(|h| users::password_hash.eq(h)),
            // Keeps the statement valid when nothing else is set.
            users::id.eq(id),
        ))
        .returning(User::as_returning())
        .get_result(conn)
        .await
}

pub async fn password_hash(conn: &mut AsyncPgConnection, id: Uuid) -> Result<String, Error> {
    users::table
        .find(id)
        .select(users::password_hash)
        .first(conn)
        .await
}

pub async fn set_password_hash(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    hash: &str,
) -> Result<(), Error> {
    diesel::update(users::table.find(id))
        .set(users::password_hash.eq(hash))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Revokes the user's sessions (all, or all but `keep`). Their access tokens stop at once.
pub async fn revoke_sessions(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    keep: Option<Uuid>,
    reason: &str,
) -> Result<usize, Error> {
    let mut q = diesel::update(sessions::table)
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::revoked_at.is_null())
        .into_boxed();
    if let Some(keep) = keep {
        q = q.filter(sessions::id.ne(keep));
    }
    q.set((
        sessions::revoked_at.eq(Utc::now()),
        sessions::revoked_reason.eq(reason),
    ))
    .execute(conn)
    .await
}
