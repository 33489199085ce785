//! Applications for disclosure (依申请公开): receipt, the statutory deadline, the state machine
//! of the office's handling, the answer, the timeline, and the applicant's remedies (appeals).
//!
//! Rules that decide who may see an application live here (`viewer_of`), next to the rules
//! that decide what may happen next (`allowed_actions`): both are asked inside the transaction
//! that holds the application's row lock.

pub mod appeals;
pub mod deadline;

pub mod model;
pub mod routes;
pub mod views;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde_json::json;
use uuid::Uuid;

use crate::audit::{self, Actor};
use crate::auth::Role;
use crate::calendar::WorkCalendar;
use crate::caller::Caller;
use crate::values::identity;

use crate::db::schema::{applicants, application_consultations, application_events, applications};
use crate::error::{AppError, AppResult, FieldError};
use deadline::{DeadlineInputs, Pause};
use model::*;
pub use views::{Application, ApplicationSummary};

/// The advisory lock key `PUT /calendar/{year}` takes exclusively (see `calendar::routes`).
/// Deadline writers take it shared, so that a deadline is never computed against a calendar
/// that is being replaced and then missed by the recomputation.
const CALENDAR_LOCK_KEY: i64 = 7401620092;

/// Today in the agency's time zone: receipt dates and deadlines are counted in it.
pub fn today(tz: chrono_tz::Tz) -> NaiveDate {
    Utc::now().with_timezone(&tz).date_naive()
}

/// An application row.
#[derive(Debug, Clone, Queryable, Selectable, AsChangeset)]
#[diesel(table_name = applications, treat_none_as_null = true)]
pub struct Row {
    pub id: Uuid,
    /// Assigned right after receipt commits (see `assign_tracking_numbers`).
    pub tracking_no: Option<String>,
    pub status: String,
    pub applicant_type: String,
    pub description: String,
    pub purpose: Option<String>,
    pub delivery: String,
    pub channel: String,
    pub received_on: NaiveDate,
    pub due_on: Option<NaiveDate>,
    pub correction_requested_on: Option<NaiveDate>,
    pub correction_days: Option<i32>,
    pub correction_due_on: Option<NaiveDate>,
    pub correction_note: Option<String>,
    pub correction_submitted_on: Option<NaiveDate>,
    pub extension_days: i32,
    pub extension_reason: Option<String>,
    pub extended_on: Option<NaiveDate>,
    pub draft_outcome: Option<String>,
    pub draft_reason: Option<String>,
    pub draft_text: Option<String>,
    pub outcome: Option<String>,
    pub reason: Option<String>,
    pub answer_text: Option<String>,
    pub closed_on: Option<NaiveDate>,
    pub owner_id: Option<Uuid>,
    pub registered_by: Option<Uuid>,
    pub token_id: Option<Uuid>,
    pub access_code_hash: Option<Vec<u8>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Row {
    pub fn status(&self) -> Status {
        Status::parse(&self.status).unwrap_or(Status::Received)
    }

    /// A correction was asked for and has not arrived.
    pub fn awaiting_correction(&self) -> bool {
        self.correction_requested_on.is_some() && self.correction_submitted_on.is_none()
    }

    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.status().is_open() && self.due_on.is_some_and(|d| d < today)
    }

    /// The deadline's inputs, with the application's consultations.
    pub fn deadline_inputs(&self, consultations: &[Consultation]) -> DeadlineInputs {
        DeadlineInputs {
            received_on: self.received_on,
            awaiting_correction: self.awaiting_correction(),
            correction_submitted_on: self.correction_submitted_on,
            pauses: consultations
                .iter()
                .map(|c| Pause {
                    start: c.started_on,
                    end: c.ended_on,
                })
                .collect(),
            extension_days: self.extension_days.max(0) as u32,
        }
    }
}

/// The applicant's personal data.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = applicants)]
pub struct ApplicantRow {
    pub application_id: Uuid,
    pub name: String,
    pub id_document_type: Option<String>,
    pub id_document_number: Option<String>,
    pub credit_code: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
}

/// One consultation (a pause of the clock).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = application_consultations)]
pub struct Consultation {
    pub id: i64,
    pub application_id: Uuid,
    pub party: String,
    pub started_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
    pub note: Option<String>,
}

/// One step of the timeline.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = application_events)]
pub struct EventRow {
    pub id: i64,
    pub application_id: Uuid,
    pub at: DateTime<Utc>,
    pub actor_kind: String,
    pub actor_id: Option<Uuid>,
    pub actor_role: Option<String>,
    pub action: String,
    pub status_before: Option<String>,
    pub status_after: String,
    pub due_before: Option<NaiveDate>,
    pub due_after: Option<NaiveDate>,
    pub details: serde_json::Value,
}

/// Who is looking at an application, once the reading rules let them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    /// The registered owner, or whoever holds the access code.
    Applicant,
    Staff,
    Leader,
}

impl Viewer {
    pub fn is_office(self) -> bool {
        matches!(self, Viewer::Staff | Viewer::Leader)
    }
}

