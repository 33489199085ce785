//! The operations on applications, each one transaction: receipt (and the tracking numbers
//! given right after it), reading one and the list, every action of the state machine
//! (`Command` + `perform`), and the recomputation of deadlines after a calendar change.

use chrono::{Datelike, NaiveDate};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use futures_util::future::BoxFuture;
use serde_json::json;
use uuid::Uuid;

use super::deadline::DeadlineInputs;
use super::inputs::{
    AnswerBody, ApplicationQuery, DEFAULT_CORRECTION_DAYS, ExtendBody, NoteBody,
    RequestCorrectionBody, StartConsultationBody, SubmitCorrectionBody, WithdrawBody,
};
use super::model::{
    Act, Consultation, EventAction, NewApplication, Outcome, Parts, Reason, Row, Status, Viewer,
};
use super::repo::{self, Filing, ListFilter};
use super::rules;
use super::views::{Application, ApplicationSummary};
use crate::audit::{self, Actor};
use crate::auth::Role;
use crate::auth::access_code::{access_code_hash, new_access_code};
use crate::calendar::WorkCalendar;
use crate::caller::Caller;
use crate::db::locks::{self, Lock, Mode};
use crate::error::{AppError, AppResult};
use crate::workflow;

/// An action with its validated input (the request body, already checked by its types).
#[derive(Debug)]
pub enum Command {
    RequestCorrection(RequestCorrectionBody),
    SubmitCorrection(SubmitCorrectionBody),
    StartConsultation(StartConsultationBody),
    EndConsultation(NoteBody),
    Extend(ExtendBody),
    Answer(AnswerBody),
    ApproveAnswer,
    Withdraw(WithdrawBody),
}

impl workflow::Command for Command {
    type Act = Act;

