//! The register's rules: what each state allows, who may read and rate an entry, what a new
//! entry must say, and what may go on the public board.

use chrono::{Datelike, NaiveDate};

use super::model::{
    Act, Channel, CreateFeedbackRequest, NewFeedback, PublicTexts, PublishRequest, Row, Status,
    Viewer,
};
use super::privacy;
use crate::auth::Role;
use crate::auth::access_code::access_code_hash;
use crate::caller::Caller;
use crate::error::{AppError, AppResult, FieldError};
use crate::values::CalendarYear;

/// What may be done with the entry now, in the order of the workflow. Reassigning is possible
/// until the reply; an answered entry may be published (again, to replace its public texts);
/// a published one may be taken off the board.
pub fn allowed_actions(row: &Row) -> Vec<Act> {
    Act::ALL
        .iter()
        .copied()
        .filter(|act| allows(row, *act))
        .collect()
}

fn allows(row: &Row, act: Act) -> bool {
    use Status::*;
    match act {
        Act::Assign => matches!(row.status, Registered | Assigned | InProgress),
        Act::Start => row.status == Assigned,
        Act::Reply => row.status == InProgress,
        Act::Close => row.status == Replied,
        Act::Reopen => matches!(row.status, Replied | Closed),
        Act::Publish => row.status.is_answered(),
        Act::Unpublish => row.published_at.is_some(),
    }
}

/// Why `act` is refused beyond the state's name, for the 409 answer.
pub fn refusal(row: &Row, act: Act) -> String {
    match act {
        Act::Publish if !row.status.is_answered() => {
            "only answered entries can be published".into()
        }
        Act::Unpublish if row.published_at.is_none() => "it is not on the public board".into(),
        _ => String::new(),
    }
}

/// The state an action leaves the entry in.
pub fn next_status(from: Status, act: Act) -> Status {
    match act {
        Act::Assign if from == Status::Registered => Status::Assigned,
        Act::Start | Act::Reopen => Status::InProgress,
        Act::Reply => Status::Replied,
        Act::Close => Status::Closed,
        Act::Assign | Act::Publish | Act::Unpublish => from,
    }
}

/// Who may be assigned: an active staff member or leader.
pub fn may_be_assigned(role: Option<Role>, disabled: bool) -> bool {
    matches!(role, Some(Role::Staff | Role::Leader)) && !disabled
}

/// The reading rule: the office sees every entry; the submitter (their account, or the right
/// access code) sees their own; anyone else is told nothing exists (404).
pub fn viewer(row: &Row, caller: &Caller, access_code: Option<&str>) -> Option<Viewer> {
    if caller.is_office() {
        return Some(Viewer::Office);
    }
    if let (Some(user), Some(owner)) = (caller.user(), row.submitter_id) {
        if user.id == owner {
            return Some(Viewer::Submitter);
        }
    }
    if holds_code(row, access_code) {
        return Some(Viewer::Submitter);
    }
    None
}

/// Whether `access_code` is the entry's own.
fn holds_code(row: &Row, access_code: Option<&str>) -> bool {
    access_code
        .zip(row.access_code_hash.as_deref())
        .is_some_and(|(code, stored)| access_code_hash(code) == stored)
}

/// The submitter's rating: once, after the reply.
pub fn check_rating(row: &Row, caller: &Caller, access_code: Option<&str>) -> AppResult<()> {
    match viewer(row, caller, access_code) {
        None => return Err(AppError::NotFound),
        // The office sees the entry but a rating is the submitter's word.
        Some(Viewer::Office) if !holds_code(row, access_code) => {
            return Err(AppError::Forbidden(
                "only the submitter may rate the reply".into(),
            ));
        }
        Some(_) => {}
    }
    if !row.status.is_answered() {
        return Err(AppError::conflict(
            "there is no reply to rate yet; rate it once it is answered",
        ));
    }
    if row.rated_at.is_some() {
        return Err(AppError::conflict("the reply has already been rated"));
    }
    Ok(())
}