/// The reading rule: the office; the registered applicant who filed it; whoever sends the right
/// access code. `None` for everyone else, who must get 404.
pub fn viewer_of(caller: &Caller, row: &Row, access_code: Option<&str>) -> Option<Viewer> {
    match caller.role() {
        Some(Role::Leader) => return Some(Viewer::Leader),
        Some(Role::Staff) => return Some(Viewer::Staff),
        _ => {}
    }
    if let Some(user) = caller.user() {
        if row.owner_id == Some(user.id) {
            return Some(Viewer::Applicant);
        }
    }
    match (access_code, &row.access_code_hash) {
        (Some(code), Some(hash)) if access_code_hash(code) == *hash => Some(Viewer::Applicant),
        _ => None,
    }
}

pub use crate::auth::access_code::{access_code_hash, new_access_code};

/// The actions `viewer` may take now. Time limits count: a correction only within 7 working
/// days of receipt, a closure for a missed correction only after its period, an extension only
/// once and before the deadline has passed.
pub fn allowed_actions(
    row: &Row,
    viewer: Viewer,
    today: NaiveDate,
    cal: &WorkCalendar,
) -> Vec<Act> {
    let office = viewer.is_office();
    let leader = viewer == Viewer::Leader;
    let can_extend = leader
        && row.extension_days == 0
        && row.extended_on.is_none()
        && row.due_on.is_none_or(|d| today <= d);
    let mut acts = Vec::new();
    match row.status() {
        Status::Received => {
            if office
                && row.correction_requested_on.is_none()
                && deadline::correction_still_possible(row.received_on, today, cal)
            {
                acts.push(Act::RequestCorrection);
            }
            if office {
                acts.push(Act::StartConsultation);
            }
            if can_extend {
                acts.push(Act::Extend);
            }
            if office {
                acts.push(Act::Answer);
            }
            acts.push(Act::Withdraw);
        }
        Status::AwaitingCorrection => {
            acts.push(Act::SubmitCorrection);
            if office && row.correction_due_on.is_some_and(|d| today > d) {
                acts.push(Act::Answer);
            }
            acts.push(Act::Withdraw);
        }
        Status::InConsultation => {
            if office {
                acts.push(Act::EndConsultation);
            }
            if can_extend {
                acts.push(Act::Extend);
            }
            acts.push(Act::Withdraw);
        }
        Status::AnswerDrafted => {
            if can_extend {
                acts.push(Act::Extend);
            }
            if office {
                acts.push(Act::Answer);
            }
            if leader {
                acts.push(Act::ApproveAnswer);
            }
            acts.push(Act::Withdraw);
        }
        Status::Answered | Status::Withdrawn => {}
    }
    acts
}

/// A validated new application.
#[derive(Debug, Clone)]
pub struct NewApplication {
    pub applicant_type: ApplicantType,
    pub applicant: ApplicantRow,
    pub description: String,
    pub purpose: Option<String>,
    pub delivery: Delivery,
    pub channel: Channel,
    pub received_on: NaiveDate,
}

/// What the creator gets back: the application and, for applicants without an account, the
/// access code (shown this once).
pub struct Created {
    pub application: Application,
    pub access_code: Option<String>,
}

/// Loads the calendar a deadline between `from` and `until` (plus a year's margin) needs.
pub async fn calendar_for<C>(
    conn: &mut C,
    from: NaiveDate,
    until: NaiveDate,
) -> Result<WorkCalendar, diesel::result::Error>
where
    C: diesel_async::AsyncConnectionCore<Backend = diesel::pg::Pg> + Send,
{
    WorkCalendar::load(conn, from.year(), until.max(from).year() + 1).await
}

async fn lock_calendar_shared<C>(conn: &mut C) -> Result<(), diesel::result::Error>
where
    C: diesel_async::AsyncConnectionCore<Backend = diesel::pg::Pg> + Send,
{
    crate::db::Prepared(diesel::sql_query(format!(
        "SELECT pg_advisory_xact_lock_shared({CALENDAR_LOCK_KEY})"
    )))
    .execute(conn)
    .await
    .map(|_| ())
}

#[derive(Insertable)]
#[diesel(table_name = application_events)]
struct NewEvent<'a> {
    application_id: Uuid,
    actor_kind: &'a str,
    actor_id: Option<Uuid>,
    actor_role: Option<&'a str>,
    action: &'a str,
    status_before: Option<&'a str>,
    status_after: &'a str,
    due_before: Option<NaiveDate>,
    due_after: Option<NaiveDate>,
    details: serde_json::Value,
}

