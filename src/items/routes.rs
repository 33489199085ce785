//! The catalogue over HTTP: items, their workflow, history, import, attachments and the feed.

use actix_multipart::Multipart;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use futures_util::StreamExt;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::attachments::{self, MAX_ATTACHMENT};
use super::import::{self, ImportResult, MAX_BODY_BYTES};
use super::list::{ItemQuery, ItemSummary, ListRequest};
use super::{
    AttachmentMeta, Fields, Item, ItemChanges, ItemRow, NewItem, Reason, Revision, Status,
    Transition, etag, etag_listed, sees_all,
};
use crate::auth::Action;
use crate::caller::Caller;
use crate::error::{AppError, AppResult};
use crate::http::Json;
use crate::pagination::{Page, Paging};
use crate::state::AppState;

/// Registers this feature's routes (under `/api/v1`).
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_items)
        .service(create_item)
        .service(import_items)
        .service(get_item)
        .service(update_item)
        .service(delete_item)
        .service(get_item_history)
        .service(submit_item)
        .service(publish_item)
        .service(reject_item)
        .service(withdraw_item)
        .service(upload_attachment)
        .service(get_attachment)
        .service(delete_attachment)
        .service(items_feed);
}

/// How long shared caches may keep public reads.
const PUBLIC_CACHE: &str = "public, max-age=60";
const PRIVATE_CACHE: &str = "private, no-store";

/// The `Cache-Control` of a read: shared caches may keep what anonymous callers see of the
/// public catalogue; signed-in views are private.
fn cache_control(caller: &Caller, public_content: bool) -> &'static str {
    if matches!(caller, Caller::Anonymous) && public_content {
        PUBLIC_CACHE
    } else {
        PRIVATE_CACHE
    }
}

fn if_none_match(req: &HttpRequest) -> Option<&str> {
    req.headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
}

fn if_match(req: &HttpRequest) -> AppResult<Option<String>> {
    match req.headers().get(header::IF_MATCH) {
        None => Ok(None),
        Some(v) => v
            .to_str()
            .map(|s| Some(s.to_owned()))
            .map_err(|_| AppError::bad_request("If-Match is not readable")),
    }
}

/// The item with its `ETag` and `Cache-Control`.
fn item_response(
    status: actix_web::http::StatusCode,
    caller: &Caller,
    row: ItemRow,
    attachments: Vec<AttachmentMeta>,
) -> HttpResponse {
    let office = sees_all(caller);
    let tag = etag(row.id, row.version, office);
    let published = row.status() == Status::Published;
    HttpResponse::build(status)
        .insert_header((header::ETAG, tag))
        .insert_header((header::CACHE_CONTROL, cache_control(caller, published)))
        .json(Item::from_row(row, attachments, office))
}

/// The catalogue: published items for the public; every item, filterable by `status`, for
/// the office and tokens with `items:read` or `items:write`.
///
/// Filters combine (AND). With `q`, results are ranked by relevance unless `sort` is given:
/// items whose title or document number contains the query first, then those that contain it
/// elsewhere, newest first within each. Lists carry RFC 8288
/// `Link` headers (`first`, `prev`, `next`, `last`). Every parameter is checked: a bad one
/// is a 422 naming it.
#[utoipa::path(
    tag = "items",
    params(ItemQuery),
    responses(
        (status = 200, description = "A page of items (without their body), with `Link` headers.", body = Page<ItemSummary>),
        (status = 422, response = crate::openapi::Unprocessable),
    )
)]
#[get("/items")]
pub async fn list_items(
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<ItemQuery>,
) -> AppResult<HttpResponse> {
    caller.require(Action::ListItems)?;
    let list = ListRequest::parse(&query, sees_all(&caller), state.config.timezone)?;
    let mut conn = state.pool.get().await?;
    let (items, total) = super::list::list(&mut conn, &list).await?;
    let mut res = Page::new(items, total, list.paging).respond(&req);
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control(&caller, !sees_all(&caller))),
    );
    Ok(res)
}

