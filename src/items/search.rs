//! Search in Chinese text, which has no spaces between words.
//!
//! An item is indexed by its character n-grams: every CJK character, every pair of adjacent
//! CJK characters, and every run of ASCII letters and digits (lower-cased). A query term of
//! one or two CJK characters is then exactly one lexeme, so the GIN index finds every item
//! that contains it; a longer term is the AND of its pairs, and the candidates are rechecked
//! against the text. The SQL function `item_search_vector` (first items migration) computes
//! the same vector for rows written by plain SQL; a test checks both agree.

use std::collections::BTreeSet;

use crate::error::FieldError;

/// Longest accepted `q`, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// Most whitespace-separated terms in `q`.
pub const MAX_QUERY_TERMS: usize = 10;
/// ASCII words are cut to this many characters (as in SQL).
const MAX_WORD: usize = 100;

/// Characters indexed one by one and in pairs: the CJK ideograph blocks the SQL function
/// matches (`[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]`).
pub fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}' | '\u{f900}'..='\u{faff}' | '\u{20000}'..='\u{3134f}')
}

#[derive(Debug, PartialEq, Eq)]
enum Run<'a> {
    Cjk(Vec<char>),
    Word(&'a str),
}

/// The CJK runs and ASCII word runs of a text, in order; everything else separates them.
fn runs(text: &str) -> Vec<Run<'_>> {
    let mut out = Vec::new();
    let mut cjk: Vec<char> = Vec::new();
    let mut word_start: Option<usize> = None;
    for (i, c) in text.char_indices() {
        if is_cjk(c) {
            cjk.push(c);
        } else if !cjk.is_empty() {
            out.push(Run::Cjk(std::mem::take(&mut cjk)));
        }
        if c.is_ascii_alphanumeric() {
            word_start.get_or_insert(i);
        } else if let Some(s) = word_start.take() {
            out.push(Run::Word(&text[s..i]));
        }
    }
    if !cjk.is_empty() {
        out.push(Run::Cjk(cjk));
    }
    if let Some(s) = word_start {
        out.push(Run::Word(&text[s..]));
    }
    out
}

fn word_lexeme(w: &str) -> String {
    w.chars()
        .take(MAX_WORD)
        .collect::<String>()
        .to_ascii_lowercase()
}

/// The distinct n-grams of a text (what `cjk_ngrams(text)` returns in SQL).
pub fn ngrams(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for run in runs(text) {
        match run {
            Run::Cjk(chars) => {
                for (i, c) in chars.iter().enumerate() {
                    out.insert(c.to_string());
                    if let Some(next) = chars.get(i + 1) {
                        out.insert(format!("{c}{next}"));
                    }
                }
            }
            Run::Word(w) => {
                out.insert(word_lexeme(w));
            }
        }
    }
    out
}

/// The text form of an item's search vector, cast with `::tsvector` in SQL: title (position
/// 1, weight A), document number (2, A), summary (3, B), body (4, C). PostgreSQL merges a
/// lexeme's repeated entries. Lexemes are CJK characters and ASCII letters and digits only,
/// so quoting them is enough.
pub fn vector_text(title: &str, summary: &str, doc_no: Option<&str>, body: &str) -> String {
    let mut out = String::with_capacity(body.len() * 4 + 256);
    for (text, pos) in [
        (title, "1A"),
        (doc_no.unwrap_or(""), "2A"),
        (summary, "3B"),
        (body, "4C"),
    ] {
        for g in ngrams(text) {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push('\'');
            out.push_str(&g);
            out.push_str("':");
            out.push_str(pos);
        }
    }
    out
}

/// A parsed `q`: the `tsquery` that finds candidates through the index, and the terms that
/// must be rechecked against the text (those the n-grams alone do not prove).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextQuery {
    /// Text form of a `tsquery` (`'公开' & '镇'`, `'abc':*`).
    pub tsquery: String,
    /// Lower-cased terms to find with `strpos` in the item's text.
    pub recheck: Vec<String>,
}

