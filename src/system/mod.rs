//! Liveness, readiness, metrics and the OpenAPI document.

use std::time::Duration;

use actix_web::{HttpResponse, get, http::header, web};
use diesel_async::RunQueryDsl;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The service's answer to a health or readiness probe.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"status": "ok"}))]
pub struct Health {
    /// `ok` when healthy.
    pub status: &'static str,
}

/// Liveness: the process is up and serving. Does not touch the database.
#[utoipa::path(
    tag = "system",
    responses((status = 200, description = "The process is alive.", body = Health))
)]
#[get("/healthz")]
pub async fn healthz() -> web::Json<Health> {
    web::Json(Health { status: "ok" })
}

/// Readiness: the database answers within one second. 503 problem+json when it does not, so
/// that a load balancer stops sending traffic until it is back.
#[utoipa::path(
    tag = "system",
    responses(
        (status = 200, description = "Ready to serve.", body = Health),
        (status = 503, response = crate::openapi::Unavailable),
    )
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> AppResult<web::Json<Health>> {
    let check = async {
        let mut conn = state.pool.get().await?;
        diesel::sql_query("SELECT 1").execute(&mut conn).await?;
        Ok::<_, AppError>(())
    };
    match tokio::time::timeout(Duration::from_secs(1), check).await {
        Ok(Ok(())) => Ok(web::Json(Health { status: "ok" })),
        Ok(Err(AppError::Unavailable(e))) => Err(AppError::Unavailable(e)),
        Ok(Err(e)) => Err(AppError::Unavailable(
            format!("database check failed: {e}").into(),
        )),
        Err(_) => Err(AppError::Unavailable(
            "the database did not answer within 1 s".into(),
        )),
    }
}

/// Prometheus metrics: requests by route and status, latency histograms, connection pool usage.
#[utoipa::path(
    tag = "system",
    responses((status = 200, description = "Prometheus text exposition format.", body = String, content_type = "text/plain; version=0.0.4"))
)]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let status = state.pool.status();
    ::metrics::gauge!("db_pool_connections").set(status.size as f64);
    ::metrics::gauge!("db_pool_connections_idle").set(status.available as f64);
    ::metrics::gauge!("db_pool_connections_max").set(status.max_size as f64);
    ::metrics::gauge!("db_pool_waiting").set(status.waiting as f64);
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render())
}

/// This document, OpenAPI 3.1.
#[utoipa::path(
    tag = "system",
    responses((status = 200, description = "The OpenAPI document of this API.", body = Object, content_type = "application/json"))
)]
#[get("/openapi.json")]
pub async fn openapi_json(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(state.openapi_json.clone())
}
