//! The report as a printable HTML page (the national format's sections and tables, the seed's
//! category breakdown, and a bar chart drawn as inline SVG: no scripts, no external assets),
//! and as Markdown.

use std::fmt::Write;

use super::model::Report;
use crate::markup::escape;
use crate::stats::{AppealCounts, AppealsTable, ApplicationsTable, ByCategory, ColumnCounts};

fn paragraphs(text: &str) -> String {
    text.split('\n')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| format!("<p>{}</p>\n", escape(p)))
        .collect()
}

/// The title: "<year>年<agency>政府信息公开工作年度报告".
pub fn title(r: &Report) -> String {
    format!(
        "{}年{}政府信息公开工作年度报告",
        r.year, r.figures.agency.name
    )
}

/// The bar chart of items published by category, as inline SVG.
pub fn category_chart(by: &ByCategory) -> String {
    let max = ByCategory::LABELS
        .iter()
        .map(|(k, _)| by.get(*k))
        .max()
        .unwrap_or(0)
        .max(1);
    let (bar_w, gap, height, top) = (60, 30, 200, 20);
    let width = ByCategory::LABELS.len() as i64 * (bar_w + gap) + gap;
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="chart-title" width="{width}" height="{}" viewBox="0 0 {width} {}">
<title id="chart-title">主动公开政府信息分类统计</title>
"#,
        height + top + 40,
        height + top + 40
    );
    for (i, (key, label)) in ByCategory::LABELS.iter().enumerate() {
        let n = by.get(*key);
        let h = n * height / max;
        let x = gap + i as i64 * (bar_w + gap);
        let y = top + height - h;
        let _ = writeln!(
            svg,
            r##"<g class="bar" data-category="{key}"><rect x="{x}" y="{y}" width="{bar_w}" height="{h}" fill="#b22222"><title>{label} {n}</title></rect><text x="{}" y="{}" text-anchor="middle" font-size="14">{n}</text><text x="{}" y="{}" text-anchor="middle" font-size="14">{label}</text></g>"##,
            x + bar_w / 2,
            y - 4,
            x + bar_w / 2,
            top + height + 20
        );
    }
    svg.push_str("</svg>");
    svg
}

