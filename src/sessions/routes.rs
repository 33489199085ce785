//! Sign-in, token refresh, sign-out, registration, and the caller's own account.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::audit::{self, Actor};
use crate::auth::{Action, Role, password, tokens};
use crate::caller::Caller;
use crate::db::schema::{refresh_tokens, sessions, users};
use crate::error::{AppError, AppResult};
use crate::http::Json;
use crate::state::AppState;
use crate::users::{self as accounts, User};

/// Registers this feature's routes (under `/api/v1`).
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(login)
        .service(refresh)
        .service(logout)
        .service(register)
        .service(get_me)
        .service(change_own_password);
}

/// Credentials.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"username": "wang.li", "password": "correct horse battery"}))]
#[derive(garde::Validate)]
#[garde(allow_unvalidated)]
pub struct LoginRequest {
    pub username: String,
    #[schema(value_type = String, format = Password)]
    pub password: SecretString,
}

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

/// A refresh token.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[derive(garde::Validate)]
#[garde(allow_unvalidated)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// A new public account.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"username": "li.ming", "password": "correct horse battery", "display_name": "李明"}))]
#[derive(garde::Validate)]
#[garde(allow_unvalidated)]
pub struct RegisterRequest {
    /// 3 to 64 letters, digits, `.`, `_`, `-` or `@`; unique regardless of case.
    #[schema(min_length = 3, max_length = 64, pattern = r"^[\p{L}\p{N}._@-]+$")]
    pub username: String,
    /// At least 10 characters, not among the most common passwords, without the username.
    #[schema(value_type = String, format = Password, min_length = 10, max_length = 256)]
    pub password: SecretString,
    /// The name shown to the office; defaults to the username.
    #[schema(min_length = 1, max_length = 100)]
    pub display_name: Option<String>,
}

/// A change of one's own password.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[derive(garde::Validate)]
#[garde(allow_unvalidated)]
pub struct ChangePasswordRequest {
    #[schema(value_type = String, format = Password)]
    pub current_password: SecretString,
    /// At least 10 characters, not among the most common passwords, without the username.
    #[schema(value_type = String, format = Password, min_length = 10, max_length = 256)]
    pub new_password: SecretString,
}

/// The client's address: the TCP peer (a proxy in front must do its own limiting).
pub fn client_ip(req: &HttpRequest) -> std::net::IpAddr {
    req.peer_addr()
        .map(|a| a.ip())
        .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED))
}

fn bad_credentials() -> AppError {
    AppError::Unauthorized("wrong username or password".into())
}

/// Opens a session for the user: a refresh token row and an access token.
async fn open_session(
    conn: &mut AsyncPgConnection,
    state: &AppState,
    user_id: Uuid,
    role: Role,
) -> AppResult<TokenPair> {
    let refresh_token = tokens::random_token("");
    let expires_at = Utc::now() + state.config.refresh_token_ttl;
    let session_id = conn
        .transaction(async |conn| {
            let session_id: Uuid = diesel::insert_into(sessions::table)
                .values((
                    sessions::user_id.eq(user_id),
                    sessions::expires_at.eq(expires_at),
                ))
                .returning(sessions::id)
                .get_result(conn)
                .await?;
            diesel::insert_into(refresh_tokens::table)
                .values((
                    refresh_tokens::token_hash.eq(tokens::token_hash(&refresh_token)),
                    refresh_tokens::session_id.eq(session_id),
                ))
                .execute(conn)
                .await?;
            audit::record(
                conn,
                Actor::user(user_id, role),
                "auth.login",
                "session",
                Some(session_id.to_string()),
                serde_json::json!({}),
            )
            .await?;
            Ok::<_, AppError>(session_id)
        })
        .await?;
    Ok(pair(state, user_id, role, session_id, refresh_token))
}

fn pair(
    state: &AppState,
    user: Uuid,
    role: Role,
    session: Uuid,
    refresh_token: String,
) -> TokenPair {
    TokenPair {
        access_token: state.jwt.issue(user, role, session),
        token_type: "Bearer",
        expires_in: state.jwt.ttl.as_secs(),
        refresh_token,
    }
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
    let body = body.0;
    state.login_by_ip.check(&client_ip(&req))?;
    state.login_by_name.check(&body.username.to_lowercase())?;

    let mut conn = state.pool.get().await?;
    let found: Option<(Uuid, String, String, bool)> = users::table
        .filter(crate::db::lower(users::username).eq(body.username.to_lowercase()))
        .select((
            users::id,
            users::role,
            users::password_hash,
            users::disabled,
        ))
        .first(&mut conn)
        .await
        .optional()?;
    // Release the connection while the hash is computed.
    drop(conn);
    let ok = state
        .hasher
        .verify(&body.password, found.as_ref().map(|f| f.2.as_str()))
        .await?;
    let Some((id, role, _, disabled)) = found else {
        return Err(bad_credentials());
    };
    if !ok || disabled {
        tracing::info!(user_id = %id, "failed sign-in");
        return Err(bad_credentials());
    }
    let role = Role::parse(&role).ok_or_else(|| AppError::internal("unknown role"))?;
    let mut conn = state.pool.get().await?;
    Ok(web::Json(open_session(&mut conn, &state, id, role).await?))
}

