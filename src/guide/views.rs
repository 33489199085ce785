//! The guide as everyone reads it.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

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

impl Guide {
    /// The guide before it is first written: the agency's name and empty fields.
    pub fn unwritten(agency_name: &str) -> Self {
        Guide {
            office_name: agency_name.to_owned(),
            address: String::new(),
            hours: String::new(),
            phone: String::new(),
            fax: String::new(),
            email: String::new(),
            website: String::new(),
            text: String::new(),
            updated_at: None,
        }
    }
}