/// Checks what depends on who registers a new entry and when, reporting all problems at once:
/// the public submits `online` on the day it sends; the office says how a call, letter or
/// visit arrived and may date it back (not into the future, not before the calendar starts).
pub fn admit(
    request: CreateFeedbackRequest,
    office: bool,
    today: NaiveDate,
) -> AppResult<NewFeedback> {
    let mut errors = Vec::new();
    let channel = match (office, request.channel) {
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
    let received_on = match (office, request.received_on) {
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
        (true, Some(d)) if !CalendarYear::contains(d.year()) => {
            errors.push(FieldError::new(
                "received_on",
                format!("must be from {} on", CalendarYear::FIRST),
            ));
            today
        }
        (true, Some(d)) => d,
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let contact = request.contact.unwrap_or_default();
    Ok(NewFeedback {
        kind: request.kind,
        channel,
        subject: request.subject,
        content: request.content,
        contact_name: contact.name,
        contact_phone: contact.phone,
        contact_email: contact.email,
        related_item_id: request.related_item_id,
        received_on,
    })
}

/// The first and last day of a year of receipt, for the lists' `year` filter.
pub fn year_span(year: Option<i32>) -> AppResult<Option<(NaiveDate, NaiveDate)>> {
    let Some(year) = year else { return Ok(None) };
    let year = CalendarYear::parse(year).map_err(|why| AppError::invalid("year", why))?;
    let first = NaiveDate::from_ymd_opt(year.get(), 1, 1).expect("a calendar year");
    let last = NaiveDate::from_ymd_opt(year.get(), 12, 31).expect("a calendar year");
    Ok(Some((first, last)))
}

/// The texts for the public board: the leader's, or else the entry's own with personal data
/// removed. Edited texts are the leader's, but the submitter's own contact data never goes out.
pub fn public_texts(row: &Row, edited: &PublishRequest) -> AppResult<PublicTexts> {
    let name = row.contact_name.as_deref();
    let texts = PublicTexts {
        subject: edited
            .subject
            .as_deref()
            .map(str::to_owned)
            .unwrap_or_else(|| privacy::scrub(&row.subject, name)),
        question: edited
            .question
            .as_deref()
            .map(str::to_owned)
            .unwrap_or_else(|| privacy::scrub(&row.content, name)),
        reply: edited
            .reply
            .as_deref()
            .map(str::to_owned)
            .unwrap_or_else(|| privacy::scrub(row.reply_text.as_deref().unwrap_or(""), name)),
    };
    let errors: Vec<FieldError> = [
        ("subject", &texts.subject),
        ("question", &texts.question),
        ("reply", &texts.reply),
    ]
    .into_iter()
    .filter_map(|(field, value)| {
        privacy::leaks_contact(
            value,
            name,
            row.contact_phone.as_deref(),
            row.contact_email.as_deref(),
        )
        .map(|what| {
            let message = match what {
                "phone number" => crate::tr!("feedback.leak.phone"),
                "e-mail address" => crate::tr!("feedback.leak.email"),
                _ => crate::tr!("feedback.leak.name"),
            };
            FieldError::new(field, message)
        })
    })
    .collect();
    if errors.is_empty() {
        Ok(texts)
    } else {
        Err(AppError::Validation(errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn row(status: Status) -> Row {
        let day = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        Row {
            id: uuid::Uuid::nil(),
            register_no: "2026-00001".into(),
            kind: super::super::model::Kind::Complaint,
            channel: Channel::Online,
            subject: "路灯不亮".into(),
            content: "我是李明，电话13812345678。".into(),
            contact_name: Some("李明".into()),
            contact_phone: Some("13812345678".into()),
            contact_email: None,
            related_item_id: None,
            submitter_id: None,
            access_code_hash: None,
            registered_by: None,
            status,
            assignee_id: None,
            received_on: day,
            reply_due_on: day,
            reply_days: 5,
            reply_text: Some("李明您好，已修复。".into()),
            replied_at: None,
            replied_on: None,
            replied_by: None,
            closed_at: None,
            rating: None,
            rating_comment: None,
            rated_at: None,
            published_at: None,
            public_subject: None,
            public_question: None,
            public_reply: None,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    fn names(acts: Vec<Act>) -> Vec<&'static str> {
        acts.into_iter().map(Act::as_str).collect()
    }

    #[test]
    fn each_state_allows_its_steps() {
        assert_eq!(names(allowed_actions(&row(Status::Registered))), ["assign"]);
        assert_eq!(
            names(allowed_actions(&row(Status::Assigned))),
            ["assign", "start"]
        );
        assert_eq!(
            names(allowed_actions(&row(Status::InProgress))),
            ["assign", "reply"]
        );
        assert_eq!(
            names(allowed_actions(&row(Status::Replied))),
            ["close", "reopen", "publish"]
        );
        let mut published = row(Status::Closed);
        published.published_at = Some(Utc::now());
        assert_eq!(
            names(allowed_actions(&published)),
            ["reopen", "publish", "unpublish"]
        );
    }

    #[test]
    fn each_step_leads_to_its_state() {
        assert_eq!(
            next_status(Status::Registered, Act::Assign),
            Status::Assigned
        );
        assert_eq!(
            next_status(Status::InProgress, Act::Assign),
            Status::InProgress
        );
        assert_eq!(
            next_status(Status::Assigned, Act::Start),
            Status::InProgress
        );
        assert_eq!(next_status(Status::InProgress, Act::Reply), Status::Replied);
        assert_eq!(next_status(Status::Replied, Act::Close), Status::Closed);
        assert_eq!(next_status(Status::Closed, Act::Reopen), Status::InProgress);
        assert_eq!(next_status(Status::Closed, Act::Publish), Status::Closed);
    }

    #[test]
    fn the_public_board_gets_scrubbed_defaults_and_refuses_leaks() {
        let r = row(Status::Replied);
        let texts = public_texts(&r, &PublishRequest::default()).unwrap();
        assert_eq!(texts.question, "我是李某，电话***。");
        assert_eq!(texts.reply, "李某您好，已修复。");
        let edited = PublishRequest {
            reply: Some(
                super::super::model::FeedbackReplyText::parse("请致电13812345678").unwrap(),
            ),
            ..Default::default()
        };
        let Err(AppError::Validation(errors)) = public_texts(&r, &edited) else {
            panic!("a leak is refused")
        };
        assert_eq!(errors[0].field, "reply");
    }

    #[test]
    fn the_office_dates_entries_back_and_the_public_does_not() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let request = |channel: Option<Channel>, received_on: Option<&str>| {
            serde_json::from_value::<CreateFeedbackRequest>(serde_json::json!({
                "kind": "complaint", "subject": "s", "content": "c",
                "channel": channel, "received_on": received_on,
            }))
            .unwrap()
        };
        let fields = |r: AppResult<NewFeedback>| match r {
            Err(AppError::Validation(e)) => e.into_iter().map(|e| e.field).collect::<Vec<_>>(),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            admit(request(None, None), false, today).unwrap().channel,
            Channel::Online
        );
        assert_eq!(
            fields(admit(
                request(Some(Channel::Letter), Some("2026-03-01")),
                false,
                today
            )),
            ["channel", "received_on"]
        );
        let letter = admit(
            request(Some(Channel::Letter), Some("2026-03-01")),
            true,
            today,
        )
        .unwrap();
        assert_eq!(letter.received_on.to_string(), "2026-03-01");
        assert_eq!(
            fields(admit(request(None, Some("2026-03-03")), true, today)),
            ["channel", "received_on"]
        );
        assert_eq!(
            fields(admit(
                request(Some(Channel::Phone), Some("1989-12-31")),
                true,
                today
            )),
            ["received_on"]
        );
    }
}