/// One timeline entry, written in the transaction of the step it records.
#[allow(clippy::too_many_arguments)]
async fn record_event<C>(
    conn: &mut C,
    application_id: Uuid,
    actor: Actor,
    action: &str,
    status_before: Option<Status>,
    status_after: Status,
    due_before: Option<NaiveDate>,
    due_after: Option<NaiveDate>,
    details: serde_json::Value,
) -> Result<(), diesel::result::Error>
where
    C: diesel_async::AsyncConnectionCore<Backend = diesel::pg::Pg> + Send,
{
    diesel::insert_into(application_events::table)
        .values(NewEvent {
            application_id,
            actor_kind: actor.kind,
            actor_id: actor.id,
            actor_role: actor.role.map(Role::as_str),
            action,
            status_before: status_before.map(Status::as_str),
            status_after: status_after.as_str(),
            due_before,
            due_after,
            details,
        })
        .execute(conn)
        .await
        .map(|_| ())
}

/// Receives an application: tracking number, deadline, first timeline entry and audit entry,
/// in one transaction.
pub async fn create(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    new: NewApplication,
    today: NaiveDate,
) -> AppResult<Created> {
    let id = Uuid::new_v4();
    let owner_id = match caller {
        Caller::User(u) if u.role == Role::Public => Some(u.id),
        _ => None,
    };
    let registered_by = match caller {
        Caller::User(u) if u.role != Role::Public => Some(u.id),
        _ => None,
    };
    let token_id = match caller {
        Caller::Token(t) => Some(t.id),
        _ => None,
    };
    // Whoever has no account to follow the case with gets a code instead.
    let access_code = owner_id.is_none().then(new_access_code);
    let year = new.received_on.year();
    let actor = Actor::from(caller);
    let mut applicant = new.applicant.clone();
    applicant.application_id = id;
    // Two pipelined rounds inside the transaction (the server runs each round's statements in
    // order): the calendar is read under its shared lock, then the four rows are written.
    let row = conn
        .transaction(async |conn| {
            let c: &AsyncPgConnection = conn;
            let ((), cal) = futures_util::future::try_join(
                lock_calendar_shared(&mut &*c),
                calendar_for(&mut &*c, new.received_on, new.received_on),
            )
            .await?;
            let due_on = DeadlineInputs {
                received_on: new.received_on,
                ..Default::default()
            }
            .due_on(&cal);
            let insert = diesel::insert_into(applications::table)
                .values((
                    applications::id.eq(id),
                    applications::status.eq(Status::Received.as_str()),
                    applications::applicant_type.eq(new.applicant_type.as_str()),
                    applications::description.eq(&new.description),
                    applications::purpose.eq(&new.purpose),
                    applications::delivery.eq(new.delivery.as_str()),
                    applications::channel.eq(new.channel.as_str()),
                    applications::received_on.eq(new.received_on),
                    applications::due_on.eq(due_on),
                    applications::owner_id.eq(owner_id),
                    applications::registered_by.eq(registered_by),
                    applications::token_id.eq(token_id),
                    applications::access_code_hash.eq(access_code.as_deref().map(access_code_hash)),
                ))
                .returning(Row::as_returning());
            let (row, (), _, ()) = futures_util::future::try_join4(
                insert.get_result::<Row>(&mut &*c),
                record_event(
                    &mut &*c,
                    id,
                    actor,
                    "received",
                    None,
                    Status::Received,
                    None,
                    due_on,
                    json!({"channel": new.channel, "received_on": new.received_on}),
                ),
                diesel::insert_into(applicants::table)
                    .values(&applicant)
                    .execute(&mut &*c),
                audit::record(
                    &mut &*c,
                    actor,
                    "application.received",
                    "application",
                    Some(id.to_string()),
                    json!({"channel": new.channel, "applicant_type": new.applicant_type, "received_on": new.received_on}),
                ),
            )
            .await?;
            Ok::<_, AppError>(row)
        })
        .await?;
    let mut row = row;
    row.tracking_no = Some(assign_tracking_numbers(conn, id, year).await?);
    let viewer = if caller.is_office() {
        if caller.role() == Some(Role::Leader) {
            Viewer::Leader
        } else {
            Viewer::Staff
        }
    } else {
        Viewer::Applicant
    };
    // The new application's view needs no second round of queries: it has one event, no
    // consultation and no appeal yet. Its allowed actions use a weekday-only calendar, which
    // is exact for a case received today or in the last seven working days (the correction
    // window); the office's registrations of older paper applications reload below.
    let application = if viewer.is_office() && new.received_on != today {
        views::load(conn, row.id, viewer, today).await?
    } else {
        views::fresh(row, applicant, viewer, actor, today)
    };
    Ok(Created {
        application,
        access_code,
    })
}

/// Lock class of the numbering of one year's applications (`pg_advisory_xact_lock(int, int)`,
/// with the year as the second key).
const NUMBERING_LOCK: i32 = 740_162_005;

