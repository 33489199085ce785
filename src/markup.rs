//! Escaping text into markup: HTML pages (the annual report, notices) and XML (the Atom feed)
//! share one escaper.

/// Escapes text for element content and attribute values of HTML and XML alike: the five
/// markup characters become references, and characters XML 1.0 does not allow (controls other
/// than tab and line breaks, U+FFFE, U+FFFF) are dropped.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            // `&apos;` is not HTML 4; the numeric reference reads the same everywhere.
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_drops_characters_xml_does_not_allow() {
        assert_eq!(escape("<script>&\"'"), "&lt;script&gt;&amp;&quot;&#39;");
        assert_eq!(
            escape("<a href=\"x\">&'\u{1}\n"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;\n"
        );
        assert_eq!(escape("名称\u{FFFE}"), "名称");
    }
}