enum RefreshOutcome {
    Renewed(Uuid, Role, Uuid),
    Reused,
    Invalid,
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
    let hash = tokens::token_hash(&body.0.refresh_token);
    let next = tokens::random_token("");
    let next_hash = tokens::token_hash(&next);
    let ttl = state.config.refresh_token_ttl;
    let mut conn = state.pool.get().await?;
    let outcome = conn
        .transaction(async |conn| {
            // Lock the token row: of two concurrent refreshes with one token, one wins.
            let found: Option<(Option<DateTime<Utc>>, Uuid)> = refresh_tokens::table
                .filter(refresh_tokens::token_hash.eq(&hash))
                .select((refresh_tokens::used_at, refresh_tokens::session_id))
                .for_update()
                .first(conn)
                .await
                .optional()?;
            let Some((used_at, session_id)) = found else {
                return Ok::<_, AppError>(RefreshOutcome::Invalid);
            };
            let now = Utc::now();
            let session: Option<(Uuid, String)> = sessions::table
                .inner_join(users::table)
                .filter(sessions::id.eq(session_id))
                .filter(sessions::revoked_at.is_null())
                .filter(sessions::expires_at.gt(now))
                .filter(users::disabled.eq(false))
                .select((users::id, users::role))
                .first(conn)
                .await
                .optional()?;
            let Some((user_id, role)) = session else {
                return Ok(RefreshOutcome::Invalid);
            };
            let role = Role::parse(&role).ok_or_else(|| AppError::internal("unknown role"))?;
            if used_at.is_some() {
                diesel::update(sessions::table.find(session_id))
                    .set((
                        sessions::revoked_at.eq(now),
                        sessions::revoked_reason.eq("refresh_token_reuse"),
                    ))
                    .execute(conn)
                    .await?;
                audit::record(
                    conn,
                    Actor::user(user_id, role),
                    "auth.session_revoked",
                    "session",
                    Some(session_id.to_string()),
                    serde_json::json!({"reason": "refresh_token_reuse"}),
                )
                .await?;
                return Ok(RefreshOutcome::Reused);
            }
            diesel::update(refresh_tokens::table.find(&hash))
                .set(refresh_tokens::used_at.eq(now))
                .execute(conn)
                .await?;
            diesel::insert_into(refresh_tokens::table)
                .values((
                    refresh_tokens::token_hash.eq(&next_hash),
                    refresh_tokens::session_id.eq(session_id),
                ))
                .execute(conn)
                .await?;
            diesel::update(sessions::table.find(session_id))
                .set((
                    sessions::last_used_at.eq(now),
                    sessions::expires_at.eq(now + ttl),
                ))
                .execute(conn)
                .await?;
            Ok(RefreshOutcome::Renewed(user_id, role, session_id))
        })
        .await?;
    match outcome {
        RefreshOutcome::Renewed(user, role, session) => {
            Ok(web::Json(pair(&state, user, role, session, next)))
        }
        RefreshOutcome::Reused => {
            tracing::warn!("refresh token reused: session revoked");
            Err(AppError::Unauthorized(
                "this refresh token was already used; the session is revoked, sign in again".into(),
            ))
        }
        RefreshOutcome::Invalid => Err(AppError::Unauthorized(
            "the refresh token is invalid, expired or revoked".into(),
        )),
    }
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
    let hash = tokens::token_hash(&body.0.refresh_token);
    let mut conn = state.pool.get().await?;
    conn.transaction(async |conn| {
        let found: Option<(Uuid, Uuid, String, Option<DateTime<Utc>>)> = refresh_tokens::table
            .inner_join(sessions::table.inner_join(users::table))
            .filter(refresh_tokens::token_hash.eq(&hash))
            .select((sessions::id, users::id, users::role, sessions::revoked_at))
            .for_update()
            .first(conn)
            .await
            .optional()?;
        let Some((session_id, user_id, role, revoked_at)) = found else {
            return Err(AppError::Unauthorized("unknown refresh token".into()));
        };
        if revoked_at.is_none() {
            diesel::update(sessions::table.find(session_id))
                .set((
                    sessions::revoked_at.eq(Utc::now()),
                    sessions::revoked_reason.eq("logout"),
                ))
                .execute(conn)
                .await?;
            let role = Role::parse(&role).ok_or_else(|| AppError::internal("unknown role"))?;
            audit::record(
                conn,
                Actor::user(user_id, role),
                "auth.logout",
                "session",
                Some(session_id.to_string()),
                serde_json::json!({}),
            )
            .await?;
        }
        Ok(())
    })
    .await?;
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
    state.login_by_ip.check(&client_ip(&req))?;
    let body = body.0;
    let new = accounts::NewUser::parse(
        body.username,
        body.display_name,
        Role::Public,
        body.password,
    )?;
    let user = accounts::create(&state, &Caller::Anonymous, new).await?;
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
    Ok(web::Json(accounts::load(&mut conn, me.id).await?))
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
    let me = caller.require_user()?;
    let body = body.0;
    password::check_policy(
        "new_password",
        secrecy::ExposeSecret::expose_secret(&body.new_password),
        &me.username,
    )?;
    let mut conn = state.pool.get().await?;
    let current: String = users::table
        .find(me.id)
        .select(users::password_hash)
        .first(&mut conn)
        .await?;
    drop(conn);
    if !state
        .hasher
        .verify(&body.current_password, Some(&current))
        .await?
    {
        return Err(AppError::Validation(vec![crate::error::FieldError::new(
            "current_password",
            "is not the current password",
        )]));
    }
    let hash = state.hasher.hash(&body.new_password).await?;
    let mut conn = state.pool.get().await?;
    let (me_id, session) = (me.id, me.session_id);
    conn.transaction(async |conn| {
        diesel::update(users::table.find(me_id))
            .set(users::password_hash.eq(&hash))
            .execute(conn)
            .await?;
        accounts::revoke_sessions(conn, me_id, Some(session), "password_changed").await?;
        audit::record(
            conn,
            &caller,
            "user.password_changed",
            "user",
            Some(me_id.to_string()),
            serde_json::json!({}),
        )
        .await?;
        Ok::<_, AppError>(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
