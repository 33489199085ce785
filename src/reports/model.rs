//! What a report is made of: the narrative sections the office writes (and their rule), the
//! working draft, a published version with its frozen figures, and which version to read.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::stats::YearStats;

crate::text_value! {
    /// A narrative section of the annual report: paragraphs separated by line breaks.
    pub SectionText: Lines, 0..=20000;
}

/// Longest narrative section, in characters.
pub const MAX_SECTION_CHARS: usize = SectionText::MAX;

/// The narrative of a report: the national format's sections 1, 5 and 6, and optional text
/// around each table.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, garde::Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "overview": "2025年，我镇认真贯彻落实《中华人民共和国政府信息公开条例》……",
    "problems_and_improvements": "政府信息公开工作还存在时效性不够强等不足……",
    "other_matters": "本年度未收取信息处理费。",
    "proactive_note": null,
    "applications_note": null,
    "appeals_note": null
}))]
pub struct ReportSections {
    /// 一、总体情况
    #[garde(dive)]
    pub overview: SectionText,
    /// 五、存在的主要问题及改进情况
    #[garde(dive)]
    pub problems_and_improvements: SectionText,
    /// 六、其他需要报告的事项 (for example fees collected)
    #[garde(dive)]
    pub other_matters: SectionText,
    /// Text shown before table 2 (主动公开).
    #[serde(default)]
    #[garde(dive)]
    pub proactive_note: Option<SectionText>,
    /// Text shown before table 3 (依申请公开).
    #[serde(default)]
    #[garde(dive)]
    pub applications_note: Option<SectionText>,
    /// Text shown before table 4 (复议、诉讼).
    #[serde(default)]
    #[garde(dive)]
    pub appeals_note: Option<SectionText>,
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

/// The most versions a year's report is expected to have; a larger version is a mistake.
const MAX_VERSION: i32 = 1000;

/// A version of a year's report: 1 for the first publication.
fn version_number(version: &Option<i32>, _: &()) -> garde::Result {
    match version {
        Some(v) if !(1..=MAX_VERSION).contains(v) => Err(garde::Error::new(format!(
            "must be from 1 to {MAX_VERSION}"
        ))),
        _ => Ok(()),
    }
}

/// Which version of a report.
#[derive(Debug, Deserialize, IntoParams, garde::Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// A published version (default: the latest).
    #[param(minimum = 1, maximum = 1000)]
    #[garde(custom(version_number))]
    pub version: Option<i32>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use garde::Validate;

    /// The fields named and why, sorted (the report's order is its own).
    fn errors(body: serde_json::Value) -> Vec<(String, String)> {
        let sections: ReportSections = serde_json::from_value(body).unwrap();
        let mut errors: Vec<(String, String)> = sections
            .validate()
            .map_or_else(crate::values::field_errors, |()| Vec::new())
            .into_iter()
            .map(|e| (e.field, e.message))
            .collect();
        errors.sort();
        errors
    }

    #[test]
    fn sections_are_texts_of_several_lines_up_to_the_limit() {
        let long = "字".repeat(MAX_SECTION_CHARS + 1);
        let ok = "字".repeat(MAX_SECTION_CHARS);
        assert_eq!(
            errors(serde_json::json!({
                "overview": "第一段\n第二段\t",
                "problems_and_improvements": ok,
                "other_matters": "",
            })),
            []
        );
        assert_eq!(
            errors(serde_json::json!({
                "overview": long,
                "problems_and_improvements": "a\u{7}",
                "other_matters": "",
                "appeals_note": long,
            })),
            [
                (
                    "appeals_note".to_owned(),
                    "at most 20000 characters".to_owned()
                ),
                ("overview".to_owned(), "at most 20000 characters".to_owned()),
                (
                    "problems_and_improvements".to_owned(),
                    "control characters are not allowed".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn versions_run_from_one_to_a_thousand() {
        let check = |version| ReportQuery { version }.validate().is_ok();
        assert!(check(None) && check(Some(1)) && check(Some(1000)));
        assert!(!check(Some(0)) && !check(Some(1001)));
    }
}
