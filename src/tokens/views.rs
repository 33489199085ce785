//! What the creation of a token answers: the token, with its secret this once.

use serde::Serialize;
use utoipa::ToSchema;

use super::model::ApiToken;

/// The new token with its secret, shown this once.
#[derive(Serialize, ToSchema)]
pub struct CreatedToken {
    #[serde(flatten)]
    pub token: ApiToken,
    /// Send as `Authorization: Bearer <token>`. It is not stored and cannot be shown again.
    #[schema(example = "gk_3q2-7wz…")]
    pub secret: String,
}
