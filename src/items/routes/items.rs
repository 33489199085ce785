//! Items over HTTP: the list, one item, its edits, its workflow, its history, and the feed.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use uuid::Uuid;

use crate::auth::Action;
use crate::caller::Caller;
use crate::error::AppResult;
use crate::http::ETag;
use crate::http::Json;
use crate::http::conditional::{if_match, not_modified};
use crate::items::list::request::{ItemQuery, ListRequest};
use crate::items::model::{
    AttachmentMeta, HistoryQuery, ItemChanges, ItemRow, NewItem, Reason, Status,
};
use crate::items::rules::{PRIVATE_CACHE, PUBLIC_CACHE, cache_control, sees_all};
use crate::items::service::{self, Command};
use crate::items::views::{Item, ItemSummary, Revision, etag};
use crate::items::{feed, list};
use crate::pagination::{Page, Paging};
use crate::state::AppState;

/// The item with its `ETag` and `Cache-Control`.
fn item_response(
    status: StatusCode,
    caller: &Caller,
    tag: ETag,
    row: ItemRow,
    attachments: Vec<AttachmentMeta>,
) -> HttpResponse {
    let published = row.status == Status::Published;
    HttpResponse::build(status)
        .insert_header((header::ETAG, tag))
        .insert_header((header::CACHE_CONTROL, cache_control(caller, published)))
        .json(Item::from_row(row, attachments, sees_all(caller)))
}

/// The item as the caller sees it, with the tag of that view.
fn item_ok(caller: &Caller, row: ItemRow, attachments: Vec<AttachmentMeta>) -> HttpResponse {
    let tag = etag(row.id, row.version, sees_all(caller));
    item_response(StatusCode::OK, caller, tag, row, attachments)
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
    let (items, total) = state
        .read(caller.freshness(), async |conn| {
            list::sql::list(conn, &list).await
        })
        .await?;
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
    let mut conn = state.pool.get().await?;
    let row = service::create(&mut conn, &caller, &state.config, body.0).await?;
    let location = format!("/api/v1/items/{}", row.id);
    let tag = etag(row.id, row.version, sees_all(&caller));
    let mut res = item_response(StatusCode::CREATED, &caller, tag, row, Vec::new());
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
    let (row, attachments) = state
        .read(caller.freshness(), async |conn| {
            service::get(conn, &caller, *id).await
        })
        .await?;
    let tag = etag(row.id, row.version, sees_all(&caller));
    if not_modified(&req, &tag) {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, tag))
            .insert_header((
                header::CACHE_CONTROL,
                cache_control(&caller, row.status == Status::Published),
            ))
            .finish());
    }
    Ok(item_response(
        StatusCode::OK,
        &caller,
        tag,
        row,
        attachments,
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
    let (row, attachments) = service::edit(&mut conn, &caller, *id, if_match, body.0).await?;
    Ok(item_ok(&caller, row, attachments))
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
    service::delete(&mut conn, &caller, *id).await?;
    Ok(HttpResponse::NoContent().finish())
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
    let (revisions, total) = service::history(&mut conn, *id, paging).await?;
    let mut res = Page::new(revisions, total, paging).respond(&req);
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(PRIVATE_CACHE),
    );
    Ok(res)
}

/// A workflow step, answered with the item as it now is.
async fn perform(
    caller: &Caller,
    state: &AppState,
    id: Uuid,
    command: Command,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let (row, attachments) =
        service::perform(&mut conn, caller, &state.config, id, command).await?;
    Ok(item_ok(caller, row, attachments))
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
    perform(&caller, &state, *id, Command::Submit).await
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
    perform(&caller, &state, *id, Command::Publish).await
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
    perform(&caller, &state, *id, Command::Reject(body.0.reason)).await
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
    perform(&caller, &state, *id, Command::Withdraw(body.0.reason)).await
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
pub async fn items_feed(caller: Caller, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    caller.require(Action::ItemsFeed)?;
    // Never the request's Host or X-Forwarded-Host: any client sets those, and a cache would
    // keep the feed with their links for everyone.
    let base = &state.config.public_url;
    let agency = &state.config.agency_name;
    let xml = state
        .read(caller.freshness(), async |conn| {
            Ok(feed::build(conn, agency, base).await?)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("application/atom+xml; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, PUBLIC_CACHE))
        .body(xml))
}
