//! The figures as CSV for spreadsheet users: one row per (year, table, row, column).

use super::model::YearStats;

/// The CSV header.
pub const HEADER: &str = "year,table,row,column,value\r\n";

/// The figures of the years, in order, as one CSV document.
pub fn document(years: &[YearStats]) -> Vec<u8> {
    let mut out = String::from(HEADER);
    for year in years {
        write_year(&mut out, year);
    }
    out.into_bytes()
}

/// Appends the figures of one year, in the order of the JSON document.
pub fn write_year(out: &mut String, stats: &YearStats) {
    let value = serde_json::to_value(stats).expect("figures serialise");
    for section in ["legacy", "national", "feedback"] {
        let mut path = vec![section.to_owned()];
        walk(out, stats.year, &value[section], &mut path);
    }
}

fn walk(out: &mut String, year: i32, v: &serde_json::Value, path: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, child) in map {
                path.push(k.clone());
                walk(out, year, child, path);
                path.pop();
            }
        }
        leaf => {
            // `feedback.received` -> table feedback; `national.applications.granted.total`
            // -> table national.applications, row granted, column total.
            let (table, rest) = if path[0] == "feedback" {
                (path[0].clone(), &path[1..])
            } else {
                (format!("{}.{}", path[0], path[1]), &path[2..])
            };
            let (row, column) = match rest {
                [row] => (row.as_str(), "value"),
                [row, column] => (row.as_str(), column.as_str()),
                _ => (rest.first().map_or("", |s| s.as_str()), "value"),
            };
            out.push_str(&format!(
                "{year},{table},{},{column},{leaf}\r\n",
                field(row)
            ));
        }
    }
}

/// Quotes a CSV field when it needs it (row keys contain dots, never commas, but be safe).
fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}
