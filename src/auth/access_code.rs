//! Access codes: how applicants and submitters without an account follow their own case
//! (`X-Access-Code`). Shown once, stored only as a hash.

use rand::RngCore;

/// Crockford's base32 alphabet: no I, L, O, U, so codes survive being read aloud, printed in a
/// letter or copied by hand.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A new access code: 20 characters of base32 (100 random bits) in groups of four,
/// `7K3M-Q9XZ-4D2H-PW8R-CT6N`.
pub fn new_access_code() -> String {
    let mut bytes = [0u8; 20];
    rand::rng().fill_bytes(&mut bytes);
    let chars: Vec<char> = bytes
        .iter()
        .map(|b| ALPHABET[usize::from(b & 31)] as char)
        .collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// The stored form of an access code: read case-insensitively, without spaces or dashes, with
/// the letters people confuse with digits (I, L, O) read as those digits.
pub fn access_code_hash(code: &str) -> Vec<u8> {
    let normal: String = code
        .chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .map(|c| match c.to_ascii_uppercase() {
            'I' | 'L' => '1',
            'O' => '0',
            other => other,
        })
        .collect();
    super::tokens::token_hash(&normal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_random_grouped_and_read_leniently() {
        let a = new_access_code();
        assert_eq!(a.len(), 24);
        assert_eq!(a.matches('-').count(), 4);
        assert_ne!(a, new_access_code());
        assert_eq!(
            access_code_hash(&a),
            access_code_hash(&a.to_lowercase().replace('-', " "))
        );
        assert_eq!(access_code_hash("10AB-0000"), access_code_hash("lOab0ooo"));
        assert_ne!(access_code_hash("1111"), access_code_hash("1112"));
    }
}