/// Creates a draft. The publisher defaults to the agency's name.
#[utoipa::path(
    tag = "items",
    security(("bearer" = [])),
    request_body = NewItem,
    responses(
        (status = 201, description = "The new draft.", body = Item,
            headers(("Location" = String, description = "The item's address"), ("ETag" = String))),
        (status = 403, response = crate::openapi::Forbidden),
    )
)]
#[post("/items")]
pub async fn create_item(
    caller: Caller,
    state: web::Data<AppState>,
    body: Json<NewItem>,
) -> AppResult<HttpResponse> {
    caller.require(Action::CreateItem)?;
    let fields = Fields::from_new(body.0, &state.config.agency_name)?;
    let mut conn = state.pool.get().await?;
    let row = super::create(&mut conn, &caller, fields).await?;
    let location = format!("/api/v1/items/{}", row.id);
    let mut res = item_response(
        actix_web::http::StatusCode::CREATED,
        &caller,
        row,
        Vec::new(),
    );
    res.headers_mut().insert(
        header::LOCATION,
        HeaderValue::from_str(&location).expect("ascii"),
    );
    Ok(res)
}

/// One item with its attachments.
///
/// Unpublished and withdrawn items are a 404 for callers who may not see them. Answers
/// `If-None-Match` with 304. Anonymous reads of published items may be cached for 60 s.
#[utoipa::path(
    tag = "items",
    params(("id" = Uuid, Path, description = "The item's id")),
    responses(
        (status = 200, description = "The item.", body = Item,
            headers(("ETag" = String, description = "Changes with every version"), ("Cache-Control" = String))),
        (status = 304, description = "Not modified: the `If-None-Match` ETag is current."),
        (status = 404, response = crate::openapi::NotFound),
    )
)]
#[get("/items/{id}")]
pub async fn get_item(
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    caller.require(Action::GetItem)?;
    let mut conn = state.pool.get().await?;
    let (row, atts) = super::load_visible(&mut conn, &caller, *id).await?;
    drop(conn);
    let tag = etag(row.id, row.version, sees_all(&caller));
    if if_none_match(&req).is_some_and(|h| etag_listed(h, &tag, true)) {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, tag))
            .insert_header((
                header::CACHE_CONTROL,
                cache_control(&caller, row.status() == Status::Published),
            ))
            .finish());
    }
    Ok(item_response(
        actix_web::http::StatusCode::OK,
        &caller,
        row,
        atts,
    ))
}

/// Changes an item. Send `If-Match` with the ETag you read to avoid overwriting someone
/// else's change (412 when it is stale).
///
/// Drafts and items in review: the office and tokens with `items:write`. Published items:
/// leaders only; the item stays published with the new text, under the same index number.
/// Withdrawn items cannot change (409).
#[utoipa::path(
    tag = "items",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "The item's id"),
        ("If-Match" = Option<String>, Header, description = "The ETag of the version being edited"),
    ),
    request_body = ItemChanges,
    responses(
        (status = 200, description = "The changed item.", body = Item, headers(("ETag" = String))),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
        (status = 412, response = crate::openapi::PreconditionFailed),
    )
)]
#[patch("/items/{id}")]
pub async fn update_item(
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Json<ItemChanges>,
) -> AppResult<HttpResponse> {
    caller.require(Action::UpdateItem)?;
    let if_match = if_match(&req)?;
    let mut conn = state.pool.get().await?;
    let row = super::update(&mut conn, &caller, *id, if_match.as_deref(), body.0).await?;
    let atts = attachments::list_meta(&mut conn, row.id).await?;
    Ok(item_response(
        actix_web::http::StatusCode::OK,
        &caller,
        row,
        atts,
    ))
}

