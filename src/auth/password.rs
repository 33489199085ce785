//! Passwords: argon2id hashing off the async executor, with a bound on concurrent hashes, and
//! the password policy.

use std::sync::Arc;

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Semaphore;

use crate::error::AppError;
use crate::values::rule::{Invalid, Value};

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

/// A password being set (at registration, by a leader, by its owner), under the policy: 10 to
/// 256 characters, no control characters, not among the most common passwords. That it must
/// not contain the username needs the username too: `users::rules` checks it.
///
/// It deserialises as sent (passwords are not trimmed) and is refused by validation, like every
/// value type (`crate::values`).
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(transparent)]
pub struct NewPassword(SecretString);

impl NewPassword {
    /// Checks a password given outside a request body (the command line).
    pub fn parse(password: SecretString) -> Result<Self, Invalid> {
        let value = Self(password);
        value.check()?;
        Ok(value)
    }

    pub fn secret(&self) -> &SecretString {
        &self.0
    }

    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// The rule that needs the username too: the password must not contain it (in any case).
    pub fn check_apart_from(&self, username: &str) -> Result<(), Invalid> {
        if !username.is_empty()
            && self
                .expose()
                .to_lowercase()
                .contains(&username.to_lowercase())
        {
            Err("must not contain the username".into())
        } else {
            Ok(())
        }
    }
}

impl Value for NewPassword {
    fn check(&self) -> Result<(), Invalid> {
        let password = self.expose();
        let chars = password.chars().count();
        if chars < MIN_PASSWORD_CHARS {
            Err(format!("at least {MIN_PASSWORD_CHARS} characters").into())
        } else if chars > MAX_PASSWORD_CHARS {
            Err(format!("at most {MAX_PASSWORD_CHARS} characters").into())
        } else if password.chars().any(char::is_control) {
            Err("control characters are not allowed".into())
        } else if is_common(password) {
            Err("this password is among the most common ones; choose another".into())
        } else {
            Ok(())
        }
    }
}

crate::validate_by_check!(NewPassword);

impl utoipa::PartialSchema for NewPassword {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Password)))
            .min_length(Some(MIN_PASSWORD_CHARS))
            .max_length(Some(MAX_PASSWORD_CHARS))
            .description(Some(format!(
                "At least {MIN_PASSWORD_CHARS} characters, not among the most common passwords, without the username."
            )))
            .into()
    }
}

impl utoipa::ToSchema for NewPassword {}

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

    fn check(password: &str) -> Result<NewPassword, Invalid> {
        NewPassword::parse(SecretString::from(password.to_owned()))
    }

    #[test]
    fn policy_rejects_short_common_and_control_character_passwords() {
        assert!(check("short").is_err());
        assert!(check("password123").is_err());
        assert!(check("1234567890").is_err());
        assert!(check("qwertyuiop").is_err());
        assert!(check("aaaaaaaaaaaa").is_err());
        assert!(check("tab\there-and-more").is_err());
        assert!(check(&"x".repeat(300)).is_err());
        assert!(check("correct horse battery").is_ok());
        assert!(check("公开透明依法行政2026").is_ok());
    }

    #[test]
    fn a_password_must_not_contain_the_username() {
        let password = check("my ZhangSan secret").unwrap();
        assert!(password.check_apart_from("zhangsan").is_err());
        assert!(password.check_apart_from("lisi").is_ok());
        assert!(password.check_apart_from("").is_ok());
    }

    #[test]
    fn validation_names_the_rule() {
        use garde::Validate;
        let password: NewPassword = serde_json::from_str(r#""short""#).unwrap();
        let errors = crate::values::field_errors(password.validate().unwrap_err());
        assert_eq!(errors[0].message, "at least 10 characters");
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
