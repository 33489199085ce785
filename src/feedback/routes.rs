//! The feedback register over HTTP.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{
    Channel, Contact, Detail, Feedback, Kind, NewFeedback, Note, OPEN_STATUSES, PublicEntry,
    PublicRow, PublicTexts, Row, Status, Viewer, text, today,
};
use crate::auth::Action;
use crate::caller::Caller;
use crate::db::schema::feedback;
use crate::error::{AppError, AppResult, FieldError};
use crate::http::client_ip;
use crate::http::{Json, access_code};
use crate::pagination::{Page, Paging};
use crate::state::AppState;
use crate::values::CalendarYear;

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

/// A consultation, complaint or suggestion.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "kind": "complaint", "subject": "路灯不亮", "content": "朱台村东路的路灯已经坏了两周，晚上出行不便。",
    "contact": {"name": "李明", "phone": "13812345678"}
}))]
#[derive(garde::Validate)]
#[garde(allow_unvalidated)]
pub struct CreateFeedbackRequest {
    pub kind: Kind,
    /// 1 to 200 characters.
    pub subject: String,
    /// 1 to 5000 characters.
    pub content: String,
    /// How to reach the submitter (all optional). Never shown publicly.
    pub contact: Option<Contact>,
    /// How it arrived. The public submits `online` (the default); the office registering a
    /// call, letter or visit must say which.
    pub channel: Option<Channel>,
    /// A catalogue item it is about.
    pub related_item_id: Option<Uuid>,
    /// Office only: the day a call, letter or visit was received, if not today (not in the
    /// future). The reply deadline counts from it.
    pub received_on: Option<NaiveDate>,
}

impl CreateFeedbackRequest {
    /// Checks every field, reporting all problems at once.
    fn validate(self, office: bool, today: NaiveDate) -> AppResult<NewFeedback> {
        let mut errors = Vec::new();
        let mut keep = |r: Result<String, FieldError>| match r {
            Ok(v) => Some(v),
            Err(e) => {
                errors.push(e);
                None
            }
        };
        let subject = keep(text::clean("subject", &self.subject, 200, false));
        let content = keep(text::clean("content", &self.content, 5000, true));
        let contact = self.contact.unwrap_or_default();
        let name = contact
            .name
            .as_deref()
            .and_then(|n| keep(text::clean("contact.name", n, 100, false)));
        let phone = contact
            .phone
            .as_deref()
            .and_then(|p| keep(text::check_phone("contact.phone", p)));
        let email = contact
            .email
            .as_deref()
            .and_then(|e| keep(text::check_email("contact.email", e)));
        let channel = match (office, self.channel) {
            (false, None | Some(Channel::Online)) => Channel::Online,
            (false, Some(_)) => {
                errors.push(FieldError::new(
                    "channel",
                    "submissions through the API are `online`; the office registers other channels",
                ));
                Channel::Online
            }
            (true, Some(c)) => c,
            (true, None) => {
                errors.push(FieldError::new(
                    "channel",
                    "required when the office registers feedback",
                ));
                Channel::Online
            }
        };
        let received_on = match (office, self.received_on) {
            (_, None) => today,
            (false, Some(_)) => {
                errors.push(FieldError::new(
                    "received_on",
                    "only the office sets the day of receipt",
                ));
                today
            }
            (true, Some(d)) if d > today => {
                errors.push(FieldError::new(
                    "received_on",
                    format!("must not be after today ({today})"),
                ));
                today
            }
            (true, Some(d)) if !CalendarYear::contains(chrono::Datelike::year(&d)) => {
                errors.push(FieldError::new(
                    "received_on",
                    format!("must be from {} on", CalendarYear::FIRST),
                ));
                today
            }
            (true, Some(d)) => d,
        };
        match (subject, content) {
            (Some(subject), Some(content)) if errors.is_empty() => Ok(NewFeedback {
                kind: self.kind,
                channel,
                subject,
                content,
                contact: Contact { name, phone, email },
                related_item_id: self.related_item_id,
                received_on,
            }),
            _ => Err(AppError::Validation(errors)),
        }
    }
}

