//! Yearly statistics: the seed's format (2008 era) and the national format (国办公开办函
//! 〔2021〕30号, tables 2, 3 and 4), plus the feedback register's figures.
//!
//! Everything is counted from the data, in the agency's time zone: an item published at 00:30
//! on 1 January 2010 Beijing time is a 2010 item. Applications count as new in the year of
//! `received_on`, as handled in the year they were closed (`closed_on`: final answer or
//! withdrawal), and as carried over when still open at the end of a year, so that table 3
//! balances in every column: new + carried from last year = total handled + carried to next year.

pub mod csv;
pub mod routes;

use chrono::{NaiveDate, TimeZone};
use diesel::sql_types::{Array, BigInt, Date, Integer, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::config::Config;
use crate::db::Prepared;
use crate::error::{AppError, FieldError};

/// The years statistics can be asked for.
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=2100;
/// The longest span of `GET /stats?from=&to=`.
pub const MAX_SPAN_YEARS: i32 = 100;

/// A year from the path: 422 naming `year` when it is out of range.
pub fn year_param(year: i32) -> Result<i32, AppError> {
    check_year("year", year).map_err(|e| AppError::Validation(vec![e]))?;
    Ok(year)
}

pub fn check_year(field: &str, year: i32) -> Result<(), FieldError> {
    if YEARS.contains(&year) {
        Ok(())
    } else {
        Err(FieldError::new(
            field,
            format!("must be from {} to {}", YEARS.start(), YEARS.end()),
        ))
    }
}

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
    pub const LABELS: [(&'static str, &'static str); 6] = [
        ("organization", "机构职能"),
        ("policy", "政策法规"),
        ("plan", "规划计划"),
        ("work", "业务工作"),
        ("statistics", "统计数据"),
        ("other", "其它信息"),
    ];

    fn slot(&mut self, category: &str) -> Option<&mut i64> {
        Some(match category {
            "organization" => &mut self.organization,
            "policy" => &mut self.policy,
            "plan" => &mut self.plan,
            "work" => &mut self.work,
            "statistics" => &mut self.statistics,
            "other" => &mut self.other,
            _ => return None,
        })
    }

    pub fn get(&self, category: &str) -> i64 {
        match category {
            "organization" => self.organization,
            "policy" => self.policy,
            "plan" => self.plan,
            "work" => self.work,
            "statistics" => self.statistics,
            "other" => self.other,
            _ => 0,
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

/// Issued, repealed and in force.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DocumentCounts {
    /// 本年制发件数
    #[schema(minimum = 0)]
    pub issued: i64,
    /// 本年废止件数
    #[schema(minimum = 0)]
    pub repealed: i64,
    /// 现行有效件数
    #[schema(minimum = 0)]
    pub in_force: i64,
}

/// Decisions made in the year.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DecisionCount {
    /// 本年处理决定数量
    #[schema(minimum = 0)]
    pub decisions: i64,
}

/// Fees collected in the year.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FeeAmount {
    /// 本年收费金额, in 10,000 yuan (万元), up to four decimals.
    #[schema(minimum = 0, maximum = 1000000000)]
    pub amount_10k_yuan: f64,
}

/// Table 2: the figures the system cannot count itself.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "rules": {"issued": 0, "repealed": 0, "in_force": 0},
    "normative_documents": {"issued": 3, "repealed": 1, "in_force": 12},
    "licences": {"decisions": 56},
    "penalties": {"decisions": 4},
    "compulsory_measures": {"decisions": 0},
    "fees": {"amount_10k_yuan": 1.25}
}))]
#[derive(garde::Validate)]
#[garde(allow_unvalidated)]
pub struct ManualFigures {
    /// 规章
    pub rules: DocumentCounts,
    /// 行政规范性文件
    pub normative_documents: DocumentCounts,
    /// 行政许可
    pub licences: DecisionCount,
    /// 行政处罚
    pub penalties: DecisionCount,
    /// 行政强制
    pub compulsory_measures: DecisionCount,
    /// 行政事业性收费
    pub fees: FeeAmount,
}