/// Deletes a draft. Anything that was ever submitted stays (409).
#[utoipa::path(
    tag = "items",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The item's id")),
    responses(
        (status = 204, description = "Deleted."),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
    )
)]
#[delete("/items/{id}")]
pub async fn delete_item(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    caller.require(Action::DeleteItem)?;
    let mut conn = state.pool.get().await?;
    super::delete(&mut conn, &caller, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Paging of an item's history.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// Page number, from 1.
    pub page: Option<i64>,
    /// Entries per page, 1 to 100 (default 20).
    pub per_page: Option<i64>,
}

/// Every change of an item, oldest first: who, when, which fields, and the item as it was
/// afterwards.
#[utoipa::path(
    tag = "items",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The item's id"), HistoryQuery),
    responses(
        (status = 200, description = "A page of revisions, with `Link` headers.", body = Page<Revision>),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    )
)]
#[get("/items/{id}/history")]
pub async fn get_item_history(
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: web::Query<HistoryQuery>,
) -> AppResult<HttpResponse> {
    caller.require(Action::GetItemHistory)?;
    let paging = Paging::parse(query.page, query.per_page)?;
    let mut conn = state.pool.get().await?;
    let (revisions, total) = super::history(&mut conn, *id, paging).await?;
    let mut res = Page::new(revisions, total, paging).respond(&req);
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(PRIVATE_CACHE),
    );
    Ok(res)
}

async fn step(
    caller: &Caller,
    state: &AppState,
    id: Uuid,
    t: Transition,
    reason: Option<String>,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let row = super::transition(&mut conn, caller, &state.config, id, t, reason).await?;
    let atts = attachments::list_meta(&mut conn, row.id).await?;
    Ok(item_response(
        actix_web::http::StatusCode::OK,
        caller,
        row,
        atts,
    ))
}

/// Submits a draft for a leader's review.
#[utoipa::path(
    tag = "items",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The item's id")),
    responses(
        (status = 200, description = "The item, now `pending_review`.", body = Item),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
    )
)]
#[post("/items/{id}/submit")]
pub async fn submit_item(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    caller.require(Action::SubmitItem)?;
    step(&caller, &state, *id, Transition::Submit, None).await
}

/// Publishes an item after the confidentiality review (a draft directly, or one in review).
/// It gets its index number: `<agency code>/<year>-<sequence>`, the sequence gap-free within
/// the calendar year of publication in the agency's time zone.
#[utoipa::path(
    tag = "items",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The item's id")),
    responses(
        (status = 200, description = "The item, now `published`, with its index number.", body = Item),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
    )
)]
#[post("/items/{id}/publish")]
pub async fn publish_item(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    caller.require(Action::PublishItem)?;
    step(&caller, &state, *id, Transition::Publish, None).await
}

/// Sends an item in review back to draft, with the reason for its author.
#[utoipa::path(
    tag = "items",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The item's id")),
    request_body = Reason,
    responses(
        (status = 200, description = "The item, back in `draft` with `review_note`.", body = Item),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
    )
)]
#[post("/items/{id}/reject")]
pub async fn reject_item(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Json<Reason>,
) -> AppResult<HttpResponse> {
    caller.require(Action::RejectItem)?;
    step(
        &caller,
        &state,
        *id,
        Transition::Reject,
        Some(body.0.reason),
    )
    .await
}

/// Withdraws a published item (撤回), with the reason. It leaves the public catalogue (a 404
/// for the public) but stays in the database with its history and index number, and still
/// counts in the statistics of the year it was published.
#[utoipa::path(
    tag = "items",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The item's id")),
    request_body = Reason,
    responses(
        (status = 200, description = "The item, now `withdrawn`.", body = Item),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
    )
)]
#[post("/items/{id}/withdraw")]
pub async fn withdraw_item(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Json<Reason>,
) -> AppResult<HttpResponse> {
    caller.require(Action::WithdrawItem)?;
    step(
        &caller,
        &state,
        *id,
        Transition::Withdraw,
        Some(body.0.reason),
    )
    .await
}

