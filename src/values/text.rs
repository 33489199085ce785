//! Free text: the one rule for every text a caller sends.
//!
//! A text is trimmed (unless its type is declared `untrimmed`: a body's first-line indent, two
//! ideographic spaces, is part of the text); its length is counted in characters (not bytes:
//! 名称 is two); NUL is refused (PostgreSQL cannot store it); other control characters are
//! refused, except line breaks and tabs in a text of several lines. A required text that is
//! empty after trimming is "required". Each field declares its own type with [`text_value!`], naming its kind and
//! limits once: the rule, the error messages and the OpenAPI schema all come from that line.

use super::rule::Invalid;

/// One line, or several.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A name, a title, a number: no control characters at all.
    Line,
    /// A body, a note, a reply: line breaks and tabs allowed.
    Lines,
}

impl Kind {
    /// The OpenAPI pattern of the kind: what every engine (ECMAScript without `u`, Python's
    /// `re`, PCRE) reads alike.
    pub fn pattern(self) -> &'static str {
        match self {
            Kind::Line => r"^[^\x00-\x1F\x7F-\x9F]*$",
            Kind::Lines => r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$",
        }
    }
}

/// Checks a text as it is kept (trimmed, unless its type is `untrimmed`).
pub fn check(value: &str, kind: Kind, min: usize, max: usize) -> Result<(), Invalid> {
    if value.contains('\0') {
        return Err(crate::tr!("value.nul").into());
    }
    let allowed = |c: char| kind == Kind::Lines && matches!(c, '\n' | '\r' | '\t');
    if value.chars().any(|c| c.is_control() && !allowed(c)) {
        return Err(crate::tr!("value.control").into());
    }
    let n = value.chars().count();
    if n == 0 && min > 0 {
        return Err(crate::tr!("value.required").into());
    }
    if n > max {
        return Err(crate::tr!("value.at_most_chars", max = max).into());
    }
    if n < min {
        return Err(crate::tr!("value.chars_between", min = min, max = max).into());
    }
    Ok(())
}

/// The schema of a text type: a string with its limits and pattern.
pub fn schema(
    kind: Kind,
    min: usize,
    max: usize,
    description: &str,
) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length((min > 0).then_some(min))
        .max_length(Some(max))
        .pattern(Some(kind.pattern()))
        .description((!description.is_empty()).then(|| description.to_owned()))
        .into()
}

/// Declares a text type: `text_value! { /// What it is. pub Title: Line, 1..=200; }`, or
/// `pub Body: Lines, 0..=100_000, untrimmed;` for a text kept exactly as sent.
///
/// The type deserialises from a JSON string (trimmed unless `untrimmed`), validates with the rule of its kind
/// and limits, serialises as the string, and is a component of the OpenAPI document under its
/// own name.
#[macro_export]
macro_rules! text_value {
    (@trimmed) => { true };
    (@trimmed untrimmed) => { false };
    ($($(#[doc = $doc:literal])* $vis:vis $name:ident : $kind:ident, $min:literal ..= $max:literal $(, $untrimmed:ident)?;)*) => {$(
        $(#[doc = $doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
        #[serde(transparent)]
        $vis struct $name(String);

        impl $name {
            pub const KIND: $crate::values::text::Kind = $crate::values::text::Kind::$kind;
            pub const MIN: usize = $min;
            pub const MAX: usize = $max;
            /// Whether surrounding spaces are dropped.
            pub const TRIMMED: bool = $crate::text_value!(@trimmed $($untrimmed)?);

            /// Trims (unless the type is `untrimmed`) and checks a text. An owned text that
            /// needs no trimming is kept without a copy.
            pub fn parse<'a>(
                raw: impl Into<std::borrow::Cow<'a, str>>,
            ) -> Result<Self, $crate::values::rule::Invalid> {
                let value = Self::kept(raw.into());
                $crate::values::rule::Value::check(&value)?;
                Ok(value)
            }

            /// The text as this type keeps it (trimmed unless `untrimmed`), unchecked.
            fn kept(raw: std::borrow::Cow<'_, str>) -> Self {
                let trimmed = if Self::TRIMMED { raw.trim() } else { &raw };
                Self(if trimmed.len() == raw.len() { raw.into_owned() } else { trimmed.to_owned() })
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_inner(self) -> String {
                self.0
            }
        }

        impl $crate::values::rule::Value for $name {
            fn check(&self) -> Result<(), $crate::values::rule::Invalid> {
                $crate::values::text::check(&self.0, Self::KIND, Self::MIN, Self::MAX)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let raw = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
                Ok(Self::kept(raw))
            }
        }

        $crate::validate_by_check!($name);

        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                $crate::values::text::schema(Self::KIND, Self::MIN, Self::MAX, concat!($($doc, "\n"),*).trim())
            }
        }

        impl utoipa::ToSchema for $name {}
    )*};
}