/// A new entry. `access_code` is shown this once.
#[derive(Serialize, ToSchema)]
pub struct CreatedFeedback {
    #[serde(flatten)]
    pub feedback: Feedback,
    /// For a submitter without an account (and for calls, letters and visits the office
    /// registers): send it as `X-Access-Code` to follow the entry and to rate the reply. It is
    /// stored only as a hash and cannot be shown again.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "7KQ2M-X9D3F-A4TWZ-0P8RB")]
    pub access_code: Option<String>,
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
    let office = caller.is_office();
    if !office {
        state.feedback_by_ip.check(&client_ip(&req))?;
    }
    let today = today(state.config.timezone);
    let new = body?.0.validate(office, today)?;
    let mut conn = state.pool.get().await?;
    let created = super::create(&mut conn, &caller, new, state.config.feedback_reply_days).await?;
    let viewer = if office {
        Viewer::Office
    } else {
        Viewer::Submitter
    };
    let id = created.row.id;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/feedback/{id}")))
        .json(CreatedFeedback {
            feedback: Feedback::from_row(created.row, viewer, Detail::One, today),
            access_code: created.access_code,
        }))
}

/// Filters of the register.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FeedbackQuery {
    pub kind: Option<Kind>,
    pub status: Option<Status>,
    pub channel: Option<Channel>,
    /// Year of receipt (the year in the register number).
    pub year: Option<i32>,
    /// Only entries assigned to this account.
    pub assignee: Option<Uuid>,
    /// `true`: unanswered and past `reply_due_on`; `false`: the others.
    pub overdue: Option<bool>,
    /// Page number, from 1.
    pub page: Option<i64>,
    /// Items per page, 1 to 100 (default 20).
    pub per_page: Option<i64>,
}

fn check_year(year: Option<i32>) -> AppResult<Option<(NaiveDate, NaiveDate)>> {
    match year {
        None => Ok(None),
        Some(y) if CalendarYear::contains(y) => Ok(Some((
            NaiveDate::from_ymd_opt(y, 1, 1).expect("valid year"),
            NaiveDate::from_ymd_opt(y, 12, 31).expect("valid year"),
        ))),
        Some(_) => Err(AppError::invalid(
            "year",
            format!(
                "must be from {} to {}",
                CalendarYear::FIRST,
                CalendarYear::LAST
            ),
        )),
    }
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
    let paging = Paging::parse(query.page, query.per_page)?;
    let years = check_year(query.year)?;
    let today = today(state.config.timezone);
    let (viewer, only_submitter) = if caller.is_office() {
        (Viewer::Office, None)
    } else {
        (Viewer::Submitter, Some(caller.require_user()?.id))
    };
    let filtered = || {
        let mut q = feedback::table.into_boxed();
        if let Some(user) = only_submitter {
            q = q.filter(feedback::submitter_id.eq(user));
        }
        if let Some(kind) = query.kind {
            q = q.filter(feedback::kind.eq(kind.as_str()));
        }
        if let Some(status) = query.status {
            q = q.filter(feedback::status.eq(status.as_str()));
        }
        if let Some(channel) = query.channel {
            q = q.filter(feedback::channel.eq(channel.as_str()));
        }
        if let Some((from, to)) = years {
            q = q.filter(feedback::received_on.between(from, to));
        }
        if let Some(assignee) = query.assignee {
            q = q.filter(feedback::assignee_id.eq(assignee));
        }
        match query.overdue {
            Some(true) => {
                q = q.filter(
                    feedback::status
                        .eq_any(OPEN_STATUSES)
                        .and(feedback::reply_due_on.lt(today)),
                )
            }
            Some(false) => {
                q = q.filter(
                    feedback::status
                        .ne_all(OPEN_STATUSES)
                        .or(feedback::reply_due_on.ge(today)),
                )
            }
            None => {}
        }
        q
    };
    let mut conn = state.pool.get().await?;
    let total: i64 = filtered().count().get_result(&mut conn).await?;
    let rows: Vec<Row> = filtered()
        .order((feedback::received_on.desc(), feedback::register_no.desc()))
        .offset(paging.offset())
        .limit(paging.limit())
        .select(Row::as_select())
        .load(&mut conn)
        .await?;
    let items = rows
        .into_iter()
        .map(|r| Feedback::from_row(r, viewer, Detail::List, today))
        .collect();
    Ok(Page::new(items, total, paging).respond(&req))
}

