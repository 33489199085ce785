//! Integration tokens: the row (never the secret) and what a leader sends.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::policy::Scope;
use crate::db::schema::api_tokens;

crate::text_value! {
    /// What a token is for.
    pub TokenName: Line, 1..=100;
}

/// An integration token, without its secret.
#[derive(Debug, Serialize, ToSchema, Queryable, Selectable)]
#[diesel(table_name = api_tokens)]
pub struct ApiToken {
    pub id: Uuid,
    pub name: String,
    pub scopes: Vec<Scope>,
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
#[derive(Deserialize, ToSchema, garde::Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "district statistics pull", "scopes": ["stats:read"], "expires_at": "2027-12-31T16:00:00Z"}))]
pub struct CreateTokenRequest {
    /// What the token is for.
    #[garde(dive)]
    pub name: TokenName,
    /// At least one scope.
    #[schema(min_items = 1)]
    #[garde(custom(at_least_one))]
    pub scopes: Vec<Scope>,
    /// Optional expiry, in the future.
    #[garde(custom(in_the_future))]
    pub expires_at: Option<DateTime<Utc>>,
}

fn at_least_one(scopes: &[Scope], _: &()) -> garde::Result {
    if scopes.is_empty() {
        Err(garde::Error::new("at least one scope"))
    } else {
        Ok(())
    }
}

fn in_the_future(expires_at: &Option<DateTime<Utc>>, _: &()) -> garde::Result {
    match expires_at {
        Some(at) if *at <= Utc::now() => Err(garde::Error::new("must be in the future")),
        _ => Ok(()),
    }
}

/// Paging of the token list.
#[derive(Deserialize, IntoParams, garde::Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TokenQuery {
    /// Include revoked tokens (default `false`).
    #[garde(skip)]
    pub include_revoked: Option<bool>,
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 100000)]
    #[garde(skip)] // `Paging::parse` checks it, with `per_page`.
    pub page: Option<i64>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    #[garde(skip)]
    pub per_page: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bad_field_of_a_new_token_is_named() {
        let request: CreateTokenRequest = serde_json::from_value(serde_json::json!(
            {"name": " ", "scopes": [], "expires_at": "2001-01-01T00:00:00Z"}
        ))
        .unwrap();
        let errors = crate::values::field_errors(garde::Validate::validate(&request).unwrap_err());
        let mut fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        fields.sort();
        assert_eq!(fields, ["expires_at", "name", "scopes"]);
    }
}
