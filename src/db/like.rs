//! `LIKE` patterns built from what a caller typed.

/// Escapes `%`, `_` and `\` so that a caller's text matches only itself inside a `LIKE` or
/// `ILIKE` pattern (`format!("%{}%", escape_like(q))`).
pub fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_and_the_escape_character_match_themselves() {
        assert_eq!(escape_like("wang.li"), "wang.li");
        assert_eq!(escape_like("100%_a\\b"), "100\\%\\_a\\\\b");
    }
}
