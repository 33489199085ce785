//! Personal data and the public board: what is removed from a submitter's texts before they
//! are shown publicly, and what no public text may contain.
//!
//! People do not type numbers one way. Chinese input methods give full-width digits and signs
//! (`１３８－１２３４`, `＠`), numbers are grouped (`138 1234 5678`, `138-1234-5678`,
//! `138.1234.5678`) or written in Chinese numerals (`一三八`, `壹叁捌`, `幺` for one). So every
//! check and scrub reads the text normalised (NFKC, character by character, Chinese numerals
//! as digits), while the scrub replaces what it finds in the text as typed: the rest of a
//! text keeps its full-width punctuation (NFKC would turn `，` into `,`).
//!
//! What the scrub removes, and with what (the board's convention): an e-mail address becomes
//! `***@***`; a unified social credit code, and any run of 7 digits or more (mobile numbers,
//! landlines with their area code, resident identity numbers of 18 or 15 characters, accounts),
//! also when grouped, becomes `***`; the submitter's name becomes its first character and `某`.
//! What stays: dates (`2026-03-02`, `2025.3.1`), year ranges (`2024—2025`), amounts
//! (`3500000元`, unless the number has the shape of a mobile or identity number), and numbers
//! of up to 6 digits (postcodes, document numbers such as `朱政发〔2025〕3号`).

use unicode_normalization::UnicodeNormalization;

use crate::values::contact::phone_digits;
use crate::values::identity::is_credit_code_char;
use crate::values::rule::nfkc;

/// A run of digits shorter than this is not personal data (postcodes have 6).
const MIN_DIGITS: usize = 7;

/// The digit a character stands for: ASCII (after NFKC), or a Chinese numeral, the common
/// (〇一二…), the financial (壹贰叁…, also traditional) and `幺`, one as read out in numbers.
fn digit(c: char) -> Option<char> {
    Some(match c {
        '0'..='9' => c,
        '〇' | '零' => '0',
        '一' | '壹' | '幺' => '1',
        '二' | '贰' | '貳' => '2',
        '三' | '叁' | '參' => '3',
        '四' | '肆' => '4',
        '五' | '伍' => '5',
        '六' | '陆' | '陸' => '6',
        '七' | '柒' => '7',
        '八' | '捌' => '8',
        '九' | '玖' => '9',
        _ => return None,
    })
}

/// What may stand between the groups of one number: spaces, hyphens and dashes, dots,
/// parentheses (around an area code).
fn is_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | '-' | '.' | '(' | ')' | '\u{2010}'..='\u{2015}' | '\u{2212}'
    )
}

fn is_email_local(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-')
}

fn is_email_domain(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '-')
}

/// A text read for detection: each character NFKC-normalised (one may become several, `⑴` ->
/// `(1)`), with the index of the character it came from.
struct Normalised {
    chars: Vec<char>,
    from: Vec<usize>,
}

impl Normalised {
    fn new(typed: &[char]) -> Self {
        let mut chars = Vec::with_capacity(typed.len());
        let mut from = Vec::with_capacity(typed.len());
        for (i, c) in typed.iter().enumerate() {
            for n in std::iter::once(*c).nfkc() {
                chars.push(n);
                from.push(i);
            }
        }
        Normalised { chars, from }
    }

    fn get(&self, i: usize) -> Option<char> {
        self.chars.get(i).copied()
    }

    fn is_digit(&self, i: usize) -> bool {
        self.get(i).and_then(digit).is_some()
    }
}

/// A span of the normalised text to replace.
struct Span {
    start: usize,
    end: usize,
    with: String,
}

/// Removes personal data from a text for the public board (see the module's documentation).
pub fn scrub(text: &str, name: Option<&str>) -> String {
    let typed: Vec<char> = text.chars().collect();
    let n = Normalised::new(&typed);
    let mut spans = Vec::new();
    let mut i = 0;
    while i < n.chars.len() {
        if let Some(end) = email_at(&n, i) {
            spans.push(Span {
                start: i,
                end,
                with: "***@***".into(),
            });
            i = end;
        } else if let Some(end) = credit_code_at(&n, i) {
            spans.push(Span {
                start: i,
                end,
                with: "***".into(),
            });
            i = end;
        } else if n.is_digit(i) {
            match number_at(&n, i) {
                Number::Kept(end) => i = end,
                Number::Personal(end) => {
                    // A `+` (country code) or `(` (area code) in front goes with the number.
                    let start = if i > 0 && matches!(n.chars[i - 1], '+' | '(') {
                        i - 1
                    } else {
                        i
                    };
                    spans.push(Span {
                        start,
                        end,
                        with: "***".into(),
                    });
                    i = end;
                }
            }
        } else {
            i += 1;
        }
    }
    if let Some(name) = name.map(str::trim).filter(|n| n.chars().count() >= 2) {
        name_spans(&n, name, &mut spans);
    }
    replace(&typed, &n, spans)
}

