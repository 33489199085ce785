//! The probes, the metrics and the document.

use actix_web::{HttpResponse, get, http::header, web};

use super::service;
use super::views::Health;
use crate::error::AppResult;
use crate::state::AppState;

/// Liveness: the process is up and serving. Does not touch the database.
#[utoipa::path(
    tag = "system",
    responses((status = 200, description = "The process is alive.", body = Health))
)]
#[get("/healthz")]
pub async fn healthz() -> web::Json<Health> {
    web::Json(Health::OK)
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
    service::check_ready(&state.pool).await?;
    Ok(web::Json(Health::OK))
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
