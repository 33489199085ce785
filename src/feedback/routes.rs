//! The feedback register over HTTP.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use uuid::Uuid;

use super::model::{
    AssignRequest, CreateFeedbackRequest, FeedbackQuery, Note, NoteRequest, PublicQuery,
    PublishRequest, RatingRequest, ReplyRequest,
};
use super::service::{self, Command};
use super::views::{CreatedFeedback, Feedback, PublicEntry};
use crate::auth::Action;
use crate::caller::Caller;
use crate::error::{AppError, AppResult};
use crate::http::{Json, access_code, client_ip};
use crate::pagination::Page;
use crate::state::AppState;

/// Registers this feature's routes (under `/api/v1`).
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    // `/feedback/public` before `/feedback/{id}`.
    cfg.service(list_public_feedback)
        .service(create_feedback)
        .service(list_feedback)
        .service(get_feedback)
        .service(assign_feedback)
        .service(start_feedback)
        .service(reply_feedback)
        .service(close_feedback)
        .service(reopen_feedback)
        .service(add_feedback_note)
        .service(rate_feedback)
        .service(publish_feedback)
        .service(unpublish_feedback);
}

/// Registers a consultation, complaint or suggestion.
///
/// Anyone may submit, signed in or not; the public is limited per client address
/// (`GONGKAI_FEEDBACK_RATE_PER_MIN`). A signed-in member of the public follows the entry with
/// their account; anyone else gets an `access_code`. Staff and leaders register calls, letters
/// and visits with their `channel` and, if earlier than today, `received_on`. The register
/// number is `<year of receipt>-<sequence>`; the reply is due on the N-th working day after
/// the day of receipt (`GONGKAI_FEEDBACK_REPLY_DAYS`).
#[utoipa::path(
    tag = "feedback",
    security((), ("bearer" = [])),
    request_body = CreateFeedbackRequest,
    responses(
        (status = 201, description = "Registered.", body = CreatedFeedback,
            headers(("Location" = String, description = "The entry's address"))),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 429, response = crate::openapi::TooManyRequests),
    )
)]
#[post("/feedback")]
pub async fn create_feedback(
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
    // Read as a result so that malformed submissions count against the limit too.
    body: Result<Json<CreateFeedbackRequest>, AppError>,
) -> AppResult<HttpResponse> {
    caller.require(Action::CreateFeedback)?;
    if !caller.is_office() {
        state.feedback_by_ip.check(&client_ip(&req)).await?;
    }
    let request = body?.0;
    let mut conn = state.pool.get().await?;
    let created = service::create(
        &mut conn,
        &caller,
        request,
        state.config.feedback_reply_days,
        state.config.timezone,
    )
    .await?;
    let id = created.feedback.id;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/feedback/{id}")))
        .json(created))
}

/// The register, newest first.
///
/// Staff and leaders see every entry, with the phone and e-mail masked (`138****5678`; the
/// single-entry view shows them in full). A signed-in member of the public sees their own
/// entries, without contact data.
#[utoipa::path(
    tag = "feedback",
    security(("bearer" = [])),
    params(FeedbackQuery),
    responses(
        (status = 200, description = "A page of entries, with `Link` headers.", body = Page<Feedback>),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
    )
)]
#[get("/feedback")]
pub async fn list_feedback(
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<FeedbackQuery>,
) -> AppResult<HttpResponse> {
    caller.require(Action::ListFeedback)?;
    let mut conn = state.pool.get().await?;
    let page = service::list(&mut conn, &caller, &query, state.config.timezone).await?;
    Ok(page.respond(&req))
}

/// The public board (留言板): questions and replies a leader published, newest first, with no
/// personal data.
#[utoipa::path(
    tag = "feedback",
    params(PublicQuery),
    responses(
        (status = 200, description = "A page of published questions and replies.", body = Page<PublicEntry>),
    )
)]
#[get("/feedback/public")]
pub async fn list_public_feedback(
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<PublicQuery>,
) -> AppResult<HttpResponse> {
    caller.require(Action::ListPublicFeedback)?;
    let page = state
        .read(caller.freshness(), async |conn| {
            service::list_public(conn, &query).await
        })
        .await?;
    Ok(page.respond(&req))
}

/// One entry.
///
/// Staff and leaders see everything, including internal notes (`office.notes`). The submitter
/// sees their own entry, signed in with the account that submitted it or with the access code
/// in `X-Access-Code`, without internal data. Anyone else gets 404.
#[utoipa::path(
    tag = "feedback",
    security((), ("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "The entry's id"),
        ("X-Access-Code" = Option<String>, Header, description = "The access code given when the entry was registered"),
    ),
    responses(
        (status = 200, description = "The entry.", body = Feedback),
        (status = 404, response = crate::openapi::NotFound),
    )
)]
#[get("/feedback/{id}")]
pub async fn get_feedback(
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> AppResult<web::Json<Feedback>> {
    caller.require(Action::GetFeedback)?;
    let code = access_code(&req);
    let mut conn = state.pool.get().await?;
    let feedback = service::get(
        &mut conn,
        &caller,
        *id,
        code.as_deref(),
        state.config.timezone,
    )
    .await?;
    Ok(web::Json(feedback))
}

/// Assigns the entry to a member of the office (`registered` -> `assigned`). It can be
/// reassigned until it is answered.
#[utoipa::path(
    tag = "feedback",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The entry's id")),
    request_body = AssignRequest,
    responses(
        (status = 200, description = "The entry.", body = Feedback),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
    )
)]
#[post("/feedback/{id}/assign")]
pub async fn assign_feedback(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Json<AssignRequest>,
) -> AppResult<web::Json<Feedback>> {
    caller.require(Action::AssignFeedback)?;
    let assignee = body.0.assignee_id;
    perform(&state, &caller, *id, Command::Assign { assignee }).await
}

