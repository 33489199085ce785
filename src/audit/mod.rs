//! The audit log: who did what, when. Entries are written in the same transaction as the
//! change; the table refuses updates and deletes (see the accounts migration).

pub mod model;
pub mod repo;
pub mod routes;

use uuid::Uuid;

use crate::auth::policy::Role;
use crate::caller::Caller;
use crate::error::REQUEST_CONTEXT;
use model::NewEntry;

/// The one who acted.
#[derive(Debug, Clone, Copy)]
pub struct Actor {
    pub kind: &'static str,
    pub id: Option<Uuid>,
    pub role: Option<Role>,
}

impl Actor {
    pub fn user(id: Uuid, role: Role) -> Self {
        Self {
            kind: "user",
            id: Some(id),
            role: Some(role),
        }
    }

    pub fn system() -> Self {
        Self {
            kind: "system",
            id: None,
            role: None,
        }
    }
}

impl From<&Caller> for Actor {
    fn from(c: &Caller) -> Self {
        match c {
            Caller::Anonymous => Self {
                kind: "anonymous",
                id: None,
                role: None,
            },
            Caller::User(u) => Self::user(u.id, u.role),
            Caller::Token(t) => Self {
                kind: "token",
                id: Some(t.id),
                role: None,
            },
        }
    }
}

/// Records one action. Call it inside the transaction that makes the change (`conn` may be a
/// shared `&AsyncPgConnection`, to pipeline it with the change's other statements).
pub async fn record<C>(
    conn: &mut C,
    actor: impl Into<Actor>,
    action: &str,
    entity_type: &str,
    entity_id: Option<String>,
    summary: serde_json::Value,
) -> Result<(), diesel::result::Error>
where
    C: diesel_async::AsyncConnectionCore<Backend = diesel::pg::Pg> + Send,
{
    let actor = actor.into();
    let (request_id, client_ip) = REQUEST_CONTEXT
        .try_with(|c| {
            (
                Some(c.request_id.clone()),
                c.client_ip.map(|ip| ip.to_string()),
            )
        })
        .unwrap_or((None, None));
    repo::insert(
        conn,
        NewEntry {
            actor_kind: actor.kind,
            actor_id: actor.id,
            actor_role: actor.role,
            action,
            entity_type,
            entity_id,
            request_id,
            summary,
            client_ip,
        },
    )
    .await
}
