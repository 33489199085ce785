//! The applicant's remedies: administrative reconsideration (行政复议) and litigation
//! (行政诉讼), registered by the office, with their results for the annual report.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use super::model::{AppealKind, AppealResult};
use super::{Viewer, lock_for, record_event};
use crate::audit::{self, Actor};
use crate::caller::Caller;
use crate::db::schema::{appeals, applications};
use crate::error::{AppError, AppResult, FieldError};

/// A reconsideration or lawsuit about an application.
#[derive(Debug, Clone, Serialize, ToSchema, Queryable, Selectable)]
#[diesel(table_name = appeals)]
#[schema(example = json!({"id": "5c1f0e7a-9d1b-4c6e-8f0a-2b3c4d5e6f70", "application_id": "0f8d6a52-1c1e-4d5e-9a55-0b6b7d0f2a11",
    "kind": "reconsideration", "filed_on": "2025-12-01", "result": "pending", "decided_on": null, "note": null,
    "created_at": "2025-12-02T01:00:00Z", "updated_at": "2025-12-02T01:00:00Z"}))]
pub struct Appeal {
    pub id: Uuid,
    pub application_id: Uuid,
    #[schema(value_type = AppealKind)]
    pub kind: String,
    pub filed_on: NaiveDate,
    /// `pending` until decided.
    #[schema(value_type = AppealResult)]
    pub result: String,
    pub decided_on: Option<NaiveDate>,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The appeals of one application, oldest first.
pub async fn list_for(
    conn: &mut AsyncPgConnection,
    application_id: Uuid,
) -> Result<Vec<Appeal>, diesel::result::Error> {
    appeals::table
        .filter(appeals::application_id.eq(application_id))
        .order((appeals::filed_on, appeals::created_at))
        .select(Appeal::as_select())
        .load(conn)
        .await
}

/// Registers an appeal, on the application's timeline, in one transaction.
pub async fn create(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    application_id: Uuid,
    kind: AppealKind,
    filed_on: NaiveDate,
    note: Option<String>,
    today: NaiveDate,
) -> AppResult<Appeal> {
    conn.transaction(async |conn| {
        let (row, viewer) = lock_for(conn, caller, application_id, None).await?;
        if !matches!(viewer, Viewer::Staff | Viewer::Leader) {
            return Err(AppError::NotFound);
        }
        if filed_on > today || filed_on < row.received_on {
            return Err(AppError::invalid(
                "filed_on",
                format!(
                    "must be between the application's receipt ({}) and today",
                    row.received_on
                ),
            ));
        }
        let appeal: Appeal = diesel::insert_into(appeals::table)
            .values((
                appeals::application_id.eq(application_id),
                appeals::kind.eq(kind.as_str()),
                appeals::filed_on.eq(filed_on),
                appeals::note.eq(&note),
            ))
            .returning(Appeal::as_returning())
            .get_result(conn)
            .await?;
        let status = row.status();
        record_event(
            conn,
            application_id,
            Actor::from(caller),
            "appeal_filed",
            Some(status),
            status,
            row.due_on,
            row.due_on,
            json!({"appeal_id": appeal.id, "kind": kind, "filed_on": filed_on}),
        )
        .await?;
        audit::record(
            conn,
            caller,
            "appeal.filed",
            "appeal",
            Some(appeal.id.to_string()),
            json!({"application_id": application_id, "kind": kind, "filed_on": filed_on}),
        )
        .await?;
        Ok(appeal)
    })
    .await
}

/// Records an appeal's result (or sets it back to pending). `decided_on` is required for a
/// result and must be empty for `pending`.
pub async fn update(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    appeal_id: Uuid,
    result: Option<AppealResult>,
    decided_on: Option<Option<NaiveDate>>,
    note: Option<String>,
    today: NaiveDate,
) -> AppResult<Appeal> {
    conn.transaction(async |conn| {
        let current: Appeal = appeals::table
            .find(appeal_id)
            .for_update()
            .select(Appeal::as_select())
            .first(conn)
            .await
            .optional()?
            .ok_or(AppError::NotFound)?;
        let result = result
            .or_else(|| AppealResult::parse(&current.result))
            .unwrap_or(AppealResult::Pending);
        let decided_on = match decided_on {
            Some(d) => d,
            None if result == AppealResult::Pending => None,
            None => current.decided_on,
        };
        let mut errors = Vec::new();
        match (result, decided_on) {
            (AppealResult::Pending, Some(_)) => errors.push(FieldError::new(
                "decided_on",
                "must be empty while the result is pending",
            )),
            (r, None) if r != AppealResult::Pending => {
                errors.push(FieldError::new("decided_on", "required with a result"))
            }
            (_, Some(d)) if d > today || d < current.filed_on => errors.push(FieldError::new(
                "decided_on",
                format!(
                    "must be between the filing ({}) and today",
                    current.filed_on
                ),
            )),
            _ => {}
        }
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        let appeal: Appeal = diesel::update(appeals::table.find(appeal_id))
            .set((
                appeals::result.eq(result.as_str()),
                appeals::decided_on.eq(decided_on),
                note.as_ref().map(|n| appeals::note.eq(n)),
            ))
            .returning(Appeal::as_returning())
            .get_result(conn)
            .await?;
        let (status, due_on): (String, Option<NaiveDate>) = applications::table
            .find(appeal.application_id)
            .select((applications::status, applications::due_on))
            .first(conn)
            .await?;
        let status = super::model::Status::parse(&status).unwrap_or(super::model::Status::Received);
        record_event(
            conn,
            appeal.application_id,
            Actor::from(caller),
            "appeal_updated",
            Some(status),
            status,
            due_on,
            due_on,
            json!({"appeal_id": appeal.id, "result": result, "decided_on": decided_on}),
        )
        .await?;
        audit::record(
            conn,
            caller,
            "appeal.updated",
            "appeal",
            Some(appeal.id.to_string()),
            json!({"result": result, "decided_on": decided_on}),
        )
        .await?;
        Ok(appeal)
    })
    .await
}
