//! Account management by leaders.

use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{NewUser, User, check_display_name};
use crate::audit;
use crate::auth::{Action, Role, password};
use crate::caller::Caller;
use crate::db::schema::users;
use crate::error::{AppError, AppResult};
use crate::http::Json;
use crate::pagination::{Page, Paging};
use crate::state::AppState;

/// Registers this feature's routes (under `/api/v1`).
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_users)
        .service(create_user)
        .service(get_user)
        .service(update_user);
}

/// Filters of the account list.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    /// Only accounts with this role.
    pub role: Option<Role>,
    /// Only disabled (`true`) or active (`false`) accounts.
    pub disabled: Option<bool>,
    /// Part of the username or display name.
    pub q: Option<String>,
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<i64>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
}

/// A new account for the office or the public.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"username": "wang.li", "display_name": "王丽", "role": "staff", "password": "correct horse battery"}))]
#[derive(garde::Validate)]
#[garde(allow_unvalidated)]
pub struct CreateUserRequest {
    /// 3 to 64 letters, digits, `.`, `_`, `-` or `@`; unique regardless of case.
    #[schema(min_length = 3, max_length = 64, pattern = r"^[\p{L}\p{N}._@-]+$")]
    pub username: String,
    #[schema(min_length = 1, max_length = 100)]
    pub display_name: Option<String>,
    pub role: Role,
    /// The first password; the user should change it. At least 10 characters, not among
    /// the most common passwords, without the username.
    #[schema(value_type = String, format = Password, min_length = 10, max_length = 256)]
    pub password: SecretString,
}

/// Changes to an account; absent fields stay as they are.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"disabled": true}))]
#[derive(garde::Validate)]
#[garde(allow_unvalidated)]
pub struct UpdateUserRequest {
    #[schema(min_length = 1, max_length = 100)]
    pub display_name: Option<String>,
    pub role: Option<Role>,
    /// Disabling signs the user out everywhere, at once.
    pub disabled: Option<bool>,
    /// A password reset; signs the user out everywhere. Same rules as a new password.
    #[schema(value_type = Option<String>, format = Password, min_length = 10, max_length = 256)]
    pub password: Option<SecretString>,
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
    query: web::Query<UserQuery>,
) -> AppResult<HttpResponse> {
    caller.require(Action::ListUsers)?;
    let paging = Paging::parse(query.page, query.per_page)?;
    let filtered = || {
        let mut q = users::table.into_boxed();
        if let Some(role) = query.role {
            q = q.filter(users::role.eq(role.as_str()));
        }
        if let Some(disabled) = query.disabled {
            q = q.filter(users::disabled.eq(disabled));
        }
        if let Some(text) = query.q.as_deref().filter(|t| !t.is_empty()) {
            let pattern = format!("%{}%", escape_like(text));
            q = q.filter(
                users::username
                    .ilike(pattern.clone())
                    .or(users::display_name.ilike(pattern)),
            );
        }
        q
    };
    let mut conn = state.pool.get().await?;
    let total: i64 = filtered().count().get_result(&mut conn).await?;
    let items = filtered()
        .order((users::created_at.asc(), users::id.asc()))
        .offset(paging.offset())
        .limit(paging.limit())
        .select(User::as_select())
        .load(&mut conn)
        .await?;
    Ok(Page::new(items, total, paging).respond(&req))
}

/// Escapes `%`, `_` and `\` for a LIKE pattern.
pub fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
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
    let new = NewUser::parse(body.username, body.display_name, body.role, body.password)?;
    let user = super::create(&state, &caller, new).await?;
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
    Ok(web::Json(super::load(&mut conn, *id).await?))
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
    let me = caller.require_user()?.id;
    let id = id.into_inner();
    let body = body.0;
    let mut errors = Vec::new();
    if let Some(name) = &body.display_name {
        if let Err(e) = check_display_name(name) {
            errors.push(e);
        }
    }
    let mut conn = state.pool.get().await?;
    let current = super::load(&mut conn, id).await?;
    if let Some(pw) = &body.password {
        if let Err(AppError::Validation(mut e)) =
            password::check_policy("password", pw.expose_secret(), &current.username)
        {
            errors.append(&mut e);
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    if id == me && (body.disabled == Some(true) || body.role.is_some_and(|r| r != Role::Leader)) {
        return Err(AppError::conflict(
            "a leader cannot disable or demote their own account",
        ));
    }
    drop(conn);
    let hash = match &body.password {
        Some(pw) => Some(state.hasher.hash(pw).await?),
        None => None,
    };
    let mut conn = state.pool.get().await?;
    let user = conn
        .transaction(async |conn| {
            let user: User = diesel::update(users::table.find(id))
                .set((
                    body.display_name
                        .as_ref()
                        .map(|d| users::display_name.eq(d.trim().to_owned())),
                    body.role.map(|r| users::role.eq(r.as_str())),
                    body.disabled.map(|d| users::disabled.eq(d)),
                    hash.as_ref().map(|h| users::password_hash.eq(h)),
                    // Keeps the statement valid when nothing else is set.
                    users::id.eq(id),
                ))
                .returning(User::as_returning())
                .get_result(conn)
                .await?;
            let role_changed = body.role.is_some_and(|r| r.as_str() != current.role);
            let reason = if body.disabled == Some(true) {
                Some("disabled")
            } else if hash.is_some() {
                Some("password_reset")
            } else if role_changed {
                Some("role_changed")
            } else {
                None
            };
            if let Some(reason) = reason {
                super::revoke_sessions(conn, id, None, reason).await?;
            }
            audit::record(
                conn,
                &caller,
                "user.updated",
                "user",
                Some(id.to_string()),
                serde_json::json!({
                    "display_name": body.display_name,
                    "role": body.role.map(Role::as_str),
                    "disabled": body.disabled,
                    "password_reset": hash.is_some(),
                }),
            )
            .await?;
            Ok::<_, AppError>(user)
        })
        .await?;
    Ok(web::Json(user))
}
