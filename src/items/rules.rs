//! The catalogue's rules, without I/O: who sees what, what each status allows, where each
//! action leads, what an edit changes, and how long a response may be cached.

use super::model::{Act, Change, Fields, ItemChanges, ItemPublisher, Status};
use crate::auth::{Role, Scope};
use crate::caller::Caller;
use crate::error::{AppError, AppResult};
use crate::values::Invalid;

/// What may be done to an item in a status.
pub fn allowed_actions(status: Status) -> &'static [Act] {
    match status {
        Status::Draft => &[
            Act::Edit,
            Act::Submit,
            Act::Publish,
            Act::Delete,
            Act::Attach,
        ],
        Status::PendingReview => &[Act::Edit, Act::Publish, Act::Reject, Act::Attach],
        Status::Published => &[Act::Edit, Act::Withdraw, Act::Attach],
        Status::Withdrawn => &[],
    }
}

/// 409 unless the item's status allows `act`.
pub fn ensure_allowed(act: Act, status: Status) -> AppResult<()> {
    crate::workflow::ensure_allowed(
        act,
        allowed_actions(status),
        || format!("the item is {status}"),
        String::new,
    )
}

/// Where a workflow step leads (from any status that allows it), and how its revision is
/// named. `None` for the actions that keep the status.
pub fn step(act: Act) -> Option<(Status, Change)> {
    match act {
        Act::Submit => Some((Status::PendingReview, Change::Submitted)),
        Act::Publish => Some((Status::Published, Change::Published)),
        Act::Reject => Some((Status::Draft, Change::Rejected)),
        Act::Withdraw => Some((Status::Withdrawn, Change::Withdrawn)),
        Act::Edit | Act::Delete | Act::Attach => None,
    }
}

/// Whether the caller sees unpublished items: the office, and integration tokens with
/// `items:read` or `items:write`. Everyone else sees published items only.
pub fn sees_all(caller: &Caller) -> bool {
    match caller {
        Caller::User(u) => matches!(u.role, Role::Staff | Role::Leader),
        Caller::Token(t) => t
            .scopes
            .iter()
            .any(|s| matches!(s, Scope::ItemsRead | Scope::ItemsWrite)),
        Caller::Anonymous => false,
    }
}

/// Whether the caller may see an item in `status`.
pub fn visible(caller: &Caller, status: Status) -> bool {
    status == Status::Published || sees_all(caller)
}

/// Only leaders change what is already public (it passed their confidentiality review): 403
/// for anyone else.
pub fn ensure_may_change(caller: &Caller, status: Status) -> AppResult<()> {
    if status == Status::Published && caller.role() != Some(Role::Leader) {
        return Err(AppError::Forbidden(
            "only a leader may change a published item".into(),
        ));
    }
    Ok(())
}

/// Applies changes to an item's fields: the new fields and the names of those that changed.
pub fn apply(old: &Fields, c: ItemChanges) -> (Fields, Vec<&'static str>) {
    let mut n = old.clone();
    if let Some(v) = c.title {
        n.title = v;
    }
    if let Some(v) = c.summary {
        n.summary = v;
    }
    if let Some(v) = c.body {
        n.body = v;
    }
    if let Some(v) = c.category {
        n.category = v;
    }
    if let Some(v) = c.publisher {
        n.publisher = v;
    }
    if let Some(v) = c.doc_no {
        n.doc_no = v;
    }
    if let Some(v) = c.written_on {
        n.written_on = v;
    }
    if let Some(v) = c.validity {
        n.validity = v;
    }
    if let Some(v) = c.keywords {
        n.keywords = v;
    }
    let o = old;
    let changed = [
        ("title", o.title != n.title),
        ("summary", o.summary != n.summary),
        ("body", o.body != n.body),
        ("category", o.category != n.category),
        ("publisher", o.publisher != n.publisher),
        ("doc_no", o.doc_no != n.doc_no),
        ("written_on", o.written_on != n.written_on),
        ("validity", o.validity != n.validity),
        ("keywords", o.keywords != n.keywords),
    ]
    .into_iter()
    .filter_map(|(name, differs)| differs.then_some(name))
    .collect();
    (n, changed)
}

