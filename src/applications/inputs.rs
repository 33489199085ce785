//! What callers send: the bodies of a new application, of each action and of appeals, and the
//! list's query parameters. Each field is a value type or a vocabulary, so the extractors name
//! every bad field at once; what depends on several fields (a person's identity document, an
//! organisation's credit code, the channel only the office sets) is checked by `rules`.

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer};
use utoipa::{IntoParams, ToSchema};

use super::deadline::MAX_EXTENSION_DAYS;
use super::model::{
    AnswerText, AppealKind, AppealResult, ApplicantName, ApplicantType, ApplicationNote, Channel,
    ConsultationParty, Delivery, IdDocumentNumber, IdDocumentType, InformationWanted, Outcome,
    PostalAddress, Purpose, Reason, Status,
};
use crate::values::{CalendarYear, CreditCode, Email, Phone, blank_as_none};

/// The applicant of a new application.
// Blank optional fields (`""`, spaces) mean "not given", as on a paper form.
#[derive(Debug, Deserialize, ToSchema, garde::Validate)]
#[serde(deny_unknown_fields)]
pub struct ApplicantInput {
    #[serde(rename = "type")]
    #[garde(skip)]
    pub type_: ApplicantType,
    /// A person's name or an organisation's name.
    #[garde(dive)]
    pub name: ApplicantName,
    /// Required for a natural person.
    #[garde(skip)]
    pub id_document_type: Option<IdDocumentType>,
    /// Required for a natural person; a resident identity number is checked (18 characters,
    /// ISO 7064 MOD 11-2 check character).
    #[serde(default, deserialize_with = "blank_as_none")]
    #[garde(dive)]
    pub id_document_number: Option<IdDocumentNumber>,
    /// Required for an organisation (18 characters, GB 32100 check character).
    #[serde(default, deserialize_with = "blank_as_none")]
    #[garde(dive)]
    pub unified_social_credit_code: Option<CreditCode>,
    /// At least one of phone, e-mail and address.
    #[serde(default, deserialize_with = "blank_as_none")]
    #[garde(dive)]
    pub phone: Option<Phone>,
    /// Required for delivery by e-mail.
    #[serde(default, deserialize_with = "blank_as_none")]
    #[garde(dive)]
    pub email: Option<Email>,
    /// Required for delivery by post.
    #[serde(default, deserialize_with = "blank_as_none")]
    #[garde(dive)]
    pub address: Option<PostalAddress>,
}

/// A new application for disclosure.
#[derive(Debug, Deserialize, ToSchema, garde::Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "applicant": {"type": "natural_person", "name": "李明", "id_document_type": "resident_id",
                  "id_document_number": "11010519491231002X", "phone": "0533-7000000", "email": "li.ming@example.cn"},
    "description": "2025年朱台镇农村道路改造工程的招标文件",
    "purpose": "了解本村道路工程情况",
    "delivery": "email"
}))]
pub struct CreateApplicationRequest {
    #[garde(dive)]
    pub applicant: ApplicantInput,
    /// The information wanted, 1 to 5,000 characters.
    #[garde(dive)]
    pub description: InformationWanted,
    /// Optional, up to 1,000 characters.
    #[serde(default, deserialize_with = "blank_as_none")]
    #[garde(dive)]
    pub purpose: Option<Purpose>,
    #[garde(skip)]
    pub delivery: Delivery,
    /// Office only (a paper application): `in_person` (the default), `letter`,
    /// `registered_post`, `fax` or `online`. Self-service applications are `online`.
    #[garde(skip)]
    pub channel: Option<Channel>,
    /// Office only: the day the paper application was received (not in the future; default
    /// today). Self-service applications are received today, in the agency's time zone.
    #[garde(skip)]
    pub received_on: Option<NaiveDate>,
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

/// The widest `due_soon` view, in working days.
pub const MAX_DUE_SOON_DAYS: u32 = 60;

/// Filters of the application list.
#[derive(Debug, Deserialize, IntoParams, garde::Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ApplicationQuery {
    #[garde(skip)]
    pub status: Option<Status>,
    #[garde(skip)]
    pub applicant_type: Option<ApplicantType>,
    /// Received in this calendar year.
    #[param(value_type = Option<i32>)]
    #[garde(dive)]
    pub year: Option<CalendarYear>,
    /// `true`: open and past their deadline (the office's daily check); `false`: the others.
    #[garde(skip)]
    pub overdue: Option<bool>,
    /// Deadline before this day (exclusive).
    #[garde(skip)]
    pub due_before: Option<NaiveDate>,
    /// The `due_soon` view: open, deadline from today to N working days from today (0 to 60).
    #[garde(custom(|n: &Option<u32>, _: &()| within(n.unwrap_or(0), 0, MAX_DUE_SOON_DAYS, "working days, 0 to 60")))]
    pub due_soon: Option<u32>,
    /// `due_on` (default), `-due_on`, `received_on`, `-received_on`, `tracking_no`.
    #[param(value_type = Option<Sort>)]
    #[garde(skip)]
    pub sort: Option<Sort>,
    /// Page number, from 1.
    #[garde(skip)]
    pub page: Option<i64>,
    /// Items per page, 1 to 100 (default 20).
    #[garde(skip)]
    pub per_page: Option<i64>,
}

