//! Accounts: their values (usernames, display names), the row, and what callers send.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::password::NewPassword;
use crate::auth::policy::Role;
use crate::db::schema::users;
use crate::error::{AppError, AppResult, FieldError};
use crate::values::contact::string_value;
use crate::values::rule::{Invalid, Value};

/// Shortest and longest usernames, in characters.
const USERNAME_CHARS: std::ops::RangeInclusive<usize> = 3..=64;

string_value!(
    /// A username: 3 to 64 letters (any script), digits, `.`, `_`, `-` or `@`; unique
    /// regardless of case.
    Username,
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(
            "3 to 64 letters, digits, `.`, `_`, `-` or `@`; unique regardless of case.",
        ))
        .min_length(Some(*USERNAME_CHARS.start()))
        .max_length(Some(*USERNAME_CHARS.end()))
        .pattern(Some(r"^[\p{L}\p{N}._@-]+$"))
);

impl Username {
    fn canonical(raw: &str) -> String {
        raw.trim().to_owned()
    }

    /// The display name of an account created without one: its username, which is always a
    /// valid display name (a short line without control characters).
    pub fn as_display_name(&self) -> DisplayName {
        DisplayName::parse(&self.0).expect("a username is a valid display name")
    }
}

impl Value for Username {
    fn check(&self) -> Result<(), Invalid> {
        let (min, max) = (USERNAME_CHARS.start(), USERNAME_CHARS.end());
        if !USERNAME_CHARS.contains(&self.0.chars().count()) {
            return Err(format!("{min} to {max} characters").into());
        }
        if !self
            .0
            .chars()
            .all(|c| c.is_alphanumeric() || "._-@".contains(c))
        {
            return Err("letters, digits, '.', '_', '-' and '@' only".into());
        }
        Ok(())
    }
}

crate::text_value! {
    /// The name shown to the office.
    pub DisplayName: Line, 1..=100;
    /// Part of a username or display name, as typed in a search box.
    pub UserSearch: Line, 0..=100;
}

/// The rule that needs a password and its username together: the password must not contain
/// it (for `#[garde(custom(…))]` on a request with both). A password that breaks its own rules
/// is reported by them alone.
pub fn without_username(username: &str) -> impl FnOnce(&NewPassword, &()) -> garde::Result + '_ {
    move |password, _| match password.check() {
        Err(_) => Ok(()),
        Ok(()) => password
            .check_apart_from(username)
            .map_err(garde::Error::new),
    }
}

/// An account, as shown to its owner and to leaders. Never includes the password hash.
#[derive(Debug, Serialize, ToSchema, Queryable, Selectable)]
#[diesel(table_name = users)]
#[schema(example = json!({"id": "0b4c5d1e-2f3a-4b5c-8d9e-0f1a2b3c4d5e", "username": "wang.li", "display_name": "王丽", "role": "staff", "disabled": false, "created_at": "2026-01-05T08:00:00Z", "updated_at": "2026-01-05T08:00:00Z"}))]
pub struct User {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// A disabled account cannot sign in; its tokens stopped working when it was disabled.
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A validated new account.
pub struct NewUser {
    pub username: Username,
    pub display_name: DisplayName,
    pub role: Role,
    pub password: SecretString,
}

impl NewUser {
    /// A new account from a validated request; without a display name, the username is shown.
    pub fn new(
        username: Username,
        display_name: Option<DisplayName>,
        role: Role,
        password: NewPassword,
    ) -> Self {
        Self {
            display_name: display_name.unwrap_or_else(|| username.as_display_name()),
            username,
            role,
            password: password.secret().clone(),
        }
    }

