//! The words and records of applications: the vocabulary (applicant types, channels, states,
//! actions, outcomes and reasons as the annual report counts them; stored as text, checked by
//! the database), the value types of the applicant's and the office's fields, the rows, and a
//! new application once its rules are checked.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::db::schema::{
    appeals, applicants, application_consultations, application_events, applications,
};
use crate::values::{CreditCode, DocumentNumber, Email, Phone, ResidentId};

text_enum! {
    /// Who applies, as the annual report's columns count applicants.
    ApplicantType {
        /// 自然人
        NaturalPerson = "natural_person",
        /// 商业企业
        Enterprise = "enterprise",
        /// 科研机构
        ResearchInstitution = "research_institution",
        /// 社会公益组织
        PublicInterestOrg = "public_interest_org",
        /// 法律服务机构
        LegalServiceOrg = "legal_service_org",
        /// 其他 (organisation)
        OtherOrg = "other_org",
    }
}

impl ApplicantType {
    pub fn is_person(self) -> bool {
        self == ApplicantType::NaturalPerson
    }
}

text_enum! {
    /// A natural person's identity document.
    IdDocumentType {
        /// 居民身份证 (18 characters, checked)
        ResidentId = "resident_id",
        Passport = "passport",
        /// 港澳居民来往内地通行证
        HkMacaoPermit = "hk_macao_permit",
        /// 台湾居民来往大陆通行证
        TaiwanPermit = "taiwan_permit",
        /// 外国人永久居留身份证
        ForeignPermanentResident = "foreign_permanent_resident",
        Other = "other",
    }
}

text_enum! {
    /// How the answer reaches the applicant.
    Delivery {
        Email = "email",
        Post = "post",
        Pickup = "pickup",
        Online = "online",
    }
}

text_enum! {
    /// How the application arrived. Self-service is `online`; the office registers the others.
    #[schema(as = ApplicationChannel)]
    Channel {
        Online = "online",
        InPerson = "in_person",
        Letter = "letter",
        RegisteredPost = "registered_post",
        Fax = "fax",
    }
}

text_enum! {
    /// Where an application stands.
    #[schema(as = ApplicationStatus)]
    Status {
        /// Being handled; the clock runs.
        Received = "received",
        /// A correction (补正) was asked for; the clock is stopped until it arrives.
        AwaitingCorrection = "awaiting_correction",
        /// A third party or another agency is consulted; the clock is stopped.
        InConsultation = "in_consultation",
        /// Staff drafted an answer; a leader approves it. The clock runs.
        AnswerDrafted = "answer_drafted",
        /// Final answer given (or closed): the case is over.
        Answered = "answered",
        /// The applicant withdrew it: the case is over.
        Withdrawn = "withdrawn",
    }
}

impl Status {
    pub const OPEN: [Status; 4] = [
        Status::Received,
        Status::AwaitingCorrection,
        Status::InConsultation,
        Status::AnswerDrafted,
    ];

    pub fn is_open(self) -> bool {
        Self::OPEN.contains(&self)
    }
}

text_enum! {
    /// A step in an application's life, each `POST /applications/{id}/<action>`.
    #[schema(as = ApplicationAction)]
    Act {
        RequestCorrection = "request-correction",
        SubmitCorrection = "submit-correction",
        StartConsultation = "start-consultation",
        EndConsultation = "end-consultation",
        Extend = "extend",
        Answer = "answer",
        ApproveAnswer = "approve-answer",
        Withdraw = "withdraw",
    }
}

text_enum! {
    /// Who is consulted (征求意见).
    ConsultationParty {
        ThirdParty = "third_party",
        OtherAgency = "other_agency",
    }
}

text_enum! {
    /// The outcome of an application, the rows of the annual report.
    Outcome {
        /// 予以公开
        Granted = "granted",
        /// 部分公开
        PartiallyGranted = "partially_granted",
        /// 不予公开
        Refused = "refused",
        /// 无法提供
        Unable = "unable",
        /// 不予处理
        NotProcessed = "not_processed",
        /// 其他处理
        Other = "other",
    }
}

