//! Ways to reach a person: phone numbers and e-mail addresses, with their masks for lists.

use super::rule::{Invalid, Value, nfkc};

/// Declares a value type over a string: its canonical form is the trimmed text.
macro_rules! string_value {
    ($(#[$m:meta])* $name:ident, $schema:expr) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Makes the value canonical and checks it.
            pub fn parse(raw: &str) -> Result<Self, Invalid> {
                let value = Self(Self::canonical(raw));
                value.check()?;
                Ok(value)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_inner(self) -> String {
                self.0
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let raw = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
                Ok(Self(Self::canonical(&raw)))
            }
        }

        $crate::validate_by_check!($name);

        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                $schema.into()
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}
pub(crate) use string_value;

use utoipa::openapi::schema::{ObjectBuilder, Type};

string_value!(
    /// A phone number (issue #16 item 12: one rule for feedback and applications). Read as
    /// typed after NFKC (full-width `１３８－１２３４`, `（）`, `＋` and the ideographic space, which
    /// Chinese input methods type, are their ASCII forms) and kept so; without its spaces,
    /// hyphens and parentheses and a leading `+86`, it is 5 to 20 digits, with an optional `+`
    /// in front; at most 30 characters.
    Phone,
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some("5 to 20 digits, with optional spaces, '-', parentheses and a leading '+' (+86 is not counted); at most 30 characters. Full-width forms are read as ASCII (NFKC) and the number is kept in ASCII."))
        .min_length(Some(5))
        .max_length(Some(Phone::MAX_CHARS))
        .pattern(Some(Phone::PATTERN))
        .examples(["0533-7000000"])
);

impl Phone {
    pub const MAX_CHARS: usize = 30;
    pub const DIGITS: std::ops::RangeInclusive<usize> = 5..=20;
    /// The characters of a phone number as people type them, in ASCII and full width. The rule
    /// reads any text through NFKC, so the rarer compatibility forms of these (`①`) pass too.
    pub const PATTERN: &str = "^[0-9０-９+＋()（）－ \u{3000}-]+$";

    fn canonical(raw: &str) -> String {
        nfkc(raw).trim().to_owned()
    }

    /// `13812345678` -> `138****5678`; short numbers are masked entirely.
    pub fn masked(&self) -> String {
        mask_phone(&self.0)
    }
}

impl Value for Phone {
    fn check(&self) -> Result<(), Invalid> {
        let ok = self.0.chars().count() <= Self::MAX_CHARS
            && national(&self.0).is_some_and(|d| Self::DIGITS.contains(&d.len()));
        if ok {
            Ok(())
        } else {
            Err(crate::tr!("value.phone").into())
        }
    }
}

/// The digits of a phone number as the rule counts them: NFKC, without spaces, hyphens and
/// parentheses, without a leading `+86` (a leading `+` of another country code is dropped,
/// its digits kept). `None` when anything else remains.
fn national(phone: &str) -> Option<String> {
    let compact: String = nfkc(phone)
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '(' | ')'))
        .collect();
    let rest = compact.strip_prefix("+86").unwrap_or(&compact);
    let digits = rest.strip_prefix('+').unwrap_or(rest);
    digits
        .chars()
        .all(|c| c.is_ascii_digit())
        .then(|| digits.to_owned())
}

/// The digits of a phone number as stored (rows hold plain text, some from before the rule
/// read full-width forms): what masks show and what leak checks look for.
pub fn phone_digits(phone: &str) -> String {
    national(phone).unwrap_or_else(|| nfkc(phone).chars().filter(char::is_ascii_digit).collect())
}

/// `13812345678` -> `138****5678`; short numbers are masked entirely. For phone numbers as
/// stored (rows hold plain text).
pub fn mask_phone(phone: &str) -> String {
    let digits: Vec<char> = phone_digits(phone).chars().collect();
    if digits.len() < 7 {
        return "****".into();
    }
    let head: String = digits[..3].iter().collect();
    let tail: String = digits[digits.len() - 4..].iter().collect();
    format!("{head}****{tail}")
}

string_value!(
    /// An e-mail address: `local@domain.tld`, no spaces, at most 254 characters; read and kept
    /// after NFKC (`li＠example．cn` is `li@example.cn`).
    Email,
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some("An e-mail address: local@domain.tld, no spaces. Full-width forms are read as ASCII (NFKC)."))
        .max_length(Some(Email::MAX_CHARS))
        .pattern(Some(r"^[^@＠\s]+[@＠][^@＠\s.．][^@＠\s]*[.．][^@＠\s]*[^@＠\s.．]$"))
        .examples(["li.ming@example.cn"])
);

