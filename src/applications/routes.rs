//! Applications over HTTP: receipt, the office's list, one application with its timeline, the
//! actions of the state machine, and appeals.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::appeals::{self, Appeal};
use super::model::*;
use super::{Application, ApplicationSummary, Command, Row, today};
use crate::auth::{Action, Role, Scope};
use crate::calendar::WorkCalendar;
use crate::caller::Caller;
use crate::db::schema::{applicants, applications};
use crate::error::{AppError, AppResult, FieldError};
use crate::http::{Json, OptionalJson, access_code};
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

/// The applicant of a new application.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicantInput {
    #[serde(rename = "type")]
    pub type_: ApplicantType,
    /// A person's name or an organisation's name.
    pub name: String,
    /// Required for a natural person.
    pub id_document_type: Option<IdDocumentType>,
    /// Required for a natural person; a resident identity number is checked (18 characters,
    /// ISO 7064 MOD 11-2 check character).
    pub id_document_number: Option<String>,
    /// Required for an organisation (18 characters, GB 32100 check character).
    pub unified_social_credit_code: Option<String>,
    /// At least one of phone, e-mail and address.
    pub phone: Option<String>,
    /// Required for delivery by e-mail.
    pub email: Option<String>,
    /// Required for delivery by post.
    pub address: Option<String>,
}

/// A new application for disclosure.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "applicant": {"type": "natural_person", "name": "李明", "id_document_type": "resident_id",
                  "id_document_number": "11010519491231002X", "phone": "0533-7000000", "email": "li.ming@example.cn"},
    "description": "2025年朱台镇农村道路改造工程的招标文件",
    "purpose": "了解本村道路工程情况",
    "delivery": "email"
}))]
#[derive(garde::Validate)]
#[garde(allow_unvalidated)]
pub struct CreateApplicationRequest {
    pub applicant: ApplicantInput,
    /// The information wanted, 1 to 5,000 characters.
    pub description: String,
    /// Optional, up to 1,000 characters.
    pub purpose: Option<String>,
    pub delivery: Delivery,
    /// Office only (a paper application): `in_person` (the default), `letter`,
    /// `registered_post`, `fax` or `online`. Self-service applications are `online`.
    pub channel: Option<Channel>,
    /// Office only: the day the paper application was received (not in the future; default
    /// today). Self-service applications are received today, in the agency's time zone.
    pub received_on: Option<NaiveDate>,
}

/// A received application. `access_code` is shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedApplication {
    #[serde(flatten)]
    pub application: Application,
    /// For applicants without an account (and paper applications): send it as `X-Access-Code`
    /// to follow the application. It is not stored and cannot be shown again.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "7K3M-Q9XZ-4D2H-PW8R-CT6N")]
    pub access_code: Option<String>,
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
            state.submit_by_ip.check(&crate::http::client_ip(&req))?;
        }
        _ => {}
    }
    let today = today(state.config.timezone);
    let new = super::validate_new(body.0, caller.is_office(), today)?;
    let mut conn = state.pool.get().await?;
    let created = super::create(&mut conn, &caller, new, today).await?;
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

/// How the list is ordered.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
pub enum Sort {
    /// Soonest deadline first; stopped clocks and closed cases last.
    #[default]
    #[serde(rename = "due_on")]
    DueOn,
    #[serde(rename = "-due_on")]
    DueOnDesc,
    #[serde(rename = "received_on")]
    ReceivedOn,
    #[serde(rename = "-received_on")]
    ReceivedOnDesc,
    #[serde(rename = "tracking_no")]
    TrackingNo,
}

