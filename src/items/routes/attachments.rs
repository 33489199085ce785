//! Attachments over HTTP: the multipart upload is read here; the file's checks and its
//! storage are the feature's.

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use futures_util::StreamExt;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::Action;
use crate::caller::Caller;
use crate::error::{AppError, AppResult};
use crate::http::ETag;
use crate::http::conditional::not_modified;
use crate::items::attachments::{self, MAX_ATTACHMENT};
use crate::items::model::{AttachmentMeta, Status};
use crate::items::rules::cache_control;
use crate::state::AppState;

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
        let file_name = attachments::file_name(&raw_name)?;
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
    let d = state
        .read(caller.freshness(), async |conn| {
            attachments::load(conn, &caller, id, aid).await
        })
        .await?;
    let tag = ETag::strong(&d.meta.sha256);
    let cache = cache_control(&caller, d.item_status == Status::Published);
    if not_modified(&req, &tag) {
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
