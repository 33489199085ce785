//! The pure rules of applications: who may read one (`viewer_of`), what may happen next
//! (`allowed_actions`, and `why_not` when a time limit refuses it), which answer fits, what a
//! new application must hold beyond its single fields, how an appeal is filed and decided, and
//! how the timeline names who acted and what they did. The service asks them inside the transaction that holds the application's row lock.

use chrono::{Datelike, NaiveDate};
use uuid::Uuid;

use super::deadline::{self, DeadlineInputs, Pause};
use super::inputs::CreateApplicationRequest;
use super::model::{
    Act, ActorKind, AppealResult, Channel, Consultation, Delivery, EventAction, IdDocumentType,
    IdentityDocument, NewApplicant, NewApplication, NewEvent, Outcome, Reason, Row, Status, Viewer,
};
use crate::audit::Actor;
use crate::auth::Role;
use crate::auth::access_code::access_code_hash;
use crate::calendar::WorkCalendar;
use crate::caller::Caller;
use crate::error::{AppError, AppResult, FieldError};
use crate::values::{CalendarYear, DocumentNumber, ResidentId};

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

/// How the one who files an application sees it: the office as itself, anyone else as the
/// applicant (by account or by the access code they are given).
pub fn viewer_of_filer(caller: &Caller) -> Viewer {
    match caller.role() {
        Some(Role::Leader) => Viewer::Leader,
        Some(Role::Staff) => Viewer::Staff,
        _ => Viewer::Applicant,
    }
}

/// Who acts, as the timeline records them.
#[derive(Debug, Clone, Copy)]
pub struct EventActor {
    kind: ActorKind,
    id: Option<Uuid>,
    role: Option<&'static str>,
}

impl EventActor {
    pub const SYSTEM: EventActor = EventActor {
        kind: ActorKind::System,
        id: None,
        role: None,
    };

    pub fn of(caller: &Caller) -> Self {
        let kind = match caller {
            Caller::Anonymous => ActorKind::Anonymous,
            Caller::User(_) => ActorKind::User,
            Caller::Token(_) => ActorKind::Token,
        };
        Self {
            kind,
            id: Actor::from(caller).id,
            role: caller.role().map(Role::as_str),
        }
    }

