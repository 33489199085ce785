//! Managing integration tokens (leaders).

use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use uuid::Uuid;

use super::model::{ApiToken, CreateTokenRequest, TokenQuery};
use super::views::CreatedToken;
use super::{repo, service};
use crate::auth::Action;
use crate::caller::Caller;
use crate::error::AppResult;
use crate::http::{Json, Query};
use crate::pagination::{Page, Paging};
use crate::state::AppState;

/// Registers this feature's routes (under `/api/v1`).
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_tokens)
        .service(create_token)
        .service(revoke_token);
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
    query: Query<TokenQuery>,
) -> AppResult<HttpResponse> {
    caller.require(Action::ListTokens)?;
    let paging = Paging::parse(query.0.page, query.0.per_page)?;
    let include_revoked = query.0.include_revoked.unwrap_or(false);
    let mut conn = state.pool.get().await?;
    let (items, total) = repo::list(&mut conn, include_revoked, paging).await?;
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
    let mut conn = state.pool.get().await?;
    let created = service::create(&mut conn, &caller, body.0).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("/api/v1/tokens/{}", created.token.id),
        ))
        .json(created))
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
    let mut conn = state.pool.get().await?;
    service::revoke(&mut conn, &caller, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
