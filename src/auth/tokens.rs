//! Access tokens (JWT, HS256 only), and the opaque random tokens used for refresh tokens,
//! integration tokens and access codes (stored only as SHA-256 hashes).

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::policy::Role;

/// Prefix of integration tokens, so that they are told from JWTs (and found by secret scanners).
pub const INTEGRATION_TOKEN_PREFIX: &str = "gk_";
const ISSUER: &str = "gongkai";

/// The claims of an access token.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    /// The user's id.
    pub sub: Uuid,
    pub role: Role,
    /// The session (login) the token belongs to.
    pub sid: Uuid,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
}

/// Signs and checks access tokens with the configured secret.
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    pub ttl: Duration,
}

impl JwtKeys {
    pub fn new(secret: &secrecy::SecretString, ttl: Duration) -> Self {
        let bytes = secret.expose_secret().as_bytes();
        // Only HS256 is accepted: `alg: none` and every other algorithm are rejected.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 5;
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "iat", "sub", "iss"]);
        Self {
            encoding: EncodingKey::from_secret(bytes),
            decoding: DecodingKey::from_secret(bytes),
            validation,
            ttl,
        }
    }

    pub fn issue(&self, user: Uuid, role: Role, session: Uuid) -> String {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: user,
            role,
            sid: session,
            iat: now,
            exp: now + self.ttl.as_secs() as i64,
            iss: ISSUER.to_owned(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .expect("HS256 signing cannot fail")
    }

    /// The claims of a valid token; `None` for a bad signature, another algorithm, an expired
    /// or malformed token.
    pub fn verify(&self, token: &str) -> Option<Claims> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .ok()
            .map(|d| d.claims)
    }
}

/// A new random token: 32 bytes, base64url, with an optional prefix.
pub fn random_token(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// The stored form of an opaque token. The tokens carry 256 random bits, so a fast hash is
/// enough: it cannot be brute-forced.
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::SecretString;

    fn keys() -> JwtKeys {
        JwtKeys::new(
            &SecretString::from("0123456789abcdef0123456789abcdef"),
            Duration::from_secs(60),
        )
    }

    #[test]
    fn issued_tokens_verify() {
        let k = keys();
        let (u, s) = (Uuid::new_v4(), Uuid::new_v4());
        let t = k.issue(u, Role::Staff, s);
        let c = k.verify(&t).unwrap();
        assert_eq!((c.sub, c.sid, c.role), (u, s, Role::Staff));
    }

    #[test]
    fn tampered_foreign_none_and_expired_tokens_fail() {
        let k = keys();
        let t = k.issue(Uuid::new_v4(), Role::Public, Uuid::new_v4());
        // Tampered payload: claim to be a leader.
        let mut parts: Vec<String> = t.split('.').map(str::to_owned).collect();
        let payload = String::from_utf8(URL_SAFE_NO_PAD.decode(&parts[1]).unwrap()).unwrap();
        parts[1] = URL_SAFE_NO_PAD.encode(payload.replace("public", "leader"));
        assert!(k.verify(&parts.join(".")).is_none());
        // alg: none.
        let none_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
        let t2 = format!("{none_header}.{}.", t.split('.').nth(1).unwrap());
        assert!(k.verify(&t2).is_none());
        // Another key.
        let other = JwtKeys::new(
            &SecretString::from("another-secret-another-secret-0000"),
            Duration::from_secs(60),
        );
        assert!(other.verify(&t).is_none());
        // Expired.
        let expired = JwtKeys::new(
            &SecretString::from("0123456789abcdef0123456789abcdef"),
            Duration::from_secs(0),
        );
        let mut claims = Claims {
            sub: Uuid::new_v4(),
            role: Role::Leader,
            sid: Uuid::new_v4(),
            iat: 0,
            exp: chrono::Utc::now().timestamp() - 60,
            iss: ISSUER.into(),
        };
        let t3 = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &expired.encoding)
            .unwrap();
        assert!(k.verify(&t3).is_none());
        claims.exp += 3600;
        let t4 = jsonwebtoken::encode(&Header::new(Algorithm::HS384), &claims, &expired.encoding)
            .unwrap();
        assert!(k.verify(&t4).is_none(), "HS384 is not accepted");
    }

    #[test]
    fn random_tokens_are_distinct_and_hashes_fixed_length() {
        let a = random_token(INTEGRATION_TOKEN_PREFIX);
        let b = random_token(INTEGRATION_TOKEN_PREFIX);
        assert_ne!(a, b);
        assert!(a.starts_with("gk_") && a.len() == 3 + 43);
        assert_eq!(token_hash(&a).len(), 32);
    }
}
