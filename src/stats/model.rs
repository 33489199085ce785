//! The figures of a year and their tables: each table's rows and columns, typed by the
//! vocabularies they count (item categories, applicant types, outcomes, appeal kinds and
//! results, feedback kinds and channels), with the labels of the national form; the manual
//! figures of table 2 and their rules; the span a caller asks for.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::applications::model::{AppealKind, AppealResult, ApplicantType, Outcome};
use crate::feedback::model::{Channel as FeedbackChannel, Kind as FeedbackKind};
use crate::items::Category;
use crate::values::StatsYear;

/// The agency the figures belong to.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Agency {
    pub name: String,
    /// The agency code, the first part of every index number.
    pub code: String,
    /// The superior government that collects the figures.
    pub parent: String,
}

/// A year's figures.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct YearStats {
    pub year: i32,
    pub agency: Agency,
    pub legacy: Legacy,
    pub national: National,
    pub feedback: FeedbackStats,
}

/// The years of `GET /stats`.
#[derive(Debug, Deserialize, IntoParams, garde::Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StatsRange {
    /// First year (inclusive).
    #[param(value_type = i32, minimum = 1900, maximum = 2100, example = 2009)]
    #[garde(dive)]
    pub from: StatsYear,
    /// Last year (inclusive); at most 100 years after `from`.
    #[param(value_type = i32, minimum = 1900, maximum = 2100, example = 2026)]
    #[garde(dive)]
    pub to: StatsYear,
}

/// The figures of several years, for the district's aggregation system.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatsSeries {
    pub from: i32,
    pub to: i32,
    /// One object per year, in order.
    pub years: Vec<YearStats>,
}

/// The seed's format: items by category, applications, appeals.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Legacy {
    pub proactive: Proactive,
    pub applications: LegacyApplications,
    pub appeals: LegacyAppeals,
}

/// Items published in the year (withdrawn ones included: they were published).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Proactive {
    pub total: i64,
    pub by_category: ByCategory,
}

/// One count per catalogue category.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct ByCategory {
    /// 机构职能
    pub organization: i64,
    /// 政策法规
    pub policy: i64,
    /// 规划计划
    pub plan: i64,
    /// 业务工作
    pub work: i64,
    /// 统计数据
    pub statistics: i64,
    /// 其它信息
    pub other: i64,
}

impl ByCategory {
    /// The categories in the seed's order, with their labels.
    pub const LABELS: [(Category, &'static str); 6] = [
        (Category::Organization, "机构职能"),
        (Category::Policy, "政策法规"),
        (Category::Plan, "规划计划"),
        (Category::Work, "业务工作"),
        (Category::Statistics, "统计数据"),
        (Category::Other, "其它信息"),
    ];

    pub fn slot(&mut self, category: Category) -> &mut i64 {
        match category {
            Category::Organization => &mut self.organization,
            Category::Policy => &mut self.policy,
            Category::Plan => &mut self.plan,
            Category::Work => &mut self.work,
            Category::Statistics => &mut self.statistics,
            Category::Other => &mut self.other,
        }
    }

    pub fn get(&self, category: Category) -> i64 {
        match category {
            Category::Organization => self.organization,
            Category::Policy => self.policy,
            Category::Plan => self.plan,
            Category::Work => self.work,
            Category::Statistics => self.statistics,
            Category::Other => self.other,
        }
    }
}

/// Applications in the seed's terms.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct LegacyApplications {
    /// Received in the year.
    pub received: i64,
    /// Closed in the year (final answer or withdrawal).
    pub answered: i64,
    pub by_outcome: ByOutcome,
}

/// Cases closed in the year, by outcome.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct ByOutcome {
    pub granted: i64,
    pub partially_granted: i64,
    pub refused: i64,
    pub unable: i64,
    pub not_processed: i64,
    /// Other handling, including withdrawals and corrections not made in time.
    pub other: i64,
}

impl ByOutcome {
    pub fn slot(&mut self, outcome: Outcome) -> &mut i64 {
        match outcome {
            Outcome::Granted => &mut self.granted,
            Outcome::PartiallyGranted => &mut self.partially_granted,
            Outcome::Refused => &mut self.refused,
            Outcome::Unable => &mut self.unable,
            Outcome::NotProcessed => &mut self.not_processed,
            Outcome::Other => &mut self.other,
        }
    }
}