/// Filters of the application list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ApplicationQuery {
    pub status: Option<Status>,
    pub applicant_type: Option<ApplicantType>,
    /// Received in this calendar year.
    pub year: Option<i32>,
    /// `true`: open and past their deadline (the office's daily check); `false`: the others.
    pub overdue: Option<bool>,
    /// Deadline before this day (exclusive).
    pub due_before: Option<NaiveDate>,
    /// The `due_soon` view: open, deadline from today to N working days from today (0 to 60).
    pub due_soon: Option<u32>,
    /// `due_on` (default), `-due_on`, `received_on`, `-received_on`, `tracking_no`.
    #[param(value_type = Option<Sort>)]
    pub sort: Option<Sort>,
    /// Page number, from 1.
    pub page: Option<i64>,
    /// Items per page, 1 to 100 (default 20).
    pub per_page: Option<i64>,
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
    query: web::Query<ApplicationQuery>,
) -> AppResult<HttpResponse> {
    caller.require(Action::ListApplications)?;
    let paging = Paging::parse(query.page, query.per_page)?;
    let mut errors = Vec::new();
    if query
        .year
        .is_some_and(|y| !crate::values::CalendarYear::contains(y))
    {
        errors.push(FieldError::new("year", "must be from 1990 to 2100"));
    }
    if query.due_soon.is_some_and(|n| n > 60) {
        errors.push(FieldError::new("due_soon", "working days, 0 to 60"));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let owner = match caller.role() {
        Some(Role::Public) => Some(caller.require_user()?.id),
        _ => None,
    };
    let today = today(state.config.timezone);
    let mut conn = state.pool.get().await?;
    let due_soon_until = match query.due_soon {
        Some(n) => {
            let cal = WorkCalendar::load(&mut conn, today.year(), today.year() + 1).await?;
            Some(cal.add_working_days(today, n))
        }
        None => None,
    };
    let open: Vec<&str> = Status::OPEN.iter().map(|s| s.as_str()).collect();
    let filtered = || {
        // An application is listed once numbered (an instant after its receipt commits).
        let mut q = applications::table
            .inner_join(applicants::table)
            .filter(applications::tracking_no.is_not_null())
            .into_boxed();
        if let Some(owner) = owner {
            q = q.filter(applications::owner_id.eq(owner));
        }
        if let Some(s) = query.status {
            q = q.filter(applications::status.eq(s.as_str()));
        }
        if let Some(t) = query.applicant_type {
            q = q.filter(applications::applicant_type.eq(t.as_str()));
        }
        if let Some(y) = query.year {
            let from = NaiveDate::from_ymd_opt(y, 1, 1).expect("checked year");
            let to = NaiveDate::from_ymd_opt(y, 12, 31).expect("checked year");
            q = q.filter(applications::received_on.between(from, to));
        }
        match query.overdue {
            Some(true) => {
                q = q
                    .filter(applications::status.eq_any(open.clone()))
                    .filter(applications::due_on.lt(today));
            }
            Some(false) => {
                q = q.filter(
                    applications::status
                        .ne_all(open.clone())
                        .or(applications::due_on.is_null())
                        .or(applications::due_on.ge(today)),
                );
            }
            None => {}
        }
        if let Some(d) = query.due_before {
            q = q.filter(applications::due_on.lt(d));
        }
        if let Some(until) = due_soon_until {
            q = q
                .filter(applications::status.eq_any(open.clone()))
                .filter(applications::due_on.between(today, until));
        }
        q
    };
    let total: i64 = filtered().count().get_result(&mut conn).await?;
    let ordered = match query.sort.unwrap_or_default() {
        Sort::DueOn => filtered().order((
            applications::due_on.asc().nulls_last(),
            applications::tracking_no.asc(),
        )),
        Sort::DueOnDesc => filtered().order((
            applications::due_on.desc().nulls_last(),
            applications::tracking_no.asc(),
        )),
        Sort::ReceivedOn => filtered().order((
            applications::received_on.asc(),
            applications::tracking_no.asc(),
        )),
        Sort::ReceivedOnDesc => filtered().order((
            applications::received_on.desc(),
            applications::tracking_no.desc(),
        )),
        Sort::TrackingNo => filtered().order(applications::tracking_no.asc()),
    };
    let rows: Vec<(Row, String, Option<String>, Option<String>)> = ordered
        .offset(paging.offset())
        .limit(paging.limit())
        .select((
            Row::as_select(),
            applicants::name,
            applicants::id_document_number,
            applicants::credit_code,
        ))
        .load(&mut conn)
        .await?;
    let items = rows
        .into_iter()
        .map(|r| ApplicationSummary::from_parts(r, today))
        .collect();
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
    let row: Row = applications::table
        .find(*id)
        .select(Row::as_select())
        .first(&mut conn)
        .await
        .optional()?
        .ok_or(AppError::NotFound)?;
    let viewer =
        super::viewer_of(&caller, &row, access_code(&req).as_deref()).ok_or(AppError::NotFound)?;
    let cal = super::calendar_for(&mut conn, row.received_on, today).await?;
    Ok(web::Json(
        super::views::load_parts(&mut conn, row, viewer, today, &cal).await?,
    ))
}

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
        super::perform(&mut conn, caller, id, code.as_deref(), command, today).await?,
    ))
}

