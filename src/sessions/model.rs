//! What callers send to sign in, refresh, sign out, register and change their password.

use secrecy::SecretString;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::password::NewPassword;
use crate::users::model::{DisplayName, Username, without_username};

/// Credentials.
#[derive(Deserialize, ToSchema, garde::Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"username": "wang.li", "password": "correct horse battery"}))]
pub struct LoginRequest {
    // Compared, not validated: a name that is no account's gets the answer a wrong password
    // gets.
    #[garde(skip)]
    pub username: String,
    #[schema(value_type = String, format = Password)]
    #[garde(skip)]
    pub password: SecretString,
}

/// A refresh token.
#[derive(Deserialize, ToSchema, garde::Validate)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    // Looked up by its hash: any other text is an unknown token.
    #[garde(skip)]
    pub refresh_token: String,
}

/// A new public account.
#[derive(Deserialize, ToSchema, garde::Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"username": "li.ming", "password": "correct horse battery", "display_name": "李明"}))]
pub struct RegisterRequest {
    /// 3 to 64 letters, digits, `.`, `_`, `-` or `@`; unique regardless of case.
    #[garde(dive)]
    pub username: Username,
    /// At least 10 characters, not among the most common passwords, without the username.
    #[garde(dive, custom(without_username(&self.username)))]
    pub password: NewPassword,
    /// The name shown to the office; defaults to the username.
    #[garde(dive)]
    pub display_name: Option<DisplayName>,
}

/// A change of one's own password.
#[derive(Deserialize, ToSchema, garde::Validate)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    // Compared with the account's password.
    #[schema(value_type = String, format = Password)]
    #[garde(skip)]
    pub current_password: SecretString,
    /// At least 10 characters, not among the most common passwords, without the username.
    // The username is checked against it once the caller is known.
    #[garde(dive)]
    pub new_password: NewPassword,
}
