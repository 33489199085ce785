//! Sign-in, token refresh, sign-out, registration, and the caller's own account.

use actix_web::{HttpRequest, HttpResponse, get, post, web};

use super::model::{ChangePasswordRequest, LoginRequest, RefreshRequest, RegisterRequest};
use super::service;
use super::views::TokenPair;
use crate::auth::Action;
use crate::caller::Caller;
use crate::error::AppResult;
use crate::http::{Json, client_ip};
use crate::state::AppState;
use crate::users::{self, User};

/// Registers this feature's routes (under `/api/v1`).
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(login)
        .service(refresh)
        .service(logout)
        .service(register)
        .service(get_me)
        .service(change_own_password);
}

/// Signs in with a username and password.
///
/// Attempts are limited per client address and per username (`GONGKAI_LOGIN_RATE_PER_MIN`);
/// over the limit the answer is 429 with `Retry-After`. An unknown username and a wrong
/// password get the same answer in about the same time.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in.", body = TokenPair),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 429, response = crate::openapi::TooManyRequests),
    )
)]
#[post("/auth/login")]
pub async fn login(
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Json<LoginRequest>,
) -> AppResult<web::Json<TokenPair>> {
    caller.require(Action::Login)?;
    let pair = service::login(&state, client_ip(&req), body.0).await?;
    Ok(web::Json(pair))
}

/// Exchanges a refresh token for a new pair.
///
/// Refresh tokens rotate: each works once. Presenting one that was already used revokes the
/// whole session (the token was copied), and the answer is 401.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new pair; the old refresh token no longer works.", body = TokenPair),
        (status = 401, response = crate::openapi::Unauthorized),
    )
)]
#[post("/auth/refresh")]
pub async fn refresh(
    caller: Caller,
    state: web::Data<AppState>,
    body: Json<RefreshRequest>,
) -> AppResult<web::Json<TokenPair>> {
    caller.require(Action::Refresh)?;
    Ok(web::Json(
        service::refresh(&state, &body.0.refresh_token).await?,
    ))
}

/// Signs out: revokes the session of the refresh token. Its access tokens stop working at once.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 204, description = "Signed out (also when the session was already revoked)."),
        (status = 401, response = crate::openapi::Unauthorized),
    )
)]
#[post("/auth/logout")]
pub async fn logout(
    caller: Caller,
    state: web::Data<AppState>,
    body: Json<RefreshRequest>,
) -> AppResult<HttpResponse> {
    caller.require(Action::Logout)?;
    service::logout(&state, &body.0.refresh_token).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Creates a `public` account for a citizen or organisation.
///
/// Limited per client address like sign-in.
#[utoipa::path(
    tag = "auth",
    request_body = RegisterRequest,
    responses(
        (status = 201, description = "The account; sign in to use it.", body = User,
            headers(("Location" = String, description = "The account's address (`/api/v1/me` once signed in)"))),
        (status = 409, response = crate::openapi::Conflict),
        (status = 429, response = crate::openapi::TooManyRequests),
    )
)]
#[post("/auth/register")]
pub async fn register(
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Json<RegisterRequest>,
) -> AppResult<HttpResponse> {
    caller.require(Action::Register)?;
    let user = service::register(&state, client_ip(&req), body.0).await?;
    Ok(HttpResponse::Created()
        .insert_header((actix_web::http::header::LOCATION, "/api/v1/me"))
        .json(user))
}

/// The signed-in user's own account.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's account.", body = User),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
    )
)]
#[get("/me")]
pub async fn get_me(caller: Caller, state: web::Data<AppState>) -> AppResult<web::Json<User>> {
    caller.require(Action::GetMe)?;
    let me = caller.require_user()?;
    let mut conn = state.pool.get().await?;
    Ok(web::Json(users::repo::load(&mut conn, me.id).await?))
}

/// Changes the caller's own password. The caller's other sessions are signed out.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    request_body = ChangePasswordRequest,
    responses(
        (status = 204, description = "Changed."),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
    )
)]
#[post("/me/password")]
pub async fn change_own_password(
    caller: Caller,
    state: web::Data<AppState>,
    body: Json<ChangePasswordRequest>,
) -> AppResult<HttpResponse> {
    caller.require(Action::ChangeOwnPassword)?;
    service::change_own_password(&state, &caller, body.0).await?;
    Ok(HttpResponse::NoContent().finish())
}