fn check_text(
    errors: &mut Vec<FieldError>,
    field: &str,
    value: Option<String>,
    max: usize,
    required: bool,
) -> Option<String> {
    let v = value.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    match &v {
        None if required => errors.push(FieldError::new(field, "required")),
        Some(s) if s.chars().count() > max => {
            errors.push(FieldError::new(field, format!("at most {max} characters")))
        }
        _ => {}
    }
    v
}

fn ok_or_invalid<T>(errors: Vec<FieldError>, value: T) -> AppResult<T> {
    if errors.is_empty() {
        Ok(value)
    } else {
        Err(AppError::Validation(errors))
    }
}

/// Asks the applicant to correct or complete the application (补正).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"note": "请说明所需信息的具体年份和工程名称", "days": 15}))]
#[derive(garde::Validate)]
#[garde(allow_unvalidated)]
pub struct RequestCorrectionBody {
    /// What to correct or add, up to 2,000 characters (required).
    #[schema(required = true)]
    pub note: Option<String>,
    /// Working days the applicant has, 1 to 30 (default 15).
    pub days: Option<u32>,
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
    let b = body.0;
    let mut errors = Vec::new();
    let note = check_text(&mut errors, "note", b.note, 2000, true);
    let days = b.days.unwrap_or(15);
    if !(1..=30).contains(&days) {
        errors.push(FieldError::new("days", "1 to 30 working days"));
    }
    let command = ok_or_invalid(
        errors,
        Command::RequestCorrection {
            note: note.unwrap_or_default(),
            days,
        },
    )?;
    run(&caller, &req, &state, *id, command).await
}

/// The applicant's correction.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"description": "2025年朱台镇X村道路改造工程的招标文件和中标公告", "note": "补充了工程名称"}))]
#[derive(garde::Validate)]
#[garde(allow_unvalidated)]
pub struct SubmitCorrectionBody {
    /// The corrected description of the information wanted (replaces the old one, which stays
    /// on the timeline).
    pub description: Option<String>,
    pub note: Option<String>,
    /// Office only: the day a paper correction arrived (default today).
    pub received_on: Option<NaiveDate>,
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
    let b = body.0;
    let mut errors = Vec::new();
    let description = check_text(&mut errors, "description", b.description, 5000, false);
    let note = check_text(&mut errors, "note", b.note, 2000, false);
    let command = ok_or_invalid(
        errors,
        Command::SubmitCorrection {
            description,
            note,
            received_on: b.received_on,
        },
    )?;
    run(&caller, &req, &state, *id, command).await
}

/// A consultation to start.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"party": "third_party", "note": "涉及中标企业商业信息,征求其意见"}))]
#[derive(garde::Validate)]
#[garde(allow_unvalidated)]
pub struct StartConsultationBody {
    pub party: ConsultationParty,
    pub note: Option<String>,
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
    let b = body.0;
    let mut errors = Vec::new();
    let note = check_text(&mut errors, "note", b.note, 2000, false);
    let command = ok_or_invalid(
        errors,
        Command::StartConsultation {
            party: b.party,
            note,
        },
    )?;
    run(&caller, &req, &state, *id, command).await
}

/// An optional note.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"note": "第三方已书面答复"}))]
#[derive(garde::Validate)]
#[garde(allow_unvalidated)]
pub struct NoteBody {
    pub note: Option<String>,
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
    let mut errors = Vec::new();
    let note = check_text(&mut errors, "note", body.0.note, 2000, false);
    let command = ok_or_invalid(errors, Command::EndConsultation { note })?;
    run(&caller, &req, &state, *id, command).await
}

