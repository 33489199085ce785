//! The role policy: who may call each operation. This table is the one place where access is
//! decided; each handler's first line asks it (`caller.require(Action::…)`). The README's
//! permission matrix and the OpenAPI document's `x-permitted-roles` are generated from it, and a
//! table-driven test calls every operation as every role.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A user's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The leading group (领导小组): approves and publishes, manages accounts, sees everything.
    Leader,
    /// The disclosure office (政务公开办公室): the daily work.
    Staff,
    /// A registered citizen or organisation: reads, applies, follows its own cases.
    Public,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Leader, Role::Staff, Role::Public];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Leader => "leader",
            Role::Staff => "staff",
            Role::Public => "public",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// What an integration token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub enum Scope {
    #[serde(rename = "stats:read")]
    StatsRead,
    #[serde(rename = "items:read")]
    ItemsRead,
    #[serde(rename = "items:write")]
    ItemsWrite,
    #[serde(rename = "applications:write")]
    ApplicationsWrite,
}

impl Scope {
    pub const ALL: [Scope; 4] = [
        Scope::StatsRead,
        Scope::ItemsRead,
        Scope::ItemsWrite,
        Scope::ApplicationsWrite,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::StatsRead => "stats:read",
            Scope::ItemsRead => "items:read",
            Scope::ItemsWrite => "items:write",
            Scope::ApplicationsWrite => "applications:write",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|r| r.as_str() == s)
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
        assert_eq!(decide(Action::ListUsers, None, Some(&Scope::ALL)), Deny);
        assert_eq!(decide(Action::GetMe, Some(Role::Public), None), Allow);
        assert_eq!(decide(Action::GetMe, None, Some(&Scope::ALL)), Deny);
    }
}