/// One row of an import (JSON); the CSV columns have the same names, with keywords
/// separated by `;`.
#[derive(ToSchema)]
#[allow(dead_code)] // documents the request body, which is parsed row by row
#[schema(example = json!({"title": "朱台镇2009年政务公开工作要点", "category": "plan", "published_at": "2009-03-02T09:30:00+08:00", "doc_no": "朱政发〔2009〕12号", "index_no": "11370305004300000X/2009-00017"}))]
pub struct ImportRow {
    title: String,
    summary: Option<String>,
    body: Option<String>,
    category: super::Category,
    /// Defaults to the agency's name.
    publisher: Option<String>,
    doc_no: Option<String>,
    written_on: Option<chrono::NaiveDate>,
    /// RFC 3339, or a date (midnight in the agency's time zone); not in the future.
    published_at: String,
    validity: Option<super::Validity>,
    keywords: Option<Vec<String>>,
    /// The number it already has; its year must be the year of `published_at`. Without
    /// one, the item gets the next number of its year.
    index_no: Option<String>,
}

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
    let rows = import::parse_body(&content_type, &body)?;
    // The parsed rows hold the text now: up to 64 MiB less to keep through the import.
    drop(body);
    let mut conn = state.pool.get().await?;
    let result: ImportResult = import::import(&mut conn, &caller, &state.config, rows).await?;
    Ok(HttpResponse::Created().json(result))
}

/// The multipart form of an upload.
#[derive(ToSchema)]
#[allow(dead_code)] // documents the multipart body
pub struct AttachmentUpload {
    /// The file: PDF, DOC, DOCX, XLS, XLSX, JPEG or PNG (checked by content), at most 20 MiB.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Attaches a file (multipart field `file`). The type is found from the content, not the
/// name: PDF, DOC, DOCX, XLS, XLSX, JPEG or PNG (415 otherwise); at most 20 MiB (413). The
/// name is reduced to its base name. Adding a file is a change of the item (new version).
#[utoipa::path(
    tag = "items",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The item's id")),
    request_body(content = AttachmentUpload, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "The stored attachment.", body = AttachmentMeta,
            headers(("Location" = String, description = "The file's address"))),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
    )
)]
#[post("/items/{id}/attachments")]
pub async fn upload_attachment(
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    mut form: Multipart,
) -> AppResult<HttpResponse> {
    caller.require(Action::UploadAttachment)?;
    let limit = MAX_ATTACHMENT;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    // Room for the multipart framing around the file.
    if declared.is_some_and(|n| n > limit + 64 * 1024) {
        return Err(AppError::PayloadTooLarge(limit));
    }
    let is_multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    if !is_multipart {
        return Err(AppError::UnsupportedMediaType(
            "send the file as multipart/form-data, field `file`".into(),
        ));
    }
    let mut upload: Option<(String, Vec<u8>)> = None;
    while let Some(field) = form.next().await {
        let mut field =
            field.map_err(|e| AppError::bad_request(format!("unreadable multipart body: {e}")))?;
        let cd = field.content_disposition().cloned();
        let name = cd.as_ref().and_then(|c| c.get_name()).unwrap_or("");
        if name != "file" {
            return Err(AppError::invalid(
                if name.is_empty() { "body" } else { name },
                "unknown field; send the file in the field `file`",
            ));
        }
        if upload.is_some() {
            return Err(AppError::invalid("file", "send one file per request"));
        }
        let raw_name = cd
            .as_ref()
            .and_then(|c| {
                c.get_filename_ext()
                    .map(|e| String::from_utf8_lossy(&e.value).into_owned())
                    .or_else(|| c.get_filename().map(str::to_owned))
            })
            .unwrap_or_default();
        let file_name = attachments::sanitise_file_name(&raw_name)
            .ok_or_else(|| AppError::invalid("file", "the file needs a name"))?;
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk
                .map_err(|e| AppError::bad_request(format!("unreadable multipart body: {e}")))?;
            if bytes.len() + chunk.len() > limit {
                return Err(AppError::PayloadTooLarge(limit));
            }
            bytes.extend_from_slice(&chunk);
        }
        upload = Some((file_name, bytes));
    }
    let (file_name, bytes) = upload.ok_or_else(|| AppError::invalid("file", "required"))?;
    if bytes.is_empty() {
        return Err(AppError::invalid("file", "the file is empty"));
    }
    let mut conn = state.pool.get().await?;
    let meta = attachments::add(&mut conn, &caller, *id, file_name, bytes).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/items/{}/attachments/{}", id, meta.id),
        ))
        .json(meta))
}