/// An extension.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"days": 20, "reason": "所需信息涉及多个部门,需协调汇总"}))]
#[derive(garde::Validate)]
#[garde(allow_unvalidated)]
pub struct ExtendBody {
    /// Working days to add, 1 to 20.
    pub days: u32,
    /// Why (the applicant is told), 1 to 2,000 characters (required).
    #[schema(required = true)]
    pub reason: Option<String>,
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
    let b = body.0;
    let mut errors = Vec::new();
    if !(1..=super::deadline::MAX_EXTENSION_DAYS).contains(&b.days) {
        errors.push(FieldError::new("days", "1 to 20 working days"));
    }
    let reason = check_text(&mut errors, "reason", b.reason, 2000, true);
    let command = ok_or_invalid(
        errors,
        Command::Extend {
            days: b.days,
            reason: reason.unwrap_or_default(),
        },
    )?;
    run(&caller, &req, &state, *id, command).await
}

/// An answer.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"outcome": "refused", "reason": "third_party_rights", "text": "经征求第三方意见……决定不予公开。"}))]
#[derive(garde::Validate)]
#[garde(allow_unvalidated)]
pub struct AnswerBody {
    pub outcome: Outcome,
    /// Required for `refused`, `unable`, `not_processed` and `other`, one of that outcome's
    /// reasons; absent for `granted` and `partially_granted`.
    pub reason: Option<Reason>,
    /// The answer's text, 1 to 20,000 characters (required).
    #[schema(required = true)]
    pub text: Option<String>,
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
    let b = body.0;
    let mut errors = Vec::new();
    if let Err(message) = b.outcome.check_reason(b.reason) {
        errors.push(FieldError::new("reason", message));
    }
    let text = check_text(&mut errors, "text", b.text, 20_000, true);
    let command = ok_or_invalid(
        errors,
        Command::Answer {
            outcome: b.outcome,
            reason: b.reason,
            text: text.unwrap_or_default(),
        },
    )?;
    run(&caller, &req, &state, *id, command).await
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

/// A withdrawal.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "已通过其他途径获得"}))]
#[derive(garde::Validate)]
#[garde(allow_unvalidated)]
pub struct WithdrawBody {
    pub reason: Option<String>,
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
    let mut errors = Vec::new();
    let reason = check_text(&mut errors, "reason", body.0.reason, 2000, false);
    let command = ok_or_invalid(errors, Command::Withdraw { reason })?;
    run(&caller, &req, &state, *id, command).await
}

/// A new appeal.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "reconsideration", "filed_on": "2025-12-01"}))]
#[derive(garde::Validate)]
#[garde(allow_unvalidated)]
pub struct CreateAppealBody {
    pub kind: AppealKind,
    /// The day it was filed: from the application's receipt to today.
    pub filed_on: NaiveDate,
    pub note: Option<String>,
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
    let b = body.0;
    let mut errors = Vec::new();
    let note = check_text(&mut errors, "note", b.note, 2000, false);
    ok_or_invalid(errors, ())?;
    let today = today(state.config.timezone);
    let mut conn = state.pool.get().await?;
    let appeal = appeals::create(&mut conn, &caller, *id, b.kind, b.filed_on, note, today).await?;
    Ok(HttpResponse::Created().json(appeal))
}

/// Deserialises a field that may be absent (outer `None`) or `null` (`Some(None)`).
fn absent_or_null<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// Changes to an appeal; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"result": "upheld", "decided_on": "2026-02-10"}))]
#[derive(garde::Validate)]
#[garde(allow_unvalidated)]
pub struct UpdateAppealBody {
    pub result: Option<AppealResult>,
    /// Required with a result other than `pending`; empty for `pending`.
    #[serde(default, deserialize_with = "absent_or_null")]
    #[schema(value_type = Option<NaiveDate>)]
    pub decided_on: Option<Option<NaiveDate>>,
    pub note: Option<String>,
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
    let b = body.0;
    let mut errors = Vec::new();
    let note = check_text(&mut errors, "note", b.note, 2000, false);
    ok_or_invalid(errors, ())?;
    let today = today(state.config.timezone);
    let mut conn = state.pool.get().await?;
    Ok(web::Json(
        appeals::update(&mut conn, &caller, *id, b.result, b.decided_on, note, today).await?,
    ))
}
