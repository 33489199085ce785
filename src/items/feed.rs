//! The Atom feed (RFC 4287) of the latest published items.

use chrono::{DateTime, SecondsFormat, Utc};
use diesel_async::AsyncPgConnection;

use super::repo::{self, FeedRow};
use crate::markup::escape;

/// How many entries the feed carries.
pub const FEED_ENTRIES: i64 = 50;

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The feed's XML. `base` is the server's origin (`https://example.gov.cn`), for links.
pub async fn build(
    conn: &mut AsyncPgConnection,
    agency_name: &str,
    base: &str,
) -> Result<String, diesel::result::Error> {
    let rows = repo::latest_published(conn, FEED_ENTRIES).await?;
    Ok(render(rows, agency_name, base))
}

/// The feed of `rows` (newest first).
fn render(rows: Vec<FeedRow>, agency_name: &str, base: &str) -> String {
    let updated = rows
        .iter()
        .map(|r| r.7)
        .max()
        .unwrap_or_else(|| DateTime::<Utc>::from_timestamp(0, 0).expect("epoch"));
    let self_url = format!("{base}/api/v1/feeds/items.atom");
    let mut x = String::with_capacity(1024 + rows.len() * 512);
    x.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    x.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"zh-CN\">\n");
    x.push_str(&format!("  <id>{}</id>\n", escape(&self_url)));
    x.push_str(&format!(
        "  <title>{} 政府信息公开</title>\n",
        escape(agency_name)
    ));
    x.push_str(&format!("  <updated>{}</updated>\n", rfc3339(updated)));
    x.push_str(&format!(
        "  <author><name>{}</name></author>\n",
        escape(agency_name)
    ));
    x.push_str(&format!(
        "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n",
        escape(&self_url)
    ));
    for (id, index_no, title, summary, category, publisher, published_at, updated_at) in rows {
        x.push_str("  <entry>\n");
        x.push_str(&format!("    <id>urn:uuid:{id}</id>\n"));
        x.push_str(&format!("    <title>{}</title>\n", escape(&title)));
        x.push_str(&format!("    <updated>{}</updated>\n", rfc3339(updated_at)));
        if let Some(p) = published_at {
            x.push_str(&format!("    <published>{}</published>\n", rfc3339(p)));
        }
        x.push_str(&format!(
            "    <link rel=\"alternate\" type=\"application/json\" href=\"{}\"/>\n",
            escape(&format!("{base}/api/v1/items/{id}"))
        ));
        x.push_str(&format!(
            "    <author><name>{}</name></author>\n",
            escape(&publisher)
        ));
        x.push_str(&format!(
            "    <category term=\"{}\"/>\n",
            escape(category.as_str())
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
            escape(&text)
        ));
        x.push_str("  </entry>\n");
    }
    x.push_str("</feed>\n");
    x
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::items::model::Category;

    #[test]
    fn entries_carry_escaped_text_and_the_index_number() {
        let at = DateTime::<Utc>::from_timestamp(1_236_000_000, 0).unwrap();
        let id = uuid::Uuid::nil();
        let rows = vec![(
            id,
            Some("X/2009-00001".to_owned()),
            "A & B <通知>".to_owned(),
            "'引号'".to_owned(),
            Category::Work,
            "朱台镇".to_owned(),
            Some(at),
            at,
        )];
        let xml = render(rows, "朱台镇", "https://example.gov.cn");
        assert!(
            xml.contains("<title>A &amp; B &lt;通知&gt;</title>"),
            "{xml}"
        );
        assert!(
            xml.contains("&#39;引号&#39;（索引号 X/2009-00001）"),
            "{xml}"
        );
        assert!(xml.contains("<category term=\"work\"/>"), "{xml}");
        assert!(xml.contains(&format!("<id>urn:uuid:{id}</id>")));
    }
}
