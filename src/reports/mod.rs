//! The annual report (政府信息公开工作年度报告): narrative sections written by the office,
//! frozen with a snapshot of the figures when a leader publishes it, rendered as JSON, a
//! printable HTML page in the national format, or Markdown.

pub mod render;
pub mod routes;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::FieldError;
use crate::stats::YearStats;

/// Longest narrative section, in characters.
pub const MAX_SECTION_CHARS: usize = 20_000;

/// The narrative of a report: the national format's sections 1, 5 and 6, and optional text
/// around each table.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "overview": "2025年，我镇认真贯彻落实《中华人民共和国政府信息公开条例》……",
    "problems_and_improvements": "政府信息公开工作还存在时效性不够强等不足……",
    "other_matters": "本年度未收取信息处理费。",
    "proactive_note": null,
    "applications_note": null,
    "appeals_note": null
}))]
#[derive(garde::Validate)]
#[garde(allow_unvalidated)]
pub struct ReportSections {
    /// 一、总体情况
    #[schema(max_length = 20000)]
    pub overview: String,
    /// 五、存在的主要问题及改进情况
    #[schema(max_length = 20000)]
    pub problems_and_improvements: String,
    /// 六、其他需要报告的事项 (for example fees collected)
    #[schema(max_length = 20000)]
    pub other_matters: String,
    /// Text shown before table 2 (主动公开).
    #[serde(default)]
    #[schema(max_length = 20000)]
    pub proactive_note: Option<String>,
    /// Text shown before table 3 (依申请公开).
    #[serde(default)]
    #[schema(max_length = 20000)]
    pub applications_note: Option<String>,
    /// Text shown before table 4 (复议、诉讼).
    #[serde(default)]
    #[schema(max_length = 20000)]
    pub appeals_note: Option<String>,
}

impl ReportSections {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        let fields = [
            ("overview", Some(&self.overview)),
            (
                "problems_and_improvements",
                Some(&self.problems_and_improvements),
            ),
            ("other_matters", Some(&self.other_matters)),
            ("proactive_note", self.proactive_note.as_ref()),
            ("applications_note", self.applications_note.as_ref()),
            ("appeals_note", self.appeals_note.as_ref()),
        ];
        for (name, text) in fields {
            let Some(text) = text else { continue };
            if text.chars().count() > MAX_SECTION_CHARS {
                errors.push(FieldError::new(
                    name,
                    format!("at most {MAX_SECTION_CHARS} characters"),
                ));
            } else if text
                .chars()
                .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
            {
                errors.push(FieldError::new(name, "control characters are not allowed"));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// The office's working draft of a year's report.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReportDraft {
    pub year: i32,
    pub sections: ReportSections,
    pub updated_by: Option<Uuid>,
    pub updated_at: DateTime<Utc>,
}

/// A published report: its narrative and the figures frozen when it was published.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Report {
    pub year: i32,
    /// 1 for the first publication; publishing again adds a version and keeps the old ones.
    pub version: i32,
    pub published_at: DateTime<Utc>,
    pub published_by: Option<Uuid>,
    pub sections: ReportSections,
    /// The figures as they were at publication; later data changes do not alter them.
    pub figures: YearStats,
    /// Every published version of this year, oldest first.
    pub versions: Vec<i32>,
}
