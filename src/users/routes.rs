//! Account management by leaders.

use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use uuid::Uuid;

use super::model::{CreateUserRequest, NewUser, UpdateUserRequest, User, UserQuery};
use super::{repo, service};
use crate::auth::Action;
use crate::caller::Caller;
use crate::error::AppResult;
use crate::http::{Json, Query};
use crate::pagination::{Page, Paging};
use crate::state::AppState;

/// Registers this feature's routes (under `/api/v1`).
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_users)
        .service(create_user)
        .service(get_user)
        .service(update_user);
}

/// Lists accounts.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(UserQuery),
    responses(
        (status = 200, description = "A page of accounts, with `Link` headers.", body = Page<User>),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
    )
)]
#[get("/users")]
pub async fn list_users(
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
    query: Query<UserQuery>,
) -> AppResult<HttpResponse> {
    caller.require(Action::ListUsers)?;
    let query = query.0;
    let paging = Paging::parse(query.page, query.per_page)?;
    let mut conn = state.pool.get().await?;
    let (items, total) = repo::list(&mut conn, &query, paging).await?;
    Ok(Page::new(items, total, paging).respond(&req))
}

/// Creates an account (staff and leaders are created this way).
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    request_body = CreateUserRequest,
    responses(
        (status = 201, description = "Created.", body = User,
            headers(("Location" = String, description = "The account's address"))),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 409, response = crate::openapi::Conflict),
    )
)]
#[post("/users")]
pub async fn create_user(
    caller: Caller,
    state: web::Data<AppState>,
    body: Json<CreateUserRequest>,
) -> AppResult<HttpResponse> {
    caller.require(Action::CreateUser)?;
    let body = body.0;
    let new = NewUser::new(body.username, body.display_name, body.role, body.password);
    let user = service::create(&state, &caller, new).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("/api/v1/users/{}", user.id),
        ))
        .json(user))
}

/// One account.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The account's id")),
    responses(
        (status = 200, description = "The account.", body = User),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    )
)]
#[get("/users/{id}")]
pub async fn get_user(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> AppResult<web::Json<User>> {
    caller.require(Action::GetUser)?;
    let mut conn = state.pool.get().await?;
    Ok(web::Json(repo::load(&mut conn, *id).await?))
}

/// Changes an account: display name, role, disabled, or a password reset.
///
/// Disabling, a role change and a password reset sign the user out everywhere at once. A
/// leader cannot disable or demote their own account (409), so that the office always keeps
/// a leader who can manage accounts.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The account's id")),
    request_body = UpdateUserRequest,
    responses(
        (status = 200, description = "The changed account.", body = User),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
    )
)]
#[patch("/users/{id}")]
pub async fn update_user(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Json<UpdateUserRequest>,
) -> AppResult<web::Json<User>> {
    caller.require(Action::UpdateUser)?;
    let user = service::update(&state, &caller, id.into_inner(), body.0).await?;
    Ok(web::Json(user))
}