/// Appeals filed in the year.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct LegacyAppeals {
    pub reconsideration: i64,
    /// Litigation, directly or after reconsideration.
    pub litigation: i64,
}

/// The national format's tables 2, 3 and 4.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct National {
    /// Table 2 (主动公开政府信息情况): the figures the office enters (`PUT /stats/{year}/manual`).
    pub proactive: ManualFigures,
    /// Table 3 (收到和处理政府信息公开申请情况): row -> column -> count.
    pub applications: ApplicationsTable,
    /// Table 4 (政府信息公开行政复议、行政诉讼情况).
    pub appeals: AppealsTable,
}

/// The largest figure of table 2 (a count, or an amount in 10,000 yuan).
const MAX_FIGURE: i64 = 1_000_000_000;

/// A count of table 2: zero or more, and not absurdly large.
fn figure_count(value: &i64, _: &()) -> garde::Result {
    if (0..=MAX_FIGURE).contains(value) {
        Ok(())
    } else {
        Err(garde::Error::new(format!("must be from 0 to {MAX_FIGURE}")))
    }
}

/// An amount of fees in 10,000 yuan: zero or more, to the yuan (four decimals).
fn fee_amount(value: &f64, _: &()) -> garde::Result {
    let fee = *value;
    if !fee.is_finite() || !(0.0..=MAX_FIGURE as f64).contains(&fee) {
        Err(garde::Error::new(format!("must be from 0 to {MAX_FIGURE}")))
    } else if ((fee * 10_000.0).round() - fee * 10_000.0).abs() > 1e-6 {
        Err(garde::Error::new("at most four decimals (1 yuan)"))
    } else {
        Ok(())
    }
}

/// Issued, repealed and in force.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq, garde::Validate)]
#[serde(deny_unknown_fields)]
pub struct DocumentCounts {
    /// 本年制发件数
    #[schema(minimum = 0, maximum = 1000000000)]
    #[garde(custom(figure_count))]
    pub issued: i64,
    /// 本年废止件数
    #[schema(minimum = 0, maximum = 1000000000)]
    #[garde(custom(figure_count))]
    pub repealed: i64,
    /// 现行有效件数
    #[schema(minimum = 0, maximum = 1000000000)]
    #[garde(custom(figure_count))]
    pub in_force: i64,
}

/// Decisions made in the year.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq, garde::Validate)]
#[serde(deny_unknown_fields)]
pub struct DecisionCount {
    /// 本年处理决定数量
    #[schema(minimum = 0, maximum = 1000000000)]
    #[garde(custom(figure_count))]
    pub decisions: i64,
}

/// Fees collected in the year.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq, garde::Validate)]
#[serde(deny_unknown_fields)]
pub struct FeeAmount {
    /// 本年收费金额, in 10,000 yuan (万元), up to four decimals.
    #[schema(minimum = 0, maximum = 1000000000)]
    #[garde(custom(fee_amount))]
    pub amount_10k_yuan: f64,
}

/// Table 2: the figures the system cannot count itself.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq, garde::Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "rules": {"issued": 0, "repealed": 0, "in_force": 0},
    "normative_documents": {"issued": 3, "repealed": 1, "in_force": 12},
    "licences": {"decisions": 56},
    "penalties": {"decisions": 4},
    "compulsory_measures": {"decisions": 0},
    "fees": {"amount_10k_yuan": 1.25}
}))]
pub struct ManualFigures {
    /// 规章
    #[garde(dive)]
    pub rules: DocumentCounts,
    /// 行政规范性文件
    #[garde(dive)]
    pub normative_documents: DocumentCounts,
    /// 行政许可
    #[garde(dive)]
    pub licences: DecisionCount,
    /// 行政处罚
    #[garde(dive)]
    pub penalties: DecisionCount,
    /// 行政强制
    #[garde(dive)]
    pub compulsory_measures: DecisionCount,
    /// 行政事业性收费
    #[garde(dive)]
    pub fees: FeeAmount,
}

