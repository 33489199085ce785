//! Applications over HTTP: receipt, the office's list, one application with its timeline, the
//! actions of the state machine, and appeals. Each handler asks the policy, then the feature.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use uuid::Uuid;

use super::appeals;
use super::inputs::{
    AnswerBody, ApplicationQuery, CreateAppealBody, CreateApplicationRequest, ExtendBody, NoteBody,
    RequestCorrectionBody, StartConsultationBody, SubmitCorrectionBody, UpdateAppealBody,
    WithdrawBody,
};
use super::rules;
use super::service::{self, Command};
use super::views::{Appeal, Application, ApplicationSummary, CreatedApplication};
use crate::auth::{Action, Role, Scope};
use crate::caller::Caller;
use crate::clock::today;
use crate::error::{AppError, AppResult};
use crate::http::{Json, OptionalJson, Query, access_code, client_ip};
use crate::pagination::{Page, Paging};
use crate::state::AppState;

/// Registers this feature's routes (under `/api/v1`).
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_application)
        .service(list_applications)
        .service(get_application)
        .service(request_correction)
        .service(submit_correction)
        .service(start_consultation)
        .service(end_consultation)
        .service(extend_application)
        .service(answer_application)
        .service(approve_answer)
        .service(withdraw_application)
        .service(create_appeal)
        .service(update_appeal);
}

/// Performs an action and answers with the application as the caller now sees it.
async fn run(
    caller: &Caller,
    req: &HttpRequest,
    state: &AppState,
    id: Uuid,
    command: Command,
) -> AppResult<web::Json<Application>> {
    let today = today(state.config.timezone);
    let mut conn = state.pool.get().await?;
    let code = access_code(req);
    Ok(web::Json(
        service::perform(&mut conn, caller, id, code.as_deref(), command, today).await?,
    ))
}

/// Receives an application for disclosure.
///
/// Anyone may apply: anonymously, as a registered `public` user (who then follows it in
/// their account), or through an integration with the `applications:write` scope. Applicants
/// without an account get an `access_code` in this answer, once. Staff and leaders register
/// paper applications with their `channel` and `received_on`; self-service callers may not
/// set either (422). The deadline is 20 working days after the day of receipt.
///
/// Anonymous and `public` callers are throttled per client address
/// (`GONGKAI_SUBMIT_RATE_PER_MIN`, 429 with `Retry-After` above it).
#[utoipa::path(
    tag = "applications",
    security((), ("bearer" = [])),
    request_body = CreateApplicationRequest,
    responses(
        (status = 201, description = "Received.", body = CreatedApplication,
            headers(("Location" = String, description = "The application's address"))),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 429, response = crate::openapi::TooManyRequests),
    )
)]
#[post("/applications")]
pub async fn create_application(
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Json<CreateApplicationRequest>,
) -> AppResult<HttpResponse> {
    caller.require(Action::CreateApplication)?;
    match &caller {
        // An integration may submit only with its scope (and only submit: see README).
        Caller::Token(t) if !t.scopes.contains(&Scope::ApplicationsWrite) => {
            return Err(AppError::Forbidden(
                "this token lacks the applications:write scope".into(),
            ));
        }
        Caller::Anonymous | Caller::User(_) if !caller.is_office() => {
            state.submit_by_ip.check(&client_ip(&req)).await?;
        }
        _ => {}
    }
    let today = today(state.config.timezone);
    let new = rules::check_new(body.0, caller.is_office(), today)?;
    let mut conn = state.pool.get().await?;
    let created = service::create(&mut conn, &caller, new, today).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/applications/{}", created.application.id),
        ))
        .json(CreatedApplication {
            application: created.application,
            access_code: created.access_code,
        }))
}