async fn tracking_no_of(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> Result<Option<String>, diesel::result::Error> {
    applications::table
        .find(id)
        .select(applications::tracking_no)
        .first(conn)
        .await
}

/// Gives tracking numbers to the year's received applications that have none yet, in order of
/// receipt, and returns the number of application `id`.
///
/// Numbers are gap-free and unique, yet the receipt itself does not wait for them: a counter
/// row locked from the number to the commit would let one receipt commit (one WAL flush) at a
/// time. Instead the application commits without a number, in parallel with others; then one
/// transaction at a time (an advisory lock per year) numbers every committed application still
/// without one, so one flush numbers a whole batch. Requests do not queue on that lock (a queue
/// would hand it over one by one to requests already numbered): they try it, and while another
/// batch runs they poll their own number, which that batch most likely gives. An application whose request died between the two steps is
/// numbered by the next receipt of its year.
pub async fn assign_tracking_numbers(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    year: i32,
) -> AppResult<String> {
    let give_up = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        if let Some(n) = number_batch(conn, id, year).await? {
            return Ok(n);
        }
        if std::time::Instant::now() > give_up {
            return Err(AppError::Unavailable(
                "tracking numbers could not be assigned in time".into(),
            ));
        }
        // Another request is numbering a batch, most likely with this application in it.
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        if let Some(n) = tracking_no_of(conn, id).await? {
            return Ok(n);
        }
    }
}

#[derive(diesel::QueryableByName)]
struct Locked {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    locked: bool,
}

/// One numbering batch, if no other is running: `None` when the lock is taken.
async fn number_batch(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    year: i32,
) -> AppResult<Option<String>> {
    conn.transaction(async |conn| {
        let Locked { locked } = crate::db::Prepared(
            diesel::sql_query("SELECT pg_try_advisory_xact_lock($1, $2) AS locked")
                .bind::<diesel::sql_types::Integer, _>(NUMBERING_LOCK)
                .bind::<diesel::sql_types::Integer, _>(year),
        )
        .get_result(conn)
        .await?;
        if !locked {
            return Ok(None);
        }
        let first_day =
            NaiveDate::from_ymd_opt(year, 1, 1).ok_or_else(|| AppError::internal("year"))?;
        let last_day =
            NaiveDate::from_ymd_opt(year, 12, 31).ok_or_else(|| AppError::internal("year"))?;
        // One statement, after the lock so that its snapshot sees every earlier batch: the
        // year's unnumbered applications in order of receipt, the counter moved by their
        // number, and the numbers (`counters::format_yearly`). `mine` is this application's
        // number, given now or by an earlier batch.
        let Numbered { mine } = crate::db::Prepared(diesel::sql_query(
            "WITH pending AS (
                 SELECT id, row_number() OVER (ORDER BY created_at, id) AS k, count(*) OVER () AS n
                 FROM applications
                 WHERE tracking_no IS NULL AND received_on BETWEEN $1 AND $2
             ), counter AS (
                 INSERT INTO yearly_counters (name, year, last)
                 SELECT 'application', $3, count(*) FROM pending HAVING count(*) > 0
                 ON CONFLICT (name, year) DO UPDATE SET last = yearly_counters.last + EXCLUDED.last
                 RETURNING last
             ), numbered AS (
                 UPDATE applications a
                 SET tracking_no = $3::text || '-' || CASE WHEN c.last - p.n + p.k < 100000
                     THEN lpad((c.last - p.n + p.k)::text, 5, '0') ELSE (c.last - p.n + p.k)::text END
                 FROM pending p, counter c
                 WHERE a.id = p.id
                 RETURNING a.id, a.tracking_no
             )
             SELECT coalesce((SELECT tracking_no FROM numbered WHERE id = $4),
                             (SELECT tracking_no FROM applications WHERE id = $4)) AS mine",
            )
            .bind::<diesel::sql_types::Date, _>(first_day)
            .bind::<diesel::sql_types::Date, _>(last_day)
            .bind::<diesel::sql_types::Integer, _>(year)
            .bind::<diesel::sql_types::Uuid, _>(id),
        )
        .get_result(conn)
        .await?;
        Ok(mine)
    })
    .await
}

#[derive(diesel::QueryableByName)]
struct Numbered {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    mine: Option<String>,
}

/// An action with its validated input.
#[derive(Debug, Clone)]
pub enum Command {
    RequestCorrection {
        note: String,
        days: u32,
    },
    SubmitCorrection {
        description: Option<String>,
        note: Option<String>,
        received_on: Option<NaiveDate>,
    },
    StartConsultation {
        party: ConsultationParty,
        note: Option<String>,
    },
    EndConsultation {
        note: Option<String>,
    },
    Extend {
        days: u32,
        reason: String,
    },
    Answer {
        outcome: Outcome,
        reason: Option<Reason>,
        text: String,
    },
    ApproveAnswer,
    Withdraw {
        reason: Option<String>,
    },
}

impl Command {
    pub fn act(&self) -> Act {
        match self {
            Command::RequestCorrection { .. } => Act::RequestCorrection,
            Command::SubmitCorrection { .. } => Act::SubmitCorrection,
            Command::StartConsultation { .. } => Act::StartConsultation,
            Command::EndConsultation { .. } => Act::EndConsultation,
            Command::Extend { .. } => Act::Extend,
            Command::Answer { .. } => Act::Answer,
            Command::ApproveAnswer => Act::ApproveAnswer,
            Command::Withdraw { .. } => Act::Withdraw,
        }
    }
}