/// A column of a table that counts by a vocabulary: one of its values, or the total.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column<T> {
    Of(T),
    Total,
}

impl<T: std::fmt::Display> std::fmt::Display for Column<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Column::Of(value) => value.fmt(f),
            Column::Total => f.write_str("total"),
        }
    }
}

/// The columns of table 3: applicant types, and their total.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct ColumnCounts {
    /// 自然人
    pub natural_person: i64,
    /// 商业企业
    pub enterprise: i64,
    /// 科研机构
    pub research_institution: i64,
    /// 社会公益组织
    pub public_interest_org: i64,
    /// 法律服务机构
    pub legal_service_org: i64,
    /// 其他
    pub other_org: i64,
    /// 总计: the sum of the six.
    pub total: i64,
}

impl ColumnCounts {
    /// The columns in the form's order, with their labels: the six types, then the total.
    pub const COLUMNS: [(Column<ApplicantType>, &'static str); 7] = [
        (Column::Of(ApplicantType::NaturalPerson), "自然人"),
        (Column::Of(ApplicantType::Enterprise), "商业企业"),
        (Column::Of(ApplicantType::ResearchInstitution), "科研机构"),
        (Column::Of(ApplicantType::PublicInterestOrg), "社会公益组织"),
        (Column::Of(ApplicantType::LegalServiceOrg), "法律服务机构"),
        (Column::Of(ApplicantType::OtherOrg), "其他"),
        (Column::Total, "总计"),
    ];

    /// Counts `n` applications of one type, in its column and the total.
    pub fn add(&mut self, applicant_type: ApplicantType, n: i64) {
        let slot = match applicant_type {
            ApplicantType::NaturalPerson => &mut self.natural_person,
            ApplicantType::Enterprise => &mut self.enterprise,
            ApplicantType::ResearchInstitution => &mut self.research_institution,
            ApplicantType::PublicInterestOrg => &mut self.public_interest_org,
            ApplicantType::LegalServiceOrg => &mut self.legal_service_org,
            ApplicantType::OtherOrg => &mut self.other_org,
        };
        *slot += n;
        self.total += n;
    }

    pub fn get(&self, column: Column<ApplicantType>) -> i64 {
        match column {
            Column::Of(ApplicantType::NaturalPerson) => self.natural_person,
            Column::Of(ApplicantType::Enterprise) => self.enterprise,
            Column::Of(ApplicantType::ResearchInstitution) => self.research_institution,
            Column::Of(ApplicantType::PublicInterestOrg) => self.public_interest_org,
            Column::Of(ApplicantType::LegalServiceOrg) => self.legal_service_org,
            Column::Of(ApplicantType::OtherOrg) => self.other_org,
            Column::Total => self.total,
        }
    }

    pub fn minus(&self, o: &ColumnCounts) -> ColumnCounts {
        ColumnCounts {
            natural_person: self.natural_person - o.natural_person,
            enterprise: self.enterprise - o.enterprise,
            research_institution: self.research_institution - o.research_institution,
            public_interest_org: self.public_interest_org - o.public_interest_org,
            legal_service_org: self.legal_service_org - o.legal_service_org,
            other_org: self.other_org - o.other_org,
            total: self.total - o.total,
        }
    }

    pub fn plus(&self, o: &ColumnCounts) -> ColumnCounts {
        ColumnCounts {
            natural_person: self.natural_person + o.natural_person,
            enterprise: self.enterprise + o.enterprise,
            research_institution: self.research_institution + o.research_institution,
            public_interest_org: self.public_interest_org + o.public_interest_org,
            legal_service_org: self.legal_service_org + o.legal_service_org,
            other_org: self.other_org + o.other_org,
            total: self.total + o.total,
        }
    }
}

macro_rules! table3 {
    ($( $field:ident => $key:tt, $label:tt; )*) => {
        /// Table 3, row by row. Rows named `outcome.reason` count the cases closed in the year
        /// with that outcome and reason; `total` is their sum.
        #[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
        pub struct ApplicationsTable {
            $(
                #[doc = $label]
                #[serde(rename = $key)]
                pub $field: ColumnCounts,
            )*
        }

        impl ApplicationsTable {
            /// Every row: its key and its label in the national form, in the form's order.
            pub const ROWS: &'static [(&'static str, &'static str)] = &[$(($key, $label)),*];

            pub fn row(&self, key: &str) -> Option<&ColumnCounts> {
                match key {
                    $($key => Some(&self.$field),)*
                    _ => None,
                }
            }

            pub fn row_mut(&mut self, key: &str) -> Option<&mut ColumnCounts> {
                match key {
                    $($key => Some(&mut self.$field),)*
                    _ => None,
                }
            }
        }
    };
}

table3! {
    new_this_year => "new_this_year", "一、本年新收政府信息公开申请数量";
    carried_from_last_year => "carried_from_last_year", "二、上年结转政府信息公开申请数量";
    granted => "granted", "（一）予以公开";
    partially_granted => "partially_granted", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）";
    refused_state_secret => "refused.state_secret", "（三）不予公开 1.属于国家秘密";
    refused_prohibited_by_law => "refused.prohibited_by_law", "（三）不予公开 2.其他法律行政法规禁止公开";
    refused_security_stability => "refused.security_stability", "（三）不予公开 3.危及“三安全一稳定”";
    refused_third_party_rights => "refused.third_party_rights", "（三）不予公开 4.保护第三方合法权益";
    refused_internal_affairs => "refused.internal_affairs", "（三）不予公开 5.属于三类内部事务信息";
    refused_process_information => "refused.process_information", "（三）不予公开 6.属于四类过程性信息";
    refused_law_enforcement_file => "refused.law_enforcement_file", "（三）不予公开 7.属于行政执法案卷";
    refused_administrative_query => "refused.administrative_query", "（三）不予公开 8.属于行政查询事项";
    unable_not_held => "unable.not_held", "（四）无法提供 1.本机关不掌握相关政府信息";
    unable_needs_creation => "unable.needs_creation", "（四）无法提供 2.没有现成信息需要另行制作";
    unable_still_unclear => "unable.still_unclear", "（四）无法提供 3.补正后申请内容仍不明确";
    not_processed_petition_complaint => "not_processed.petition_complaint", "（五）不予处理 1.信访举报投诉类申请";
    not_processed_repeat_application => "not_processed.repeat_application", "（五）不予处理 2.重复申请";
    not_processed_public_publication => "not_processed.public_publication", "（五）不予处理 3.要求提供公开出版物";
    not_processed_excessive_repeated => "not_processed.excessive_repeated", "（五）不予处理 4.无正当理由大量反复申请";
    not_processed_confirm_or_reissue => "not_processed.confirm_or_reissue", "（五）不予处理 5.要求行政机关确认或重新出具已获取信息";
    other_correction_overdue => "other.correction_overdue", "（六）其他处理 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请";
    other_fee_unpaid => "other.fee_unpaid", "（六）其他处理 2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请";
    other_other => "other.other", "（六）其他处理 3.其他";
    total => "total", "（七）总计";
    carried_to_next_year => "carried_to_next_year", "四、结转下年度继续办理";
}

/// Results of one kind of appeal.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct AppealCounts {
    /// 结果维持
    pub upheld: i64,
    /// 结果纠正
    pub corrected: i64,
    /// 其他结果
    pub other: i64,
    /// 尚未审结 (at the end of the year)
    pub pending: i64,
    /// 总计
    pub total: i64,
}

