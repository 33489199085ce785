//! Integration tokens in the database.

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::result::Error;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::model::{ApiToken, TokenName};
use crate::auth::policy::Scope;
use crate::db::schema::api_tokens;
use crate::pagination::Paging;

/// A page of tokens, newest first, and how many there are in all.
pub async fn list(
    conn: &mut AsyncPgConnection,
    include_revoked: bool,
    paging: Paging,
) -> Result<(Vec<ApiToken>, i64), Error> {
    let filtered = || {
        let mut q = api_tokens::table.into_boxed::<Pg>();
        if !include_revoked {
            q = q.filter(api_tokens::revoked_at.is_null());
        }
        q
    };
    let total = filtered().count().get_result(conn).await?;
    let items = filtered()
        .order((api_tokens::created_at.desc(), api_tokens::id))
        .offset(paging.offset())
        .limit(paging.limit())
        .select(ApiToken::as_select())
        .load(conn)
        .await?;
    Ok((items, total))
}

/// A new token with the hash of its secret.
pub struct NewToken<'a> {
    pub name: &'a TokenName,
    pub secret_hash: Vec<u8>,
    pub scopes: &'a [Scope],
    pub created_by: Uuid,
    pub expires_at: Option<DateTime<Utc>>,
}

pub async fn insert(conn: &mut AsyncPgConnection, new: NewToken<'_>) -> Result<ApiToken, Error> {
    diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::name.eq(new.name.as_str()),
            api_tokens::token_hash.eq(new.secret_hash),
            api_tokens::scopes.eq(new.scopes),
            api_tokens::created_by.eq(new.created_by),
            api_tokens::expires_at.eq(new.expires_at),
        ))
        .returning(ApiToken::as_returning())
        .get_result(conn)
        .await
}

/// When the token was revoked (`None`: it was not), locking it until the end of the
/// transaction; `NotFound` when there is no such token.
pub async fn lock_revoked_at(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> Result<Option<DateTime<Utc>>, Error> {
    api_tokens::table
        .find(id)
        .select(api_tokens::revoked_at)
        .for_update()
        .first(conn)
        .await
}

pub async fn revoke(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    at: DateTime<Utc>,
) -> Result<(), Error> {
    diesel::update(api_tokens::table.find(id))
        .set(api_tokens::revoked_at.eq(at))
        .execute(conn)
        .await
        .map(|_| ())
}