/// Filters of the public board.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PublicQuery {
    pub kind: Option<Kind>,
    /// Year of receipt.
    pub year: Option<i32>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
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
    let paging = Paging::parse(query.page, query.per_page)?;
    let years = check_year(query.year)?;
    let filtered = || {
        let mut q = feedback::table
            .filter(feedback::published_at.is_not_null())
            .into_boxed();
        if let Some(kind) = query.kind {
            q = q.filter(feedback::kind.eq(kind.as_str()));
        }
        if let Some((from, to)) = years {
            q = q.filter(feedback::received_on.between(from, to));
        }
        q
    };
    let mut conn = state.pool.get().await?;
    let total: i64 = filtered().count().get_result(&mut conn).await?;
    let items: Vec<PublicEntry> = filtered()
        .order((feedback::published_at.desc(), feedback::register_no.desc()))
        .offset(paging.offset())
        .limit(paging.limit())
        .select(PublicRow::as_select())
        .load(&mut conn)
        .await?
        .into_iter()
        .map(PublicEntry::from)
        .collect();
    Ok(Page::new(items, total, paging).respond(&req))
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
    let mut conn = state.pool.get().await?;
    let row = super::load(&mut conn, *id).await?;
    let viewer =
        super::viewer(&row, &caller, access_code(&req).as_deref()).ok_or(AppError::NotFound)?;
    let notes = if viewer == Viewer::Office {
        Some(super::notes(&mut conn, *id).await?)
    } else {
        None
    };
    let mut view = Feedback::from_row(row, viewer, Detail::One, today(state.config.timezone));
    if let (Some(office), Some(notes)) = (view.office.as_mut(), notes) {
        office.notes = Some(notes);
    }
    Ok(web::Json(view))
}

fn office_view(row: Row, state: &AppState) -> web::Json<Feedback> {
    web::Json(Feedback::from_row(
        row,
        Viewer::Office,
        Detail::One,
        today(state.config.timezone),
    ))
}

/// Whom to assign.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"assignee_id": "0b4c5d1e-2f3a-4b5c-8d9e-0f1a2b3c4d5e"}))]
#[derive(garde::Validate)]
#[garde(allow_unvalidated)]
pub struct AssignRequest {
    /// An active staff or leader account.
    pub assignee_id: Uuid,
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
    let mut conn = state.pool.get().await?;
    let row = super::assign(&mut conn, &caller, *id, body.0.assignee_id).await?;
    Ok(office_view(row, &state))
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
    let mut conn = state.pool.get().await?;
    let row = super::start(&mut conn, &caller, *id).await?;
    Ok(office_view(row, &state))
}

/// A text from the office.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"text": "已通知供电所，3月6日修复。"}))]
#[derive(garde::Validate)]
#[garde(allow_unvalidated)]
pub struct TextRequest {
    pub text: String,
}

/// Answers the entry (`in_progress` -> `replied`). The submitter sees the reply. The day of the
/// first reply is kept for the statistics ("replied on time"); after a reopening, a new reply
/// replaces the text.
#[utoipa::path(
    tag = "feedback",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The entry's id")),
    request_body(content = TextRequest, description = "The reply, 1 to 10000 characters."),
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
    body: Json<TextRequest>,
) -> AppResult<web::Json<Feedback>> {
    caller.require(Action::ReplyFeedback)?;
    let text = text::clean("text", &body.0.text, 10_000, true).map_err(single)?;
    let mut conn = state.pool.get().await?;
    let row = super::reply(&mut conn, &caller, *id, &text, today(state.config.timezone)).await?;
    Ok(office_view(row, &state))
}