    /// Validates every field given outside a request body (the command line, seeds),
    /// reporting all problems at once.
    pub fn parse(
        username: String,
        display_name: Option<String>,
        role: Role,
        password: SecretString,
    ) -> AppResult<Self> {
        let mut errors = Vec::new();
        let mut report = |field: &str, result: Result<(), Invalid>| {
            if let Err(message) = result {
                errors.push(FieldError::new(field, message));
            }
        };
        let name = Username::parse(&username);
        report("username", outcome(&name));
        let display_name = display_name.map(|d| DisplayName::parse(&d)).transpose();
        report("display_name", outcome(&display_name));
        let password = NewPassword::parse(password)
            .and_then(|p| p.check_apart_from(username.trim()).map(|()| p));
        report("password", outcome(&password));
        match (name, display_name, password) {
            (Ok(username), Ok(display_name), Ok(password)) if errors.is_empty() => {
                Ok(Self::new(username, display_name, role, password))
            }
            _ => Err(AppError::Validation(errors)),
        }
    }
}

/// Whether a value was accepted, without the value.
fn outcome<T>(result: &Result<T, Invalid>) -> Result<(), Invalid> {
    result.as_ref().map(|_| ()).map_err(Clone::clone)
}

/// Filters of the account list.
#[derive(Deserialize, IntoParams, garde::Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    /// Only accounts with this role.
    #[garde(skip)]
    pub role: Option<Role>,
    /// Only disabled (`true`) or active (`false`) accounts.
    #[garde(skip)]
    pub disabled: Option<bool>,
    /// Part of the username or display name.
    #[param(inline)]
    #[garde(dive)]
    pub q: Option<UserSearch>,
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 100000)]
    #[garde(skip)] // `Paging::parse` checks it, with `per_page`.
    pub page: Option<i64>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    #[garde(skip)]
    pub per_page: Option<i64>,
}

/// A new account for the office or the public.
#[derive(Deserialize, ToSchema, garde::Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"username": "wang.li", "display_name": "王丽", "role": "staff", "password": "correct horse battery"}))]
pub struct CreateUserRequest {
    /// 3 to 64 letters, digits, `.`, `_`, `-` or `@`; unique regardless of case.
    #[garde(dive)]
    pub username: Username,
    #[garde(dive)]
    pub display_name: Option<DisplayName>,
    #[garde(skip)]
    pub role: Role,
    /// The first password; the user should change it. At least 10 characters, not among
    /// the most common passwords, without the username.
    #[garde(dive, custom(without_username(&self.username)))]
    pub password: NewPassword,
}

/// Changes to an account; absent fields stay as they are.
#[derive(Deserialize, ToSchema, garde::Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"disabled": true}))]
pub struct UpdateUserRequest {
    #[garde(dive)]
    pub display_name: Option<DisplayName>,
    #[garde(skip)]
    pub role: Option<Role>,
    /// Disabling signs the user out everywhere, at once.
    #[garde(skip)]
    pub disabled: Option<bool>,
    /// A password reset; signs the user out everywhere. Same rules as a new password.
    // The account's username is checked against it once the account is loaded.
    #[garde(dive)]
    pub password: Option<NewPassword>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        let ok = |s: &str| Username::parse(s).is_ok();
        assert!(ok("wang.li"));
        assert!(!ok("王丽"), "two characters is too short");
        assert!(ok("王丽华"));
        assert!(!ok("a b c"));
        assert!(!ok("ab"));
        assert!(!ok(&"a".repeat(65)));
        assert!(!ok("x'; DROP TABLE users;--"));
        assert_eq!(Username::parse("  wang.li ").unwrap().as_str(), "wang.li");
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

    #[test]
    fn a_password_must_not_contain_the_username() {
        let parse = |username: &str, password: &str| {
            NewUser::parse(
                username.into(),
                None,
                Role::Public,
                SecretString::from(password.to_owned()),
            )
        };
        assert!(parse("zhangsan", "zhangsan-secret").is_err());
        assert!(parse("zhangsan", "correct horse battery").is_ok());
        let request: CreateUserRequest = serde_json::from_value(serde_json::json!(
            {"username": "ZhangSan", "role": "staff", "password": "my zhangsan secret"}
        ))
        .unwrap();
        let errors = crate::values::field_errors(garde::Validate::validate(&request).unwrap_err());
        assert_eq!(errors[0].field, "password");
        assert_eq!(errors[0].message, "must not contain the username");
    }

    #[test]
    fn display_names_default_to_the_username() {
        let new = NewUser::parse(
            " wang.li ".into(),
            None,
            Role::Staff,
            SecretString::from("correct horse battery"),
        )
        .ok()
        .unwrap();
        assert_eq!(new.display_name.as_str(), "wang.li");
    }
}