/// Lists applications: all of them for the office, their own for a `public` user.
///
/// Entries carry no contact data; identity numbers are masked.
#[utoipa::path(
    tag = "applications",
    security(("bearer" = [])),
    params(ApplicationQuery),
    responses(
        (status = 200, description = "A page of applications, with `Link` headers.", body = Page<ApplicationSummary>),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
    )
)]
#[get("/applications")]
pub async fn list_applications(
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
    query: Query<ApplicationQuery>,
) -> AppResult<HttpResponse> {
    caller.require(Action::ListApplications)?;
    let paging = Paging::parse(query.0.page, query.0.per_page)?;
    let owner = match caller.role() {
        Some(Role::Public) => Some(caller.require_user()?.id),
        _ => None,
    };
    let today = today(state.config.timezone);
    let mut conn = state.pool.get().await?;
    let window = (paging.offset(), paging.limit());
    let (items, total) = service::list(&mut conn, &query.0, owner, window, today).await?;
    Ok(Page::new(items, total, paging).respond(&req))
}

/// One application with its full timeline.
///
/// Readable by the office, by the registered applicant who filed it, and by whoever sends its
/// access code in `X-Access-Code`; everyone else gets 404, as if it did not exist.
#[utoipa::path(
    tag = "applications",
    security((), ("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "The application's id"),
        ("X-Access-Code" = Option<String>, Header, description = "The access code given at submission"),
    ),
    responses(
        (status = 200, description = "The application.", body = Application),
        (status = 404, response = crate::openapi::NotFound),
    )
)]
#[get("/applications/{id}")]
pub async fn get_application(
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> AppResult<web::Json<Application>> {
    caller.require(Action::GetApplication)?;
    let today = today(state.config.timezone);
    let mut conn = state.pool.get().await?;
    let code = access_code(&req);
    Ok(web::Json(
        service::get(&mut conn, &caller, *id, code.as_deref(), today).await?,
    ))
}

/// Asks for a correction (补正): only once, within 7 working days of receipt. The clock stops
/// until the correction arrives; then the 20 working days start again from that day.
#[utoipa::path(
    tag = "applications",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The application's id")),
    request_body = RequestCorrectionBody,
    responses(
        (status = 200, description = "The application, awaiting the correction.", body = Application),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
    )
)]
#[post("/applications/{id}/request-correction")]
pub async fn request_correction(
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Json<RequestCorrectionBody>,
) -> AppResult<web::Json<Application>> {
    caller.require(Action::RequestCorrection)?;
    run(
        &caller,
        &req,
        &state,
        *id,
        Command::RequestCorrection(body.0),
    )
    .await
}

/// Submits the correction: by the applicant (account or `X-Access-Code`), or registered by
/// the office. The 20 working days start again from the day it arrived.
#[utoipa::path(
    tag = "applications",
    security((), ("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "The application's id"),
        ("X-Access-Code" = Option<String>, Header, description = "The access code given at submission"),
    ),
    request_body(content = SubmitCorrectionBody, description = "May be empty."),
    responses(
        (status = 200, description = "The application, running again.", body = Application),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
    )
)]
#[post("/applications/{id}/submit-correction")]
pub async fn submit_correction(
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: OptionalJson<SubmitCorrectionBody>,
) -> AppResult<web::Json<Application>> {
    caller.require(Action::SubmitCorrection)?;
    run(
        &caller,
        &req,
        &state,
        *id,
        Command::SubmitCorrection(body.0),
    )
    .await
}

/// Starts consulting a third party or another agency (征求意见): the clock stops; the working
/// days until the consultation ends do not count.
#[utoipa::path(
    tag = "applications",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The application's id")),
    request_body = StartConsultationBody,
    responses(
        (status = 200, description = "The application, in consultation.", body = Application),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
    )
)]
#[post("/applications/{id}/start-consultation")]
pub async fn start_consultation(
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Json<StartConsultationBody>,
) -> AppResult<web::Json<Application>> {
    caller.require(Action::StartConsultation)?;
    run(
        &caller,
        &req,
        &state,
        *id,
        Command::StartConsultation(body.0),
    )
    .await
}

/// Ends the consultation: the clock runs again and the deadline moves by the working days it
/// took.
#[utoipa::path(
    tag = "applications",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The application's id")),
    request_body(content = NoteBody, description = "May be empty."),
    responses(
        (status = 200, description = "The application, running again.", body = Application),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
    )
)]
#[post("/applications/{id}/end-consultation")]
pub async fn end_consultation(
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: OptionalJson<NoteBody>,
) -> AppResult<web::Json<Application>> {
    caller.require(Action::EndConsultation)?;
    run(&caller, &req, &state, *id, Command::EndConsultation(body.0)).await
}

