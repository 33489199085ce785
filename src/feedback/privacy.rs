//! Personal data and the public board: what is removed from a submitter's texts before they
//! are shown publicly, and what no public text may contain.

fn is_email_local(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-')
}

fn is_email_domain(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '-')
}

/// Removes personal data from a text for the public board: e-mail addresses, phone, ID and
/// account numbers (7 digits or more, also when written in groups such as `138 1234 5678`),
/// and the submitter's name (`李明` -> `李某`). Dates such as `2026-03-02` stay.
pub fn scrub(text: &str, name: Option<&str>) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if is_email_local(c) {
            // An e-mail address starting here?
            let mut j = i;
            while j < chars.len() && is_email_local(chars[j]) {
                j += 1;
            }
            if j > i && j < chars.len() && chars[j] == '@' {
                let mut k = j + 1;
                while k < chars.len() && is_email_domain(chars[k]) {
                    k += 1;
                }
                let domain: String = chars[j + 1..k].iter().collect();
                let domain = domain.trim_end_matches('.');
                if domain.contains('.') {
                    out.push_str("***@***");
                    i = j + 1 + domain.chars().count();
                    continue;
                }
            }
        }
        if c.is_ascii_digit() {
            // A run of digit groups joined by single spaces or hyphens.
            let mut groups: Vec<usize> = Vec::new();
            let mut j = i;
            loop {
                let start = j;
                while j < chars.len() && chars[j].is_ascii_digit() {
                    j += 1;
                }
                groups.push(j - start);
                if j + 1 < chars.len()
                    && matches!(chars[j], ' ' | '-')
                    && chars[j + 1].is_ascii_digit()
                {
                    j += 1;
                } else {
                    break;
                }
            }
            // An ID card number may end in X.
            if j < chars.len()
                && matches!(chars[j], 'X' | 'x')
                && groups.iter().sum::<usize>() >= 17
            {
                j += 1;
            }
            let digits: usize = groups.iter().sum();
            let is_date = groups.len() == 3 && groups[0] == 4 && groups[1] <= 2 && groups[2] <= 2;
            if digits >= 7 && !is_date {
                out.push_str("***");
            } else {
                out.extend(&chars[i..j]);
            }
            i = j;
            continue;
        }
        out.push(c);
        i += 1;
    }
    match name.map(str::trim).filter(|n| n.chars().count() >= 2) {
        Some(name) => {
            let first: String = name.chars().take(1).collect();
            out.replace(name, &format!("{first}某"))
        }
        None => out,
    }
}

/// Which of the submitter's contact data a text contains, if any.
pub fn leaks_contact(
    text: &str,
    name: Option<&str>,
    phone: Option<&str>,
    email: Option<&str>,
) -> Option<&'static str> {
    if let Some(phone) = phone {
        let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
        let text_digits: String = text
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '(' | ')'))
            .collect();
        if digits.len() >= 7 && text_digits.contains(&digits) {
            return Some("phone number");
        }
    }
    if let Some(email) = email {
        if text.to_lowercase().contains(&email.trim().to_lowercase()) {
            return Some("e-mail address");
        }
    }
    if let Some(name) = name.map(str::trim).filter(|n| n.chars().count() >= 2) {
        if text.contains(name) {
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
}
