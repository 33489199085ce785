//! The audit log's entries, as written and as read, and the filters a leader reads it by.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::policy::Role;
use crate::db::schema::audit_log;

/// One entry as written.
#[derive(Insertable)]
#[diesel(table_name = audit_log)]
pub struct NewEntry<'a> {
    pub actor_kind: &'a str,
    pub actor_id: Option<Uuid>,
    pub actor_role: Option<Role>,
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: Option<String>,
    pub request_id: Option<String>,
    pub summary: serde_json::Value,
    pub client_ip: Option<String>,
}

/// One recorded action.
#[derive(Debug, Serialize, ToSchema, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
#[schema(example = json!({"id": 42, "at": "2026-03-02T01:15:00Z", "actor_kind": "user", "actor_id": "0b4c5d1e-2f3a-4b5c-8d9e-0f1a2b3c4d5e", "actor_role": "leader", "action": "item.published", "entity_type": "item", "entity_id": "8f0e…", "request_id": "5b1c…", "summary": {"index_no": "11370305004300000X/2026-00017"}}))]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// `user`, `token`, `anonymous` or `system`.
    pub actor_kind: String,
    pub actor_id: Option<Uuid>,
    pub actor_role: Option<Role>,
    /// What was done, as `<entity>.<verb>` (`user.created`, `auth.login`, …).
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<String>,
    /// The request that did it (its `X-Request-Id`).
    pub request_id: Option<String>,
    /// What changed.
    pub summary: serde_json::Value,
    /// The client's address (behind trusted proxies, the hop they name); none for actions of
    /// the system and the command line.
    pub client_ip: Option<String>,
}

crate::text_value! {
    /// A kind of entity, as the audit log names it (`user`, `session`, `api_token`, `item`, …).
    pub EntityType: Line, 1..=100;
    /// An entity's id, as the audit log records it.
    pub EntityId: Line, 1..=100;
    /// An action, as the audit log names it (`user.created`, …).
    pub AuditAction: Line, 1..=100;
}

/// Filters of the audit log.
#[derive(Deserialize, IntoParams, garde::Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only this actor (user or token id).
    #[garde(skip)]
    pub actor_id: Option<Uuid>,
    /// Only this kind of entity (`user`, `session`, `api_token`, `item`, …).
    #[param(inline)]
    #[garde(dive)]
    pub entity_type: Option<EntityType>,
    /// Only this entity.
    #[param(inline)]
    #[garde(dive)]
    pub entity_id: Option<EntityId>,
    /// Only this action (`user.created`, …).
    #[param(inline)]
    #[garde(dive)]
    pub action: Option<AuditAction>,
    /// From this time on (inclusive), RFC 3339.
    #[garde(custom(not_after(&self.to)))]
    pub from: Option<DateTime<Utc>>,
    /// Before this time (exclusive), RFC 3339.
    #[garde(skip)]
    pub to: Option<DateTime<Utc>>,
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 100000)]
    #[garde(skip)] // `Paging::parse` checks it, with `per_page`.
    pub page: Option<i64>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    #[garde(skip)]
    pub per_page: Option<i64>,
}

/// A span's start must not be after its end.
fn not_after(
    to: &Option<DateTime<Utc>>,
) -> impl FnOnce(&Option<DateTime<Utc>>, &()) -> garde::Result + '_ {
    move |from, _| match (from, to) {
        (Some(from), Some(to)) if from > to => Err(garde::Error::new("must not be after `to`")),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bad_fields(query: serde_json::Value) -> Vec<String> {
        let query: AuditQuery = serde_json::from_value(query).unwrap();
        crate::values::rule::invalid_fields(&query)
    }

    #[test]
    fn filters_follow_their_rules() {
        let from = "2026-01-01T00:00:00Z";
        let to = "2026-01-02T00:00:00Z";
        assert!(
            bad_fields(serde_json::json!({"action": "user.created", "from": from, "to": to}))
                .is_empty()
        );
        assert_eq!(
            bad_fields(serde_json::json!({"from": to, "to": from})),
            ["from"]
        );
        assert_eq!(
            bad_fields(
                serde_json::json!({"action": "", "entity_type": "x".repeat(101), "entity_id": "a\u{1}b"})
            ),
            ["action", "entity_id", "entity_type"]
        );
    }
}
