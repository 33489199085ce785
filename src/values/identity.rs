//! Identity numbers: the resident identity number (GB 11643), other identity documents and
//! the unified social credit code (GB 32100), checked with their check characters where the
//! standard defines them, and masked for lists. Each is read after NFKC (full-width digits and
//! letters, as Chinese input methods type them, are ASCII) and kept in ASCII capitals; the
//! schemas' patterns list the full-width forms too.

use super::contact::string_value;
use super::rule::{Invalid, Value, nfkc};
use utoipa::openapi::schema::{ObjectBuilder, Type};

string_value!(
    /// A mainland resident identity card number: 17 digits and a check character (`X` for 10).
    ResidentId,
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some("18 characters: 17 digits and the ISO 7064 MOD 11-2 check character (0-9 or X)."))
        .min_length(Some(18))
        .max_length(Some(18))
        .pattern(Some("^[0-9０-９]{17}[0-9０-９XxＸｘ]$"))
        .examples(["11010519491231002X"])
);

impl ResidentId {
    fn canonical(raw: &str) -> String {
        nfkc(raw).trim().to_ascii_uppercase()
    }
}

impl Value for ResidentId {
    fn check(&self) -> Result<(), Invalid> {
        if is_resident_id(&self.0) {
            Ok(())
        } else {
            Err(crate::tr!("value.resident_id").into())
        }
    }
}

string_value!(
    /// The number of another identity document (passport, permits): 5 to 30 letters, digits or
    /// `-`.
    DocumentNumber,
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some("5 to 30 letters, digits or '-'."))
        .min_length(Some(5))
        .max_length(Some(30))
        .pattern(Some("^[A-Za-z0-9Ａ-Ｚａ-ｚ０-９－-]+$"))
        .examples(["E12345678"])
);

impl DocumentNumber {
    fn canonical(raw: &str) -> String {
        nfkc(raw).trim().to_ascii_uppercase()
    }
}

impl Value for DocumentNumber {
    fn check(&self) -> Result<(), Invalid> {
        if is_document_number(&self.0) {
            Ok(())
        } else {
            Err(crate::tr!("value.document_number").into())
        }
    }
}

string_value!(
    /// A unified social credit code (统一社会信用代码): 18 characters, the last a check character.
    CreditCode,
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some("18 characters from 0-9 and A-Y without I, O, S, V, Z; the last is the GB 32100 check character."))
        .min_length(Some(18))
        .max_length(Some(18))
        .pattern(Some("^[0-9A-HJ-NP-RTUW-Ya-hj-np-rtuw-y０-９Ａ-ＨＪ-ＮＰ-ＲＴＵＷ-Ｙａ-ｈｊ-ｎｐ-ｒｔｕｗ-ｙ]{18}$"))
        .examples(["91350100M000100Y43"])
);

impl CreditCode {
    fn canonical(raw: &str) -> String {
        nfkc(raw).trim().to_ascii_uppercase()
    }
}

impl Value for CreditCode {
    fn check(&self) -> Result<(), Invalid> {
        if is_credit_code(&self.0) {
            Ok(())
        } else {
            Err(crate::tr!("value.credit_code").into())
        }
    }
}

/// A mainland resident identity card number (GB 11643): 17 digits and a check character
/// (ISO 7064 MOD 11-2, `X` for 10).
pub fn is_resident_id(s: &str) -> bool {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    let b = s.as_bytes();
    if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = b[..17]
        .iter()
        .zip(WEIGHTS)
        .map(|(c, w)| u32::from(c - b'0') * w)
        .sum();
    b[17].to_ascii_uppercase() == CHECK[(sum % 11) as usize]
}

/// The 31 characters of a unified social credit code (GB 32100-2015), in the order of their
/// values: digits and capitals without I, O, S, V, Z.
const CREDIT_CODE_CHARS: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Whether `c` is a character of a unified social credit code, in either case.
pub fn is_credit_code_char(c: char) -> bool {
    u8::try_from(c.to_ascii_uppercase()).is_ok_and(|b| CREDIT_CODE_CHARS.contains(&b))
}

/// A unified social credit code (GB 32100-2015): 18 characters from the 31-character set
/// (digits and capitals without I, O, S, V, Z), the last a check character.
pub fn is_credit_code(s: &str) -> bool {
    const WEIGHTS: [u32; 17] = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    let b = s.as_bytes();
    if b.len() != 18 {
        return false;
    }
    let value = |c: u8| {
        CREDIT_CODE_CHARS
            .iter()
            .position(|&x| x == c)
            .map(|p| p as u32)
    };
    let mut sum = 0;
    for (c, w) in b[..17].iter().zip(WEIGHTS) {
        match value(*c) {
            Some(v) => sum += v * w,
            None => return false,
        }
    }
    let check = (31 - sum % 31) % 31;
    value(b[17]) == Some(check)
}

/// Another identity document number (passport, permits): 5 to 30 letters, digits or `-`.
pub fn is_document_number(s: &str) -> bool {
    (5..=30).contains(&s.len()) && s.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
}

/// `110101********1234`-style masking: the first 4 and last 4 characters of long numbers, the
/// last 2 of shorter ones; the rest are stars.
pub fn mask(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len();
    let (head, tail) = if n > 10 { (4, 4) } else { (0, n.min(2)) };
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| if i < head || i >= n - tail { *c } else { '*' })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resident_ids_check_their_last_character() {
        // The standard's own example.
        assert!(is_resident_id("11010519491231002X"));
        assert!(is_resident_id("11010519491231002x"));
        assert!(!is_resident_id("110105194912310021"));
        assert!(is_resident_id("440524188001010014"));
        assert!(!is_resident_id("44052418800101001"));
        assert!(!is_resident_id("4405241880010100A4"));
    }

    #[test]
    fn credit_codes_check_their_last_character() {
        assert!(is_credit_code("91350100M000100Y43"));
        assert!(!is_credit_code("91350100M000100Y44"));
        assert!(!is_credit_code("91350100M000100Y4"));
        assert!(!is_credit_code("91350100I000100Y43"), "no I in the set");
    }

    #[test]
    fn full_width_numbers_are_read_as_ascii() {
        assert_eq!(
            ResidentId::parse("１１０１０５１９４９１２３１００２ｘ")
                .unwrap()
                .as_str(),
            "11010519491231002X"
        );
        assert_eq!(
            CreditCode::parse("９１３５０１００ｍ０００１００ｙ４３")
                .unwrap()
                .as_str(),
            "91350100M000100Y43"
        );
        assert_eq!(
            DocumentNumber::parse("Ｅ１２３４５６７８")
                .unwrap()
                .as_str(),
            "E12345678"
        );
    }

    #[test]
    fn masks_keep_only_the_ends() {
        assert_eq!(mask("11010519491231002X"), "1101**********002X");
        assert_eq!(mask("E12345678"), "*******78");
        assert_eq!(mask("a"), "a");
    }
}
