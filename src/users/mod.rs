//! Accounts: the office's staff and leaders, and registered members of the public.

pub mod routes;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::audit;
use crate::auth::{Role, password};
use crate::caller::Caller;
use crate::db::schema::{sessions, users};
use crate::error::{AppError, AppResult, FieldError};
use crate::state::AppState;

/// An account, as shown to its owner and to leaders. Never includes the password hash.
#[derive(Debug, Serialize, ToSchema, Queryable, Selectable)]
#[diesel(table_name = users)]
#[schema(example = json!({"id": "0b4c5d1e-2f3a-4b5c-8d9e-0f1a2b3c4d5e", "username": "wang.li", "display_name": "王丽", "role": "staff", "disabled": false, "created_at": "2026-01-05T08:00:00Z", "updated_at": "2026-01-05T08:00:00Z"}))]
pub struct User {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    #[schema(value_type = Role)]
    pub role: String,
    /// A disabled account cannot sign in; its tokens stopped working when it was disabled.
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A validated new account.
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub password: SecretString,
}

/// Checks a username: 3 to 64 characters, letters (any script), digits, `.`, `_`, `-`, `@`.
pub fn check_username(username: &str) -> Result<(), FieldError> {
    let n = username.chars().count();
    if !(3..=64).contains(&n) {
        return Err(FieldError::new("username", "3 to 64 characters"));
    }
    if !username
        .chars()
        .all(|c| c.is_alphanumeric() || "._-@".contains(c))
    {
        return Err(FieldError::new(
            "username",
            "letters, digits, '.', '_', '-' and '@' only",
        ));
    }
    Ok(())
}

/// Checks a display name: 1 to 100 characters, no control characters.
pub fn check_display_name(name: &str) -> Result<(), FieldError> {
    let n = name.trim().chars().count();
    if n == 0 || n > 100 {
        return Err(FieldError::new("display_name", "1 to 100 characters"));
    }
    if name.chars().any(char::is_control) {
        return Err(FieldError::new(
            "display_name",
            "control characters are not allowed",
        ));
    }
    Ok(())
}

impl NewUser {
    /// Validates every field, reporting all problems at once.
    pub fn parse(
        username: String,
        display_name: Option<String>,
        role: Role,
        password: SecretString,
    ) -> AppResult<Self> {
        let username = username.trim().to_owned();
        let display_name = display_name
            .map(|d| d.trim().to_owned())
            .unwrap_or_else(|| username.clone());
        let mut errors = Vec::new();
        if let Err(e) = check_username(&username) {
            errors.push(e);
        }
        if let Err(e) = check_display_name(&display_name) {
            errors.push(e);
        }
        if let Err(AppError::Validation(mut e)) =
            password::check_policy("password", password.expose_secret(), &username)
        {
            errors.append(&mut e);
        }
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        Ok(Self {
            username,
            display_name,
            role,
            password,
        })
    }
}

/// Creates an account (hashing its password off the executor) and records who created it.
pub async fn create(state: &AppState, by: &Caller, new: NewUser) -> AppResult<User> {
    let hash = state.hasher.hash(&new.password).await?;
    let mut conn = state.pool.get().await?;
    insert(&mut conn, by.into(), &new, &hash).await
}

/// Inserts an account whose password is already hashed.
pub async fn insert(
    conn: &mut AsyncPgConnection,
    actor: audit::Actor,
    new: &NewUser,
    hash: &str,
) -> AppResult<User> {
    conn.transaction(async |conn| {
        let taken: i64 = users::table
            .filter(crate::db::lower(users::username).eq(new.username.to_lowercase()))
            .count()
            .get_result(conn)
            .await?;
        if taken > 0 {
            return Err(AppError::conflict(format!(
                "the username {} is taken",
                new.username
            )));
        }
        let user: User = diesel::insert_into(users::table)
            .values((
                users::username.eq(&new.username),
                users::display_name.eq(&new.display_name),
                users::role.eq(new.role.as_str()),
                users::password_hash.eq(hash),
            ))
            .returning(User::as_returning())
            .get_result(conn)
            .await
            .map_err(|e| match AppError::from(e) {
                AppError::Conflict { .. } => {
                    AppError::conflict(format!("the username {} is taken", new.username))
                }
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

pub async fn load(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<User> {
    users::table
        .find(id)
        .select(User::as_select())
        .first(conn)
        .await
        .map_err(AppError::from)
}

/// Revokes the user's sessions (all, or all but `keep`). Their access tokens stop at once.
pub async fn revoke_sessions(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    keep: Option<Uuid>,
    reason: &str,
) -> Result<usize, diesel::result::Error> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert!(check_username("wang.li").is_ok());
        assert!(
            check_username("王丽").is_err(),
            "two characters is too short"
        );
        assert!(check_username("王丽华").is_ok());
        assert!(check_username("a b c").is_err());
        assert!(check_username("ab").is_err());
        assert!(check_username(&"a".repeat(65)).is_err());
        assert!(check_username("x'; DROP TABLE users;--").is_err());
    }

    #[test]
    fn new_users_report_every_bad_field() {
        let err = NewUser::parse(
            "a".into(),
            Some("\u{0}".into()),
            Role::Public,
            SecretString::from("short"),
        )
        .err()
        .unwrap();
        let AppError::Validation(errors) = err else {
            panic!()
        };
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["username", "display_name", "password"]);
    }
}