/// Parses `q`: whitespace separates terms; every term must occur (AND).
///
/// A term that is one CJK run of one or two characters, or one ASCII word, is exact in the
/// index (an ASCII word matches words that start with it). Any other term (three or more CJK
/// characters, mixed scripts, punctuation) is found by its n-grams and then rechecked.
pub fn parse_query(q: &str) -> Result<Option<TextQuery>, FieldError> {
    let q = q.trim();
    if q.is_empty() {
        return Ok(None);
    }
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(FieldError::new(
            "q",
            format!("at most {MAX_QUERY_CHARS} characters"),
        ));
    }
    if q.chars().any(char::is_control) {
        return Err(FieldError::new("q", "control characters are not allowed"));
    }
    let terms: Vec<&str> = q.split_whitespace().collect();
    if terms.len() > MAX_QUERY_TERMS {
        return Err(FieldError::new(
            "q",
            format!("at most {MAX_QUERY_TERMS} terms"),
        ));
    }
    let mut lexemes: BTreeSet<String> = BTreeSet::new();
    let mut recheck = Vec::new();
    for term in terms {
        let rs = runs(term);
        let exact = match rs.as_slice() {
            [Run::Cjk(chars)] => chars.len() <= 2 && chars.len() == term.chars().count(),
            [Run::Word(w)] => w.len() == term.len() && w.len() <= MAX_WORD,
            _ => false,
        };
        for run in &rs {
            match run {
                Run::Cjk(chars) if chars.len() == 1 => {
                    lexemes.insert(format!("'{}'", chars[0]));
                }
                Run::Cjk(chars) => {
                    for pair in chars.windows(2) {
                        lexemes.insert(format!("'{}{}'", pair[0], pair[1]));
                    }
                }
                Run::Word(w) => {
                    lexemes.insert(format!("'{}':*", word_lexeme(w)));
                }
            }
        }
        if !exact {
            recheck.push(term.to_lowercase());
        }
    }
    if lexemes.is_empty() {
        return Err(FieldError::new(
            "q",
            "search for at least one Chinese character, letter or digit",
        ));
    }
    Ok(Some(TextQuery {
        tsquery: lexemes.into_iter().collect::<Vec<_>>().join(" & "),
        recheck,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ngrams_are_characters_pairs_and_words() {
        let g = ngrams("关于2009年朱台镇 ABC-12号〔2009〕𠀀𠀁");
        let expected: BTreeSet<String> = [
            "关", "关于", "于", "2009", "年", "年朱", "朱", "朱台", "台", "台镇", "镇", "abc",
            "12", "号", "𠀀", "𠀀𠀁", "𠀁",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(g, expected);
    }

    #[test]
    fn short_terms_are_one_exact_lexeme() {
        let q = parse_query("公开").unwrap().unwrap();
        assert_eq!(q.tsquery, "'公开'");
        assert!(q.recheck.is_empty());
        let q = parse_query(" 镇 ").unwrap().unwrap();
        assert_eq!(q.tsquery, "'镇'");
        assert!(q.recheck.is_empty());
        let q = parse_query("Policy").unwrap().unwrap();
        assert_eq!(q.tsquery, "'policy':*");
        assert!(q.recheck.is_empty());
    }

    #[test]
    fn long_and_mixed_terms_are_pairs_and_a_recheck() {
        let q = parse_query("政务公开 镇").unwrap().unwrap();
        assert_eq!(q.tsquery, "'公开' & '务公' & '政务' & '镇'");
        assert_eq!(q.recheck, vec!["政务公开"]);
        let q = parse_query("朱政发〔2009〕12号").unwrap().unwrap();
        assert_eq!(q.tsquery, "'12':* & '2009':* & '号' & '政发' & '朱政'");
        assert_eq!(q.recheck, vec!["朱政发〔2009〕12号"]);
    }

    #[test]
    fn empty_and_unsearchable_queries() {
        assert_eq!(parse_query("  ").unwrap(), None);
        assert_eq!(parse_query("〔〕").unwrap_err().field, "q");
        assert!(parse_query(&"公".repeat(201)).is_err());
        assert!(parse_query("a\u{0}b").is_err());
    }

    #[test]
    fn vectors_quote_every_lexeme_with_its_weight() {
        assert_eq!(
            vector_text("公开", "", Some("A1"), "镇"),
            "'公':1A '公开':1A '开':1A 'a1':2A '镇':4C"
        );
    }
}
