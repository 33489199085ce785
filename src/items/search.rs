//! Search in Chinese text, which has no spaces between words.
//!
//! An item is indexed by its character n-grams: every CJK character, every pair of adjacent
//! CJK characters, and every run of ASCII letters and digits (lower-cased). A query term of
//! one or two CJK characters is then exactly one lexeme, so the GIN index finds every item
//! that contains it; a longer term is the AND of its pairs, and the candidates are rechecked
//! against the text. The SQL function `item_search_vector` (first items migration) computes
//! the same vector for rows written by plain SQL; a test checks both agree.

use std::collections::BTreeSet;

use super::model::Fields;
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

fn word_lexeme(w: &str) -> std::borrow::Cow<'_, str> {
    let cut = w.char_indices().nth(MAX_WORD).map_or(w, |(i, _)| &w[..i]);
    if cut.bytes().any(|b| b.is_ascii_uppercase()) {
        std::borrow::Cow::Owned(cut.to_ascii_lowercase())
    } else {
        std::borrow::Cow::Borrowed(cut)
    }
}

/// The distinct n-grams of a text (what `cjk_ngrams(text)` returns in SQL), held compactly:
/// a CJK character or pair as its UTF-8 bytes packed into one number (so that numbers sort as
/// PostgreSQL sorts lexemes, byte by byte), words as strings. Several times faster than a set
/// of strings; the import computes 10,000 vectors at a time.
struct Grams<'a> {
    /// The UTF-8 bytes, big-endian, zero-padded (UTF-8 has no zero bytes); sorted, distinct.
    cjk: Vec<u64>,
    /// Sorted, distinct. ASCII, so every word sorts before every CJK n-gram.
    words: Vec<std::borrow::Cow<'a, str>>,
}

/// `c`, then `next`, as UTF-8 bytes packed into a number (see [`Grams`]).
fn cjk_key(c: char, next: Option<char>) -> u64 {
    let mut buf = [0u8; 8];
    let len = c.encode_utf8(&mut buf).len();
    if let Some(n) = next {
        n.encode_utf8(&mut buf[len..]);
    }
    u64::from_be_bytes(buf)
}

/// The UTF-8 bytes of an n-gram packed by [`cjk_key`].
fn cjk_bytes(key: &u64) -> ([u8; 8], usize) {
    let bytes = key.to_be_bytes();
    let len = bytes.iter().position(|&b| b == 0).unwrap_or(8);
    (bytes, len)
}

impl<'a> Grams<'a> {
    fn of(text: &'a str) -> Self {
        let mut cjk = Vec::new();
        let mut words = Vec::new();
        for run in runs(text) {
            match run {
                Run::Cjk(chars) => {
                    for (i, &c) in chars.iter().enumerate() {
                        cjk.push(cjk_key(c, None));
                        if let Some(&next) = chars.get(i + 1) {
                            cjk.push(cjk_key(c, Some(next)));
                        }
                    }
                }
                Run::Word(w) => words.push(word_lexeme(w)),
            }
        }
        cjk.sort_unstable();
        cjk.dedup();
        words.sort_unstable();
        words.dedup();
        Grams { cjk, words }
    }
}

/// An item's search vector, sent to PostgreSQL in the binary form of `tsvector` (what its
/// `tsvectorrecv` reads: nothing to tokenise or unquote, unlike the text form). Its lexemes
/// are the n-grams of the title (position 1, weight A), the document number (2, A), the
/// summary (3, B) and the body (4, C), each with the positions of the parts it occurs in.
#[derive(Debug, Clone, diesel::expression::AsExpression)]
#[diesel(sql_type = crate::db::schema::sql_types::Tsvector)]
pub struct SearchVector(Vec<u8>);

/// `WordEntryPos`: the weight in the top two bits (A = 3 … D = 0), then the position.
const PARTS: [u16; 4] = [3 << 14 | 1, 3 << 14 | 2, 2 << 14 | 3, 1 << 14 | 4];

