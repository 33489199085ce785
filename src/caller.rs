//! Who is calling: the extractor every handler starts with. A bearer token is either an
//! access token (a JWT whose session is checked in the database at every request, so logging
//! out, disabling and role changes apply at once) or an integration token (looked up by its
//! hash). No token is an anonymous caller. The policy (`auth::policy`) then decides.

use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use futures_util::future::LocalBoxFuture;
use uuid::Uuid;

use crate::auth::policy::{self, Action, Decision, Role, Scope};
use crate::auth::tokens;
use crate::db::schema::{api_tokens, sessions, users};
use crate::error::AppError;
use crate::state::AppState;

/// Who is calling.
#[derive(Debug, Clone)]
pub enum Caller {
    Anonymous,
    User(UserCaller),
    Token(TokenCaller),
}

/// A signed-in user, as the database says now (role changes and disabling apply at once).
#[derive(Debug, Clone)]
pub struct UserCaller {
    pub id: Uuid,
    pub username: String,
    pub role: Role,
    pub session_id: Uuid,
}

/// An integration token.
#[derive(Debug, Clone)]
pub struct TokenCaller {
    pub id: Uuid,
    pub scopes: Vec<Scope>,
}

impl Caller {
    /// Asks the policy; the first line of every handler. 401 for nobody, 403 for a caller
    /// without the right.
    pub fn require(&self, action: Action) -> Result<(), AppError> {
        let decision = match self {
            Caller::Anonymous => policy::decide(action, None, None),
            Caller::User(u) => policy::decide(action, Some(u.role), None),
            Caller::Token(t) => policy::decide(action, None, Some(&t.scopes)),
        };
        match decision {
            Decision::Allow => Ok(()),
            Decision::Unauthenticated => Err(AppError::Unauthorized(
                "sign in: send Authorization: Bearer <access token>".into(),
            )),
            Decision::Deny => Err(AppError::Forbidden(
                "this account or token may not do this".into(),
            )),
        }
    }

    /// How fresh the public data this caller reads must be: anonymous callers may read from a
    /// replica slightly behind; signed-in callers read their own writes from the primary.
    pub fn freshness(&self) -> crate::state::Freshness {
        match self {
            Caller::Anonymous => crate::state::Freshness::MayLag,
            _ => crate::state::Freshness::Primary,
        }
    }

    pub fn user(&self) -> Option<&UserCaller> {
        match self {
            Caller::User(u) => Some(u),
            _ => None,
        }
    }

    pub fn role(&self) -> Option<Role> {
        self.user().map(|u| u.role)
    }

    /// Staff or leader: the office, which sees everything it handles.
    pub fn is_office(&self) -> bool {
        matches!(self.role(), Some(Role::Staff | Role::Leader))
    }

    /// The signed-in user, or 401.
    pub fn require_user(&self) -> Result<&UserCaller, AppError> {
        self.user().ok_or_else(|| {
            AppError::Unauthorized("sign in: send Authorization: Bearer <access token>".into())
        })
    }
}

fn invalid_token() -> AppError {
    AppError::Unauthorized("the token is invalid, expired or revoked".into())
}

impl FromRequest for Caller {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let auth = req.headers().get(header::AUTHORIZATION).cloned();
        Box::pin(async move {
            let Some(auth) = auth else {
                return Ok(Caller::Anonymous);
            };
            let state = state.ok_or_else(|| AppError::internal("no app state"))?;
            let value = auth.to_str().map_err(|_| invalid_token())?;
            let (scheme, token) = value.split_once(' ').ok_or_else(invalid_token)?;
            if !scheme.eq_ignore_ascii_case("bearer") {
                return Err(AppError::Unauthorized(
                    "use the Bearer scheme: Authorization: Bearer <token>".into(),
                ));
            }
            let token = token.trim();
            if token.starts_with(tokens::INTEGRATION_TOKEN_PREFIX) {
                integration_caller(&state, token).await
            } else {
                user_caller(&state, token).await
            }
        })
    }
}

async fn user_caller(state: &AppState, token: &str) -> Result<Caller, AppError> {
    let claims = state.jwt.verify(token).ok_or_else(invalid_token)?;
    let mut conn = state.pool.get().await?;
    let now = chrono::Utc::now();
    let row: Option<(Uuid, String, Role)> = sessions::table
        .inner_join(users::table)
        .filter(sessions::id.eq(claims.sid))
        .filter(users::id.eq(claims.sub))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .filter(users::disabled.eq(false))
        .select((users::id, users::username, users::role))
        .first(&mut conn)
        .await
        .optional()?;
    let (id, username, role) = row.ok_or_else(invalid_token)?;
    Ok(Caller::User(UserCaller {
        id,
        username,
        role,
        session_id: claims.sid,
    }))
}

async fn integration_caller(state: &AppState, token: &str) -> Result<Caller, AppError> {
    let hash = tokens::token_hash(token);
    let mut conn = state.pool.get().await?;
    let now = chrono::Utc::now();
    let row: Option<(Uuid, Vec<Scope>)> = api_tokens::table
        .filter(api_tokens::token_hash.eq(&hash))
        .filter(api_tokens::revoked_at.is_null())
        .filter(
            api_tokens::expires_at
                .is_null()
                .or(api_tokens::expires_at.gt(now)),
        )
        .select((api_tokens::id, api_tokens::scopes))
        .first(&mut conn)
        .await
        .optional()?;
    let (id, scopes) = row.ok_or_else(invalid_token)?;
    // At most one write a minute per token, not one per request.
    diesel::update(api_tokens::table.find(id))
        .filter(
            api_tokens::last_used_at
                .is_null()
                .or(api_tokens::last_used_at.lt(now - chrono::Duration::minutes(1))),
        )
        .set(api_tokens::last_used_at.eq(now))
        .execute(&mut conn)
        .await?;
    Ok(Caller::Token(TokenCaller { id, scopes }))
}