fn table3_html(t: &ApplicationsTable) -> String {
    let mut h = String::from("<table id=\"table-3\">\n<thead><tr><th>项目</th>");
    for (_, label) in ColumnCounts::COLUMNS {
        let _ = write!(h, "<th>{label}</th>");
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    for (key, label) in ApplicationsTable::ROWS {
        let row = t.row(key).expect("listed row");
        let _ = write!(h, "<tr data-row=\"{key}\"><th>{}</th>", escape(label));
        for (col, _) in ColumnCounts::COLUMNS {
            let _ = write!(h, "<td>{}</td>", row.get(col));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody></table>\n");
    h
}

fn table4_html(t: &AppealsTable) -> String {
    let mut h = String::from("<table id=\"table-4\">\n<thead><tr><th>类别</th>");
    for (_, label) in AppealCounts::COLUMNS {
        let _ = write!(h, "<th>{label}</th>");
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    for (kind, label) in AppealsTable::KINDS {
        let c = t.kind(kind);
        let _ = write!(h, "<tr data-row=\"{kind}\"><th>{label}</th>");
        for (col, _) in AppealCounts::COLUMNS {
            let _ = write!(h, "<td>{}</td>", c.get(col));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody></table>\n");
    h
}

const STYLE: &str = "body{font-family:'Noto Serif CJK SC','Songti SC',serif;max-width:60em;margin:2em auto;padding:0 1em;line-height:1.7}
h1{text-align:center;font-size:1.6em}h2{font-size:1.2em;margin-top:1.6em}
table{border-collapse:collapse;width:100%;margin:1em 0;font-size:.95em}
th,td{border:1px solid #333;padding:.3em .5em}td{text-align:right}thead th{background:#f3f3f3}
.meta{text-align:center;color:#555}@media print{body{margin:0}}";

/// The whole report as a self-contained HTML page.
pub fn html(r: &Report) -> String {
    let f = &r.figures;
    let n = &f.national;
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<title>{t}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{t}</h1>\n<p class=\"meta\">第{v}版 · 发布于 {d}</p>\n",
        t = escape(&title(r)),
        v = r.version,
        d = r.published_at.format("%Y-%m-%d"),
    );
    let _ = write!(
        h,
        "<h2>一、总体情况</h2>\n{}",
        paragraphs(&r.sections.overview)
    );

    h.push_str("<h2>二、主动公开政府信息情况</h2>\n");
    if let Some(note) = &r.sections.proactive_note {
        h.push_str(&paragraphs(note));
    }
    let p = &n.proactive;
    let _ = write!(
        h,
        "<table id=\"table-2\">\n<thead><tr><th>信息内容</th><th>本年制发件数</th><th>本年废止件数</th><th>现行有效件数</th></tr></thead>\n<tbody>\n\
<tr data-row=\"rules\"><th>规章</th><td>{}</td><td>{}</td><td>{}</td></tr>\n\
<tr data-row=\"normative_documents\"><th>行政规范性文件</th><td>{}</td><td>{}</td><td>{}</td></tr>\n</tbody></table>\n\
<table id=\"table-2-decisions\">\n<thead><tr><th>信息内容</th><th>本年处理决定数量</th></tr></thead>\n<tbody>\n\
<tr data-row=\"licences\"><th>行政许可</th><td>{}</td></tr>\n<tr data-row=\"penalties\"><th>行政处罚</th><td>{}</td></tr>\n\
<tr data-row=\"compulsory_measures\"><th>行政强制</th><td>{}</td></tr>\n</tbody></table>\n\
<table id=\"table-2-fees\">\n<thead><tr><th>信息内容</th><th>本年收费金额（单位：万元）</th></tr></thead>\n<tbody>\n\
<tr data-row=\"fees\"><th>行政事业性收费</th><td>{}</td></tr>\n</tbody></table>\n",
        p.rules.issued,
        p.rules.repealed,
        p.rules.in_force,
        p.normative_documents.issued,
        p.normative_documents.repealed,
        p.normative_documents.in_force,
        p.licences.decisions,
        p.penalties.decisions,
        p.compulsory_measures.decisions,
        p.fees.amount_10k_yuan,
    );
    let by = &f.legacy.proactive.by_category;
    let _ = write!(
        h,
        "<p>{}年共主动公开政府信息{}条。其中",
        r.year, f.legacy.proactive.total
    );
    let parts: Vec<String> = ByCategory::LABELS
        .iter()
        .map(|(k, label)| format!("{label}{}条", by.get(*k)))
        .collect();
    let _ = writeln!(h, "{}。</p>", parts.join("、"));
    h.push_str("<table id=\"table-categories\">\n<thead><tr><th>分类</th><th>条数</th></tr></thead>\n<tbody>\n");
    for (k, label) in ByCategory::LABELS {
        let _ = writeln!(
            h,
            "<tr data-row=\"{k}\"><th>{label}</th><td>{}</td></tr>",
            by.get(k)
        );
    }
    let _ = writeln!(
        h,
        "<tr data-row=\"total\"><th>合计</th><td>{}</td></tr>\n</tbody></table>",
        f.legacy.proactive.total
    );
    let _ = writeln!(h, "<figure>{}</figure>", category_chart(by));

    h.push_str("<h2>三、收到和处理政府信息公开申请情况</h2>\n");
    if let Some(note) = &r.sections.applications_note {
        h.push_str(&paragraphs(note));
    }
    h.push_str(&table3_html(&n.applications));

    h.push_str("<h2>四、政府信息公开行政复议、行政诉讼情况</h2>\n");
    if let Some(note) = &r.sections.appeals_note {
        h.push_str(&paragraphs(note));
    }
    h.push_str(&table4_html(&n.appeals));

    let _ = write!(
        h,
        "<h2>五、存在的主要问题及改进情况</h2>\n{}<h2>六、其他需要报告的事项</h2>\n{}<p class=\"meta\">{}</p>\n</body>\n</html>\n",
        paragraphs(&r.sections.problems_and_improvements),
        paragraphs(&r.sections.other_matters),
        escape(&f.agency.name),
    );
    h
}

/// Escapes text for Markdown table cells and paragraphs.
fn md(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The report as Markdown.
pub fn markdown(r: &Report) -> String {
    let f = &r.figures;
    let n = &f.national;
    let mut m = String::new();
    let _ = writeln!(
        m,
        "# {}\n\n第{}版 · 发布于 {}\n",
        md(&title(r)),
        r.version,
        r.published_at.format("%Y-%m-%d")
    );
    let para = |text: &str| -> String {
        text.split('\n')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| format!("{}\n\n", md(p)))
            .collect()
    };
    let _ = write!(m, "## 一、总体情况\n\n{}", para(&r.sections.overview));
    m.push_str("## 二、主动公开政府信息情况\n\n");
    if let Some(note) = &r.sections.proactive_note {
        m.push_str(&para(note));
    }
    let p = &n.proactive;
    let _ = write!(
        m,
        "| 信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |\n|---|---:|---:|---:|\n| 规章 | {} | {} | {} |\n| 行政规范性文件 | {} | {} | {} |\n\n\
| 信息内容 | 本年处理决定数量 |\n|---|---:|\n| 行政许可 | {} |\n| 行政处罚 | {} |\n| 行政强制 | {} |\n\n\
| 信息内容 | 本年收费金额（单位：万元） |\n|---|---:|\n| 行政事业性收费 | {} |\n\n",
        p.rules.issued,
        p.rules.repealed,
        p.rules.in_force,
        p.normative_documents.issued,
        p.normative_documents.repealed,
        p.normative_documents.in_force,
        p.licences.decisions,
        p.penalties.decisions,
        p.compulsory_measures.decisions,
        p.fees.amount_10k_yuan
    );
    let by = &f.legacy.proactive.by_category;
    m.push_str("| 分类 | 条数 |\n|---|---:|\n");
    for (k, label) in ByCategory::LABELS {
        let _ = writeln!(m, "| {label} | {} |", by.get(k));
    }
    let _ = writeln!(m, "| 合计 | {} |\n", f.legacy.proactive.total);

    m.push_str("## 三、收到和处理政府信息公开申请情况\n\n");
    if let Some(note) = &r.sections.applications_note {
        m.push_str(&para(note));
    }
    m.push_str("| 项目 |");
    for (_, label) in ColumnCounts::COLUMNS {
        let _ = write!(m, " {label} |");
    }
    m.push_str("\n|---|");
    m.push_str(&"---:|".repeat(ColumnCounts::COLUMNS.len()));
    m.push('\n');
    for (key, label) in ApplicationsTable::ROWS {
        let row = n.applications.row(key).expect("listed row");
        let _ = write!(m, "| {} |", md(label));
        for (col, _) in ColumnCounts::COLUMNS {
            let _ = write!(m, " {} |", row.get(col));
        }
        m.push('\n');
    }
    m.push_str("\n## 四、政府信息公开行政复议、行政诉讼情况\n\n");
    if let Some(note) = &r.sections.appeals_note {
        m.push_str(&para(note));
    }
    m.push_str("| 类别 |");
    for (_, label) in AppealCounts::COLUMNS {
        let _ = write!(m, " {label} |");
    }
    m.push_str("\n|---|");
    m.push_str(&"---:|".repeat(AppealCounts::COLUMNS.len()));
    m.push('\n');
    for (kind, label) in AppealsTable::KINDS {
        let c = n.appeals.kind(kind);
        let _ = write!(m, "| {label} |");
        for (col, _) in AppealCounts::COLUMNS {
            let _ = write!(m, " {} |", c.get(col));
        }
        m.push('\n');
    }
    let _ = write!(
        m,
        "\n## 五、存在的主要问题及改进情况\n\n{}## 六、其他需要报告的事项\n\n{}",
        para(&r.sections.problems_and_improvements),
        para(&r.sections.other_matters)
    );
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markdown() {
        assert_eq!(md("a|b<i>"), "a\\|b&lt;i&gt;");
    }

    #[test]
    fn chart_has_one_bar_per_category_scaled_to_the_largest() {
        let by = ByCategory {
            organization: 17,
            policy: 78,
            plan: 4,
            work: 33,
            statistics: 3,
            other: 4,
        };
        let svg = category_chart(&by);
        assert_eq!(svg.matches("<rect").count(), 6);
        assert!(
            svg.contains(r#"height="200" fill"#),
            "the largest bar is full height"
        );
        assert!(svg.contains("政策法规"));
        let empty = category_chart(&ByCategory::default());
        assert_eq!(empty.matches(r#"height="0""#).count(), 6);
    }
}