/// The text as typed with each span (of the normalised text) replaced.
fn replace(typed: &[char], n: &Normalised, mut spans: Vec<Span>) -> String {
    spans.sort_by_key(|s| s.start);
    let mut out = String::with_capacity(typed.len());
    let mut at = 0;
    for span in spans {
        let (start, end) = (n.from[span.start], n.from[span.end - 1] + 1);
        if start < at {
            continue;
        }
        out.extend(&typed[at..start]);
        out.push_str(&span.with);
        at = end;
    }
    out.extend(&typed[at..]);
    out
}

/// The submitter's name wherever it does not overlap what is already replaced: `李明` -> `李某`.
fn name_spans(n: &Normalised, name: &str, spans: &mut Vec<Span>) {
    let needle: Vec<char> = nfkc(name).chars().collect();
    let first: String = name.chars().take(1).collect();
    let mut i = 0;
    while i + needle.len() <= n.chars.len() {
        let end = i + needle.len();
        let free = !spans.iter().any(|s| s.start < end && i < s.end);
        if free && n.chars[i..end] == needle[..] {
            spans.push(Span {
                start: i,
                end,
                with: format!("{first}某"),
            });
            i = end;
        } else {
            i += 1;
        }
    }
}

/// An e-mail address starting at `i` (the start of a run of address characters): its end.
/// Spaces around the `@` and `。` typed for a dot in the domain are read as the address.
fn email_at(n: &Normalised, i: usize) -> Option<usize> {
    if i > 0 && is_email_local(n.chars[i - 1]) {
        return None;
    }
    let mut j = i;
    while n.get(j).is_some_and(is_email_local) {
        j += 1;
    }
    if j == i {
        return None;
    }
    let skip_spaces = |mut k: usize| {
        let from = k;
        while k - from < 2 && n.get(k) == Some(' ') {
            k += 1;
        }
        k
    };
    j = skip_spaces(j);
    if n.get(j) != Some('@') {
        return None;
    }
    let start = skip_spaces(j + 1);
    let mut k = start;
    let mut dots = 0;
    loop {
        match n.get(k) {
            Some(c) if is_email_domain(c) => {
                dots += usize::from(c == '.');
                k += 1;
            }
            Some('。') if n.get(k + 1).is_some_and(|c| c.is_ascii_alphanumeric()) => {
                dots += 1;
                k += 1;
            }
            _ => break,
        }
    }
    // A sentence's full stop after the address is not part of it.
    while k > start && n.chars[k - 1] == '.' {
        k -= 1;
        dots -= 1;
    }
    let domain_ok = k > start && n.chars[start] != '.' && dots > 0;
    domain_ok.then_some(k)
}

/// A unified social credit code (GB 32100) starting at `i`: 18 letters and digits of its
/// character set (digits and capitals without I, O, S, V, Z, in either case), the 3rd to
/// 8th an administrative division code (digits). The check character is not required: a
/// mistyped code is still someone's.
fn credit_code_at(n: &Normalised, i: usize) -> Option<usize> {
    if i > 0 && n.chars[i - 1].is_ascii_alphanumeric() {
        return None;
    }
    let end = i + 18;
    let code = n.chars.get(i..end)?;
    let shaped = code.iter().all(|c| is_credit_code_char(*c))
        && code[2..8].iter().all(char::is_ascii_digit)
        && !n.get(end).is_some_and(|c| c.is_ascii_alphanumeric());
    shaped.then_some(end)
}

enum Number {
    /// Not personal data: continue after it.
    Kept(usize),
    /// Personal data up to here.
    Personal(usize),
}