/// A number of days within its bounds, or the rule's words.
fn within(n: u32, min: u32, max: u32, rule: &'static str) -> garde::Result {
    if (min..=max).contains(&n) {
        Ok(())
    } else {
        Err(garde::Error::new(rule))
    }
}

/// The working days an applicant gets for a correction when the office names none.
pub const DEFAULT_CORRECTION_DAYS: u32 = 15;

/// Asks the applicant to correct or complete the application (补正).
#[derive(Debug, Deserialize, ToSchema, garde::Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"note": "请说明所需信息的具体年份和工程名称", "days": 15}))]
pub struct RequestCorrectionBody {
    /// What to correct or add, up to 2,000 characters (required).
    #[serde(default)]
    #[schema(required = true)]
    #[garde(dive)]
    pub note: ApplicationNote,
    /// Working days the applicant has, 1 to 30 (default 15).
    #[garde(custom(|d: &Option<u32>, _: &()| within(d.unwrap_or(DEFAULT_CORRECTION_DAYS), 1, 30, "1 to 30 working days")))]
    pub days: Option<u32>,
}

/// The applicant's correction.
#[derive(Debug, Default, Deserialize, ToSchema, garde::Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"description": "2025年朱台镇X村道路改造工程的招标文件和中标公告", "note": "补充了工程名称"}))]
pub struct SubmitCorrectionBody {
    /// The corrected description of the information wanted (replaces the old one, which stays
    /// on the timeline).
    #[serde(default, deserialize_with = "blank_as_none")]
    #[garde(dive)]
    pub description: Option<InformationWanted>,
    #[serde(default, deserialize_with = "blank_as_none")]
    #[garde(dive)]
    pub note: Option<ApplicationNote>,
    /// Office only: the day a paper correction arrived (default today).
    #[garde(skip)]
    pub received_on: Option<NaiveDate>,
}

/// A consultation to start.
#[derive(Debug, Deserialize, ToSchema, garde::Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"party": "third_party", "note": "涉及中标企业商业信息,征求其意见"}))]
pub struct StartConsultationBody {
    #[garde(skip)]
    pub party: ConsultationParty,
    #[serde(default, deserialize_with = "blank_as_none")]
    #[garde(dive)]
    pub note: Option<ApplicationNote>,
}

/// An optional note.
#[derive(Debug, Default, Deserialize, ToSchema, garde::Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"note": "第三方已书面答复"}))]
pub struct NoteBody {
    #[serde(default, deserialize_with = "blank_as_none")]
    #[garde(dive)]
    pub note: Option<ApplicationNote>,
}

/// An extension.
#[derive(Debug, Deserialize, ToSchema, garde::Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"days": 20, "reason": "所需信息涉及多个部门,需协调汇总"}))]
pub struct ExtendBody {
    /// Working days to add, 1 to 20.
    #[garde(custom(|d: &u32, _: &()| within(*d, 1, MAX_EXTENSION_DAYS, "1 to 20 working days")))]
    pub days: u32,
    /// Why (the applicant is told), 1 to 2,000 characters (required).
    #[serde(default)]
    #[schema(required = true)]
    #[garde(dive)]
    pub reason: ApplicationNote,
}

/// An answer.
#[derive(Debug, Deserialize, ToSchema, garde::Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"outcome": "refused", "reason": "third_party_rights", "text": "经征求第三方意见……决定不予公开。"}))]
pub struct AnswerBody {
    #[garde(skip)]
    pub outcome: Outcome,
    /// Required for `refused`, `unable`, `not_processed` and `other`, one of that outcome's
    /// reasons; absent for `granted` and `partially_granted`.
    #[garde(custom(|reason: &Option<Reason>, _: &()| self.outcome.check_reason(*reason).map_err(garde::Error::new)))]
    pub reason: Option<Reason>,
    /// The answer's text, 1 to 20,000 characters (required).
    #[serde(default)]
    #[schema(required = true)]
    #[garde(dive)]
    pub text: AnswerText,
}

/// A withdrawal.
#[derive(Debug, Default, Deserialize, ToSchema, garde::Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "已通过其他途径获得"}))]
pub struct WithdrawBody {
    #[serde(default, deserialize_with = "blank_as_none")]
    #[garde(dive)]
    pub reason: Option<ApplicationNote>,
}

/// A new appeal.
#[derive(Debug, Deserialize, ToSchema, garde::Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "reconsideration", "filed_on": "2025-12-01"}))]
pub struct CreateAppealBody {
    #[garde(skip)]
    pub kind: AppealKind,
    /// The day it was filed: from the application's receipt to today.
    #[garde(skip)]
    pub filed_on: NaiveDate,
    #[serde(default, deserialize_with = "blank_as_none")]
    #[garde(dive)]
    pub note: Option<ApplicationNote>,
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
#[derive(Debug, Deserialize, ToSchema, garde::Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"result": "upheld", "decided_on": "2026-02-10"}))]
pub struct UpdateAppealBody {
    #[garde(skip)]
    pub result: Option<AppealResult>,
    /// Required with a result other than `pending`; empty for `pending`.
    #[serde(default, deserialize_with = "absent_or_null")]
    #[schema(value_type = Option<NaiveDate>)]
    #[garde(skip)]
    pub decided_on: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "blank_as_none")]
    #[garde(dive)]
    pub note: Option<ApplicationNote>,
}
