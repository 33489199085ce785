//! Passwords: argon2id hashing off the async executor, with a bound on concurrent hashes, and
//! the password policy.

use std::sync::Arc;

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Semaphore;

use crate::error::{AppError, FieldError};

/// Shortest accepted password, in characters.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Longest accepted password: argon2 takes any length, but a bound stops abuse.
pub const MAX_PASSWORD_CHARS: usize = 256;

/// Passwords that appear at the top of every leaked-password list, and their obvious variants.
const COMMON_PASSWORDS: &str = include_str!("common_passwords.txt");

/// argon2id with the OWASP parameters (19 MiB, 2 passes, 1 lane).
fn argon2() -> Argon2<'static> {
    Argon2::new(
        Algorithm::Argon2id,
        Version::V0x13,
        Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters"),
    )
}

/// Hashes and verifies passwords on the blocking thread pool, at most `concurrency` at a time,
/// so that a burst of logins cannot starve the workers that serve other requests.
#[derive(Clone)]
pub struct Hasher {
    permits: Arc<Semaphore>,
    /// A hash of a random password, verified when the username is unknown so that the answer
    /// takes as long as for a wrong password.
    dummy_hash: Arc<str>,
}

impl Hasher {
    pub fn new(concurrency: usize) -> Self {
        let random: String = uuid::Uuid::new_v4().to_string();
        let dummy_hash = argon2()
            .hash_password(random.as_bytes())
            .expect("hashing a random password")
            .to_string();
        Self {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            dummy_hash: dummy_hash.into(),
        }
    }

    pub async fn hash(&self, password: &SecretString) -> Result<String, AppError> {
        let _permit = self.permits.acquire().await.map_err(AppError::internal)?;
        let password = password.clone();
        tokio::task::spawn_blocking(move || {
            argon2()
                .hash_password(password.expose_secret().as_bytes())
                .map(|h| h.to_string())
                .map_err(AppError::internal)
        })
        .await
        .map_err(AppError::internal)?
    }

    /// Verifies `password` against `hash`, or against a dummy hash when there is no account.
    pub async fn verify(
        &self,
        password: &SecretString,
        hash: Option<&str>,
    ) -> Result<bool, AppError> {
        let _permit = self.permits.acquire().await.map_err(AppError::internal)?;
        let known = hash.is_some();
        let hash = hash.map_or_else(|| self.dummy_hash.to_string(), str::to_owned);
        let password = password.clone();
        let ok = tokio::task::spawn_blocking(move || {
            let parsed = PasswordHash::new(&hash).map_err(AppError::internal)?;
            Ok::<_, AppError>(
                argon2()
                    .verify_password(password.expose_secret().as_bytes(), &parsed)
                    .is_ok(),
            )
        })
        .await
        .map_err(AppError::internal)??;
        Ok(known && ok)
    }
}

/// Checks a new password against the policy; `field` names it in the error.
pub fn check_policy(field: &str, password: &str, username: &str) -> Result<(), AppError> {
    let chars = password.chars().count();
    let problem = if chars < MIN_PASSWORD_CHARS {
        Some(format!("at least {MIN_PASSWORD_CHARS} characters"))
    } else if chars > MAX_PASSWORD_CHARS {
        Some(format!("at most {MAX_PASSWORD_CHARS} characters"))
    } else if password.chars().any(char::is_control) {
        Some("control characters are not allowed".to_owned())
    } else if is_common(password) {
        Some("this password is among the most common ones; choose another".to_owned())
    } else if password.to_lowercase().contains(&username.to_lowercase()) && !username.is_empty() {
        Some("must not contain the username".to_owned())
    } else {
        None
    };
    match problem {
        Some(message) => Err(AppError::Validation(vec![FieldError::new(field, message)])),
        None => Ok(()),
    }
}

fn is_common(password: &str) -> bool {
    let lower = password.to_lowercase();
    // One repeated character, or a common password with digits or "!" appended.
    let first = lower.chars().next();
    if lower.chars().all(|c| Some(c) == first) {
        return true;
    }
    let stem = lower.trim_end_matches(|c: char| c.is_ascii_digit() || c == '!');
    COMMON_PASSWORDS
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .any(|common| common == lower || (!stem.is_empty() && common == stem))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_rejects_short_common_and_username_passwords() {
        assert!(check_policy("password", "short", "u").is_err());
        assert!(check_policy("password", "password123", "u").is_err());
        assert!(check_policy("password", "1234567890", "u").is_err());
        assert!(check_policy("password", "qwertyuiop", "u").is_err());
        assert!(check_policy("password", "aaaaaaaaaaaa", "u").is_err());
        assert!(check_policy("password", "zhangsan-secret", "zhangsan").is_err());
        assert!(check_policy("password", "tab\there-and-more", "u").is_err());
        assert!(check_policy("password", &"x".repeat(300), "u").is_err());
        assert!(check_policy("password", "correct horse battery", "zhangsan").is_ok());
        assert!(check_policy("password", "公开透明依法行政2026", "zhangsan").is_ok());
    }

    #[tokio::test]
    async fn hashes_verify_and_unknown_users_never_match() {
        let hasher = Hasher::new(2);
        let pw = SecretString::from("correct horse battery");
        let hash = hasher.hash(&pw).await.unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(hasher.verify(&pw, Some(&hash)).await.unwrap());
        let wrong = SecretString::from("wrong horse battery");
        assert!(!hasher.verify(&wrong, Some(&hash)).await.unwrap());
        assert!(!hasher.verify(&pw, None).await.unwrap());
    }
}
