//! The vocabulary of applications: applicant types, channels, states, actions, outcomes and
//! reasons (as the annual report counts them). Stored as text; the database checks the values.

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