text_enum! {
    /// The reason under an outcome (the annual report's sub-rows). Each belongs to one outcome.
    Reason {
        StateSecret = "state_secret",
        ProhibitedByLaw = "prohibited_by_law",
        SecurityStability = "security_stability",
        ThirdPartyRights = "third_party_rights",
        InternalAffairs = "internal_affairs",
        ProcessInformation = "process_information",
        LawEnforcementFile = "law_enforcement_file",
        AdministrativeQuery = "administrative_query",
        NotHeld = "not_held",
        NeedsCreation = "needs_creation",
        StillUnclear = "still_unclear",
        PetitionComplaint = "petition_complaint",
        RepeatApplication = "repeat_application",
        PublicPublication = "public_publication",
        ExcessiveRepeated = "excessive_repeated",
        ConfirmOrReissue = "confirm_or_reissue",
        CorrectionOverdue = "correction_overdue",
        FeeUnpaid = "fee_unpaid",
        Other = "other",
    }
}

impl Outcome {
    /// The reasons this outcome takes; empty when it takes none.
    pub fn reasons(self) -> &'static [Reason] {
        use Reason::*;
        match self {
            Outcome::Granted | Outcome::PartiallyGranted => &[],
            Outcome::Refused => &[
                StateSecret,
                ProhibitedByLaw,
                SecurityStability,
                ThirdPartyRights,
                InternalAffairs,
                ProcessInformation,
                LawEnforcementFile,
                AdministrativeQuery,
            ],
            Outcome::Unable => &[NotHeld, NeedsCreation, StillUnclear],
            Outcome::NotProcessed => &[
                PetitionComplaint,
                RepeatApplication,
                PublicPublication,
                ExcessiveRepeated,
                ConfirmOrReissue,
            ],
            Outcome::Other => &[CorrectionOverdue, FeeUnpaid, Other],
        }
    }

    /// Checks the pair: a reason is required exactly when the outcome has reasons, and must be
    /// one of them. The message names what is allowed.
    pub fn check_reason(self, reason: Option<Reason>) -> Result<(), String> {
        let allowed = self.reasons();
        let list = || {
            allowed
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        match reason {
            None if allowed.is_empty() => Ok(()),
            None => Err(format!("required for outcome {self}: one of {}", list())),
            Some(r) if allowed.is_empty() => {
                Err(format!("outcome {self} takes no reason (got {r})"))
            }
            Some(r) if !allowed.contains(&r) => Err(format!(
                "{r} is not a reason for outcome {self}: one of {}",
                list()
            )),
            Some(_) => Ok(()),
        }
    }
}

text_enum! {
    /// The kind of remedy the applicant sought.
    AppealKind {
        /// 行政复议
        Reconsideration = "reconsideration",
        /// 行政诉讼, without reconsideration first
        LitigationDirect = "litigation_direct",
        /// 行政诉讼 after reconsideration
        LitigationAfterReconsideration = "litigation_after_reconsideration",
    }
}

text_enum! {
    /// How a remedy ended, or that it has not.
    AppealResult {
        /// 结果维持
        Upheld = "upheld",
        /// 结果纠正
        Corrected = "corrected",
        /// 其他结果
        Other = "other",
        /// 尚未审结
        Pending = "pending",
    }
}

text_enum! {
    /// Who took a step of an application's timeline (`audit::Actor`'s kinds).
    ActorKind {
        User = "user",
        Token = "token",
        Anonymous = "anonymous",
        System = "system",
    }
}