/// Downloads an attachment, with its type, its name (UTF-8, RFC 6266) and its SHA-256 as the
/// `ETag` (304 for a matching `If-None-Match`).
#[utoipa::path(
    tag = "items",
    params(
        ("id" = Uuid, Path, description = "The item's id"),
        ("aid" = Uuid, Path, description = "The attachment's id"),
    ),
    responses(
        (status = 200, description = "The file.", content(
            (Vec<u8> = "application/pdf"), (Vec<u8> = "application/msword"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            (Vec<u8> = "application/vnd.ms-excel"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (Vec<u8> = "image/jpeg"), (Vec<u8> = "image/png")),
            headers(("ETag" = String, description = "The SHA-256 of the content"), ("Content-Disposition" = String))),
        (status = 304, description = "Not modified."),
        (status = 404, response = crate::openapi::NotFound),
    )
)]
#[get("/items/{id}/attachments/{aid}")]
pub async fn get_attachment(
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(Uuid, Uuid)>,
) -> AppResult<HttpResponse> {
    caller.require(Action::GetAttachment)?;
    let (id, aid) = path.into_inner();
    let mut conn = state.pool.get().await?;
    let d = attachments::load(&mut conn, &caller, id, aid).await?;
    drop(conn);
    let tag = format!("\"{}\"", d.meta.sha256);
    let cache = cache_control(&caller, d.item_status == Status::Published);
    if if_none_match(&req).is_some_and(|h| etag_listed(h, &tag, true)) {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, tag))
            .insert_header((header::CACHE_CONTROL, cache))
            .finish());
    }
    Ok(HttpResponse::Ok()
        .content_type(d.meta.content_type.as_str())
        .insert_header((header::ETAG, tag))
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header((
            header::CONTENT_DISPOSITION,
            attachments::content_disposition(&d.meta.file_name),
        ))
        .body(d.bytes))
}

/// Removes an attachment (the same rules as adding one).
#[utoipa::path(
    tag = "items",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "The item's id"),
        ("aid" = Uuid, Path, description = "The attachment's id"),
    ),
    responses(
        (status = 204, description = "Removed."),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
    )
)]
#[delete("/items/{id}/attachments/{aid}")]
pub async fn delete_attachment(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<(Uuid, Uuid)>,
) -> AppResult<HttpResponse> {
    caller.require(Action::DeleteAttachment)?;
    let (id, aid) = path.into_inner();
    let mut conn = state.pool.get().await?;
    attachments::remove(&mut conn, &caller, id, aid).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// An Atom feed (RFC 4287) of the 50 latest published items, newest first. Entry ids are
/// `urn:uuid:<item id>`.
#[utoipa::path(
    tag = "items",
    responses(
        (status = 200, description = "The feed.", content_type = "application/atom+xml", body = String),
    )
)]
#[get("/feeds/items.atom")]
pub async fn items_feed(
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    caller.require(Action::ItemsFeed)?;
    let base = {
        let info = req.connection_info();
        format!("{}://{}", info.scheme(), info.host())
    };
    let mut conn = state.pool.get().await?;
    let xml = super::feeds::build(&mut conn, &state.config.agency_name, &base).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/atom+xml; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, PUBLIC_CACHE))
        .body(xml))
}