/// Locks an application for a change and applies the reading rule: 404 when it does not exist
/// or the caller may not see it.
pub(crate) async fn lock_for(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: Uuid,
    access_code: Option<&str>,
) -> AppResult<(Row, Viewer)> {
    let row: Row = applications::table
        .find(id)
        .for_update()
        .select(Row::as_select())
        .first(conn)
        .await
        .optional()?
        .ok_or(AppError::NotFound)?;
    let viewer = viewer_of(caller, &row, access_code).ok_or(AppError::NotFound)?;
    Ok((row, viewer))
}

pub(crate) async fn consultations(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> Result<Vec<Consultation>, diesel::result::Error> {
    application_consultations::table
        .filter(application_consultations::application_id.eq(id))
        .order(application_consultations::id)
        .select(Consultation::as_select())
        .load(conn)
        .await
}

/// Performs one action on an application: row lock, reading rule, state check, change,
/// recomputed deadline, timeline entry and audit entry, in one transaction.
pub async fn perform(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: Uuid,
    access_code: Option<&str>,
    command: Command,
    today: NaiveDate,
) -> AppResult<Application> {
    let act = command.act();
    let viewer = conn
        .transaction(async |conn| {
            lock_calendar_shared(conn).await?;
            let (row, viewer) = lock_for(conn, caller, id, access_code).await?;
            let mut consults = consultations(conn, id).await?;
            let cal = calendar_for(conn, row.received_on, today).await?;
            let allowed = allowed_actions(&row, viewer, today, &cal);
            if !allowed.contains(&act) {
                return Err(AppError::Conflict {
                    detail: format!(
                        "{act} is not allowed now: the application is {}{}",
                        row.status,
                        why_not(&row, act, viewer, today)
                    )
                    .into(),
                    allowed_actions: Some(allowed.iter().map(|a| a.as_str().to_owned()).collect()),
                });
            }
            let before = row.status();
            let mut new = row.clone();
            let mut details = serde_json::Map::new();
            match &command {
                Command::RequestCorrection { note, days } => {
                    new.status = Status::AwaitingCorrection.as_str().into();
                    new.correction_requested_on = Some(today);
                    new.correction_days = Some(*days as i32);
                    new.correction_due_on = Some(cal.add_working_days(today, *days));
                    new.correction_note = Some(note.clone());
                    details.insert("note".into(), json!(note));
                    details.insert("correction_due_on".into(), json!(new.correction_due_on));
                }
                Command::SubmitCorrection {
                    description,
                    note,
                    received_on,
                } => {
                    let on = received_on.unwrap_or(today);
                    if received_on.is_some() && !viewer.is_office() {
                        return Err(AppError::invalid(
                            "received_on",
                            "only the office registers the date a correction arrived",
                        ));
                    }
                    if row.correction_requested_on.is_some_and(|r| on < r) || on > today {
                        return Err(AppError::invalid(
                            "received_on",
                            "must be between the request for correction and today",
                        ));
                    }
                    new.status = Status::Received.as_str().into();
                    new.correction_submitted_on = Some(on);
                    if let Some(d) = description {
                        details.insert("previous_description".into(), json!(row.description));
                        new.description = d.clone();
                    }
                    details.insert("received_on".into(), json!(on));
                    if let Some(n) = note {
                        details.insert("note".into(), json!(n));
                    }
                }
                Command::StartConsultation { party, note } => {
                    new.status = Status::InConsultation.as_str().into();
                    let c: Consultation = diesel::insert_into(application_consultations::table)
                        .values((
                            application_consultations::application_id.eq(id),
                            application_consultations::party.eq(party.as_str()),
                            application_consultations::started_on.eq(today),
                            application_consultations::note.eq(note),
                        ))
                        .returning(Consultation::as_returning())
                        .get_result(conn)
                        .await?;
                    consults.push(c);
                    details.insert("party".into(), json!(party));
                    if let Some(n) = note {
                        details.insert("note".into(), json!(n));
                    }
                }
                Command::EndConsultation { note } => {
                    new.status = Status::Received.as_str().into();
                    close_consultations(conn, id, today, &mut consults).await?;
                    if let Some(n) = note {
                        details.insert("note".into(), json!(n));
                    }
                }
                Command::Extend { days, reason } => {
                    new.extension_days = *days as i32;
                    new.extension_reason = Some(reason.clone());
                    new.extended_on = Some(today);
                    details.insert("days".into(), json!(days));
                    details.insert("reason".into(), json!(reason));
                }
                Command::Answer {
                    outcome,
                    reason,
                    text,
                } => {
                    check_answer_fits(&row, *reason, today)?;
                    details.insert("outcome".into(), json!(outcome));
                    details.insert("reason".into(), json!(reason));
                    if viewer == Viewer::Leader {
                        close(&mut new, *outcome, *reason, Some(text.clone()), today);
                        new.status = Status::Answered.as_str().into();
                    } else {
                        new.status = Status::AnswerDrafted.as_str().into();
                        new.draft_outcome = Some(outcome.as_str().into());
                        new.draft_reason = reason.map(|r| r.as_str().into());
                        new.draft_text = Some(text.clone());
                    }
                }
                Command::ApproveAnswer => {
                    let outcome = row
                        .draft_outcome
                        .as_deref()
                        .and_then(Outcome::parse)
                        .ok_or_else(|| AppError::internal("a drafted answer without outcome"))?;
                    let reason = row.draft_reason.as_deref().and_then(Reason::parse);
                    details.insert("outcome".into(), json!(outcome));
                    details.insert("reason".into(), json!(reason));
                    close(&mut new, outcome, reason, row.draft_text.clone(), today);
                    new.status = Status::Answered.as_str().into();
                }
                Command::Withdraw { reason } => {
                    close_consultations(conn, id, today, &mut consults).await?;
                    close(&mut new, Outcome::Other, Some(Reason::Other), None, today);
                    new.status = Status::Withdrawn.as_str().into();
                    if let Some(r) = reason {
                        details.insert("reason".into(), json!(r));
                    }
                }
            }
            let after = new.status();
            // A closed case keeps the deadline it was closed under, for the statistics
            // ("answered in time").
            if after.is_open() {
                new.due_on = new.deadline_inputs(&consults).due_on(&cal);
            }
            diesel::update(applications::table.find(id))
                .set(&new)
                .execute(conn)
                .await?;
            let actor = Actor::from(caller);
            let action = event_name(act, viewer);
            record_event(
                conn,
                id,
                actor,
                action,
                Some(before),
                after,
                row.due_on,
                new.due_on,
                serde_json::Value::Object(details),
            )
            .await?;
            audit::record(
                conn,
                actor,
                &format!("application.{action}"),
                "application",
                Some(id.to_string()),
                json!({"tracking_no": row.tracking_no, "status": after, "due_before": row.due_on, "due_after": new.due_on}),
            )
            .await?;
            Ok::<_, AppError>(viewer)
        })
        .await?;
    views::load(conn, id, viewer, today).await
}

/// The timeline's name of an action (`answer` is a draft from staff and final from a leader).
fn event_name(act: Act, viewer: Viewer) -> &'static str {
    match act {
        Act::RequestCorrection => "correction_requested",
        Act::SubmitCorrection => "correction_submitted",
        Act::StartConsultation => "consultation_started",
        Act::EndConsultation => "consultation_ended",
        Act::Extend => "extended",
        Act::Answer if viewer == Viewer::Leader => "answered",
        Act::Answer => "answer_drafted",
        Act::ApproveAnswer => "answer_approved",
        Act::Withdraw => "withdrawn",
    }
}