/// The publisher of items that name none: the agency.
pub fn default_publisher(agency_name: &str) -> Result<ItemPublisher, Invalid> {
    ItemPublisher::parse(agency_name)
}

/// The index number for `number` in `year`.
pub fn format_index_no(agency_code: &str, year: i32, number: i32) -> String {
    format!(
        "{agency_code}/{}",
        crate::db::counters::format_yearly(year, number)
    )
}

/// Shared caches may keep public reads this long.
pub const PUBLIC_CACHE: &str = "public, max-age=60";
/// Signed-in reads are kept by nobody.
pub const PRIVATE_CACHE: &str = "private, no-store";

/// The `Cache-Control` of a read: shared caches may keep what anonymous callers see of the
/// public catalogue; signed-in views are private.
pub fn cache_control(caller: &Caller, public_content: bool) -> &'static str {
    if matches!(caller, Caller::Anonymous) && public_content {
        PUBLIC_CACHE
    } else {
        PRIVATE_CACHE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_step_is_allowed_exactly_where_it_leads_somewhere() {
        use Status::*;
        for status in Status::ALL {
            for act in [Act::Submit, Act::Publish, Act::Reject, Act::Withdraw] {
                assert!(step(act).is_some());
                let allowed = allowed_actions(*status).contains(&act);
                let expected = matches!(
                    (act, status),
                    (Act::Submit, Draft)
                        | (Act::Publish, Draft | PendingReview)
                        | (Act::Reject, PendingReview)
                        | (Act::Withdraw, Published)
                );
                assert_eq!(allowed, expected, "{act} from {status}");
            }
        }
        assert_eq!(step(Act::Submit).unwrap().0, PendingReview);
        assert_eq!(step(Act::Publish).unwrap().0, Published);
        assert_eq!(step(Act::Reject).unwrap().0, Draft);
        assert_eq!(step(Act::Withdraw).unwrap().0, Withdrawn);
        assert!(allowed_actions(Withdrawn).is_empty());
    }

    #[test]
    fn refusals_list_what_is_allowed() {
        let err = ensure_allowed(Act::Reject, Status::Draft).unwrap_err();
        let p = err.to_problem();
        assert_eq!(p.status, 409);
        assert_eq!(
            p.allowed_actions,
            Some(
                ["edit", "submit", "publish", "delete", "attach"]
                    .map(String::from)
                    .to_vec()
            )
        );
        assert!(ensure_allowed(Act::Delete, Status::Draft).is_ok());
    }

    #[test]
    fn only_published_items_are_public_and_cached() {
        assert!(visible(&Caller::Anonymous, Status::Published));
        assert!(!visible(&Caller::Anonymous, Status::Withdrawn));
        assert_eq!(cache_control(&Caller::Anonymous, true), PUBLIC_CACHE);
        assert_eq!(cache_control(&Caller::Anonymous, false), PRIVATE_CACHE);
    }

    #[test]
    fn edits_name_the_fields_they_change() {
        let old: super::super::model::NewItem = serde_json::from_value(serde_json::json!({
            "title": "标题", "category": "work", "doc_no": "朱政发〔2009〕12号",
        }))
        .unwrap();
        let old = Fields::from_new(old, default_publisher("朱台镇人民政府").unwrap());
        let changes: ItemChanges = serde_json::from_value(serde_json::json!({
            "title": "标题", "doc_no": null, "validity": "repealed",
        }))
        .unwrap();
        let (new, changed) = apply(&old, changes);
        assert_eq!(changed, ["doc_no", "validity"]);
        assert_eq!(new.doc_no, None);
        assert_eq!(new.publisher.as_str(), "朱台镇人民政府");
    }
}