/// Extends the deadline (leaders): once, by up to 20 working days, before it has passed.
#[utoipa::path(
    tag = "applications",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The application's id")),
    request_body = ExtendBody,
    responses(
        (status = 200, description = "The application with its new deadline.", body = Application),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
    )
)]
#[post("/applications/{id}/extend")]
pub async fn extend_application(
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Json<ExtendBody>,
) -> AppResult<web::Json<Application>> {
    caller.require(Action::ExtendApplication)?;
    run(&caller, &req, &state, *id, Command::Extend(body.0)).await
}

/// Answers the application. From staff it is a draft awaiting a leader's `approve-answer`;
/// from a leader it is final and closes the case. While a correction is awaited, the only
/// answer is `other` / `correction_overdue`, after the correction period.
#[utoipa::path(
    tag = "applications",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The application's id")),
    request_body = AnswerBody,
    responses(
        (status = 200, description = "The application, drafted or answered.", body = Application),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
    )
)]
#[post("/applications/{id}/answer")]
pub async fn answer_application(
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Json<AnswerBody>,
) -> AppResult<web::Json<Application>> {
    caller.require(Action::AnswerApplication)?;
    run(&caller, &req, &state, *id, Command::Answer(body.0)).await
}

/// Approves the staff's draft answer (leaders): it becomes final and closes the case.
#[utoipa::path(
    tag = "applications",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The application's id")),
    responses(
        (status = 200, description = "The application, answered.", body = Application),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
    )
)]
#[post("/applications/{id}/approve-answer")]
pub async fn approve_answer(
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> AppResult<web::Json<Application>> {
    caller.require(Action::ApproveAnswer)?;
    run(&caller, &req, &state, *id, Command::ApproveAnswer).await
}

/// Withdraws the application: by the applicant (account or `X-Access-Code`), or registered by
/// the office from a written withdrawal. It closes the case (counted as `other` / `other`).
#[utoipa::path(
    tag = "applications",
    security((), ("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "The application's id"),
        ("X-Access-Code" = Option<String>, Header, description = "The access code given at submission"),
    ),
    request_body(content = WithdrawBody, description = "May be empty."),
    responses(
        (status = 200, description = "The application, withdrawn.", body = Application),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
    )
)]
#[post("/applications/{id}/withdraw")]
pub async fn withdraw_application(
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: OptionalJson<WithdrawBody>,
) -> AppResult<web::Json<Application>> {
    caller.require(Action::WithdrawApplication)?;
    run(&caller, &req, &state, *id, Command::Withdraw(body.0)).await
}

/// Registers a reconsideration or lawsuit about an application (office). It starts `pending`.
#[utoipa::path(
    tag = "applications",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The application's id")),
    request_body = CreateAppealBody,
    responses(
        (status = 201, description = "Registered.", body = Appeal),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    )
)]
#[post("/applications/{id}/appeals")]
pub async fn create_appeal(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Json<CreateAppealBody>,
) -> AppResult<HttpResponse> {
    caller.require(Action::CreateAppeal)?;
    let today = today(state.config.timezone);
    let mut conn = state.pool.get().await?;
    let appeal = appeals::create(&mut conn, &caller, *id, body.0, today).await?;
    Ok(HttpResponse::Created().json(appeal))
}

/// Records an appeal's result (office): `upheld`, `corrected`, `other`, with `decided_on`; or
/// `pending` again.
#[utoipa::path(
    tag = "applications",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The appeal's id")),
    request_body = UpdateAppealBody,
    responses(
        (status = 200, description = "The appeal.", body = Appeal),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    )
)]
#[patch("/appeals/{id}")]
pub async fn update_appeal(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Json<UpdateAppealBody>,
) -> AppResult<web::Json<Appeal>> {
    caller.require(Action::UpdateAppeal)?;
    let today = today(state.config.timezone);
    let mut conn = state.pool.get().await?;
    Ok(web::Json(
        appeals::update(&mut conn, &caller, *id, body.0, today).await?,
    ))
}