/// Starts handling an assigned entry (`assigned` -> `in_progress`).
#[utoipa::path(
    tag = "feedback",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The entry's id")),
    responses(
        (status = 200, description = "The entry.", body = Feedback),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
    )
)]
#[post("/feedback/{id}/start")]
pub async fn start_feedback(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> AppResult<web::Json<Feedback>> {
    caller.require(Action::StartFeedback)?;
    perform(&state, &caller, *id, Command::Start).await
}

/// Answers the entry (`in_progress` -> `replied`). The submitter sees the reply. The day of the
/// first reply is kept for the statistics ("replied on time"); after a reopening, a new reply
/// replaces the text.
#[utoipa::path(
    tag = "feedback",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The entry's id")),
    request_body(content = ReplyRequest, description = "The reply, 1 to 10000 characters."),
    responses(
        (status = 200, description = "The entry.", body = Feedback),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
    )
)]
#[post("/feedback/{id}/reply")]
pub async fn reply_feedback(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Json<ReplyRequest>,
) -> AppResult<web::Json<Feedback>> {
    caller.require(Action::ReplyFeedback)?;
    let text = body.0.text;
    perform(&state, &caller, *id, Command::Reply { text }).await
}

/// Performs a workflow action and answers with the office's view.
async fn perform(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    command: Command,
) -> AppResult<web::Json<Feedback>> {
    let mut conn = state.pool.get().await?;
    let feedback = service::perform(&mut conn, caller, id, command, state.config.timezone).await?;
    Ok(web::Json(feedback))
}

/// Closes an answered entry (`replied` -> `closed`).
#[utoipa::path(
    tag = "feedback",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The entry's id")),
    responses(
        (status = 200, description = "The entry.", body = Feedback),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
    )
)]
#[post("/feedback/{id}/close")]
pub async fn close_feedback(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> AppResult<web::Json<Feedback>> {
    caller.require(Action::CloseFeedback)?;
    perform(&state, &caller, *id, Command::Close).await
}

/// Reopens an answered or closed entry (-> `in_progress`), for instance when the submitter
/// comes back. The reply deadline does not change.
#[utoipa::path(
    tag = "feedback",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The entry's id")),
    responses(
        (status = 200, description = "The entry.", body = Feedback),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
    )
)]
#[post("/feedback/{id}/reopen")]
pub async fn reopen_feedback(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> AppResult<web::Json<Feedback>> {
    caller.require(Action::ReopenFeedback)?;
    perform(&state, &caller, *id, Command::Reopen).await
}

/// Adds an internal note, in any state. The submitter never sees notes.
#[utoipa::path(
    tag = "feedback",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The entry's id")),
    request_body(content = NoteRequest, description = "The note, 1 to 5000 characters."),
    responses(
        (status = 201, description = "The note.", body = Note),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    )
)]
#[post("/feedback/{id}/notes")]
pub async fn add_feedback_note(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Json<NoteRequest>,
) -> AppResult<HttpResponse> {
    caller.require(Action::AddFeedbackNote)?;
    let mut conn = state.pool.get().await?;
    let note: Note = service::add_note(&mut conn, &caller, *id, &body.0.text).await?;
    Ok(HttpResponse::Created().json(note))
}

/// Rates the reply, once, after it is answered: the submitter only (the account that submitted
/// it, or the access code in `X-Access-Code`).
#[utoipa::path(
    tag = "feedback",
    security((), ("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "The entry's id"),
        ("X-Access-Code" = Option<String>, Header, description = "The access code given when the entry was registered"),
    ),
    request_body = RatingRequest,
    responses(
        (status = 200, description = "The entry with its rating.", body = Feedback),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
    )
)]
#[post("/feedback/{id}/rating")]
pub async fn rate_feedback(
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Json<RatingRequest>,
) -> AppResult<web::Json<Feedback>> {
    caller.require(Action::RateFeedback)?;
    let code = access_code(&req);
    let mut conn = state.pool.get().await?;
    let feedback = service::rate(
        &mut conn,
        &caller,
        code.as_deref(),
        *id,
        &body.0,
        state.config.timezone,
    )
    .await?;
    Ok(web::Json(feedback))
}

/// Puts an answered entry on the public board, or replaces its public texts. Send `{}` to
/// publish the entry's own texts with personal data removed.
#[utoipa::path(
    tag = "feedback",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The entry's id")),
    request_body = PublishRequest,
    responses(
        (status = 200, description = "The entry.", body = Feedback),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
    )
)]
#[post("/feedback/{id}/publish")]
pub async fn publish_feedback(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Json<PublishRequest>,
) -> AppResult<web::Json<Feedback>> {
    caller.require(Action::PublishFeedback)?;
    perform(&state, &caller, *id, Command::Publish { texts: body.0 }).await
}

/// Takes an entry off the public board.
#[utoipa::path(
    tag = "feedback",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The entry's id")),
    responses(
        (status = 200, description = "The entry.", body = Feedback),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
    )
)]
#[post("/feedback/{id}/unpublish")]
pub async fn unpublish_feedback(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> AppResult<web::Json<Feedback>> {
    caller.require(Action::UnpublishFeedback)?;
    perform(&state, &caller, *id, Command::Unpublish).await
}
