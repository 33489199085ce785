//! The guide over HTTP.

use actix_web::{HttpResponse, get, put, web};

use super::model::GuideUpdate;
use super::service;
use super::views::Guide;
use crate::auth::Action;
use crate::caller::Caller;
use crate::error::AppResult;
use crate::http::Json;
use crate::state::AppState;

/// Registers this feature's routes (under `/api/v1`).
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_guide).service(put_guide);
}

/// The guide to obtaining government information: the office, how to reach it, and the text
/// of the guide.
#[utoipa::path(
    tag = "guide",
    responses((status = 200, description = "The guide.", body = Guide))
)]
#[get("/guide")]
pub async fn get_guide(caller: Caller, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    caller.require(Action::GetGuide)?;
    let agency = &state.config.agency_name;
    let g = state
        .read(caller.freshness(), async |conn| {
            service::load(conn, agency).await
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "public, max-age=60"))
        .json(g))
}

/// Replaces the guide. E-mail, web address and telephone numbers are checked for their
/// shape.
#[utoipa::path(
    tag = "guide",
    security(("bearer" = [])),
    request_body = GuideUpdate,
    responses(
        (status = 200, description = "The new guide.", body = Guide),
        (status = 403, response = crate::openapi::Forbidden),
    )
)]
#[put("/guide")]
pub async fn put_guide(
    caller: Caller,
    state: web::Data<AppState>,
    body: Json<GuideUpdate>,
) -> AppResult<web::Json<Guide>> {
    caller.require(Action::PutGuide)?;
    let mut conn = state.pool.get().await?;
    Ok(web::Json(service::save(&mut conn, &caller, body.0).await?))
}
