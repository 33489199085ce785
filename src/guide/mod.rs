//! The guide to government information disclosure (政府信息公开指南): how the public reaches
//! the office and obtains information. One per agency.

pub mod routes;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::caller::Caller;
use crate::db::schema::guide;
use crate::error::{AppError, AppResult, FieldError};
use crate::items::check_text;

/// The guide.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "office_name": "朱台镇政务公开办公室",
    "address": "山东省淄博市临淄区朱台镇政府大院",
    "hours": "周一至周五 8:30-12:00, 13:30-17:30（法定节假日除外）",
    "phone": "0533-7000000",
    "fax": "0533-7000001",
    "email": "zhutai@example.gov.cn",
    "website": "https://zhutai.example.gov.cn",
    "text": "一、主动公开……二、依申请公开……",
    "updated_at": "2026-01-05T08:00:00Z"
}))]
pub struct Guide {
    /// The office that handles disclosure.
    pub office_name: String,
    pub address: String,
    /// Office hours.
    pub hours: String,
    pub phone: String,
    pub fax: String,
    pub email: String,
    /// The office's web address.
    pub website: String,
    /// The text of the guide: what is published, how to apply, fees, remedies.
    pub text: String,
    /// `null` until the guide is first written.
    pub updated_at: Option<DateTime<Utc>>,
}

/// A new guide; it replaces the whole guide.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "office_name": "朱台镇政务公开办公室",
    "address": "山东省淄博市临淄区朱台镇政府大院",
    "hours": "周一至周五 8:30-12:00, 13:30-17:30",
    "phone": "0533-7000000",
    "fax": "0533-7000001",
    "email": "zhutai@example.gov.cn",
    "website": "https://zhutai.example.gov.cn",
    "text": "一、主动公开……"
}))]
#[derive(garde::Validate)]
#[garde(allow_unvalidated)]
pub struct GuideUpdate {
    /// 1 to 100 characters.
    pub office_name: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub hours: String,
    /// Digits, spaces, `+`, `-`, parentheses, `,`, `;`, `转` (extension); at most 50.
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub fax: String,
    /// An e-mail address.
    #[serde(default)]
    pub email: String,
    /// An `http` or `https` address.
    #[serde(default)]
    pub website: String,
    /// At most 100,000 characters.
    #[serde(default)]
    pub text: String,
}

fn check_phone(errors: &mut Vec<FieldError>, field: &str, v: &str) {
    if v.is_empty() {
        return;
    }
    let ok = v.chars().count() <= 50
        && v.chars().any(|c| c.is_ascii_digit())
        && v.chars()
            .all(|c| c.is_ascii_digit() || " +-(),;转".contains(c));
    if !ok {
        errors.push(FieldError::new(
            field,
            "a telephone number, e.g. 0533-7000000",
        ));
    }
}

impl GuideUpdate {
    fn validate(&mut self) -> Vec<FieldError> {
        for f in [
            &mut self.office_name,
            &mut self.address,
            &mut self.hours,
            &mut self.phone,
            &mut self.fax,
            &mut self.email,
            &mut self.website,
        ] {
            *f = f.trim().to_owned();
        }
        let mut e = Vec::new();
        check_text(&mut e, "office_name", &self.office_name, 1, 100, false);
        check_text(&mut e, "address", &self.address, 0, 200, false);
        check_text(&mut e, "hours", &self.hours, 0, 200, true);
        check_phone(&mut e, "phone", &self.phone);
        check_phone(&mut e, "fax", &self.fax);
        if !self.email.is_empty() {
            let ok = self.email.len() <= 254
                && self.email.split_once('@').is_some_and(|(local, domain)| {
                    !local.is_empty()
                        && domain.contains('.')
                        && !domain.starts_with('.')
                        && !domain.ends_with('.')
                        && !domain.contains('@')
                })
                && !self
                    .email
                    .chars()
                    .any(|c| c.is_whitespace() || c.is_control());
            if !ok {
                e.push(FieldError::new("email", "an e-mail address"));
            }
        }
        if !self.website.is_empty() {
            let ok = self.website.len() <= 200
                && url::Url::parse(&self.website).is_ok_and(|u| {
                    matches!(u.scheme(), "http" | "https") && u.host_str().is_some()
                });
            if !ok {
                e.push(FieldError::new("website", "an http or https address"));
            }
        }
        check_text(&mut e, "text", &self.text, 0, 100_000, true);
        e
    }
}

type GuideRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    DateTime<Utc>,
);

fn from_row(r: GuideRow) -> Guide {
    Guide {
        office_name: r.0,
        address: r.1,
        hours: r.2,
        phone: r.3,
        fax: r.4,
        email: r.5,
        website: r.6,
        text: r.7,
        updated_at: Some(r.8),
    }
}

const COLUMNS: (
    guide::office_name,
    guide::address,
    guide::hours,
    guide::phone,
    guide::fax,
    guide::email,
    guide::website,
    guide::body,
    guide::updated_at,
) = (
    guide::office_name,
    guide::address,
    guide::hours,
    guide::phone,
    guide::fax,
    guide::email,
    guide::website,
    guide::body,
    guide::updated_at,
);

/// The guide; before it is first written, the agency's name and empty fields.
pub async fn load(conn: &mut AsyncPgConnection, agency_name: &str) -> AppResult<Guide> {
    let row: Option<GuideRow> = guide::table.select(COLUMNS).first(conn).await.optional()?;
    Ok(row.map(from_row).unwrap_or_else(|| Guide {
        office_name: agency_name.to_owned(),
        address: String::new(),
        hours: String::new(),
        phone: String::new(),
        fax: String::new(),
        email: String::new(),
        website: String::new(),
        text: String::new(),
        updated_at: None,
    }))
}

/// Replaces the guide.
pub async fn save(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    mut g: GuideUpdate,
) -> AppResult<Guide> {
    let errors = g.validate();
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    conn.transaction(async |conn| {
        let values = (
            guide::id.eq(true),
            guide::office_name.eq(&g.office_name),
            guide::address.eq(&g.address),
            guide::hours.eq(&g.hours),
            guide::phone.eq(&g.phone),
            guide::fax.eq(&g.fax),
            guide::email.eq(&g.email),
            guide::website.eq(&g.website),
            guide::body.eq(&g.text),
            guide::updated_at.eq(Utc::now()),
        );
        let row: GuideRow = diesel::insert_into(guide::table)
            .values(values)
            .on_conflict(guide::id)
            .do_update()
            .set(values)
            .returning(COLUMNS)
            .get_result(conn)
            .await?;
        crate::audit::record(
            conn,
            caller,
            "guide.updated",
            "guide",
            None,
            serde_json::json!({"office_name": g.office_name}),
        )
        .await?;
        Ok(from_row(row))
    })
    .await
}