impl SearchVector {
    /// The vector of an item's title, summary, document number and body (what the SQL
    /// function `item_search_vector` computes).
    pub fn of(title: &str, summary: &str, doc_no: Option<&str>, body: &str) -> Self {
        let parts = [title, doc_no.unwrap_or(""), summary, body].map(Grams::of);
        // Every n-gram with the parts it occurs in, as bits; sorted, then merged per n-gram.
        let mut cjk: Vec<(u64, u8)> = Vec::new();
        let mut words: Vec<(&str, u8)> = Vec::new();
        for (i, g) in parts.iter().enumerate() {
            cjk.extend(g.cjk.iter().map(|&k| (k, 1u8 << i)));
            words.extend(g.words.iter().map(|w| (w.as_ref(), 1u8 << i)));
        }
        cjk.sort_unstable();
        words.sort_unstable();
        let mut out = Vec::with_capacity(4 + cjk.len() * 12 + words.len() * 16);
        out.extend_from_slice(&[0; 4]);
        let mut count: i32 = 0;
        let mut entry = |out: &mut Vec<u8>, lexeme: &[u8], bits: u8| {
            count += 1;
            out.extend_from_slice(lexeme);
            out.push(0);
            out.extend_from_slice(&(bits.count_ones() as u16).to_be_bytes());
            for (i, pos) in PARTS.iter().enumerate() {
                if bits & (1 << i) != 0 {
                    out.extend_from_slice(&pos.to_be_bytes());
                }
            }
        };
        // Words sort before CJK n-grams (ASCII bytes are below UTF-8 lead bytes).
        for group in words.chunk_by(|a, b| a.0 == b.0) {
            let bits = group.iter().fold(0, |b, g| b | g.1);
            entry(&mut out, group[0].0.as_bytes(), bits);
        }
        for group in cjk.chunk_by(|a, b| a.0 == b.0) {
            let bits = group.iter().fold(0, |b, g| b | g.1);
            let (bytes, len) = cjk_bytes(&group[0].0);
            entry(&mut out, &bytes[..len], bits);
        }
        out[..4].copy_from_slice(&count.to_be_bytes());
        SearchVector(out)
    }

    /// The title and document-number part alone (the `headline` column).
    pub fn headline(title: &str, doc_no: Option<&str>) -> Self {
        Self::of(title, "", doc_no, "")
    }

    /// An item's vector (the `search` column).
    pub fn of_item(f: &Fields) -> Self {
        Self::of(&f.title, &f.summary, f.doc_no.as_deref(), &f.body)
    }

    /// An item's `headline` vector: a match there ranks first.
    pub fn headline_of(f: &Fields) -> Self {
        Self::headline(&f.title, f.doc_no.as_deref())
    }
}

impl diesel::serialize::ToSql<crate::db::schema::sql_types::Tsvector, diesel::pg::Pg>
    for SearchVector
{
    fn to_sql<'b>(
        &'b self,
        out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>,
    ) -> diesel::serialize::Result {
        use std::io::Write;
        out.write_all(&self.0)?;
        Ok(diesel::serialize::IsNull::No)
    }
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
        let v = SearchVector::of("", "", None, "关于2009年朱台镇 ABC-12号〔2009〕𠀀𠀁");
        let g: BTreeSet<String> = decode(&v).into_iter().map(|(lexeme, _)| lexeme).collect();
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

    /// The lexemes of a binary vector with their positions as `<position><weight>`.
    fn decode(v: &SearchVector) -> Vec<(String, Vec<String>)> {
        let b = &v.0;
        let count = i32::from_be_bytes(b[..4].try_into().unwrap());
        let mut at = 4;
        let mut out = Vec::new();
        for _ in 0..count {
            let end = at + b[at..].iter().position(|&c| c == 0).unwrap();
            let lexeme = String::from_utf8(b[at..end].to_vec()).unwrap();
            at = end + 1;
            let n = u16::from_be_bytes([b[at], b[at + 1]]);
            at += 2;
            let mut positions = Vec::new();
            for _ in 0..n {
                let p = u16::from_be_bytes([b[at], b[at + 1]]);
                at += 2;
                let weight = ["D", "C", "B", "A"][usize::from(p >> 14)];
                positions.push(format!("{}{weight}", p & 0x3fff));
            }
            out.push((lexeme, positions));
        }
        assert_eq!(at, b.len());
        out
    }

    #[test]
    fn vectors_hold_sorted_lexemes_with_the_parts_they_occur_in() {
        let v = decode(&SearchVector::of("公开", "", Some("A1"), "镇公"));
        let expected: Vec<(String, Vec<String>)> = [
            ("a1", &["2A"][..]),
            ("公", &["1A", "4C"]),
            ("公开", &["1A"]),
            ("开", &["1A"]),
            ("镇", &["4C"]),
            ("镇公", &["4C"]),
        ]
        .iter()
        .map(|(l, p)| (l.to_string(), p.iter().map(|s| s.to_string()).collect()))
        .collect();
        assert_eq!(v, expected);
        let all = decode(&SearchVector::of("镇", "镇", Some("镇"), "镇"));
        assert_eq!(
            all,
            [(
                "镇".to_owned(),
                vec!["1A".into(), "2A".into(), "3B".into(), "4C".into()]
            )]
        );
        assert_eq!(decode(&SearchVector::headline("", None)), []);
    }

    #[test]
    fn packed_ngrams_sort_as_their_bytes() {
        let mut keys = [
            cjk_key('镇', None),
            cjk_key('公', Some('开')),
            cjk_key('公', None),
            cjk_key('𠀀', Some('公')),
        ];
        keys.sort_unstable();
        let texts: Vec<String> = keys
            .iter()
            .map(|k| {
                let (b, n) = cjk_bytes(k);
                String::from_utf8(b[..n].to_vec()).unwrap()
            })
            .collect();
        let mut by_bytes = texts.clone();
        by_bytes.sort();
        assert_eq!(texts, by_bytes);
        assert_eq!(texts, ["公", "公开", "镇", "𠀀公"]);
    }
}
