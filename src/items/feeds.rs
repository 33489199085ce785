//! The Atom feed (RFC 4287) of the latest published items.

use chrono::{DateTime, SecondsFormat, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::items;

/// How many entries the feed carries.
pub const FEED_ENTRIES: i64 = 50;

/// Escapes text for XML element content and attribute values, dropping characters XML 1.0
/// does not allow.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

type FeedRow = (
    Uuid,
    Option<String>,
    String,
    String,
    String,
    String,
    Option<DateTime<Utc>>,
    DateTime<Utc>,
);

/// The feed's XML. `base` is the server's origin (`https://example.gov.cn`), for links.
pub async fn build(
    conn: &mut AsyncPgConnection,
    agency_name: &str,
    base: &str,
) -> Result<String, diesel::result::Error> {
    let rows: Vec<FeedRow> = items::table
        .filter(items::status.eq("published"))
        .order((items::published_at.desc(), items::id.desc()))
        .limit(FEED_ENTRIES)
        .select((
            items::id,
            items::index_no,
            items::title,
            items::summary,
            items::category,
            items::publisher,
            items::published_at,
            items::updated_at,
        ))
        .load(conn)
        .await?;
    let updated = rows
        .iter()
        .map(|r| r.7)
        .max()
        .unwrap_or_else(|| DateTime::<Utc>::from_timestamp(0, 0).expect("epoch"));
    let self_url = format!("{base}/api/v1/feeds/items.atom");
    let mut x = String::with_capacity(1024 + rows.len() * 512);
    x.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    x.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"zh-CN\">\n");
    x.push_str(&format!("  <id>{}</id>\n", xml_escape(&self_url)));
    x.push_str(&format!(
        "  <title>{} 政府信息公开</title>\n",
        xml_escape(agency_name)
    ));
    x.push_str(&format!("  <updated>{}</updated>\n", rfc3339(updated)));
    x.push_str(&format!(
        "  <author><name>{}</name></author>\n",
        xml_escape(agency_name)
    ));
    x.push_str(&format!(
        "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n",
        xml_escape(&self_url)
    ));
    for (id, index_no, title, summary, category, publisher, published_at, updated_at) in rows {
        x.push_str("  <entry>\n");
        x.push_str(&format!("    <id>urn:uuid:{id}</id>\n"));
        x.push_str(&format!("    <title>{}</title>\n", xml_escape(&title)));
        x.push_str(&format!("    <updated>{}</updated>\n", rfc3339(updated_at)));
        if let Some(p) = published_at {
            x.push_str(&format!("    <published>{}</published>\n", rfc3339(p)));
        }
        x.push_str(&format!(
            "    <link rel=\"alternate\" type=\"application/json\" href=\"{}\"/>\n",
            xml_escape(&format!("{base}/api/v1/items/{id}"))
        ));
        x.push_str(&format!(
            "    <author><name>{}</name></author>\n",
            xml_escape(&publisher)
        ));
        x.push_str(&format!(
            "    <category term=\"{}\"/>\n",
            xml_escape(&category)
        ));
        let mut text = summary;
        if let Some(n) = index_no {
            text = if text.is_empty() {
                format!("索引号 {n}")
            } else {
                format!("{text}（索引号 {n}）")
            };
        }
        x.push_str(&format!(
            "    <summary type=\"text\">{}</summary>\n",
            xml_escape(&text)
        ));
        x.push_str("  </entry>\n");
    }
    x.push_str("</feed>\n");
    Ok(x)
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_markup_and_drops_invalid_characters() {
        assert_eq!(
            super::xml_escape("<a href=\"x\">&'\u{1}\n"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos;\n"
        );
    }
}