text_enum! {
    /// A step on an application's timeline.
    EventAction {
        Received = "received",
        CorrectionRequested = "correction_requested",
        CorrectionSubmitted = "correction_submitted",
        ConsultationStarted = "consultation_started",
        ConsultationEnded = "consultation_ended",
        Extended = "extended",
        /// A staff member's answer, awaiting a leader's approval.
        AnswerDrafted = "answer_drafted",
        AnswerApproved = "answer_approved",
        /// A leader's answer, final at once.
        Answered = "answered",
        Withdrawn = "withdrawn",
        AppealFiled = "appeal_filed",
        AppealUpdated = "appeal_updated",
        /// A change of the working-day calendar moved the deadline.
        DeadlineRecomputed = "deadline_recomputed",
    }
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

crate::text_value! {
    /// A person's or an organisation's name.
    pub ApplicantName: Line, 1..=200;
    /// A postal address.
    pub PostalAddress: Line, 0..=500;
    /// An identity document's number as written; the document's type decides its rule.
    pub IdDocumentNumber: Line, 1..=30;
    /// The information wanted.
    pub InformationWanted: Lines, 1..=5000;
    /// What the applicant wants the information for.
    pub Purpose: Lines, 0..=1000;
    /// A note or reason given with a step of an application or an appeal.
    pub ApplicationNote: Lines, 1..=2000;
    /// The text of an answer.
    pub AnswerText: Lines, 1..=20000;
}

// Absent (with `#[serde(default)]`), a required text is empty, which its rule refuses as
// "required".
crate::text_default!(ApplicationNote, AnswerText);

/// An application row.
#[derive(Debug, Clone, Queryable, Selectable, AsChangeset)]
#[diesel(table_name = applications, treat_none_as_null = true)]
pub struct Row {
    pub id: Uuid,
    /// Assigned right after receipt commits (see `service::assign_tracking_numbers`).
    pub tracking_no: Option<String>,
    pub status: Status,
    pub applicant_type: ApplicantType,
    pub description: String,
    pub purpose: Option<String>,
    pub delivery: Delivery,
    pub channel: Channel,
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
    pub draft_outcome: Option<Outcome>,
    pub draft_reason: Option<Reason>,
    pub draft_text: Option<String>,
    pub outcome: Option<Outcome>,
    pub reason: Option<Reason>,
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
    /// A correction was asked for and has not arrived.
    pub fn awaiting_correction(&self) -> bool {
        self.correction_requested_on.is_some() && self.correction_submitted_on.is_none()
    }

    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.status.is_open() && self.due_on.is_some_and(|d| d < today)
    }
}

/// The applicant's personal data.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = applicants)]
pub struct ApplicantRow {
    pub application_id: Uuid,
    pub name: String,
    pub id_document_type: Option<IdDocumentType>,
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
    pub party: ConsultationParty,
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
    pub actor_kind: ActorKind,
    pub actor_id: Option<Uuid>,
    /// The role of a user actor (`auth::Role`'s text).
    pub actor_role: Option<String>,
    pub action: EventAction,
    pub status_before: Option<Status>,
    pub status_after: Status,
    pub due_before: Option<NaiveDate>,
    pub due_after: Option<NaiveDate>,
    pub details: serde_json::Value,
}

/// A reconsideration or lawsuit about an application.
// The row is what callers see of it: one type for both.
#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize, utoipa::ToSchema)]
#[diesel(table_name = appeals)]
#[schema(example = json!({"id": "5c1f0e7a-9d1b-4c6e-8f0a-2b3c4d5e6f70", "application_id": "0f8d6a52-1c1e-4d5e-9a55-0b6b7d0f2a11",
    "kind": "reconsideration", "filed_on": "2025-12-01", "result": "pending", "decided_on": null, "note": null,
    "created_at": "2025-12-02T01:00:00Z", "updated_at": "2025-12-02T01:00:00Z"}))]
pub struct Appeal {
    pub id: Uuid,
    pub application_id: Uuid,
    pub kind: AppealKind,
    pub filed_on: NaiveDate,
    /// `pending` until decided.
    pub result: AppealResult,
    pub decided_on: Option<NaiveDate>,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A timeline entry to write.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = application_events)]