impl Email {
    pub const MAX_CHARS: usize = 254;

    fn canonical(raw: &str) -> String {
        nfkc(raw).trim().to_owned()
    }

    /// `li.ming@example.com` -> `l***@example.com`.
    pub fn masked(&self) -> String {
        mask_email(&self.0)
    }
}

impl Value for Email {
    fn check(&self) -> Result<(), Invalid> {
        let v = &self.0;
        let ok = v.chars().count() <= Self::MAX_CHARS
            && !v.chars().any(|c| c.is_whitespace() || c.is_control())
            && match v.rsplit_once('@') {
                Some((local, domain)) => {
                    !local.is_empty()
                        && !local.contains('@')
                        && domain.contains('.')
                        && !domain.starts_with('.')
                        && !domain.ends_with('.')
                }
                None => false,
            };
        if ok {
            Ok(())
        } else {
            Err(crate::tr!("value.email").into())
        }
    }
}

/// `li.ming@example.com` -> `l***@example.com`, for addresses as stored.
pub fn mask_email(email: &str) -> String {
    match email.rsplit_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_have_5_to_20_digits_and_a_few_signs() {
        assert_eq!(
            Phone::parse(" 0533-7000000 ").unwrap().as_str(),
            "0533-7000000"
        );
        assert!(Phone::parse("+86 (533) 700 0000").is_ok());
        assert!(Phone::parse("1234").is_err());
        assert!(Phone::parse("123456789012345678901").is_err(), "21 digits");
        assert!(Phone::parse("0533 7000000 ext").is_err());
        assert!(
            Phone::parse(&format!("1{}", " ".repeat(29))).is_err(),
            "one digit"
        );
    }

    /// Issue #16 item 12: full-width forms are the ASCII ones, kept in ASCII; `+86` is not
    /// counted; a `+` only in front.
    #[test]
    fn phones_are_read_after_nfkc_and_without_the_country_code() {
        for (typed, kept) in [
            ("１３９０５３３１２３４", "13905331234"),
            ("139０533１２３４", "13905331234"),
            ("０５３３－７１２３４５６", "0533-7123456"),
            ("（０５３３）７１２３４５６", "(0533)7123456"),
            ("＋８６　１３９　０５３３　１２３４", "+86 139 0533 1234"),
            ("+86 12345", "+86 12345"),
            ("+44 20 7946 0958", "+44 20 7946 0958"),
        ] {
            assert_eq!(Phone::parse(typed).unwrap().as_str(), kept, "{typed}");
        }
        for bad in [
            "+86 1234",
            "１２３４",
            "138+1234+5678",
            "139０533１２３４转5",
            "+",
            "+86",
        ] {
            assert!(Phone::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(phone_digits("+86 139-0533-1234"), "13905331234");
        assert_eq!(
            phone_digits("１３９ext"),
            "139",
            "a stored value outside the rule"
        );
    }

    #[test]
    fn patterns_accept_the_typed_forms() {
        let phone = regex::Regex::new(Phone::PATTERN).unwrap();
        for ok in [
            "0533-7000000",
            "＋８６　１３９－０５３３（１２３４）",
            "(0533) 7000000",
        ] {
            assert!(phone.is_match(ok), "{ok}");
            assert!(Phone::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["0533 7000000 ext", "139转5"] {
            assert!(!phone.is_match(bad), "{bad}");
            assert!(Phone::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn emails_have_a_local_part_and_a_dotted_domain() {
        assert!(Email::parse("li.ming@example.cn").is_ok());
        assert_eq!(
            Email::parse("ｌｉ．ｍｉｎｇ＠ｅｘａｍｐｌｅ．ｃｎ")
                .unwrap()
                .as_str(),
            "li.ming@example.cn"
        );
        for bad in [
            "x",
            "@example.cn",
            "a@b",
            "a@.cn",
            "a@cn.",
            "a b@c.cn",
            "a@b@c.cn",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn masks() {
        assert_eq!(mask_phone("138-1234-5678"), "138****5678");
        assert_eq!(mask_phone("12345"), "****");
        assert_eq!(mask_phone("+86 139 0533 1234"), "139****1234");
        assert_eq!(mask_phone("１３９０５３３１２３４"), "139****1234");
        assert_eq!(mask_email("li.ming@example.com"), "l***@example.com");
    }
}
