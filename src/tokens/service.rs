//! Creating and revoking integration tokens, each with its audit entry.

use chrono::Utc;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use uuid::Uuid;

use super::model::CreateTokenRequest;
use super::repo::{self, NewToken};
use super::views::CreatedToken;
use crate::audit;
use crate::auth::tokens::{INTEGRATION_TOKEN_PREFIX, random_token, token_hash};
use crate::caller::Caller;
use crate::error::{AppError, AppResult};

/// Creates a token for the calling leader; its secret is in the answer only.
pub async fn create(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    body: CreateTokenRequest,
) -> AppResult<CreatedToken> {
    let me = caller.require_user()?.id;
    let mut scopes = body.scopes;
    scopes.sort_by_key(|s| s.as_str());
    scopes.dedup();
    let secret = random_token(INTEGRATION_TOKEN_PREFIX);
    let token = conn
        .transaction(async |conn| {
            let token = repo::insert(
                conn,
                NewToken {
                    name: &body.name,
                    secret_hash: token_hash(&secret),
                    scopes: &scopes,
                    created_by: me,
                    expires_at: body.expires_at,
                },
            )
            .await?;
            audit::record(
                conn,
                caller,
                "token.created",
                "api_token",
                Some(token.id.to_string()),
                serde_json::json!({"name": token.name, "scopes": token.scopes}),
            )
            .await?;
            Ok::<_, AppError>(token)
        })
        .await?;
    Ok(CreatedToken { token, secret })
}

/// Revokes a token; revoking it again changes nothing.
pub async fn revoke(conn: &mut AsyncPgConnection, caller: &Caller, id: Uuid) -> AppResult<()> {
    conn.transaction(async |conn| {
        if repo::lock_revoked_at(conn, id).await?.is_none() {
            repo::revoke(conn, id, Utc::now()).await?;
            audit::record(
                conn,
                caller,
                "token.revoked",
                "api_token",
                Some(id.to_string()),
                serde_json::json!({}),
            )
            .await?;
        }
        Ok(())
    })
    .await
}