pub struct NewEvent {
    pub application_id: Uuid,
    pub actor_kind: ActorKind,
    pub actor_id: Option<Uuid>,
    /// The role of a user actor (`auth::Role`'s text).
    pub actor_role: Option<&'static str>,
    pub action: EventAction,
    pub status_before: Option<Status>,
    pub status_after: Status,
    pub due_before: Option<NaiveDate>,
    pub due_after: Option<NaiveDate>,
    pub details: serde_json::Value,
}

impl NewEvent {
    /// The entry as the database holds it once written with `id` at `at`.
    pub fn written(self, id: i64, at: DateTime<Utc>) -> EventRow {
        EventRow {
            id,
            application_id: self.application_id,
            at,
            actor_kind: self.actor_kind,
            actor_id: self.actor_id,
            actor_role: self.actor_role.map(str::to_owned),
            action: self.action,
            status_before: self.status_before,
            status_after: self.status_after,
            due_before: self.due_before,
            due_after: self.due_after,
            details: self.details,
        }
    }
}

/// Everything an application's view is made of.
pub struct Parts {
    pub row: Row,
    pub applicant: ApplicantRow,
    pub consultations: Vec<Consultation>,
    pub events: Vec<EventRow>,
    pub appeals: Vec<Appeal>,
}

/// A natural person's identity document, checked by its type's rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentityDocument {
    ResidentId(ResidentId),
    Other(IdDocumentType, DocumentNumber),
}

impl IdentityDocument {
    pub fn kind(&self) -> IdDocumentType {
        match self {
            IdentityDocument::ResidentId(_) => IdDocumentType::ResidentId,
            IdentityDocument::Other(kind, _) => *kind,
        }
    }

    pub fn number(&self) -> &str {
        match self {
            IdentityDocument::ResidentId(n) => n,
            IdentityDocument::Other(_, n) => n,
        }
    }
}

/// A validated applicant: a natural person with an identity document, or an organisation
/// with its credit code; at least one way to reach them.
#[derive(Debug, Clone)]
pub struct NewApplicant {
    pub name: ApplicantName,
    pub identity: Option<IdentityDocument>,
    pub credit_code: Option<CreditCode>,
    pub phone: Option<Phone>,
    pub email: Option<Email>,
    pub address: Option<PostalAddress>,
}

/// A validated new application.
#[derive(Debug, Clone)]
pub struct NewApplication {
    pub applicant_type: ApplicantType,
    pub applicant: NewApplicant,
    pub description: InformationWanted,
    pub purpose: Option<Purpose>,
    pub delivery: Delivery,
    pub channel: Channel,
    pub received_on: NaiveDate,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_belongs_to_exactly_one_outcome() {
        for r in Reason::ALL {
            let owners: Vec<_> = Outcome::ALL
                .iter()
                .filter(|o| o.reasons().contains(r))
                .collect();
            assert_eq!(owners.len(), 1, "{r}");
        }
    }

    #[test]
    fn reasons_are_checked_against_their_outcome() {
        assert!(Outcome::Granted.check_reason(None).is_ok());
        assert!(
            Outcome::Granted
                .check_reason(Some(Reason::NotHeld))
                .is_err()
        );
        assert!(Outcome::Refused.check_reason(None).is_err());
        assert!(
            Outcome::Refused
                .check_reason(Some(Reason::StateSecret))
                .is_ok()
        );
        assert!(
            Outcome::Refused
                .check_reason(Some(Reason::NotHeld))
                .is_err()
        );
        assert!(Outcome::Other.check_reason(Some(Reason::Other)).is_ok());
        assert!(
            Outcome::Unable
                .check_reason(Some(Reason::FeeUnpaid))
                .unwrap_err()
                .contains("not_held")
        );
    }

    #[test]
    fn text_round_trips() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(*s));
        }
        assert_eq!(
            serde_json::to_string(&Act::ApproveAnswer).unwrap(),
            "\"approve-answer\""
        );
    }
}
