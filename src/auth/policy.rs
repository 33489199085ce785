//! The role policy: who may call each operation. This table is the one place where access is
//! decided; each handler's first line asks it (`caller.require(Action::…)`). The README's
//! permission matrix and the OpenAPI document's `x-permitted-roles` are generated from it, and a
//! table-driven test calls every operation as every role.

text_enum! {
    /// A user's role.
    Role {
        /// The leading group (领导小组): approves and publishes, manages accounts, sees everything.
        Leader = "leader",
        /// The disclosure office (政务公开办公室): the daily work.
        Staff = "staff",
        /// A registered citizen or organisation: reads, applies, follows its own cases.
        Public = "public",
    }
}

text_enum! {
    /// What an integration token may do.
    Scope {
        StatsRead = "stats:read",
        ItemsRead = "items:read",
        ItemsWrite = "items:write",
        ApplicationsWrite = "applications:write",
    }
}

/// Who may call an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    /// Anyone, signed in or not.
    Anyone,
    /// Signed-in users with one of these roles (and tokens with `Rule::scope`, if any).
    Roles(&'static [Role]),
}

/// One row of the policy.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub action: Action,
    /// The OpenAPI `operationId` (the handler's name).
    pub operation_id: &'static str,
    pub who: Who,
    /// An integration token with this scope may call it too.
    pub scope: Option<Scope>,
    /// What the callers see, where it depends on who they are.
    pub note: &'static str,
}

const LEADER: &[Role] = &[Role::Leader];
const OFFICE: &[Role] = &[Role::Leader, Role::Staff];
const USERS: &[Role] = &[Role::Leader, Role::Staff, Role::Public];

macro_rules! policy {
    ($($action:ident, $op:literal, $who:expr, $scope:expr, $note:literal;)*) => {
        /// Every operation of the API.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Action { $($action),* }

        /// The policy table, one row per operation.
        pub const RULES: &[Rule] = &[
            $(Rule { action: Action::$action, operation_id: $op, who: $who, scope: $scope, note: $note }),*
        ];
    };
}

