//! The guide's fields: each a value type with its rule, and the update made of them.

use serde::Deserialize;
use utoipa::ToSchema;
use utoipa::openapi::schema::{ObjectBuilder, Type};

use crate::values::contact::string_value;
use crate::values::{Email, Invalid, Value};

crate::text_value! {
    /// The office that handles disclosure: 1 to 100 characters.
    pub GuideOfficeName: Line, 1..=100;
    /// The office's address: at most 200 characters.
    pub GuideAddress: Line, 0..=200;
    /// Office hours: at most 200 characters.
    pub GuideHours: Lines, 0..=200;
    /// The text of the guide: at most 100,000 characters, kept as written.
    pub GuideText: Lines, 0..=100_000, untrimmed;
}

// Fields left out of an update are empty.
crate::text_default!(GuideAddress, GuideHours, GuideText);

string_value!(
    /// The office's telephone numbers (or fax): several numbers and extensions may share the
    /// field, so this is not a `Phone`. Digits, spaces, `+`, `-`, parentheses, `,`, `;` and
    /// `转` (extension), with at least one digit; at most 50 characters; empty for none.
    #[derive(Default)]
    GuidePhone,
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(
            "Digits, spaces, `+`, `-`, parentheses, `,`, `;`, `转` (extension); at most 50; empty for none.",
        ))
        .max_length(Some(GuidePhone::MAX_CHARS))
        .pattern(Some(r"^([0-9+(),; 转-]*[0-9][0-9+(),; 转-]*)?$"))
        .examples(["0533-7000000"])
);

impl GuidePhone {
    pub const MAX_CHARS: usize = 50;

    fn canonical(raw: &str) -> String {
        raw.trim().to_owned()
    }
}

impl Value for GuidePhone {
    fn check(&self) -> Result<(), Invalid> {
        let v = &self.0;
        let ok = v.is_empty()
            || (v.chars().count() <= Self::MAX_CHARS
                && v.chars().any(|c| c.is_ascii_digit())
                && v.chars()
                    .all(|c| c.is_ascii_digit() || " +-(),;转".contains(c)));
        if ok {
            Ok(())
        } else {
            Err("a telephone number, e.g. 0533-7000000".into())
        }
    }
}

string_value!(
    /// The office's e-mail address (the rule of `Email`), or empty for none.
    #[derive(Default)]
    GuideEmail,
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some("An e-mail address (local@domain.tld), or empty for none."))
        .max_length(Some(Email::MAX_CHARS))
        .examples(["zhutai@example.gov.cn"])
);

impl GuideEmail {
    fn canonical(raw: &str) -> String {
        raw.trim().to_owned()
    }
}

impl Value for GuideEmail {
    fn check(&self) -> Result<(), Invalid> {
        if self.0.is_empty() {
            return Ok(());
        }
        Email::parse(&self.0).map(|_| ())
    }
}

string_value!(
    /// The office's web address: `http` or `https` with a host, at most 200 bytes; empty for
    /// none.
    #[derive(Default)]
    GuideWebsite,
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some("An http or https address (at most 200 bytes), or empty for none."))
        .max_length(Some(GuideWebsite::MAX_BYTES))
        .examples(["https://zhutai.example.gov.cn"])
);

impl GuideWebsite {
    pub const MAX_BYTES: usize = 200;

    fn canonical(raw: &str) -> String {
        raw.trim().to_owned()
    }
}

impl Value for GuideWebsite {
    fn check(&self) -> Result<(), Invalid> {
        let v = &self.0;
        let ok = v.is_empty()
            || (v.len() <= Self::MAX_BYTES
                && url::Url::parse(v).is_ok_and(|u| {
                    matches!(u.scheme(), "http" | "https") && u.host_str().is_some()
                }));
        if ok {
            Ok(())
        } else {
            Err("an http or https address".into())
        }
    }
}

/// A new guide; it replaces the whole guide. Fields left out are empty.
#[derive(Debug, Deserialize, ToSchema, garde::Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "office_name": "朱台镇政务公开办公室",
    "address": "山东省淄博市临淄区朱台镇政府大院",
    "hours": "周一至周五 8:30-12:00, 13:30-17:30",
    "phone": "0533-7000000",
    "fax": "0533-7000001",
    "email": "zhutai@example.gov.cn",
    "website": "https://zhutai.example.gov.cn",
    "text": "一、主动公开……"
}))]
pub struct GuideUpdate {
    #[garde(dive)]
    pub office_name: GuideOfficeName,
    #[serde(default)]
    #[garde(dive)]
    pub address: GuideAddress,
    #[serde(default)]
    #[garde(dive)]
    pub hours: GuideHours,
    #[serde(default)]
    #[garde(dive)]
    pub phone: GuidePhone,
    #[serde(default)]
    #[garde(dive)]
    pub fax: GuidePhone,
    #[serde(default)]
    #[garde(dive)]
    pub email: GuideEmail,
    #[serde(default)]
    #[garde(dive)]
    pub website: GuideWebsite,
    #[serde(default)]
    #[garde(dive)]
    pub text: GuideText,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_may_hold_several_numbers_and_extensions() {
        for ok in [
            "",
            "0533-7000000",
            "0533-7000000转8001",
            "0533-7000000; 0533-7000002",
        ] {
            assert!(GuidePhone::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["call me", "()", &"1".repeat(51)] {
            assert!(GuidePhone::parse(bad).is_err(), "{bad}");
        }
        let re = regex::Regex::new(r"^([0-9+(),; 转-]*[0-9][0-9+(),; 转-]*)?$").unwrap();
        for s in ["", "0533-7000000转8001", "call me", "()"] {
            assert_eq!(re.is_match(s), GuidePhone::parse(s).is_ok(), "{s}");
        }
    }

    #[test]
    fn email_and_website_may_be_empty() {
        assert!(GuideEmail::parse("").is_ok());
        assert!(GuideEmail::parse("zhutai@example.gov.cn").is_ok());
        assert!(GuideEmail::parse("not-an-address").is_err());
        assert!(GuideWebsite::parse("").is_ok());
        assert!(GuideWebsite::parse("https://zhutai.example.gov.cn").is_ok());
        assert!(GuideWebsite::parse("javascript:alert(1)").is_err());
    }
}