/// Why an action that the state would allow is refused, when it is a time limit or role.
fn why_not(row: &Row, act: Act, viewer: Viewer, today: NaiveDate) -> String {
    match act {
        Act::RequestCorrection
            if row.status() == Status::Received && row.correction_requested_on.is_some() =>
        {
            "; a correction can be asked for only once".into()
        }
        Act::RequestCorrection if row.status() == Status::Received => format!(
            "; a correction can be asked for only within {} working days of receipt",
            deadline::CORRECTION_WINDOW_DAYS
        ),
        Act::Extend if viewer == Viewer::Leader && row.extended_on.is_some() => {
            "; the deadline was already extended once".into()
        }
        Act::Extend if viewer == Viewer::Leader && row.due_on.is_some_and(|d| today > d) => {
            "; the deadline has passed".into()
        }
        Act::Answer if row.status() == Status::AwaitingCorrection => format!(
            "; it can be closed as correction_overdue after {}",
            row.correction_due_on
                .map_or_else(|| "the correction period".to_owned(), |d| d.to_string())
        ),
        _ => String::new(),
    }
}

/// The reason `correction_overdue` fits only a correction that was asked for and not made in
/// time; while a correction is awaited, it is the only answer.
fn check_answer_fits(row: &Row, reason: Option<Reason>, today: NaiveDate) -> AppResult<()> {
    let overdue_correction =
        row.awaiting_correction() && row.correction_due_on.is_some_and(|d| today > d);
    match reason {
        Some(Reason::CorrectionOverdue) if !overdue_correction => Err(AppError::invalid(
            "reason",
            "correction_overdue applies only when a requested correction was not made within its period",
        )),
        Some(Reason::CorrectionOverdue) => Ok(()),
        _ if row.awaiting_correction() => Err(AppError::invalid(
            "reason",
            "while a correction is awaited, the only answer is other / correction_overdue",
        )),
        _ => Ok(()),
    }
}

fn close(
    row: &mut Row,
    outcome: Outcome,
    reason: Option<Reason>,
    text: Option<String>,
    today: NaiveDate,
) {
    row.outcome = Some(outcome.as_str().into());
    row.reason = reason.map(|r| r.as_str().into());
    row.answer_text = text;
    row.closed_on = Some(today);
    row.draft_outcome = None;
    row.draft_reason = None;
    row.draft_text = None;
}