policy! {
    Healthz, "healthz", Who::Anyone, None, "";
    Readyz, "readyz", Who::Anyone, None, "";
    Metrics, "metrics", Who::Anyone, None, "restrict by network in production";
    OpenApi, "openapi_json", Who::Anyone, None, "";
    Login, "login", Who::Anyone, None, "throttled per address and username";
    Refresh, "refresh", Who::Anyone, None, "needs a refresh token";
    Logout, "logout", Who::Anyone, None, "needs a refresh token";
    Register, "register", Who::Anyone, None, "creates a `public` account";
    GetMe, "get_me", Who::Roles(USERS), None, "";
    ChangeOwnPassword, "change_own_password", Who::Roles(USERS), None, "";
    ListUsers, "list_users", Who::Roles(LEADER), None, "";
    CreateUser, "create_user", Who::Roles(LEADER), None, "";
    GetUser, "get_user", Who::Roles(LEADER), None, "";
    UpdateUser, "update_user", Who::Roles(LEADER), None, "";
    ListTokens, "list_tokens", Who::Roles(LEADER), None, "";
    CreateToken, "create_token", Who::Roles(LEADER), None, "";
    RevokeToken, "revoke_token", Who::Roles(LEADER), None, "";
    ListAudit, "list_audit", Who::Roles(LEADER), None, "";
    // calendar
    GetCalendar, "get_calendar", Who::Anyone, None, "";
    PutCalendar, "put_calendar", Who::Roles(OFFICE), None, "recomputes open deadlines";
    // items (issue 4)
    ListItems, "list_items", Who::Anyone, None, "the public sees published items; the office and `items:*` tokens see all";
    GetItem, "get_item", Who::Anyone, None, "unpublished items: the office and `items:*` tokens only";
    CreateItem, "create_item", Who::Roles(OFFICE), Some(Scope::ItemsWrite), "creates a draft";
    UpdateItem, "update_item", Who::Roles(OFFICE), Some(Scope::ItemsWrite), "published items: leaders only";
    DeleteItem, "delete_item", Who::Roles(OFFICE), Some(Scope::ItemsWrite), "drafts only";
    GetItemHistory, "get_item_history", Who::Roles(OFFICE), Some(Scope::ItemsRead), "";
    SubmitItem, "submit_item", Who::Roles(OFFICE), Some(Scope::ItemsWrite), "";
    PublishItem, "publish_item", Who::Roles(LEADER), None, "confidentiality review";
    RejectItem, "reject_item", Who::Roles(LEADER), None, "";
    WithdrawItem, "withdraw_item", Who::Roles(LEADER), None, "";
    ImportItems, "import_items", Who::Roles(LEADER), None, "";
    UploadAttachment, "upload_attachment", Who::Roles(OFFICE), Some(Scope::ItemsWrite), "published items: leaders only";
    GetAttachment, "get_attachment", Who::Anyone, None, "as the item";
    DeleteAttachment, "delete_attachment", Who::Roles(OFFICE), Some(Scope::ItemsWrite), "published items: leaders only";
    ItemsFeed, "items_feed", Who::Anyone, None, "";
    GetGuide, "get_guide", Who::Anyone, None, "";
    PutGuide, "put_guide", Who::Roles(LEADER), None, "";
    // applications (issue 5)
    CreateApplication, "create_application", Who::Anyone, Some(Scope::ApplicationsWrite), "tokens need the scope; anonymous and `public` callers are throttled per address";
    ListApplications, "list_applications", Who::Roles(USERS), None, "`public`: their own";
    GetApplication, "get_application", Who::Anyone, None, "the office, the owner, or with its `X-Access-Code`; 404 otherwise";
    RequestCorrection, "request_correction", Who::Roles(OFFICE), None, "once, within 7 working days of receipt";
    SubmitCorrection, "submit_correction", Who::Anyone, None, "the applicant (owner or `X-Access-Code`) or the office";
    StartConsultation, "start_consultation", Who::Roles(OFFICE), None, "";
    EndConsultation, "end_consultation", Who::Roles(OFFICE), None, "";
    ExtendApplication, "extend_application", Who::Roles(LEADER), None, "once, before the deadline";
    AnswerApplication, "answer_application", Who::Roles(OFFICE), None, "staff: a draft; leader: final";
    ApproveAnswer, "approve_answer", Who::Roles(LEADER), None, "";
    WithdrawApplication, "withdraw_application", Who::Anyone, None, "the applicant (owner or `X-Access-Code`) or the office";
    CreateAppeal, "create_appeal", Who::Roles(OFFICE), None, "";
    UpdateAppeal, "update_appeal", Who::Roles(OFFICE), None, "";
    // feedback (issue 6)
    CreateFeedback, "create_feedback", Who::Anyone, None, "the public is throttled per address";
    ListFeedback, "list_feedback", Who::Roles(USERS), None, "office: all, phone masked; public: own entries";
    ListPublicFeedback, "list_public_feedback", Who::Anyone, None, "published entries, no personal data";
    GetFeedback, "get_feedback", Who::Anyone, None, "office; the submitter (account or `X-Access-Code`) without notes";
    AssignFeedback, "assign_feedback", Who::Roles(OFFICE), None, "";
    StartFeedback, "start_feedback", Who::Roles(OFFICE), None, "";
    ReplyFeedback, "reply_feedback", Who::Roles(OFFICE), None, "";
    CloseFeedback, "close_feedback", Who::Roles(OFFICE), None, "";
    ReopenFeedback, "reopen_feedback", Who::Roles(OFFICE), None, "";
    AddFeedbackNote, "add_feedback_note", Who::Roles(OFFICE), None, "internal, never shown to the submitter";
    RateFeedback, "rate_feedback", Who::Anyone, None, "the submitter, once, after the reply";
    PublishFeedback, "publish_feedback", Who::Roles(LEADER), None, "";
    UnpublishFeedback, "unpublish_feedback", Who::Roles(LEADER), None, "";
    // statistics and reports (issue 7)
    GetStats, "get_stats", Who::Anyone, None, "integrations may use a `stats:read` token";
    GetStatsCsv, "get_stats_csv", Who::Anyone, None, "";
    ListStats, "list_stats", Who::Anyone, None, "the district's pull";
    ListStatsCsv, "list_stats_csv", Who::Anyone, None, "";
    PutManualStats, "put_manual_stats", Who::Roles(OFFICE), None, "table 2 figures";
    GetReportDraft, "get_report_draft", Who::Roles(OFFICE), None, "";
    PutReportDraft, "put_report_draft", Who::Roles(OFFICE), None, "";
    PublishReport, "publish_report", Who::Roles(LEADER), None, "freezes the figures";
    GetReport, "get_report", Who::Anyone, None, "published versions only";
}

