//! The audit log in the database: appended to, and read by leaders.

use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::result::Error;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::model::{AuditEntry, AuditQuery, NewEntry};
use crate::db::schema::audit_log;
use crate::pagination::Paging;

/// Appends one entry (`conn` may be a shared `&AsyncPgConnection`, to pipeline it with the
/// change's other statements).
pub async fn insert<C>(conn: &mut C, entry: NewEntry<'_>) -> Result<(), Error>
where
    C: diesel_async::AsyncConnectionCore<Backend = Pg> + Send,
{
    diesel::insert_into(audit_log::table)
        .values(entry)
        .execute(conn)
        .await
        .map(|_| ())
}

/// A page of the entries the query selects, newest first, and how many it selects in all.
pub async fn list(
    conn: &mut AsyncPgConnection,
    query: &AuditQuery,
    paging: Paging,
) -> Result<(Vec<AuditEntry>, i64), Error> {
    let filtered = || {
        let mut q = audit_log::table.into_boxed::<Pg>();
        if let Some(a) = query.actor_id {
            q = q.filter(audit_log::actor_id.eq(a));
        }
        if let Some(e) = &query.entity_type {
            q = q.filter(audit_log::entity_type.eq(e.as_str()));
        }
        if let Some(e) = &query.entity_id {
            q = q.filter(audit_log::entity_id.eq(e.as_str()));
        }
        if let Some(a) = &query.action {
            q = q.filter(audit_log::action.eq(a.as_str()));
        }
        if let Some(f) = query.from {
            q = q.filter(audit_log::at.ge(f));
        }
        if let Some(t) = query.to {
            q = q.filter(audit_log::at.lt(t));
        }
        q
    };
    let total = filtered().count().get_result(conn).await?;
    let items = filtered()
        .order(audit_log::id.desc())
        .offset(paging.offset())
        .limit(paging.limit())
        .select(AuditEntry::as_select())
        .load(conn)
        .await?;
    Ok((items, total))
}