impl ManualFigures {
    /// Every figure must be a count of zero or more (fees: a non-negative amount).
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut count = |field: &str, v: i64| {
            if !(0..=1_000_000_000).contains(&v) {
                errors.push(FieldError::new(field, "must be from 0 to 1000000000"));
            }
        };
        for (name, d) in [
            ("rules", &self.rules),
            ("normative_documents", &self.normative_documents),
        ] {
            count(&format!("{name}.issued"), d.issued);
            count(&format!("{name}.repealed"), d.repealed);
            count(&format!("{name}.in_force"), d.in_force);
        }
        count("licences.decisions", self.licences.decisions);
        count("penalties.decisions", self.penalties.decisions);
        count(
            "compulsory_measures.decisions",
            self.compulsory_measures.decisions,
        );
        let fee = self.fees.amount_10k_yuan;
        if !fee.is_finite() || !(0.0..=1e9).contains(&fee) {
            errors.push(FieldError::new(
                "fees.amount_10k_yuan",
                "must be from 0 to 1000000000",
            ));
        } else if ((fee * 10_000.0).round() - fee * 10_000.0).abs() > 1e-6 {
            errors.push(FieldError::new(
                "fees.amount_10k_yuan",
                "at most four decimals (1 yuan)",
            ));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
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
    pub const COLUMNS: [(&'static str, &'static str); 7] = [
        ("natural_person", "自然人"),
        ("enterprise", "商业企业"),
        ("research_institution", "科研机构"),
        ("public_interest_org", "社会公益组织"),
        ("legal_service_org", "法律服务机构"),
        ("other_org", "其他"),
        ("total", "总计"),
    ];

    fn add(&mut self, applicant_type: &str, n: i64) {
        let slot = match applicant_type {
            "natural_person" => &mut self.natural_person,
            "enterprise" => &mut self.enterprise,
            "research_institution" => &mut self.research_institution,
            "public_interest_org" => &mut self.public_interest_org,
            "legal_service_org" => &mut self.legal_service_org,
            _ => &mut self.other_org,
        };
        *slot += n;
        self.total += n;
    }

    pub fn get(&self, column: &str) -> i64 {
        match column {
            "natural_person" => self.natural_person,
            "enterprise" => self.enterprise,
            "research_institution" => self.research_institution,
            "public_interest_org" => self.public_interest_org,
            "legal_service_org" => self.legal_service_org,
            "other_org" => self.other_org,
            _ => self.total,
        }
    }

    fn minus(&self, o: &ColumnCounts) -> ColumnCounts {
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

    fn plus(&self, o: &ColumnCounts) -> ColumnCounts {
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

            fn row_mut(&mut self, key: &str) -> Option<&mut ColumnCounts> {
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

impl ApplicationsTable {
    /// The rows that count closed cases (between `carried_from_last_year` and `total`).
    pub fn outcome_rows() -> impl Iterator<Item = &'static str> {
        Self::ROWS[2..Self::ROWS.len() - 2].iter().map(|(k, _)| *k)
    }

    /// The row of a closed case: `granted`, `partially_granted`, or `outcome.reason`.
    pub fn outcome_row(outcome: &str, reason: Option<&str>) -> String {
        match (outcome, reason) {
            ("granted" | "partially_granted", _) | (_, None) => outcome.to_owned(),
            (o, Some(r)) => format!("{o}.{r}"),
        }
    }

    /// Where the table does not balance: `new + carried_from = total + carried_to` in every
    /// column, `total` the sum of the outcome rows, and each row's total the sum of its six.
    pub fn imbalances(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let left = self.new_this_year.plus(&self.carried_from_last_year);
        let right = self.total.plus(&self.carried_to_next_year);
        let outcome_sum = Self::outcome_rows()
            .filter_map(|k| self.row(k))
            .fold(ColumnCounts::default(), |a, r| a.plus(r));
        for (col, _) in ColumnCounts::COLUMNS {
            if left.get(col) != right.get(col) {
                problems.push(format!(
                    "{col}: new + carried from last year = {} but total + carried to next year = {}",
                    left.get(col),
                    right.get(col)
                ));
            }
            if outcome_sum.get(col) != self.total.get(col) {
                problems.push(format!("{col}: total is not the sum of the outcome rows"));
            }
        }
        for (key, _) in Self::ROWS {
            let r = self.row(key).expect("listed row");
            let six: i64 = ColumnCounts::COLUMNS[..6]
                .iter()
                .map(|(c, _)| r.get(c))
                .sum();
            if six != r.total {
                problems.push(format!("{key}: total column is not the sum of the six"));
            }
        }
        problems
    }
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
    fn add(&mut self, result: &str, n: i64) {
        match result {
            "upheld" => self.upheld += n,
            "corrected" => self.corrected += n,
            "other" => self.other += n,
            _ => self.pending += n,
        }
        self.total += n;
    }

    pub const COLUMNS: [(&'static str, &'static str); 5] = [
        ("upheld", "结果维持"),
        ("corrected", "结果纠正"),
        ("other", "其他结果"),
        ("pending", "尚未审结"),
        ("total", "总计"),
    ];

    pub fn get(&self, column: &str) -> i64 {
        match column {
            "upheld" => self.upheld,
            "corrected" => self.corrected,
            "other" => self.other,
            "pending" => self.pending,
            _ => self.total,
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
    pub const KINDS: [(&'static str, &'static str); 3] = [
        ("reconsideration", "行政复议"),
        ("litigation_direct", "行政诉讼（未经复议直接起诉）"),
        ("litigation_after_reconsideration", "行政诉讼（复议后起诉）"),
    ];

    pub fn kind(&self, kind: &str) -> &AppealCounts {
        match kind {
            "reconsideration" => &self.reconsideration,
            "litigation_direct" => &self.litigation_direct,
            _ => &self.litigation_after_reconsideration,
        }
    }

    fn kind_mut(&mut self, kind: &str) -> Option<&mut AppealCounts> {
        Some(match kind {
            "reconsideration" => &mut self.reconsideration,
            "litigation_direct" => &mut self.litigation_direct,
            "litigation_after_reconsideration" => &mut self.litigation_after_reconsideration,
            _ => return None,
        })
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

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct FeedbackByChannel {
    pub online: i64,
    pub phone: i64,
    pub letter: i64,
    pub in_person: i64,
    pub mailbox: i64,
}

#[derive(diesel::QueryableByName)]
struct CategoryCount {
    #[diesel(sql_type = Integer)]
    year: i32,
    #[diesel(sql_type = Text)]
    category: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Applications of one type received in one year (clipped to the year before and the year
/// after the span) and closed in one year (NULL: still open), with one outcome.
#[derive(diesel::QueryableByName)]
struct CaseCount {
    #[diesel(sql_type = Text)]
    applicant_type: String,
    #[diesel(sql_type = Integer)]
    received_in: i32,
    #[diesel(sql_type = Nullable<Integer>)]
    closed_in: Option<i32>,
    #[diesel(sql_type = Nullable<Text>)]
    outcome: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    reason: Option<String>,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(diesel::QueryableByName)]
struct AppealCount {
    #[diesel(sql_type = Integer)]
    year: i32,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Text)]
    result: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(diesel::QueryableByName)]
struct FeedbackCount {
    #[diesel(sql_type = Integer)]
    year: i32,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Text)]
    channel: String,
    #[diesel(sql_type = BigInt)]
    received: i64,
    #[diesel(sql_type = BigInt)]
    replied: i64,
    #[diesel(sql_type = BigInt)]
    on_time: i64,
}

#[derive(diesel::QueryableByName)]
struct ManualRow {
    #[diesel(sql_type = Integer)]
    year: i32,
    #[diesel(sql_type = diesel::sql_types::Jsonb)]
    figures: serde_json::Value,
}

/// The first instant of `year` in the agency's time zone, in UTC.
pub fn year_start(tz: chrono_tz::Tz, year: i32) -> chrono::DateTime<chrono::Utc> {
    tz.with_ymd_and_hms(year, 1, 1, 0, 0, 0)
        .earliest()
        .expect("midnight on 1 January exists in every zone")
        .with_timezone(&chrono::Utc)
}

/// A year in the agency's zone cut at UTC midnights: the part-day `starts..days_from`, the
/// whole UTC days `days_from..days_to`, and the part-day `days_to..ends`. In UTC, or in a zone
/// whose new year falls on a UTC midnight, both part-days are empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct YearEdges {
    starts: chrono::DateTime<chrono::Utc>,
    days_from: chrono::DateTime<chrono::Utc>,
    days_to: chrono::DateTime<chrono::Utc>,
    ends: chrono::DateTime<chrono::Utc>,
}

impl YearEdges {
    fn new(starts: chrono::DateTime<chrono::Utc>, ends: chrono::DateTime<chrono::Utc>) -> Self {
        let midnight = |t: chrono::DateTime<chrono::Utc>| {
            t.date_naive().and_time(chrono::NaiveTime::MIN).and_utc()
        };
        let floor_starts = midnight(starts);
        let days_from = if floor_starts == starts {
            starts
        } else {
            floor_starts + chrono::Days::new(1)
        };
        YearEdges {
            starts,
            days_from,
            days_to: midnight(ends),
            ends,
        }
    }
}

/// Computes a year's figures from the data: [`compute_range`] of that year alone.
pub async fn compute(
    conn: &mut AsyncPgConnection,
    config: &Config,
    year: i32,
) -> Result<YearStats, AppError> {
    let mut years = compute_range(conn, config, year, year).await?;
    Ok(years.pop().expect("one year"))
}

/// One year's figures while they are being counted.
#[derive(Default)]
struct Tally {
    proactive: Proactive,
    table: ApplicationsTable,
    by_outcome: ByOutcome,
    /// Cases closed in the year but received in a later one (data that breaks an invariant):
    /// counted as closed in the year and nowhere else, as the year's own count would.
    received_later: ColumnCounts,
    appeals: AppealsTable,
    feedback: FeedbackStats,
    manual: Option<ManualFigures>,
}

/// Computes the figures of the years `from..=to`, in order, from the data, with five queries
/// whatever the span: each table is read once for the whole span and its rows counted by
/// year. Run it in one snapshot (a repeatable-read transaction) so that the years agree.
pub async fn compute_range(
    conn: &mut AsyncPgConnection,
    config: &Config,
    from: i32,
    to: i32,
) -> Result<Vec<YearStats>, AppError> {
    if !(YEARS.contains(&from) && YEARS.contains(&to) && from <= to) {
        return Err(AppError::Internal(format!(
            "no figures for the span {from}..={to}"
        )));
    }
    let first = NaiveDate::from_ymd_opt(from, 1, 1).expect("checked year");
    let last = NaiveDate::from_ymd_opt(to, 12, 31).expect("checked year");
    let years: Vec<i32> = (from..=to).collect();
    let mut tallies: Vec<Tally> = years.iter().map(|_| Tally::default()).collect();
    let slot = |year: i32| (from..=to).contains(&year).then(|| (year - from) as usize);

    // Items published in each year; withdrawn ones keep their publication time and count.
    // A year in the agency's zone is its whole UTC days, from the stored per-day counts
    // (`item_daily_counts`, kept by triggers), plus the items of the part-days at its ends
    // (empty in UTC), counted from the partial index `items_stats_idx` (its condition written
    // as the index's, so that the scan reads the index alone).
    // Each year ends where the next begins: the span's year starts, and the one after it.
    let starts: Vec<chrono::DateTime<chrono::Utc>> = (from..=to + 1)
        .map(|y| year_start(config.timezone, y))
        .collect();
    let edges: Vec<YearEdges> = starts
        .windows(2)
        .map(|w| YearEdges::new(w[0], w[1]))
        .collect();
    let column = |f: fn(&YearEdges) -> chrono::DateTime<chrono::Utc>| -> Vec<_> {
        edges.iter().map(f).collect()
    };
    let items = diesel::sql_query(
        "SELECT y.year, c.category, sum(c.n)::bigint AS n
         FROM unnest($1::int[], $2::timestamptz[], $3::timestamptz[], $4::timestamptz[],
                     $5::timestamptz[]) AS y (year, starts, days_from, days_to, ends)
         CROSS JOIN LATERAL (
             SELECT category, n FROM item_daily_counts
             WHERE day >= (y.days_from AT TIME ZONE 'UTC')::date
               AND day < (y.days_to AT TIME ZONE 'UTC')::date
             UNION ALL
             SELECT category, 1 FROM items
             WHERE published_at >= y.starts AND published_at < y.days_from
               AND status IN ('published', 'withdrawn')
             UNION ALL
             SELECT category, 1 FROM items
             WHERE published_at >= y.days_to AND published_at < y.ends
               AND status IN ('published', 'withdrawn')
         ) c
         GROUP BY 1, 2",
    )
    .bind::<Array<Integer>, _>(&years)
    .bind::<Array<Timestamptz>, _>(column(|e| e.starts))
    .bind::<Array<Timestamptz>, _>(column(|e| e.days_from))
    .bind::<Array<Timestamptz>, _>(column(|e| e.days_to))
    .bind::<Array<Timestamptz>, _>(column(|e| e.ends));

    // Table 3 in one pass over the cases that were open at some time in the span or closed
    // in it, by the year received and the year closed (dates: no time zone involved). The
    // years before the span are one group, and so are the years after it; still open: NULL.
    // Three disjoint parts, each read through an index: received in the span (and not closed
    // before it); received before it and open when it began (their span contains its eve:
    // `applications_span_idx`); received after it yet closed in it (broken data).
    let cases = diesel::sql_query(
        "SELECT applicant_type,
                greatest(least(date_part('year', received_on)::int, $4 + 1), $3 - 1) AS received_in,
                CASE WHEN closed_on > $2 THEN $4 + 1 ELSE date_part('year', closed_on)::int END
                    AS closed_in,
                outcome, reason, count(*) AS n
         FROM (
             SELECT applicant_type, received_on, closed_on, outcome, reason FROM applications
             WHERE received_on BETWEEN $1 AND $2 AND (closed_on IS NULL OR closed_on >= $1)
             UNION ALL
             SELECT applicant_type, received_on, closed_on, outcome, reason FROM applications
             WHERE (CASE WHEN closed_on < received_on THEN 'empty'::daterange
                         ELSE daterange(received_on, closed_on) END) @> ($1::date - 1)
             UNION ALL
             SELECT applicant_type, received_on, closed_on, outcome, reason FROM applications
             WHERE closed_on BETWEEN $1 AND $2 AND received_on > $2
         ) a
         GROUP BY 1, 2, 3, 4, 5",
    )
    .bind::<Date, _>(first)
    .bind::<Date, _>(last)
    .bind::<Integer, _>(from)
    .bind::<Integer, _>(to);

    // Table 4: appeals filed in the year, with their result as known at the year's end
    // (decided in a later year: still pending then).
    let appeals = diesel::sql_query(
        "SELECT date_part('year', filed_on)::int AS year, kind,
                CASE WHEN decided_on IS NULL
                          OR date_part('year', decided_on) > date_part('year', filed_on)
                     THEN 'pending' ELSE result END AS result,
                count(*) AS n
         FROM appeals WHERE filed_on BETWEEN $1 AND $2
         GROUP BY 1, 2, 3",
    )
    .bind::<Date, _>(first)
    .bind::<Date, _>(last);

    // Feedback received in the year; replied by the year's end, and by the deadline too.
    let feedback = diesel::sql_query(
        "SELECT date_part('year', received_on)::int AS year, kind, channel, count(*) AS received,
                count(*) FILTER (WHERE date_part('year', replied_on) <= date_part('year', received_on))
                    AS replied,
                count(*) FILTER (WHERE date_part('year', replied_on) <= date_part('year', received_on)
                                   AND replied_on <= reply_due_on) AS on_time
         FROM feedback WHERE received_on BETWEEN $1 AND $2
         GROUP BY 1, 2, 3",
    )
    .bind::<Date, _>(first)
    .bind::<Date, _>(last);

    let manual =
        diesel::sql_query("SELECT year, figures FROM stats_manual WHERE year BETWEEN $1 AND $2")
            .bind::<Integer, _>(from)
            .bind::<Integer, _>(to);

    // One after the other on the one connection. Pipelining them (diesel-async sends
    // futures polled together at once) measured no faster: the time is the database's
    // counting, not the five round trips. Their texts are fixed: they stay prepared.
    let items: Vec<CategoryCount> = Prepared(items).load(conn).await?;
    let cases: Vec<CaseCount> = Prepared(cases).load(conn).await?;
    let appeals: Vec<AppealCount> = Prepared(appeals).load(conn).await?;
    let feedback: Vec<FeedbackCount> = Prepared(feedback).load(conn).await?;
    let manual: Vec<ManualRow> = Prepared(manual).load(conn).await?;

    for c in items {
        let Some(t) = slot(c.year) else { continue };
        let proactive = &mut tallies[t].proactive;
        if let Some(slot) = proactive.by_category.slot(&c.category) {
            *slot += c.n;
            proactive.total += c.n;
        }
    }

    // Open on the first day of the span: received before it, not closed before it.
    let mut carried_in = ColumnCounts::default();
    for c in &cases {
        let open_on = |year: i32| c.closed_in.is_none_or(|closed| closed >= year);
        if c.received_in < from {
            if open_on(from) {
                carried_in.add(&c.applicant_type, c.n);
            }
        } else if let Some(t) = slot(c.received_in) {
            // New in the year received, unless closed before that year began.
            if open_on(c.received_in) {
                tallies[t].table.new_this_year.add(&c.applicant_type, c.n);
            }
        }
        let (Some(closed), Some(outcome)) = (c.closed_in, c.outcome.as_deref()) else {
            continue;
        };
        let Some(t) = slot(closed) else { continue };
        let tally = &mut tallies[t];
        let key = ApplicationsTable::outcome_row(outcome, c.reason.as_deref());
        // An unknown pair would unbalance the table: count it as "other" and log it.
        let row = match tally.table.row_mut(&key) {
            Some(row) if ApplicationsTable::outcome_rows().any(|k| k == key) => row,
            _ => {
                tracing::warn!(%key, "application outcome outside the national table");
                &mut tally.table.other_other
            }
        };
        row.add(&c.applicant_type, c.n);
        tally.table.total.add(&c.applicant_type, c.n);
        if c.received_in > closed {
            tally.received_later.add(&c.applicant_type, c.n);
        }
        let slot = match outcome {
            "granted" => &mut tally.by_outcome.granted,
            "partially_granted" => &mut tally.by_outcome.partially_granted,
            "refused" => &mut tally.by_outcome.refused,
            "unable" => &mut tally.by_outcome.unable,
            "not_processed" => &mut tally.by_outcome.not_processed,
            _ => &mut tally.by_outcome.other,
        };
        *slot += c.n;
    }
    // Carried over, year by year: what was open on 1 January, plus the new cases, minus the
    // closed ones, is open on 31 December, and carried into the next year. A case closed in
    // a year before the one it was received in was never open: it is added back, so that the
    // figures are exactly those of the year counted alone, and the balance check below
    // refuses them.
    for tally in &mut tallies {
        let t = &mut tally.table;
        t.carried_from_last_year = carried_in;
        t.carried_to_next_year = carried_in
            .plus(&t.new_this_year)
            .minus(&t.total)
            .plus(&tally.received_later);
        carried_in = t.carried_to_next_year;
    }

    for a in appeals {
        let Some(t) = slot(a.year) else { continue };
        if let Some(k) = tallies[t].appeals.kind_mut(&a.kind) {
            k.add(&a.result, a.n);
        }
    }

    for f in feedback {
        let Some(t) = slot(f.year) else { continue };
        let feedback = &mut tallies[t].feedback;
        feedback.received += f.received;
        feedback.replied += f.replied;
        feedback.replied_on_time += f.on_time;
        match f.kind.as_str() {
            "consultation" => feedback.by_kind.consultation += f.received,
            "complaint" => feedback.by_kind.complaint += f.received,
            _ => feedback.by_kind.suggestion += f.received,
        }
        match f.channel.as_str() {
            "online" => feedback.by_channel.online += f.received,
            "phone" => feedback.by_channel.phone += f.received,
            "letter" => feedback.by_channel.letter += f.received,
            "in_person" => feedback.by_channel.in_person += f.received,
            _ => feedback.by_channel.mailbox += f.received,
        }
    }

    for m in manual {
        let Some(t) = slot(m.year) else { continue };
        tallies[t].manual = Some(serde_json::from_value(m.figures).map_err(AppError::internal)?);
    }

    let agency = Agency {
        name: config.agency_name.clone(),
        code: config.agency_code.clone(),
        parent: config.agency_parent.clone(),
    };
    let mut out = Vec::with_capacity(tallies.len());
    for (year, tally) in (from..=to).zip(tallies) {
        let Tally {
            proactive,
            table,
            by_outcome,
            appeals,
            feedback,
            manual,
            ..
        } = tally;
        let problems = table.imbalances();
        if !problems.is_empty() {
            // The counts are built to balance; if they do not, the data broke an invariant
            // (a case closed before it was received). Publishing such figures would be wrong.
            return Err(AppError::Internal(format!(
                "table 3 of {year} does not balance: {}",
                problems.join("; ")
            )));
        }
        let legacy = Legacy {
            proactive,
            applications: LegacyApplications {
                received: table.new_this_year.total,
                answered: table.total.total,
                by_outcome,
            },
            appeals: LegacyAppeals {
                reconsideration: appeals.reconsideration.total,
                litigation: appeals.litigation_direct.total
                    + appeals.litigation_after_reconsideration.total,
            },
        };
        out.push(YearStats {
            year,
            agency: agency.clone(),
            legacy,
            national: National {
                proactive: manual.unwrap_or_default(),
                applications: table,
                appeals,
            },
            feedback,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcome_rows_are_the_national_forms() {
        let rows: Vec<_> = ApplicationsTable::outcome_rows().collect();
        assert_eq!(rows.len(), 21);
        assert_eq!(rows[0], "granted");
        assert_eq!(rows[20], "other.other");
        assert_eq!(ApplicationsTable::outcome_row("granted", None), "granted");
        assert_eq!(
            ApplicationsTable::outcome_row("refused", Some("state_secret")),
            "refused.state_secret"
        );
        for r in rows {
            assert!(ApplicationsTable::default().row(r).is_some());
        }
    }

    #[test]
    fn imbalances_are_found() {
        let mut t = ApplicationsTable::default();
        assert!(t.imbalances().is_empty());
        t.new_this_year.add("enterprise", 2);
        t.granted.add("enterprise", 1);
        t.total.add("enterprise", 1);
        assert!(!t.imbalances().is_empty(), "one case unaccounted for");
        t.carried_to_next_year.add("enterprise", 1);
        assert!(t.imbalances().is_empty());
        t.granted.natural_person += 1;
        assert!(
            !t.imbalances().is_empty(),
            "a row's total must be the sum of its six"
        );
    }

    #[test]
    fn manual_figures_must_be_non_negative_counts() {
        let mut m = ManualFigures::default();
        assert!(m.validate().is_ok());
        m.rules.issued = -1;
        m.fees.amount_10k_yuan = -0.5;
        let fields: Vec<_> = m
            .validate()
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["rules.issued", "fees.amount_10k_yuan"]);
        m = ManualFigures::default();
        m.fees.amount_10k_yuan = 1.23456;
        assert!(m.validate().is_err());
        m.fees.amount_10k_yuan = 1.2345;
        assert!(m.validate().is_ok());
    }

    #[test]
    fn years_start_in_the_agency_zone() {
        let start = year_start(chrono_tz::Asia::Shanghai, 2010);
        assert_eq!(start.to_rfc3339(), "2009-12-31T16:00:00+00:00");
    }

    fn edges(tz: chrono_tz::Tz, year: i32) -> [String; 4] {
        let e = YearEdges::new(year_start(tz, year), year_start(tz, year + 1));
        [e.starts, e.days_from, e.days_to, e.ends].map(|t| t.to_rfc3339())
    }

    #[test]
    fn a_year_east_of_utc_is_cut_at_utc_midnights() {
        assert_eq!(
            edges(chrono_tz::Asia::Shanghai, 2010),
            [
                "2009-12-31T16:00:00+00:00",
                "2010-01-01T00:00:00+00:00",
                "2010-12-31T00:00:00+00:00",
                "2010-12-31T16:00:00+00:00",
            ]
        );
    }

    #[test]
    fn a_year_west_of_utc_and_a_half_hour_zone_are_cut_too() {
        assert_eq!(
            edges(chrono_tz::America::New_York, 2021),
            [
                "2021-01-01T05:00:00+00:00",
                "2021-01-02T00:00:00+00:00",
                "2022-01-01T00:00:00+00:00",
                "2022-01-01T05:00:00+00:00",
            ]
        );
        assert_eq!(
            edges(chrono_tz::Asia::Kolkata, 2020)[..2],
            ["2019-12-31T18:30:00+00:00", "2020-01-01T00:00:00+00:00"]
        );
    }

    #[test]
    fn a_utc_year_is_whole_days_alone() {
        let [starts, days_from, days_to, ends] = edges(chrono_tz::UTC, 2024);
        assert_eq!((&starts, &days_to), (&days_from, &ends));
        assert_eq!(starts, "2024-01-01T00:00:00+00:00");
        assert_eq!(ends, "2025-01-01T00:00:00+00:00");
    }
}