impl Action {
    pub fn rule(self) -> &'static Rule {
        RULES
            .iter()
            .find(|r| r.action == self)
            .expect("every action has a rule")
    }
}

/// Whether a principal of this kind may call the action: `Ok`, or the refusal.
#[derive(Debug, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// Not signed in: 401.
    Unauthenticated,
    /// Signed in without the right: 403.
    Deny,
}

/// The decision for a user (`Some(role)`), an integration token (`scopes`), or nobody.
pub fn decide(action: Action, role: Option<Role>, token_scopes: Option<&[Scope]>) -> Decision {
    let rule = action.rule();
    match rule.who {
        Who::Anyone => Decision::Allow,
        Who::Roles(roles) => match (role, token_scopes) {
            (Some(r), _) if roles.contains(&r) => Decision::Allow,
            (Some(_), _) => Decision::Deny,
            (None, Some(scopes)) => match rule.scope {
                Some(s) if scopes.contains(&s) => Decision::Allow,
                _ => Decision::Deny,
            },
            (None, None) => Decision::Unauthenticated,
        },
    }
}

/// The matrix as Markdown, for the README (a test keeps the README in step).
pub fn markdown_matrix() -> String {
    let mut out = String::from(
        "| operation | anonymous | public | staff | leader | token scope | note |\n|---|---|---|---|---|---|---|\n",
    );
    for rule in RULES {
        let cell = |allowed: bool| if allowed { "yes" } else { "–" };
        let (anon, roles): (bool, Vec<bool>) = match rule.who {
            Who::Anyone => (true, vec![true; 3]),
            Who::Roles(rs) => (
                false,
                [Role::Public, Role::Staff, Role::Leader]
                    .iter()
                    .map(|r| rs.contains(r))
                    .collect(),
            ),
        };
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {} | {} |\n",
            rule.operation_id,
            cell(anon),
            cell(roles[0]),
            cell(roles[1]),
            cell(roles[2]),
            rule.scope
                .map_or("–".to_owned(), |s| format!("`{}`", s.as_str())),
            rule.note
        ));
    }
    out
}

/// The roles (and `anonymous`) that may call an operation, for the OpenAPI document.
pub fn permitted(rule: &Rule) -> Vec<&'static str> {
    match rule.who {
        Who::Anyone => vec!["anonymous", "public", "staff", "leader"],
        Who::Roles(rs) => rs.iter().map(|r| r.as_str()).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_ids_are_unique() {
        let mut ids: Vec<_> = RULES.iter().map(|r| r.operation_id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), RULES.len());
    }

    #[test]
    fn decisions() {
        use Decision::*;
        assert_eq!(decide(Action::ListUsers, None, None), Unauthenticated);
        assert_eq!(decide(Action::ListUsers, Some(Role::Staff), None), Deny);
        assert_eq!(decide(Action::ListUsers, Some(Role::Leader), None), Allow);
        assert_eq!(decide(Action::Healthz, None, None), Allow);
        assert_eq!(decide(Action::ListUsers, None, Some(Scope::ALL)), Deny);
        assert_eq!(decide(Action::GetMe, Some(Role::Public), None), Allow);
        assert_eq!(decide(Action::GetMe, None, Some(Scope::ALL)), Deny);
    }
}