fn single(e: FieldError) -> AppError {
    AppError::Validation(vec![e])
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
    let mut conn = state.pool.get().await?;
    let row = super::close(&mut conn, &caller, *id).await?;
    Ok(office_view(row, &state))
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
    let mut conn = state.pool.get().await?;
    let row = super::reopen(&mut conn, &caller, *id).await?;
    Ok(office_view(row, &state))
}

/// Adds an internal note, in any state. The submitter never sees notes.
#[utoipa::path(
    tag = "feedback",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The entry's id")),
    request_body(content = TextRequest, description = "The note, 1 to 5000 characters."),
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
    body: Json<TextRequest>,
) -> AppResult<HttpResponse> {
    caller.require(Action::AddFeedbackNote)?;
    let text = text::clean("text", &body.0.text, 5000, true).map_err(single)?;
    let mut conn = state.pool.get().await?;
    let note = super::add_note(&mut conn, &caller, *id, &text).await?;
    Ok(HttpResponse::Created().json(note))
}

/// The submitter's rating of the reply.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"score": 5, "comment": "修得很快，谢谢。"}))]
#[derive(garde::Validate)]
#[garde(allow_unvalidated)]
pub struct RatingRequest {
    /// 1 (poor) to 5 (very good).
    pub score: i64,
    /// At most 500 characters.
    pub comment: Option<String>,
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
    let body = body.0;
    let mut errors = Vec::new();
    if !(1..=5).contains(&body.score) {
        errors.push(FieldError::new("score", "must be from 1 to 5"));
    }
    let comment = match body.comment.as_deref() {
        Some(c) => text::clean("comment", c, 500, true)
            .map_err(|e| errors.push(e))
            .ok(),
        None => None,
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let code = access_code(&req);
    let mut conn = state.pool.get().await?;
    let row = super::rate(
        &mut conn,
        &caller,
        code.as_deref(),
        *id,
        body.score as i16,
        comment.as_deref(),
    )
    .await?;
    Ok(web::Json(Feedback::from_row(
        row,
        Viewer::Submitter,
        Detail::One,
        today(state.config.timezone),
    )))
}

/// What to show on the public board. Absent texts default to the entry's own with phone
/// numbers, e-mail addresses, long numbers and the submitter's name removed. Texts that still
/// contain the submitter's name, phone or e-mail are refused (422).
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"question": "朱台村东路的路灯坏了两周，何时修复？"}))]
#[derive(garde::Validate)]
#[garde(allow_unvalidated)]
pub struct PublishRequest {
    /// 1 to 200 characters.
    pub subject: Option<String>,
    /// 1 to 5000 characters.
    pub question: Option<String>,
    /// 1 to 10000 characters.
    pub reply: Option<String>,
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
    let body = body.0;
    let mut errors = Vec::new();
    let mut check = |field: &str, value: Option<String>, max: usize, multiline: bool| {
        value.and_then(|v| {
            text::clean(field, &v, max, multiline)
                .map_err(|e| errors.push(e))
                .ok()
        })
    };
    let texts = PublicTexts {
        subject: check("subject", body.subject, 200, false),
        question: check("question", body.question, 5000, true),
        reply: check("reply", body.reply, 10_000, true),
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let mut conn = state.pool.get().await?;
    let row = super::publish(&mut conn, &caller, *id, texts).await?;
    Ok(office_view(row, &state))
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
    let mut conn = state.pool.get().await?;
    let row = super::unpublish(&mut conn, &caller, *id).await?;
    Ok(office_view(row, &state))
}