/// Reads the number starting at `i`: groups of digits joined by up to 3 separators, and an
/// identity number's final `X`.
fn number_at(n: &Normalised, i: usize) -> Number {
    let mut groups: Vec<(usize, usize)> = Vec::new();
    let mut j = i;
    loop {
        let start = j;
        while n.is_digit(j) {
            j += 1;
        }
        groups.push((start, j));
        let mut k = j;
        while k - j < 3 && n.get(k).is_some_and(is_separator) {
            k += 1;
        }
        if k > j && n.is_digit(k) {
            j = k;
        } else {
            break;
        }
    }
    let value = |g: (usize, usize)| -> String {
        n.chars[g.0..g.1].iter().filter_map(|c| digit(*c)).collect()
    };
    let digits: usize = groups.iter().map(|g| g.1 - g.0).sum();
    let mut end = j;
    let mut x = false;
    if digits >= 17
        && n.get(end).is_some_and(|c| matches!(c, 'X' | 'x'))
        && !n.get(end + 1).is_some_and(|c| c.is_ascii_alphanumeric())
    {
        end += 1;
        x = true;
    }

    let year = |g: (usize, usize)| {
        g.1 - g.0 == 4
            && value(g)
                .parse::<u32>()
                .is_ok_and(|y| (1900..=2100).contains(&y))
    };
    let within = |g: (usize, usize), max: u32| {
        g.1 - g.0 <= 2
            && value(g)
                .parse::<u32>()
                .is_ok_and(|v| (1..=max).contains(&v))
    };
    let joiner = |a: (usize, usize), b: (usize, usize)| &n.chars[a.1..b.0];
    // A date: year, month, day joined by one `-` or `.`; what follows with another joiner (a
    // time) is read on its own.
    if groups.len() >= 3 && year(groups[0]) && within(groups[1], 12) && within(groups[2], 31) {
        let first = joiner(groups[0], groups[1]);
        let same = |a, b| joiner(a, b) == first;
        if matches!(first, ['-'] | ['.'])
            && same(groups[1], groups[2])
            && (groups.len() == 3 || !same(groups[2], groups[3]))
        {
            return Number::Kept(groups[2].1);
        }
    }
    // A span of years: 2024-2025, 2024—2025.
    if groups.len() == 2 && year(groups[0]) && year(groups[1]) {
        return Number::Kept(end);
    }
    if digits < MIN_DIGITS {
        return Number::Kept(end);
    }
    // An amount (3500000元, 1250000 万): kept unless it has the shape of a mobile or an
    // identity number, which no unit makes public.
    let all: String = groups.iter().map(|g| value(*g)).collect();
    let mobile =
        all.len() == 11 && all.starts_with('1') && matches!(all.as_bytes()[1], b'3'..=b'9');
    let identity = x || matches!(all.len(), 15 | 18);
    let unit_at = |k: usize| {
        n.get(k)
            .is_some_and(|c| matches!(c, '元' | '万' | '亿' | '%'))
    };
    if (unit_at(end) || (n.get(end) == Some(' ') && unit_at(end + 1))) && !mobile && !identity {
        return Number::Kept(end);
    }
    Number::Personal(end)
}

/// The text as the leak checks read it: normalised, numerals as digits, without the
/// separators of numbers (`１３８ 一二三四-5678` -> `13812345678`).
fn digits_of(text: &str) -> String {
    nfkc(text)
        .chars()
        .filter(|c| !is_separator(*c))
        .map(|c| digit(c).unwrap_or(c))
        .collect()
}

/// An e-mail address as the leak checks read it: normalised, lower case, without spaces, `。`
/// read as a dot.
fn address_of(text: &str) -> String {
    nfkc(text)
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| if c == '。' { '.' } else { c })
        .collect::<String>()
        .to_lowercase()
}

