//! The import over HTTP: the body is read here (up to its limit), parsed and written by the
//! feature.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, post, web};
use futures_util::StreamExt;

use crate::auth::Action;
use crate::caller::Caller;
use crate::error::{AppError, AppResult};
use crate::items::import::parse::{MAX_BODY_BYTES, parse_body};
use crate::items::import::write::import;
use crate::items::model::ImportRow;
use crate::items::views::ImportResult;
use crate::state::AppState;

/// Loads items that were published in the past (an office's existing catalogue): a JSON
/// array of rows, or CSV (`text/csv`, UTF-8) with a header row. Up to 10,000 rows, all or
/// nothing: a 422 lists every bad row and field (`rows[3].category`), and for CSV every
/// missing or unknown column.
///
/// Rows without `index_no` get the next numbers of their year, in order of publication; a
/// given `index_no` of this agency raises the year's counter past it, so that later numbers
/// never collide.
#[utoipa::path(
    tag = "items",
    security(("bearer" = [])),
    request_body(content(
        (Vec<ImportRow> = "application/json"),
        (String = "text/csv", example = "title,category,published_at,doc_no\n朱台镇2009年政务公开工作要点,plan,2009-03-02T09:30:00+08:00,朱政发〔2009〕12号\n")
    )),
    responses(
        (status = 201, description = "Every row was imported.", body = ImportResult),
        (status = 403, response = crate::openapi::Forbidden),
    )
)]
#[post("/items/import")]
pub async fn import_items(
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
    mut payload: web::Payload,
) -> AppResult<HttpResponse> {
    caller.require(Action::ImportItems)?;
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
        return Err(AppError::PayloadTooLarge(MAX_BODY_BYTES));
    }
    // Sized from the declared length: growing by doubling would hold up to twice the body,
    // and the old and the new buffer at once while copying.
    let mut body = web::BytesMut::with_capacity(declared.unwrap_or(0));
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|e| AppError::bad_request(format!("the body could not be read: {e}")))?;
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(AppError::PayloadTooLarge(MAX_BODY_BYTES));
        }
        body.extend_from_slice(&chunk);
    }
    let rows = parse_body(&content_type, &body)?;
    // The parsed rows hold the text now: up to 64 MiB less to keep through the import.
    drop(body);
    let mut conn = state.pool.get().await?;
    let result = import(&mut conn, &caller, &state.config, rows).await?;
    Ok(HttpResponse::Created().json(result))
}