impl AppealCounts {
    /// The columns in the form's order, with their labels: the results, then the total.
    pub const COLUMNS: [(Column<AppealResult>, &'static str); 5] = [
        (Column::Of(AppealResult::Upheld), "结果维持"),
        (Column::Of(AppealResult::Corrected), "结果纠正"),
        (Column::Of(AppealResult::Other), "其他结果"),
        (Column::Of(AppealResult::Pending), "尚未审结"),
        (Column::Total, "总计"),
    ];

    /// Counts `n` appeals with one result, in its column and the total.
    pub fn add(&mut self, result: AppealResult, n: i64) {
        match result {
            AppealResult::Upheld => self.upheld += n,
            AppealResult::Corrected => self.corrected += n,
            AppealResult::Other => self.other += n,
            AppealResult::Pending => self.pending += n,
        }
        self.total += n;
    }

    pub fn get(&self, column: Column<AppealResult>) -> i64 {
        match column {
            Column::Of(AppealResult::Upheld) => self.upheld,
            Column::Of(AppealResult::Corrected) => self.corrected,
            Column::Of(AppealResult::Other) => self.other,
            Column::Of(AppealResult::Pending) => self.pending,
            Column::Total => self.total,
        }
    }
}

/// Table 4: appeals filed in the year, with their result as of the year's end.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct AppealsTable {
    /// 行政复议
    pub reconsideration: AppealCounts,
    /// 行政诉讼: 未经复议直接起诉
    pub litigation_direct: AppealCounts,
    /// 行政诉讼: 复议后起诉
    pub litigation_after_reconsideration: AppealCounts,
}

