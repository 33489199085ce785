//! Reading the audit log (leaders).

use actix_web::{HttpRequest, HttpResponse, get, web};

use super::model::{AuditEntry, AuditQuery};
use super::repo;
use crate::auth::Action;
use crate::caller::Caller;
use crate::error::AppResult;
use crate::http::Query;
use crate::pagination::{Page, Paging};
use crate::state::AppState;

/// Registers this feature's routes (under `/api/v1`).
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_audit);
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
    query: Query<AuditQuery>,
) -> AppResult<HttpResponse> {
    caller.require(Action::ListAudit)?;
    let paging = Paging::parse(query.0.page, query.0.per_page)?;
    let mut conn = state.pool.get().await?;
    let (items, total) = repo::list(&mut conn, &query.0, paging).await?;
    Ok(Page::new(items, total, paging).respond(&req))
}
