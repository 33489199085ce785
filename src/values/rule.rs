//! What every value type shares: its refusal, its check, and how refusals become field errors.

use crate::error::FieldError;

/// Compatibility normalisation (NFKC): the full-width digits, letters and signs Chinese input
/// methods type (`１３８`, `Ｘ`, `＠`, `－`, the ideographic space) read as their ASCII forms.
/// Every value with a shape (phones, e-mail addresses, identity numbers) is read through it,
/// so a number is the same number however it was typed.
pub fn nfkc(raw: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    raw.nfkc().collect()
}

/// Why a value was refused, in words for the caller.
pub type Invalid = std::borrow::Cow<'static, str>;

/// A value type's rule.
pub trait Value: Sized {
    /// Checks the value as it stands (already canonical).
    fn check(&self) -> Result<(), Invalid>;
}

/// The field errors of a validation report, with each field's path as the caller wrote it.
pub fn field_errors(report: garde::Report) -> Vec<FieldError> {
    report
        .iter()
        .map(|(path, error)| {
            let field = path.to_string();
            FieldError::new(
                if field.is_empty() {
                    "body".to_owned()
                } else {
                    field
                },
                error.message().to_owned(),
            )
        })
        .collect()
}

/// The fields a validation names, sorted (a report's order is its own): what unit tests of
/// request types compare.
#[cfg(test)]
pub fn invalid_fields<T: garde::Validate<Context = ()>>(value: &T) -> Vec<String> {
    let mut fields: Vec<String> = value
        .validate()
        .map_or_else(field_errors, |()| Vec::new())
        .into_iter()
        .map(|e| e.field)
        .collect();
    fields.sort();
    fields
}

/// Reports a value's refusal into a validation report, at its path.
pub fn report(
    value: &impl Value,
    parent: &mut dyn FnMut() -> garde::Path,
    report: &mut garde::Report,
) {
    if let Err(message) = value.check() {
        report.append(parent(), garde::Error::new(message.as_ref()));
    }
}

/// For optional fields where an empty text means "not given" (an application form's blank
/// phone field): `""` and whitespace deserialise as `None`.
pub fn blank_as_none<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    use serde::Deserialize;
    let v = Option::<serde_json::Value>::deserialize(d)?;
    match v {
        None => Ok(None),
        Some(serde_json::Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(v) => T::deserialize(v)
            .map(Some)
            .map_err(serde::de::Error::custom),
    }
}

/// Implements `garde::Validate` (through [`Value::check`]) for value types.
#[macro_export]
macro_rules! validate_by_check {
    ($($t:ty),* $(,)?) => {$(
        impl garde::Validate for $t {
            type Context = ();
            fn validate_into(
                &self,
                _: &(),
                parent: &mut dyn FnMut() -> garde::Path,
                report: &mut garde::Report,
            ) {
                $crate::values::rule::report(self, parent, report)
            }
        }
    )*};
}