    fn act(&self) -> Act {
        match self {
            Command::RequestCorrection(_) => Act::RequestCorrection,
            Command::SubmitCorrection(_) => Act::SubmitCorrection,
            Command::StartConsultation(_) => Act::StartConsultation,
            Command::EndConsultation(_) => Act::EndConsultation,
            Command::Extend(_) => Act::Extend,
            Command::Answer(_) => Act::Answer,
            Command::ApproveAnswer => Act::ApproveAnswer,
            Command::Withdraw(_) => Act::Withdraw,
        }
    }
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

/// What the creator gets back: the application and, for applicants without an account, the
/// access code (shown this once).
pub struct Created {
    pub application: Application,
    pub access_code: Option<String>,
}

/// Receives an application: deadline, first timeline entry and audit entry in one
/// transaction, then its tracking number.
pub async fn create(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    new: NewApplication,
    today: NaiveDate,
) -> AppResult<Created> {
    let id = Uuid::new_v4();
    let user = |public: bool| match caller {
        Caller::User(u) if (u.role == Role::Public) == public => Some(u.id),
        _ => None,
    };
    let owner_id = user(true);
    // Whoever has no account to follow the case with gets a code instead.
    let access_code = owner_id.is_none().then(new_access_code);
    let filing = Filing {
        owner_id,
        registered_by: user(false),
        token_id: match caller {
            Caller::Token(t) => Some(t.id),
            _ => None,
        },
        access_code_hash: access_code.as_deref().map(access_code_hash),
    };
    let year = new.received_on.year();
    let actor = Actor::from(caller);
    let event_actor = rules::EventActor::of(caller);
    // Two pipelined rounds inside the transaction (the server runs each round's statements in
    // order): the calendar is read under its shared lock, then the four rows are written.
    let (mut row, applicant, event) = conn
        .transaction(async |conn| {
            let c: &AsyncPgConnection = conn;
            let ((), cal) = futures_util::future::try_join(
                locks::lock_xact(&mut &*c, Lock::Calendar, Mode::Shared),
                calendar_for(&mut &*c, new.received_on, new.received_on),
            )
            .await?;
            let due_on = DeadlineInputs {
                received_on: new.received_on,
                ..Default::default()
            }
            .due_on(&cal);
            let event = event_actor.event(
                id,
                EventAction::Received,
                (None, Status::Received),
                (None, due_on),
                json!({"channel": new.channel, "received_on": new.received_on}),
            );
            let (row, (), applicant, ()) = futures_util::future::try_join4(
                repo::insert_application(&mut &*c, id, &new, due_on, &filing),
                repo::insert_event(&mut &*c, &event),
                repo::insert_applicant(&mut &*c, id, &new.applicant),
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
            Ok::<_, AppError>((row, applicant, event))
        })
        .await?;
    row.tracking_no = Some(assign_tracking_numbers(conn, id, year).await?);
    let viewer = rules::viewer_of_filer(caller);
    // The new application's view needs no second round of queries: it has one event, no
    // consultation and no appeal yet. Its allowed actions use a weekday-only calendar, which
    // is exact for a case received today or in the last seven working days (the correction
    // window); the office's registrations of older paper applications reload below.
    let application = if viewer.is_office() && new.received_on != today {
        load(conn, id, viewer, today).await?
    } else {
        let allowed = rules::allowed_actions(&row, viewer, today, &WorkCalendar::default());
        let event = event.written(0, row.created_at);
        let parts = Parts {
            row,
            applicant,
            consultations: Vec::new(),
            events: vec![event],
            appeals: Vec::new(),
        };
        Application::new(parts, viewer, allowed, today)
    };
    Ok(Created {
        application,
        access_code,
    })
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
/// batch runs they poll their own number, which that batch most likely gives. An application
/// whose request died between the two steps is numbered by the next receipt of its year.
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
        if let Some(n) = repo::tracking_no(conn, id).await? {
            return Ok(n);
        }
    }
}

/// One numbering batch, if no other is running: `None` when the lock is taken.
async fn number_batch(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    year: i32,
) -> AppResult<Option<String>> {
    let first_day =
        NaiveDate::from_ymd_opt(year, 1, 1).ok_or_else(|| AppError::internal("year"))?;
    let last_day =
        NaiveDate::from_ymd_opt(year, 12, 31).ok_or_else(|| AppError::internal("year"))?;
    conn.transaction(async |conn| {
        if !locks::try_lock_xact(conn, Lock::ApplicationNumbering { year }).await? {
            return Ok(None);
        }
        // After the lock, so that the statement's snapshot sees every earlier batch.
        Ok(repo::number_batch(conn, id, year, first_day, last_day).await?)
    })
    .await
}

/// Locks an application for a change and applies the reading rule: 404 when it does not exist
/// or the caller may not see it.
pub(super) async fn lock_for(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: Uuid,
    access_code: Option<&str>,
) -> AppResult<(Row, Viewer)> {
    let row = repo::lock(conn, id).await?.ok_or(AppError::NotFound)?;
    let viewer = rules::viewer_of(caller, &row, access_code).ok_or(AppError::NotFound)?;
    Ok((row, viewer))
}

/// The view of an application already read, for `viewer`.
async fn view(
    conn: &mut AsyncPgConnection,
    row: Row,
    viewer: Viewer,
    today: NaiveDate,
) -> AppResult<Application> {
    let cal = calendar_for(conn, row.received_on, today).await?;
    let allowed = rules::allowed_actions(&row, viewer, today, &cal);
    let parts = repo::parts(conn, row).await?;
    Ok(Application::new(parts, viewer, allowed, today))
}

/// Loads the whole view of an application the viewer may see.
async fn load(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    viewer: Viewer,
    today: NaiveDate,
) -> AppResult<Application> {
    let row = repo::find(conn, id).await?.ok_or(AppError::NotFound)?;
    view(conn, row, viewer, today).await
}

/// One application with its timeline, for whoever the reading rule lets see it (404 for
/// everyone else, as if it did not exist).
pub async fn get(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: Uuid,
    access_code: Option<&str>,
    today: NaiveDate,
) -> AppResult<Application> {
    let row = repo::find(conn, id).await?.ok_or(AppError::NotFound)?;
    let viewer = rules::viewer_of(caller, &row, access_code).ok_or(AppError::NotFound)?;
    view(conn, row, viewer, today).await
}

/// A page of the list (all applications for the office, their own for a `public` user), and
/// how many there are.
pub async fn list(
    conn: &mut AsyncPgConnection,
    query: &ApplicationQuery,
    owner: Option<Uuid>,
    (offset, limit): (i64, i64),
    today: NaiveDate,
) -> AppResult<(Vec<ApplicationSummary>, i64)> {
    let due_soon_until = match query.due_soon {
        Some(n) => {
            let cal = WorkCalendar::load(conn, today.year(), today.year() + 1).await?;
            Some(cal.add_working_days(today, n))
        }
        None => None,
    };
    let received = match query.year {
        Some(y) => {
            let first = NaiveDate::from_ymd_opt(y.get(), 1, 1);
            let last = NaiveDate::from_ymd_opt(y.get(), 12, 31);
            Some(first.zip(last).ok_or_else(|| AppError::internal("year"))?)
        }
        None => None,
    };
    let filter = ListFilter {
        owner,
        status: query.status,
        applicant_type: query.applicant_type,
        received,
        overdue: query.overdue,
        due_before: query.due_before,
        due_soon_until,
        today,
        sort: query.sort.unwrap_or_default(),
    };
    let (rows, total) = repo::list(conn, &filter, offset, limit).await?;
    let items = rows
        .into_iter()
        .map(|(row, name, id_number, credit_code)| {
            ApplicationSummary::new(row, name, id_number, credit_code, today)
        })
        .collect();
    Ok((items, total))
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
    use workflow::Command as _;
    let act = command.act();
    let viewer = conn
        .transaction(async |conn| {
            locks::lock_xact(conn, Lock::Calendar, Mode::Shared).await?;
            let (row, viewer) = lock_for(conn, caller, id, access_code).await?;
            let mut consults = repo::consultations(conn, id).await?;
            let cal = calendar_for(conn, row.received_on, today).await?;
            let allowed = rules::allowed_actions(&row, viewer, today, &cal);
            workflow::ensure_allowed(
                act,
                &allowed,
                || format!("the application is {}", row.status),
                || rules::why_not(&row, act, viewer, today),
            )?;
            let mut new = row.clone();
            let mut details = serde_json::Map::new();
            match &command {
                Command::RequestCorrection(RequestCorrectionBody { note, days }) => {
                    let days = days.unwrap_or(DEFAULT_CORRECTION_DAYS);
                    new.status = Status::AwaitingCorrection;
                    new.correction_requested_on = Some(today);
                    new.correction_days = Some(days as i32);
                    new.correction_due_on = Some(cal.add_working_days(today, days));
                    new.correction_note = Some(note.to_string());
                    details.insert("note".into(), json!(note));
                    details.insert("correction_due_on".into(), json!(new.correction_due_on));
                }
                Command::SubmitCorrection(SubmitCorrectionBody {
                    description,
                    note,
                    received_on,
                }) => {
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
                    new.status = Status::Received;
                    new.correction_submitted_on = Some(on);
                    if let Some(d) = description {
                        details.insert("previous_description".into(), json!(row.description));
                        new.description = d.to_string();
                    }
                    details.insert("received_on".into(), json!(on));
                    if let Some(n) = note {
                        details.insert("note".into(), json!(n));
                    }
                }
                Command::StartConsultation(StartConsultationBody { party, note }) => {
                    new.status = Status::InConsultation;
                    let c = repo::start_consultation(conn, id, *party, today, note.as_deref())
                        .await?;
                    consults.push(c);
                    details.insert("party".into(), json!(party));
                    if let Some(n) = note {
                        details.insert("note".into(), json!(n));
                    }
                }
                Command::EndConsultation(NoteBody { note }) => {
                    new.status = Status::Received;
                    end_consultations(conn, id, today, &mut consults).await?;
                    if let Some(n) = note {
                        details.insert("note".into(), json!(n));
                    }
                }
                Command::Extend(ExtendBody { days, reason }) => {
                    new.extension_days = *days as i32;
                    new.extension_reason = Some(reason.to_string());
                    new.extended_on = Some(today);
                    details.insert("days".into(), json!(days));
                    details.insert("reason".into(), json!(reason));
                }
                Command::Answer(AnswerBody {
                    outcome,
                    reason,
                    text,
                }) => {
                    rules::check_answer_fits(&row, *reason, today)?;
                    details.insert("outcome".into(), json!(outcome));
                    details.insert("reason".into(), json!(reason));
                    if viewer == Viewer::Leader {
                        rules::close(&mut new, *outcome, *reason, Some(text.to_string()), today);
                        new.status = Status::Answered;
                    } else {
                        new.status = Status::AnswerDrafted;
                        new.draft_outcome = Some(*outcome);
                        new.draft_reason = *reason;
                        new.draft_text = Some(text.to_string());
                    }
                }
                Command::ApproveAnswer => {
                    let outcome = row
                        .draft_outcome
                        .ok_or_else(|| AppError::internal("a drafted answer without outcome"))?;
                    let reason = row.draft_reason;
                    details.insert("outcome".into(), json!(outcome));
                    details.insert("reason".into(), json!(reason));
                    rules::close(&mut new, outcome, reason, row.draft_text.clone(), today);
                    new.status = Status::Answered;
                }
                Command::Withdraw(WithdrawBody { reason }) => {
                    end_consultations(conn, id, today, &mut consults).await?;
                    rules::close(&mut new, Outcome::Other, Some(Reason::Other), None, today);
                    new.status = Status::Withdrawn;
                    if let Some(r) = reason {
                        details.insert("reason".into(), json!(r));
                    }
                }
            }
            // A closed case keeps the deadline it was closed under, for the statistics
            // ("answered in time").
            if new.status.is_open() {
                new.due_on = rules::deadline_inputs(&new, &consults).due_on(&cal);
            }
            repo::update(conn, &new).await?;
            let action = rules::event_of(act, viewer);
            let event = rules::EventActor::of(caller).event(
                id,
                action,
                (Some(row.status), new.status),
                (row.due_on, new.due_on),
                serde_json::Value::Object(details),
            );
            repo::insert_event(conn, &event).await?;
            audit::record(
                conn,
                caller,
                &format!("application.{action}"),
                "application",
                Some(id.to_string()),
                json!({"tracking_no": row.tracking_no, "status": new.status, "due_before": row.due_on, "due_after": new.due_on}),
            )
            .await?;
            Ok::<_, AppError>(viewer)
        })
        .await?;
    load(conn, id, viewer, today).await
}

/// Ends the open consultation, in the database and in the list the deadline is computed from.
async fn end_consultations(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    today: NaiveDate,
    consults: &mut [Consultation],
) -> Result<(), diesel::result::Error> {
    repo::end_consultations(conn, id, today).await?;
    for c in consults.iter_mut().filter(|c| c.ended_on.is_none()) {
        c.ended_on = Some(today);
    }
    Ok(())
}

/// Recomputes the deadlines (and correction periods) of every open application whose window
/// touches `year`, after that year's calendar changed, in the caller's transaction. Returns
/// how many applications' dates moved; each move is on its timeline. One of the calendar's
/// deadline holders (`state::DeadlineRecompute`).
pub fn recompute_deadlines(
    conn: &mut AsyncPgConnection,
    year: i32,
) -> BoxFuture<'_, AppResult<u64>> {
    Box::pin(async move {
        let first =
            NaiveDate::from_ymd_opt(year, 1, 1).ok_or_else(|| AppError::internal("year"))?;
        let last =
            NaiveDate::from_ymd_opt(year, 12, 31).ok_or_else(|| AppError::internal("year"))?;
        let rows = repo::lock_open_touching(conn, first, last).await?;
        if rows.is_empty() {
            return Ok(0);
        }
        let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        let all_consults = repo::consultations_of_many(conn, &ids).await?;
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
            let consults: Vec<_> = all_consults
                .iter()
                .filter(|c| c.application_id == row.id)
                .cloned()
                .collect();
            let (due_on, correction_due_on) = rules::recomputed_dates(&row, &consults, &cal);
            if due_on == row.due_on && correction_due_on == row.correction_due_on {
                continue;
            }
            repo::set_dates(conn, row.id, due_on, correction_due_on).await?;
            let event = rules::EventActor::SYSTEM.event(
                row.id,
                EventAction::DeadlineRecomputed,
                (Some(row.status), row.status),
                (row.due_on, due_on),
                json!({"calendar_year": year, "correction_due_before": row.correction_due_on, "correction_due_after": correction_due_on}),
            );
            repo::insert_event(conn, &event).await?;
            changed += 1;
        }
        Ok(changed)
    })
}
