//! The applicant's remedies: administrative reconsideration (行政复议) and litigation
//! (行政诉讼), registered by the office on the application's timeline, with their results for
//! the annual report.

use chrono::NaiveDate;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde_json::json;
use uuid::Uuid;

use super::inputs::{CreateAppealBody, UpdateAppealBody};
use super::model::{Appeal, EventAction};
use super::repo;
use super::rules;
use super::service::lock_for;
use crate::audit;
use crate::caller::Caller;
use crate::error::{AppError, AppResult};

/// Registers an appeal, on the application's timeline, in one transaction.
pub async fn create(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    application_id: Uuid,
    body: CreateAppealBody,
    today: NaiveDate,
) -> AppResult<Appeal> {
    conn.transaction(async |conn| {
        let (row, viewer) = lock_for(conn, caller, application_id, None).await?;
        if !viewer.is_office() {
            return Err(AppError::NotFound);
        }
        rules::check_filing(body.filed_on, row.received_on, today)?;
        let appeal = repo::insert_appeal(
            conn,
            application_id,
            body.kind,
            body.filed_on,
            body.note.as_deref(),
        )
        .await?;
        let event = rules::EventActor::of(caller).event(
            application_id,
            EventAction::AppealFiled,
            (Some(row.status), row.status),
            (row.due_on, row.due_on),
            json!({"appeal_id": appeal.id, "kind": body.kind, "filed_on": body.filed_on}),
        );
        repo::insert_event(conn, &event).await?;
        audit::record(
            conn,
            caller,
            "appeal.filed",
            "appeal",
            Some(appeal.id.to_string()),
            json!({"application_id": application_id, "kind": body.kind, "filed_on": body.filed_on}),
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
    body: UpdateAppealBody,
    today: NaiveDate,
) -> AppResult<Appeal> {
    conn.transaction(async |conn| {
        let current = repo::lock_appeal(conn, appeal_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let (result, decided_on) = rules::decide_appeal(
            (current.result, current.decided_on),
            body.result,
            body.decided_on,
            current.filed_on,
            today,
        )?;
        let appeal =
            repo::update_appeal(conn, appeal_id, result, decided_on, body.note.as_deref()).await?;
        let (status, due_on) = repo::status_and_due(conn, appeal.application_id).await?;
        let event = rules::EventActor::of(caller).event(
            appeal.application_id,
            EventAction::AppealUpdated,
            (Some(status), status),
            (due_on, due_on),
            json!({"appeal_id": appeal.id, "result": result, "decided_on": decided_on}),
        );
        repo::insert_event(conn, &event).await?;
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
