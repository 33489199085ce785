//! What a sign-in or a refresh answers.

use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::policy::Role;
use crate::auth::tokens::JwtKeys;

/// A new access token and the refresh token that gets the next one.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"access_token": "eyJhbGciOiJIUzI1NiJ9…", "token_type": "Bearer", "expires_in": 900, "refresh_token": "Vq3…"}))]
pub struct TokenPair {
    /// A JWT to send as `Authorization: Bearer <access_token>`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// Single use: exchange it at `/api/v1/auth/refresh` for a new pair.
    pub refresh_token: String,
}

impl TokenPair {
    /// An access token for the session, with the session's next refresh token.
    pub fn issue(
        jwt: &JwtKeys,
        user: Uuid,
        role: Role,
        session: Uuid,
        refresh_token: String,
    ) -> Self {
        Self {
            access_token: jwt.issue(user, role, session),
            token_type: "Bearer",
            expires_in: jwt.ttl.as_secs(),
            refresh_token,
        }
    }
}