async fn close_consultations(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    today: NaiveDate,
    consults: &mut [Consultation],
) -> Result<(), diesel::result::Error> {
    diesel::update(
        application_consultations::table
            .filter(application_consultations::application_id.eq(id))
            .filter(application_consultations::ended_on.is_null()),
    )
    .set(application_consultations::ended_on.eq(today))
    .execute(conn)
    .await?;
    for c in consults.iter_mut().filter(|c| c.ended_on.is_none()) {
        c.ended_on = Some(today);
    }
    Ok(())
}

/// Recomputes the deadlines (and correction periods) of every open application whose window
/// touches `year`, after that year's calendar changed, in the caller's transaction. Returns
/// how many applications' dates moved; each move is on its timeline.
pub async fn recompute_deadlines(conn: &mut AsyncPgConnection, year: i32) -> AppResult<u64> {
    let first = NaiveDate::from_ymd_opt(year, 1, 1).ok_or_else(|| AppError::internal("year"))?;
    let last = NaiveDate::from_ymd_opt(year, 12, 31).ok_or_else(|| AppError::internal("year"))?;
    let open: Vec<&str> = Status::OPEN.iter().map(|s| s.as_str()).collect();
    // The window runs from receipt (or the correction) to the deadline; a stopped clock has no
    // end yet.
    let rows: Vec<Row> = applications::table
        .filter(applications::status.eq_any(&open))
        .filter(applications::received_on.le(last))
        .filter(
            applications::due_on
                .is_null()
                .or(applications::due_on.ge(first))
                .or(applications::correction_due_on.ge(first)),
        )
        .order(applications::id)
        .for_update()
        .select(Row::as_select())
        .load(conn)
        .await?;
    if rows.is_empty() {
        return Ok(0);
    }
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let all_consults: Vec<Consultation> = application_consultations::table
        .filter(application_consultations::application_id.eq_any(&ids))
        .order(application_consultations::id)
        .select(Consultation::as_select())
        .load(conn)
        .await?;
    let from = rows.iter().map(|r| r.received_on).min().unwrap_or(first);
    let until = rows
        .iter()
        .filter_map(|r| r.due_on.max(r.correction_due_on))
        .max()
        .unwrap_or(last)
        .max(last);
    let cal = calendar_for(conn, from, until).await?;
    let mut changed = 0;
    for row in rows {
        let consults: Vec<Consultation> = all_consults
            .iter()
            .filter(|c| c.application_id == row.id)
            .cloned()
            .collect();
        let due_on = row.deadline_inputs(&consults).due_on(&cal);
        let correction_due_on = match (
            row.awaiting_correction(),
            row.correction_requested_on,
            row.correction_days,
        ) {
            (true, Some(on), Some(days)) => Some(cal.add_working_days(on, days.max(0) as u32)),
            _ => row.correction_due_on,
        };
        if due_on == row.due_on && correction_due_on == row.correction_due_on {
            continue;
        }
        diesel::update(applications::table.find(row.id))
            .set((
                applications::due_on.eq(due_on),
                applications::correction_due_on.eq(correction_due_on),
            ))
            .execute(conn)
            .await?;
        let status = row.status();
        record_event(
            conn,
            row.id,
            Actor::system(),
            "deadline_recomputed",
            Some(status),
            status,
            row.due_on,
            due_on,
            json!({"calendar_year": year, "correction_due_before": row.correction_due_on, "correction_due_after": correction_due_on}),
        )
        .await?;
        changed += 1;
    }
    Ok(changed)
}

/// `recompute_deadlines` for the calendar's list of deadline holders.
pub fn recompute_deadlines_after(
    conn: &mut AsyncPgConnection,
    year: i32,
) -> futures_util::future::BoxFuture<'_, AppResult<u64>> {
    Box::pin(recompute_deadlines(conn, year))
}