impl AppealsTable {
    /// The rows in the form's order, with their labels.
    pub const KINDS: [(AppealKind, &'static str); 3] = [
        (AppealKind::Reconsideration, "行政复议"),
        (AppealKind::LitigationDirect, "行政诉讼（未经复议直接起诉）"),
        (
            AppealKind::LitigationAfterReconsideration,
            "行政诉讼（复议后起诉）",
        ),
    ];

    pub fn kind(&self, kind: AppealKind) -> &AppealCounts {
        match kind {
            AppealKind::Reconsideration => &self.reconsideration,
            AppealKind::LitigationDirect => &self.litigation_direct,
            AppealKind::LitigationAfterReconsideration => &self.litigation_after_reconsideration,
        }
    }

    pub fn kind_mut(&mut self, kind: AppealKind) -> &mut AppealCounts {
        match kind {
            AppealKind::Reconsideration => &mut self.reconsideration,
            AppealKind::LitigationDirect => &mut self.litigation_direct,
            AppealKind::LitigationAfterReconsideration => {
                &mut self.litigation_after_reconsideration
            }
        }
    }
}

/// The feedback register's year: entries received in the year.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct FeedbackStats {
    pub received: i64,
    pub by_kind: FeedbackByKind,
    pub by_channel: FeedbackByChannel,
    /// Of those received in the year, replied by the year's end.
    pub replied: i64,
    /// Of those, replied by their reply deadline.
    pub replied_on_time: i64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct FeedbackByKind {
    /// 咨询
    pub consultation: i64,
    /// 投诉
    pub complaint: i64,
    /// 建议
    pub suggestion: i64,
}

impl FeedbackByKind {
    pub fn slot(&mut self, kind: FeedbackKind) -> &mut i64 {
        match kind {
            FeedbackKind::Consultation => &mut self.consultation,
            FeedbackKind::Complaint => &mut self.complaint,
            FeedbackKind::Suggestion => &mut self.suggestion,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct FeedbackByChannel {
    pub online: i64,
    pub phone: i64,
    pub letter: i64,
    pub in_person: i64,
    pub mailbox: i64,
}

impl FeedbackByChannel {
    pub fn slot(&mut self, channel: FeedbackChannel) -> &mut i64 {
        match channel {
            FeedbackChannel::Online => &mut self.online,
            FeedbackChannel::Phone => &mut self.phone,
            FeedbackChannel::Letter => &mut self.letter,
            FeedbackChannel::InPerson => &mut self.in_person,
            FeedbackChannel::Mailbox => &mut self.mailbox,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use garde::Validate;

    fn fields(m: &ManualFigures) -> Vec<String> {
        crate::values::rule::invalid_fields(m)
    }

    #[test]
    fn manual_figures_must_be_non_negative_counts() {
        let mut m = ManualFigures::default();
        assert!(m.validate().is_ok());
        m.rules.issued = -1;
        m.fees.amount_10k_yuan = -0.5;
        assert_eq!(fields(&m), ["fees.amount_10k_yuan", "rules.issued"]);
        m = ManualFigures::default();
        m.fees.amount_10k_yuan = 1.23456;
        assert!(m.validate().is_err());
        m.fees.amount_10k_yuan = 1.2345;
        assert!(m.validate().is_ok());
    }
}
