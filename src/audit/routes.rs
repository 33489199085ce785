//! Reading the audit log (leaders).

use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::Action;
use crate::caller::Caller;
use crate::db::schema::audit_log;
use crate::error::{AppError, AppResult, FieldError};
use crate::pagination::{Page, Paging};
use crate::state::AppState;

/// Registers this feature's routes (under `/api/v1`).
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_audit);
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
    pub actor_role: Option<String>,
    /// What was done, as `<entity>.<verb>` (`user.created`, `auth.login`, …).
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<String>,
    /// The request that did it (its `X-Request-Id`).
    pub request_id: Option<String>,
    /// What changed.
    pub summary: serde_json::Value,
}

/// Filters of the audit log.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only this actor (user or token id).
    pub actor_id: Option<Uuid>,
    /// Only this kind of entity (`user`, `session`, `api_token`, `item`, …).
    pub entity_type: Option<String>,
    /// Only this entity.
    pub entity_id: Option<String>,
    /// Only this action (`user.created`, …).
    pub action: Option<String>,
    /// From this time on (inclusive), RFC 3339.
    pub from: Option<DateTime<Utc>>,
    /// Before this time (exclusive), RFC 3339.
    pub to: Option<DateTime<Utc>>,
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<i64>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
}

/// The audit log, newest first.
#[utoipa::path(
    tag = "audit",
    security(("bearer" = [])),
    params(AuditQuery),
    responses(
        (status = 200, description = "A page of entries, newest first.", body = Page<AuditEntry>),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
    )
)]
#[get("/audit")]
pub async fn list_audit(
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<AuditQuery>,
) -> AppResult<HttpResponse> {
    caller.require(Action::ListAudit)?;
    let paging = Paging::parse(query.page, query.per_page)?;
    if let (Some(from), Some(to)) = (query.from, query.to) {
        if from > to {
            return Err(AppError::Validation(vec![FieldError::new(
                "from",
                "must not be after `to`",
            )]));
        }
    }
    let filtered = || {
        let mut q = audit_log::table.into_boxed();
        if let Some(a) = query.actor_id {
            q = q.filter(audit_log::actor_id.eq(a));
        }
        if let Some(e) = &query.entity_type {
            q = q.filter(audit_log::entity_type.eq(e.clone()));
        }
        if let Some(e) = &query.entity_id {
            q = q.filter(audit_log::entity_id.eq(e.clone()));
        }
        if let Some(a) = &query.action {
            q = q.filter(audit_log::action.eq(a.clone()));
        }
        if let Some(f) = query.from {
            q = q.filter(audit_log::at.ge(f));
        }
        if let Some(t) = query.to {
            q = q.filter(audit_log::at.lt(t));
        }
        q
    };
    let mut conn = state.pool.get().await?;
    let total = filtered().count().get_result(&mut conn).await?;
    let items = filtered()
        .order(audit_log::id.desc())
        .offset(paging.offset())
        .limit(paging.limit())
        .select(AuditEntry::as_select())
        .load(&mut conn)
        .await?;
    Ok(Page::new(items, total, paging).respond(&req))
}
