//! Managing integration tokens (leaders).

use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::audit;
use crate::auth::tokens::{INTEGRATION_TOKEN_PREFIX, random_token, token_hash};
use crate::auth::{Action, Scope};
use crate::caller::Caller;
use crate::db::schema::api_tokens;
use crate::error::{AppError, AppResult, FieldError};
use crate::http::Json;
use crate::pagination::{Page, Paging};
use crate::state::AppState;

/// Registers this feature's routes (under `/api/v1`).
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_tokens)
        .service(create_token)
        .service(revoke_token);
}

/// An integration token, without its secret.
#[derive(Debug, Serialize, ToSchema, Queryable, Selectable)]
#[diesel(table_name = api_tokens)]
pub struct ApiToken {
    pub id: Uuid,
    pub name: String,
    #[schema(value_type = Vec<Scope>)]
    pub scopes: Vec<String>,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    /// After this time the token stops working; `null` for never.
    pub expires_at: Option<DateTime<Utc>>,
    /// Updated at most once a minute.
    pub last_used_at: Option<DateTime<Utc>>,
    /// Set when the token was revoked; it no longer works.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A new token.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "district statistics pull", "scopes": ["stats:read"], "expires_at": "2027-12-31T16:00:00Z"}))]
#[derive(garde::Validate)]
#[garde(allow_unvalidated)]
pub struct CreateTokenRequest {
    /// What the token is for.
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// At least one scope.
    #[schema(min_items = 1)]
    pub scopes: Vec<Scope>,
    /// Optional expiry, in the future.
    pub expires_at: Option<DateTime<Utc>>,
}

/// The new token with its secret, shown this once.
#[derive(Serialize, ToSchema)]
pub struct CreatedToken {
    #[serde(flatten)]
    pub token: ApiToken,
    /// Send as `Authorization: Bearer <token>`. It is not stored and cannot be shown again.
    #[schema(example = "gk_3q2-7wz…")]
    pub secret: String,
}

/// Paging of the token list.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TokenQuery {
    /// Include revoked tokens (default `false`).
    pub include_revoked: Option<bool>,
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<i64>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
}

/// Lists integration tokens (never their secrets).
#[utoipa::path(
    tag = "tokens",
    security(("bearer" = [])),
    params(TokenQuery),
    responses(
        (status = 200, description = "A page of tokens.", body = Page<ApiToken>),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
    )
)]
#[get("/tokens")]
pub async fn list_tokens(
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<TokenQuery>,
) -> AppResult<HttpResponse> {
    caller.require(Action::ListTokens)?;
    let paging = Paging::parse(query.page, query.per_page)?;
    let include_revoked = query.include_revoked.unwrap_or(false);
    let filtered = || {
        let mut q = api_tokens::table.into_boxed();
        if !include_revoked {
            q = q.filter(api_tokens::revoked_at.is_null());
        }
        q
    };
    let mut conn = state.pool.get().await?;
    let total = filtered().count().get_result(&mut conn).await?;
    let items = filtered()
        .order((api_tokens::created_at.desc(), api_tokens::id))
        .offset(paging.offset())
        .limit(paging.limit())
        .select(ApiToken::as_select())
        .load(&mut conn)
        .await?;
    Ok(Page::new(items, total, paging).respond(&req))
}

/// Creates an integration token. Its secret is in this answer only.
#[utoipa::path(
    tag = "tokens",
    security(("bearer" = [])),
    request_body = CreateTokenRequest,
    responses(
        (status = 201, description = "Created; keep `secret` now.", body = CreatedToken),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
    )
)]
#[post("/tokens")]
pub async fn create_token(
    caller: Caller,
    state: web::Data<AppState>,
    body: Json<CreateTokenRequest>,
) -> AppResult<HttpResponse> {
    caller.require(Action::CreateToken)?;
    let me = caller.require_user()?.id;
    let body = body.0;
    let mut errors = Vec::new();
    let name = body.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        errors.push(FieldError::new(
            "name",
            "1 to 100 characters, no control characters",
        ));
    }
    if body.scopes.is_empty() {
        errors.push(FieldError::new("scopes", "at least one scope"));
    }
    if body.expires_at.is_some_and(|e| e <= Utc::now()) {
        errors.push(FieldError::new("expires_at", "must be in the future"));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let mut scopes: Vec<String> = body.scopes.iter().map(|s| s.as_str().to_owned()).collect();
    scopes.sort();
    scopes.dedup();
    let secret = random_token(INTEGRATION_TOKEN_PREFIX);
    let mut conn = state.pool.get().await?;
    let token = conn
        .transaction(async |conn| {
            let token: ApiToken = diesel::insert_into(api_tokens::table)
                .values((
                    api_tokens::name.eq(&name),
                    api_tokens::token_hash.eq(token_hash(&secret)),
                    api_tokens::scopes.eq(&scopes),
                    api_tokens::created_by.eq(me),
                    api_tokens::expires_at.eq(body.expires_at),
                ))
                .returning(ApiToken::as_returning())
                .get_result(conn)
                .await?;
            audit::record(
                conn,
                &caller,
                "token.created",
                "api_token",
                Some(token.id.to_string()),
                serde_json::json!({"name": token.name, "scopes": token.scopes}),
            )
            .await?;
            Ok::<_, AppError>(token)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("/api/v1/tokens/{}", token.id),
        ))
        .json(CreatedToken { token, secret }))
}

/// Revokes an integration token; it stops working at once.
#[utoipa::path(
    tag = "tokens",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The token's id")),
    responses(
        (status = 204, description = "Revoked (also when it already was)."),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    )
)]
#[delete("/tokens/{id}")]
pub async fn revoke_token(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    caller.require(Action::RevokeToken)?;
    let id = id.into_inner();
    let mut conn = state.pool.get().await?;
    conn.transaction(async |conn| {
        let revoked_at: Option<DateTime<Utc>> = api_tokens::table
            .find(id)
            .select(api_tokens::revoked_at)
            .for_update()
            .first(conn)
            .await?;
        if revoked_at.is_none() {
            diesel::update(api_tokens::table.find(id))
                .set(api_tokens::revoked_at.eq(Utc::now()))
                .execute(conn)
                .await?;
            audit::record(
                conn,
                &caller,
                "token.revoked",
                "api_token",
                Some(id.to_string()),
                serde_json::json!({}),
            )
            .await?;
        }
        Ok::<_, AppError>(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