/// Gives text types declared with [`text_value!`] the empty text as their default, for fields
/// that may be left out (`#[serde(default)]`); a required one then refuses it as "required".
/// Invoked in the module that declares the types.
#[macro_export]
macro_rules! text_default {
    ($($name:ident),* $(,)?) => {$(
        #[allow(clippy::derivable_impls)]
        impl Default for $name {
            fn default() -> Self {
                $name(String::new())
            }
        }
    )*};
}

#[cfg(test)]
mod tests {
    use super::*;

    text_value! {
        /// A test line.
        TestLine: Line, 1..=5;
        /// A test text.
        TestLines: Lines, 0..=5;
        /// A test text kept as sent.
        TestVerbatim: Lines, 0..=5, untrimmed;
    }
    crate::text_default!(TestVerbatim);

    #[test]
    fn lines_are_trimmed_counted_in_characters_and_free_of_control_characters() {
        assert_eq!(TestLine::parse("  名称 ").unwrap().into_inner(), "名称");
        assert_eq!(
            TestLine::parse("一二三四五").unwrap().as_str(),
            "一二三四五"
        );
        assert_eq!(
            TestLine::parse("一二三四五六").unwrap_err(),
            "at most 5 characters"
        );
        assert_eq!(TestLine::parse("   ").unwrap_err(), "required");
        assert_eq!(
            TestLine::parse("a\tb").unwrap_err(),
            "control characters are not allowed"
        );
        assert_eq!(
            TestLine::parse("a\0b").unwrap_err(),
            "NUL characters are not allowed"
        );
    }

    #[test]
    fn texts_of_several_lines_keep_breaks_and_tabs() {
        assert_eq!(TestLines::parse("a\nb\tc").unwrap().as_str(), "a\nb\tc");
        assert_eq!(TestLines::parse("").unwrap().into_inner(), "");
        assert!(TestLines::parse("a\u{7}").is_err());
    }

    #[test]
    fn untrimmed_texts_keep_their_spaces() {
        assert_eq!(
            TestVerbatim::parse("\u{3000}\u{3000}正文\n")
                .unwrap()
                .as_str(),
            "\u{3000}\u{3000}正文\n"
        );
        let v: TestVerbatim = serde_json::from_str(r#"" a ""#).unwrap();
        assert_eq!(v.as_str(), " a ");
        assert_eq!(TestVerbatim::default().into_inner(), "");
    }

    #[test]
    fn deserialising_trims_and_validation_names_the_rule() {
        use garde::Validate;
        let v: TestLine = serde_json::from_str(r#"" 一二三四五六 ""#).unwrap();
        assert_eq!(v.as_str(), "一二三四五六");
        let report = v.validate().unwrap_err();
        let errors = crate::values::rule::field_errors(report);
        assert_eq!(errors[0].message, "at most 5 characters");
    }

    #[test]
    fn patterns_agree_with_the_rule() {
        let samples = [
            "名称 a",
            "a\tb",
            "a\nb\tc\r",
            "a\u{1}",
            "a\u{7f}",
            "\u{85}",
            "",
            "x\u{b}",
        ];
        for kind in [Kind::Line, Kind::Lines] {
            let re = regex::Regex::new(kind.pattern()).unwrap();
            for s in samples {
                assert_eq!(
                    re.is_match(s),
                    check(s, kind, 0, 100).is_ok(),
                    "{kind:?} {s:?}"
                );
            }
        }
    }
}