    /// The timeline entry of a step: the state and the deadline before and after it.
    pub fn event(
        self,
        application_id: Uuid,
        action: EventAction,
        status: (Option<Status>, Status),
        due: (Option<NaiveDate>, Option<NaiveDate>),
        details: serde_json::Value,
    ) -> NewEvent {
        NewEvent {
            application_id,
            actor_kind: self.kind,
            actor_id: self.id,
            actor_role: self.role,
            action,
            status_before: status.0,
            status_after: status.1,
            due_before: due.0,
            due_after: due.1,
            details,
        }
    }
}

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
    match row.status {
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

/// Why an action that the state would allow is refused, when it is a time limit or role
/// (empty otherwise).
pub fn why_not(row: &Row, act: Act, viewer: Viewer, today: NaiveDate) -> String {
    match act {
        Act::RequestCorrection
            if row.status == Status::Received && row.correction_requested_on.is_some() =>
        {
            "a correction can be asked for only once".into()
        }
        Act::RequestCorrection if row.status == Status::Received => format!(
            "a correction can be asked for only within {} working days of receipt",
            deadline::CORRECTION_WINDOW_DAYS
        ),
        Act::Extend if viewer == Viewer::Leader && row.extended_on.is_some() => {
            "the deadline was already extended once".into()
        }
        Act::Extend if viewer == Viewer::Leader && row.due_on.is_some_and(|d| today > d) => {
            "the deadline has passed".into()
        }
        Act::Answer if row.status == Status::AwaitingCorrection => format!(
            "it can be closed as correction_overdue after {}",
            row.correction_due_on
                .map_or_else(|| "the correction period".to_owned(), |d| d.to_string())
        ),
        _ => String::new(),
    }
}

/// The reason `correction_overdue` fits only a correction that was asked for and not made in
/// time; while a correction is awaited, it is the only answer.
pub fn check_answer_fits(row: &Row, reason: Option<Reason>, today: NaiveDate) -> AppResult<()> {
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

/// The timeline's name of an action (`answer` is a draft from staff and final from a leader).
pub fn event_of(act: Act, viewer: Viewer) -> EventAction {
    match act {
        Act::RequestCorrection => EventAction::CorrectionRequested,
        Act::SubmitCorrection => EventAction::CorrectionSubmitted,
        Act::StartConsultation => EventAction::ConsultationStarted,
        Act::EndConsultation => EventAction::ConsultationEnded,
        Act::Extend => EventAction::Extended,
        Act::Answer if viewer == Viewer::Leader => EventAction::Answered,
        Act::Answer => EventAction::AnswerDrafted,
        Act::ApproveAnswer => EventAction::AnswerApproved,
        Act::Withdraw => EventAction::Withdrawn,
    }
}

/// Ends the case with an answer (or a withdrawal's `other`/`other`): the draft goes.
pub fn close(
    row: &mut Row,
    outcome: Outcome,
    reason: Option<Reason>,
    text: Option<String>,
    today: NaiveDate,
) {
    row.outcome = Some(outcome);
    row.reason = reason;
    row.answer_text = text;
    row.closed_on = Some(today);
    row.draft_outcome = None;
    row.draft_reason = None;
    row.draft_text = None;
}

/// The deadline's inputs, with the application's consultations.
pub fn deadline_inputs(row: &Row, consultations: &[Consultation]) -> DeadlineInputs {
    DeadlineInputs {
        received_on: row.received_on,
        awaiting_correction: row.awaiting_correction(),
        correction_submitted_on: row.correction_submitted_on,
        pauses: consultations
            .iter()
            .map(|c| Pause {
                start: c.started_on,
                end: c.ended_on,
            })
            .collect(),
        extension_days: row.extension_days.max(0) as u32,
    }
}

/// The deadline and correction period of an open application under `cal`: what a calendar
/// change moves them to.
pub fn recomputed_dates(
    row: &Row,
    consultations: &[Consultation],
    cal: &WorkCalendar,
) -> (Option<NaiveDate>, Option<NaiveDate>) {
    let due_on = deadline_inputs(row, consultations).due_on(cal);
    let correction_due_on = match (
        row.awaiting_correction(),
        row.correction_requested_on,
        row.correction_days,
    ) {
        (true, Some(on), Some(days)) => Some(cal.add_working_days(on, days.max(0) as u32)),
        _ => row.correction_due_on,
    };
    (due_on, correction_due_on)
}

/// Checks what a new application must hold beyond its single fields (each already checked by
/// its type), reporting every bad field: a natural person's identity document (its number
/// follows its type's rule), an organisation's credit code, a way to reach the applicant and
/// what the delivery needs. The office may set `channel` and `received_on` (a paper
/// application); self-service callers get `online` and today.
pub fn check_new(
    body: CreateApplicationRequest,
    office: bool,
    today: NaiveDate,
) -> AppResult<NewApplication> {
    let mut errors = Vec::new();
    let a = body.applicant;
    let mut identity = None;
    if a.type_.is_person() {
        match (a.id_document_type, &a.id_document_number) {
            (None, _) => errors.push(FieldError::new(
                "applicant.id_document_type",
                "required for a natural person",
            )),
            (Some(_), None) => errors.push(FieldError::new(
                "applicant.id_document_number",
                "required for a natural person",
            )),
            (Some(kind), Some(number)) => {
                let parsed = match kind {
                    IdDocumentType::ResidentId => {
                        ResidentId::parse(number).map(IdentityDocument::ResidentId)
                    }
                    other => {
                        DocumentNumber::parse(number).map(|n| IdentityDocument::Other(other, n))
                    }
                };
                match parsed {
                    Ok(doc) => identity = Some(doc),
                    Err(message) => {
                        errors.push(FieldError::new("applicant.id_document_number", message))
                    }
                }
            }
        }
        if a.unified_social_credit_code.is_some() {
            errors.push(FieldError::new(
                "applicant.unified_social_credit_code",
                "only for organisations",
            ));
        }
    } else {
        if a.unified_social_credit_code.is_none() {
            errors.push(FieldError::new(
                "applicant.unified_social_credit_code",
                "required for an organisation",
            ));
        }
        if a.id_document_type.is_some() || a.id_document_number.is_some() {
            errors.push(FieldError::new(
                "applicant.id_document_type",
                "only for natural persons; organisations give their unified social credit code",
            ));
        }
    }
    if a.phone.is_none() && a.email.is_none() && a.address.is_none() {
        errors.push(FieldError::new(
            "applicant.phone",
            "give at least one way to reach the applicant: phone, email or address",
        ));
    }
    match body.delivery {
        Delivery::Email if a.email.is_none() => errors.push(FieldError::new(
            "applicant.email",
            "required for delivery by e-mail",
        )),
        Delivery::Post if a.address.is_none() => errors.push(FieldError::new(
            "applicant.address",
            "required for delivery by post",
        )),
        _ => {}
    }
    let (channel, received_on) = if office {
        let on = body.received_on.unwrap_or(today);
        if on > today {
            errors.push(FieldError::new("received_on", "must not be in the future"));
        } else if !CalendarYear::contains(on.year()) {
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
        applicant: NewApplicant {
            name: a.name,
            identity,
            credit_code: a.unified_social_credit_code,
            phone: a.phone,
            email: a.email,
            address: a.address,
        },
        description: body.description,
        purpose: body.purpose,
        delivery: body.delivery,
        channel,
        received_on,
    })
}

/// An appeal is filed between the application's receipt and today.
pub fn check_filing(
    filed_on: NaiveDate,
    received_on: NaiveDate,
    today: NaiveDate,
) -> AppResult<()> {
    if filed_on > today || filed_on < received_on {
        return Err(AppError::invalid(
            "filed_on",
            format!("must be between the application's receipt ({received_on}) and today"),
        ));
    }
    Ok(())
}

/// An appeal's result and decision day after a change: absent fields keep their value, except
/// that `pending` clears the day. A result needs a day between the filing and today; `pending`
/// has none.
pub fn decide_appeal(
    current: (AppealResult, Option<NaiveDate>),
    result: Option<AppealResult>,
    decided_on: Option<Option<NaiveDate>>,
    filed_on: NaiveDate,
    today: NaiveDate,
) -> AppResult<(AppealResult, Option<NaiveDate>)> {
    let result = result.unwrap_or(current.0);
    let decided_on = match decided_on {
        Some(d) => d,
        None if result == AppealResult::Pending => None,
        None => current.1,
    };
    let refusal = match (result, decided_on) {
        (AppealResult::Pending, Some(_)) => {
            Some("must be empty while the result is pending".into())
        }
        (r, None) if r != AppealResult::Pending => Some("required with a result".into()),
        (_, Some(d)) if d > today || d < filed_on => {
            Some(format!("must be between the filing ({filed_on}) and today"))
        }
        _ => None,
    };
    match refusal {
        Some(message) => Err(AppError::invalid("decided_on", message)),
        None => Ok((result, decided_on)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::applications::inputs::ApplicantInput;
    use crate::applications::model::{ApplicantName, ApplicantType, InformationWanted};
    use crate::caller::UserCaller;
    use chrono::Utc;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn row(status: Status, received_on: &str) -> Row {
        Row {
            id: Uuid::nil(),
            tracking_no: Some("2025-00001".into()),
            status,
            applicant_type: ApplicantType::NaturalPerson,
            description: "d".into(),
            purpose: None,
            delivery: Delivery::Pickup,
            channel: Channel::Online,
            received_on: d(received_on),
            due_on: Some(d(received_on) + chrono::Duration::days(28)),
            correction_requested_on: None,
            correction_days: None,
            correction_due_on: None,
            correction_note: None,
            correction_submitted_on: None,
            extension_days: 0,
            extension_reason: None,
            extended_on: None,
            draft_outcome: None,
            draft_reason: None,
            draft_text: None,
            outcome: None,
            reason: None,
            answer_text: None,
            closed_on: None,
            owner_id: None,
            registered_by: None,
            token_id: None,
            access_code_hash: None,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    fn user(role: Role) -> Caller {
        Caller::User(UserCaller {
            id: Uuid::new_v4(),
            username: "u".into(),
            role,
            session_id: Uuid::new_v4(),
        })
    }

    #[test]
    fn the_office_the_owner_and_the_code_holder_read_everyone_else_does_not() {
        let mut r = row(Status::Received, "2025-03-03");
        let owner = user(Role::Public);
        r.owner_id = owner.user().map(|u| u.id);
        r.access_code_hash = Some(access_code_hash("7K3M-Q9XZ"));
        assert_eq!(
            viewer_of(&user(Role::Leader), &r, None),
            Some(Viewer::Leader)
        );
        assert_eq!(viewer_of(&user(Role::Staff), &r, None), Some(Viewer::Staff));
        assert_eq!(viewer_of(&owner, &r, None), Some(Viewer::Applicant));
        assert_eq!(viewer_of(&user(Role::Public), &r, None), None);
        assert_eq!(
            viewer_of(&Caller::Anonymous, &r, Some("7k3m q9xz")),
            Some(Viewer::Applicant)
        );
        assert_eq!(viewer_of(&Caller::Anonymous, &r, Some("WRONG")), None);
        assert_eq!(viewer_of(&Caller::Anonymous, &r, None), None);
        assert_eq!(viewer_of_filer(&Caller::Anonymous), Viewer::Applicant);
        assert_eq!(viewer_of_filer(&user(Role::Staff)), Viewer::Staff);
    }

    /// The code an applicant without an account reads the application with.
    #[test]
    fn access_codes_are_long_readable_and_hash_loosely() {
        use crate::auth::access_code::new_access_code;
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

    #[test]
    fn actions_follow_the_state_the_role_and_the_time_limits() {
        let cal = WorkCalendar::default();
        let r = row(Status::Received, "2025-03-03");
        let today = d("2025-03-04");
        assert_eq!(
            allowed_actions(&r, Viewer::Leader, today, &cal),
            [
                Act::RequestCorrection,
                Act::StartConsultation,
                Act::Extend,
                Act::Answer,
                Act::Withdraw
            ]
        );
        assert_eq!(
            allowed_actions(&r, Viewer::Staff, today, &cal),
            [
                Act::RequestCorrection,
                Act::StartConsultation,
                Act::Answer,
                Act::Withdraw
            ]
        );
        assert_eq!(
            allowed_actions(&r, Viewer::Applicant, today, &cal),
            [Act::Withdraw]
        );
        // Eight working days after receipt: too late for a correction.
        let late = d("2025-03-13");
        assert!(!allowed_actions(&r, Viewer::Staff, late, &cal).contains(&Act::RequestCorrection));
        assert!(
            why_not(&r, Act::RequestCorrection, Viewer::Staff, late).contains("7 working days")
        );
        let mut asked = r.clone();
        asked.correction_requested_on = Some(today);
        assert!(
            why_not(&asked, Act::RequestCorrection, Viewer::Staff, today).contains("only once")
        );
        // An extension only once, and not after the deadline.
        let mut extended = r.clone();
        extended.extension_days = 5;
        extended.extended_on = Some(today);
        assert!(!allowed_actions(&extended, Viewer::Leader, today, &cal).contains(&Act::Extend));
        assert!(
            why_not(&extended, Act::Extend, Viewer::Leader, today).contains("already extended")
        );
        let after = r.due_on.unwrap() + chrono::Duration::days(1);
        assert!(!allowed_actions(&r, Viewer::Leader, after, &cal).contains(&Act::Extend));
        assert!(why_not(&r, Act::Extend, Viewer::Leader, after).contains("passed"));
        assert_eq!(why_not(&r, Act::Withdraw, Viewer::Staff, today), "");
        // Closed cases allow nothing.
        let closed = row(Status::Answered, "2025-03-03");
        assert!(allowed_actions(&closed, Viewer::Leader, today, &cal).is_empty());
    }

    #[test]
    fn a_correction_awaited_past_its_period_closes_only_as_correction_overdue() {
        let cal = WorkCalendar::default();
        let mut r = row(Status::AwaitingCorrection, "2025-03-03");
        r.correction_requested_on = Some(d("2025-03-04"));
        r.correction_due_on = Some(d("2025-03-25"));
        r.due_on = None;
        let within = d("2025-03-20");
        assert_eq!(
            allowed_actions(&r, Viewer::Leader, within, &cal),
            [Act::SubmitCorrection, Act::Withdraw]
        );
        assert!(why_not(&r, Act::Answer, Viewer::Leader, within).contains("2025-03-25"));
        let past = d("2025-03-26");
        assert!(allowed_actions(&r, Viewer::Leader, past, &cal).contains(&Act::Answer));
        assert!(check_answer_fits(&r, Some(Reason::CorrectionOverdue), past).is_ok());
        assert!(check_answer_fits(&r, Some(Reason::CorrectionOverdue), within).is_err());
        assert!(check_answer_fits(&r, None, past).is_err());
        let running = row(Status::Received, "2025-03-03");
        assert!(check_answer_fits(&running, Some(Reason::CorrectionOverdue), past).is_err());
        assert!(check_answer_fits(&running, Some(Reason::NotHeld), past).is_ok());
    }

    fn request(applicant: serde_json::Value) -> CreateApplicationRequest {
        let body = serde_json::json!({
            "applicant": applicant, "description": "道路工程", "delivery": "pickup"
        });
        serde_json::from_value(body).unwrap()
    }

    fn fields(result: AppResult<NewApplication>) -> Vec<String> {
        match result {
            Err(AppError::Validation(errors)) => errors.into_iter().map(|e| e.field).collect(),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn a_person_gives_an_identity_document_checked_by_its_type() {
        let today = d("2025-03-03");
        let ok = check_new(
            request(serde_json::json!({"type": "natural_person", "name": "李明",
                "id_document_type": "resident_id", "id_document_number": "11010519491231002x",
                "phone": "0533-7000000"})),
            false,
            today,
        )
        .unwrap();
        assert_eq!(
            ok.applicant.identity.as_ref().map(IdentityDocument::number),
            Some("11010519491231002X")
        );
        assert_eq!(ok.channel, Channel::Online);
        assert_eq!(ok.received_on, today);
        let passport = check_new(
            request(serde_json::json!({"type": "natural_person", "name": "李明",
                "id_document_type": "passport", "id_document_number": "e1234567", "phone": "12345"})),
            false,
            today,
        )
        .unwrap();
        assert_eq!(
            passport.applicant.identity,
            Some(IdentityDocument::Other(
                IdDocumentType::Passport,
                DocumentNumber::parse("E1234567").unwrap()
            ))
        );
        // A passport number is not a resident id, and a person has no credit code.
        assert_eq!(
            fields(check_new(
                request(serde_json::json!({"type": "natural_person", "name": "李明",
                    "id_document_type": "resident_id", "id_document_number": "E1234567",
                    "unified_social_credit_code": "91350100M000100Y43", "phone": "12345"})),
                false,
                today
            )),
            [
                "applicant.id_document_number",
                "applicant.unified_social_credit_code"
            ]
        );
        assert_eq!(
            fields(check_new(
                request(
                    serde_json::json!({"type": "natural_person", "name": "李明", "phone": "12345"})
                ),
                false,
                today
            )),
            ["applicant.id_document_type"]
        );
    }

    #[test]
    fn an_organisation_gives_its_credit_code_and_every_applicant_a_way_to_reach_them() {
        let today = d("2025-03-03");
        assert_eq!(
            fields(check_new(
                request(serde_json::json!({"type": "enterprise", "name": "某公司",
                    "id_document_type": "passport"})),
                false,
                today
            )),
            [
                "applicant.unified_social_credit_code",
                "applicant.id_document_type",
                "applicant.phone"
            ]
        );
        let mut body = request(serde_json::json!({"type": "enterprise", "name": "某公司",
            "unified_social_credit_code": "91350100M000100Y43", "phone": "12345"}));
        body.delivery = Delivery::Post;
        assert_eq!(fields(check_new(body, false, today)), ["applicant.address"]);
    }

    #[test]
    fn only_the_office_sets_the_channel_and_the_day_of_receipt() {
        let today = d("2025-03-03");
        let applicant = || ApplicantInput {
            type_: ApplicantType::Enterprise,
            name: ApplicantName::parse("某公司").unwrap(),
            id_document_type: None,
            id_document_number: None,
            unified_social_credit_code: crate::values::CreditCode::parse("91350100M000100Y43").ok(),
            phone: crate::values::Phone::parse("12345").ok(),
            email: None,
            address: None,
        };
        let paper = |channel, on| CreateApplicationRequest {
            applicant: applicant(),
            description: InformationWanted::parse("道路工程").unwrap(),
            purpose: None,
            delivery: Delivery::Pickup,
            channel,
            received_on: on,
        };
        let office = check_new(paper(None, Some(d("2025-02-28"))), true, today).unwrap();
        assert_eq!(
            (office.channel, office.received_on),
            (Channel::InPerson, d("2025-02-28"))
        );
        assert_eq!(
            fields(check_new(paper(None, Some(d("2025-03-04"))), true, today)),
            ["received_on"]
        );
        assert_eq!(
            fields(check_new(paper(None, Some(d("1989-12-29"))), true, today)),
            ["received_on"]
        );
        assert_eq!(
            fields(check_new(
                paper(Some(Channel::Letter), Some(today)),
                false,
                today
            )),
            ["channel", "received_on"]
        );
        assert!(check_new(paper(Some(Channel::Online), None), false, today).is_ok());
    }

    #[test]
    fn a_calendar_change_moves_the_deadline_and_an_awaited_correction_period() {
        let r = row(Status::Received, "2025-03-03");
        let plain = WorkCalendar::default();
        assert_eq!(recomputed_dates(&r, &[], &plain).0, Some(d("2025-03-31")));
        let holiday = WorkCalendar::new(&[d("2025-03-10")], &[]);
        assert_eq!(recomputed_dates(&r, &[], &holiday).0, Some(d("2025-04-01")));
        let mut awaiting = row(Status::AwaitingCorrection, "2025-03-03");
        awaiting.correction_requested_on = Some(d("2025-03-04"));
        awaiting.correction_days = Some(5);
        awaiting.correction_due_on = Some(d("2025-03-11"));
        assert_eq!(
            recomputed_dates(&awaiting, &[], &holiday),
            (None, Some(d("2025-03-12")))
        );
    }

    #[test]
    fn appeals_are_filed_after_receipt_and_decided_with_a_day() {
        let today = d("2025-06-01");
        let filed = d("2025-04-01");
        assert!(check_filing(filed, d("2025-03-03"), today).is_ok());
        assert!(check_filing(d("2025-03-02"), d("2025-03-03"), today).is_err());
        assert!(check_filing(d("2025-06-02"), d("2025-03-03"), today).is_err());
        let pending = (AppealResult::Pending, None);
        assert_eq!(
            decide_appeal(
                pending,
                Some(AppealResult::Upheld),
                Some(Some(d("2025-05-01"))),
                filed,
                today
            )
            .unwrap(),
            (AppealResult::Upheld, Some(d("2025-05-01")))
        );
        assert!(decide_appeal(pending, Some(AppealResult::Upheld), None, filed, today).is_err());
        assert!(
            decide_appeal(pending, None, Some(Some(d("2025-05-01"))), filed, today).is_err(),
            "a day while pending"
        );
        assert!(
            decide_appeal(
                pending,
                Some(AppealResult::Other),
                Some(Some(d("2025-03-31"))),
                filed,
                today
            )
            .is_err(),
            "before the filing"
        );
        // Back to pending clears the day; a note alone keeps both.
        let decided = (AppealResult::Corrected, Some(d("2025-05-01")));
        assert_eq!(
            decide_appeal(decided, Some(AppealResult::Pending), None, filed, today).unwrap(),
            pending
        );
        assert_eq!(
            decide_appeal(decided, None, None, filed, today).unwrap(),
            decided
        );
    }
}