/// Which of the submitter's contact data a text contains, in whatever form it is typed, if
/// any.
pub fn leaks_contact(
    text: &str,
    name: Option<&str>,
    phone: Option<&str>,
    email: Option<&str>,
) -> Option<&'static str> {
    if let Some(phone) = phone {
        let digits = phone_digits(phone);
        if digits.len() >= MIN_DIGITS && digits_of(text).contains(&digits) {
            return Some("phone number");
        }
    }
    if let Some(email) = email.map(address_of).filter(|e| !e.is_empty()) {
        if address_of(text).contains(&email) {
            return Some("e-mail address");
        }
    }
    if let Some(name) = name.map(str::trim).filter(|n| n.chars().count() >= 2) {
        if nfkc(text).contains(&nfkc(name)) {
            return Some("name");
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrubs_phones_emails_ids_and_the_name() {
        let text = "我是李明，电话13812345678，也可打138 1234 5678或0533-7123456，\
                    邮箱li.ming@example.com。身份证37030519800101123X。2026-03-02路灯坏了，共3盏。";
        let got = scrub(text, Some("李明"));
        assert_eq!(
            got,
            "我是李某，电话***，也可打***或***，邮箱***@***。身份证***。2026-03-02路灯坏了，共3盏。"
        );
        assert_eq!(scrub("no data here.", None), "no data here.");
        assert_eq!(scrub("a@b", None), "a@b");
        assert_eq!(
            scrub("end with mail x@y.cn.", None),
            "end with mail ***@***."
        );
    }

    /// Issue #16 item 0: full-width, grouped and Chinese-numeral forms are scrubbed like the
    /// ASCII ones, and the rest of the text keeps its full-width punctuation.
    #[test]
    fn scrubs_every_typed_form() {
        assert_eq!(
            scrub(
                "手机１３９０５３３１２３４，身份证号３７０３０５１９９２１１０３１５２１",
                None
            ),
            "手机***，身份证号***"
        );
        for typed in [
            "１３９０５３３１２３４",
            "139０533１２３４",
            "139 0533 1234",
            "139  0533  1234",
            "139 - 0533 - 1234",
            "139.0533.1234",
            "１３９－０５３３－１２３４",
            "一三九〇五三三一二三四",
            "壹叁玖零伍叁叁壹贰叁肆",
            "幺三九零五三三幺二三四",
            "139零五三三1234",
            "+86 139 0533 1234",
            "＋８６　１３９　０５３３　１２３４",
            "(0533)7123456",
            "（０５３３）７１２３４５６",
            "0533-712-3456",
            "37030519921103152X",
            "３７０３０５１９９２１１０３１５２ｘ",
            "370305 19921103 152X",
            "370305921103152",
            "91350100M000100Y43",
            "９１３５０１００Ｍ０００１００Ｙ４３",
            "91350100m000100y43",
        ] {
            assert_eq!(
                scrub(&format!("电话：{typed}。"), None),
                "电话：***。",
                "{typed}"
            );
        }
        for typed in [
            "li.ming＠example.com",
            "ｌｉ．ｍｉｎｇ＠ｅｘａｍｐｌｅ．ｃｏｍ",
            "li.ming @ example.com",
            "li.ming@example。com",
            "13812345678@qq.com",
        ] {
            assert_eq!(
                scrub(&format!("邮箱：{typed}。"), None),
                "邮箱：***@***。",
                "{typed}"
            );
        }
        assert_eq!(
            scrub("13812345678元旦后打", None),
            "***元旦后打",
            "no unit makes a mobile number an amount"
        );
        assert_eq!(scrub("我是Ｌｉ Ｍｉｎｇ。", Some("Li Ming")), "我是L某。");
    }

    #[test]
    fn keeps_what_is_not_personal_data() {
        for text in [
            "2025年3月1日路灯坏了，共3盏。",
            "二〇二五年三月一日报修。",
            "依据朱政发〔2025〕3号文件。",
            "2026-03-02 10:30到现场，2025.3.1也来过。",
            "２０２６－０３－０２报修。",
            "2024—2025年度，2024-2025学年。",
            "工程款3,500,000元，另有3500000元未付，约12.5万元，增长12 345 678%不可能。",
            "邮编256600。",
            "第12号楼3单元502室。",
            "一二三四五六",
            "contact me @ noon.",
        ] {
            assert_eq!(scrub(text, None), text);
        }
    }

    #[test]
    fn finds_leaks() {
        let (n, p, e) = (Some("李明"), Some("138-1234-5678"), Some("Li@Example.com"));
        assert_eq!(
            leaks_contact("call 138 1234 5678", n, p, e),
            Some("phone number")
        );
        assert_eq!(
            leaks_contact("li@example.com", n, p, e),
            Some("e-mail address")
        );
        assert_eq!(leaks_contact("李明说", n, p, e), Some("name"));
        assert_eq!(leaks_contact("李某说", n, p, e), None);
    }

    #[test]
    fn finds_leaks_in_any_typed_form() {
        let (n, p, e) = (None, Some("+86 (138) 1234-5678"), Some("li@example.com"));
        for text in [
            "请致电１３８１２３４５６７８",
            "请致电一三八一二三四五六七八",
            "请致电壹叁捌壹贰叁肆伍陆柒捌",
            "请致电138.1234.5678",
            "请致电＋８６　１３８　１２３４　５６７８",
        ] {
            assert_eq!(leaks_contact(text, n, p, e), Some("phone number"), "{text}");
        }
        for text in [
            "li＠example.com",
            "ＬＩ＠ＥＸＡＭＰＬＥ．ＣＯＭ",
            "li @ example。com",
        ] {
            assert_eq!(
                leaks_contact(text, n, p, e),
                Some("e-mail address"),
                "{text}"
            );
        }
        assert_eq!(leaks_contact("请致电12345678", n, p, e), None);
    }
}