/// Checks a new application, reporting every bad field. The office may set `channel` and
/// `received_on` (a paper application); self-service callers get `online` and today.
pub fn validate_new(
    body: routes::CreateApplicationRequest,
    office: bool,
    today: NaiveDate,
) -> AppResult<NewApplication> {
    let mut errors = Vec::new();
    let a = body.applicant;
    let text = |errors: &mut Vec<FieldError>,
                field: &str,
                v: Option<String>,
                max: usize,
                required: bool| {
        let v = v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        match &v {
            None if required => errors.push(FieldError::new(field, "required")),
            Some(s) if s.chars().count() > max => {
                errors.push(FieldError::new(field, format!("at most {max} characters")))
            }
            Some(s)
                if s.chars()
                    .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') =>
            {
                errors.push(FieldError::new(field, "control characters are not allowed"))
            }
            _ => {}
        }
        v
    };
    let name = text(&mut errors, "applicant.name", Some(a.name), 200, true);
    let phone = text(&mut errors, "applicant.phone", a.phone, 30, false);
    let email = text(&mut errors, "applicant.email", a.email, 254, false);
    let address = text(&mut errors, "applicant.address", a.address, 500, false);
    let id_number = text(
        &mut errors,
        "applicant.id_document_number",
        a.id_document_number,
        30,
        false,
    )
    .map(|s| s.to_ascii_uppercase());
    let credit_code = text(
        &mut errors,
        "applicant.unified_social_credit_code",
        a.unified_social_credit_code,
        18,
        false,
    )
    .map(|s| s.to_ascii_uppercase());
    let description = text(
        &mut errors,
        "description",
        Some(body.description),
        5000,
        true,
    );
    let purpose = text(&mut errors, "purpose", body.purpose, 1000, false);

    if a.type_.is_person() {
        match (a.id_document_type, &id_number) {
            (None, _) => errors.push(FieldError::new(
                "applicant.id_document_type",
                "required for a natural person",
            )),
            (Some(_), None) => errors.push(FieldError::new(
                "applicant.id_document_number",
                "required for a natural person",
            )),
            (Some(IdDocumentType::ResidentId), Some(n)) if !identity::is_resident_id(n) => errors
                .push(FieldError::new(
                    "applicant.id_document_number",
                    "not a valid resident identity number (18 characters, the last a check digit)",
                )),
            (Some(t), Some(n))
                if t != IdDocumentType::ResidentId && !identity::is_document_number(n) =>
            {
                errors.push(FieldError::new(
                    "applicant.id_document_number",
                    "5 to 30 letters, digits or '-'",
                ))
            }
            _ => {}
        }
        if credit_code.is_some() {
            errors.push(FieldError::new(
                "applicant.unified_social_credit_code",
                "only for organisations",
            ));
        }
    } else {
        match &credit_code {
            None => errors.push(FieldError::new(
                "applicant.unified_social_credit_code",
                "required for an organisation",
            )),
            Some(c) if !identity::is_credit_code(c) => errors.push(FieldError::new(
                "applicant.unified_social_credit_code",
                "not a valid unified social credit code (18 characters, the last a check character)",
            )),
            _ => {}
        }
        if a.id_document_type.is_some() || id_number.is_some() {
            errors.push(FieldError::new(
                "applicant.id_document_type",
                "only for natural persons; organisations give their unified social credit code",
            ));
        }
    }
    if let Some(p) = &phone {
        if p.len() < 5 || !p.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c)) {
            errors.push(FieldError::new(
                "applicant.phone",
                "5 to 30 digits, spaces, '+', '-', '(' or ')'",
            ));
        }
    }
    if let Some(e) = &email {
        let ok = e.split_once('@').is_some_and(|(l, d)| {
            !l.is_empty() && d.contains('.') && !d.starts_with('.') && !d.ends_with('.')
        }) && !e.chars().any(char::is_whitespace)
            && e.matches('@').count() == 1;
        if !ok {
            errors.push(FieldError::new("applicant.email", "not an e-mail address"));
        }
    }
    if phone.is_none() && email.is_none() && address.is_none() {
        errors.push(FieldError::new(
            "applicant.phone",
            "give at least one way to reach the applicant: phone, email or address",
        ));
    }
    match body.delivery {
        Delivery::Email if email.is_none() => errors.push(FieldError::new(
            "applicant.email",
            "required for delivery by e-mail",
        )),
        Delivery::Post if address.is_none() => errors.push(FieldError::new(
            "applicant.address",
            "required for delivery by post",
        )),
        _ => {}
    }
    let (channel, received_on) = if office {
        let on = body.received_on.unwrap_or(today);
        if on > today {
            errors.push(FieldError::new("received_on", "must not be in the future"));
        } else if !crate::values::CalendarYear::contains(on.year()) {
            errors.push(FieldError::new(
                "received_on",
                "out of the calendar's range",
            ));
        }
        (body.channel.unwrap_or(Channel::InPerson), on)
    } else {
        if body.channel.is_some_and(|c| c != Channel::Online) {
            errors.push(FieldError::new(
                "channel",
                "self-service applications are online; the office registers the others",
            ));
        }
        if body.received_on.is_some() {
            errors.push(FieldError::new(
                "received_on",
                "set by the office only; self-service applications are received today",
            ));
        }
        (Channel::Online, today)
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    Ok(NewApplication {
        applicant_type: a.type_,
        applicant: ApplicantRow {
            application_id: Uuid::nil(),
            name: name.unwrap_or_default(),
            id_document_type: a.id_document_type.map(|t| t.as_str().to_owned()),
            id_document_number: id_number,
            credit_code,
            phone,
            email,
            address,
        },
        description: description.unwrap_or_default(),
        purpose,
        delivery: body.delivery,
        channel,
        received_on,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_codes_are_long_readable_and_hash_loosely() {
        let a = new_access_code();
        assert_eq!(a.len(), 24);
        assert_eq!(a.matches('-').count(), 4);
        assert_ne!(a, new_access_code());
        assert!(!a.contains(['I', 'L', 'O', 'U']));
        assert_eq!(
            access_code_hash(&a),
            access_code_hash(&a.to_lowercase().replace('-', " "))
        );
        assert_ne!(access_code_hash(&a), access_code_hash(&new_access_code()));
    }
}
