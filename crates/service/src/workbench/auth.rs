//! Sign-in secrets: passwords are kept only as Argon2id PHC strings;
//! session and API tokens are 256 random bits shown once and kept only as
//! their SHA-256 (a stolen ledger file opens no session).

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

use super::WorkError;

/// The three roles, least to most trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Works the queue; small write-offs only.
    Assistant,
    /// Works the queue and reviews.
    Coordinator,
    /// Approves write-offs above the others' limits.
    Manager,
}

impl Role {
    /// Reads a role name.
    pub fn parse(s: &str) -> Result<Role, WorkError> {
        match s {
            "assistant" => Ok(Role::Assistant),
            "coordinator" => Ok(Role::Coordinator),
            "manager" => Ok(Role::Manager),
            other => Err(WorkError::Invalid(format!("unknown role {other:?}: assistant, coordinator or manager"))),
        }
    }

    /// Its name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Assistant => "assistant",
            Role::Coordinator => "coordinator",
            Role::Manager => "manager",
        }
    }
}

/// A signed-in person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// Name.
    pub name: String,
    /// Role.
    pub role: Role,
}

/// Hashes a password (Argon2id, random salt).
pub fn hash_password(password: &str) -> Result<String, WorkError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| WorkError::Invalid(format!("cannot hash the password: {e}")))
}

/// True when `password` matches the PHC string.
pub fn verify_password(hash: &str, password: &str) -> bool {
    Argon2::default().verify_password(password.as_bytes(), hash).is_ok()
}

/// A new random token (64 hex digits).
pub fn new_token() -> Result<String, WorkError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| WorkError::Invalid(format!("no randomness from the system: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// What the ledger keeps of a token.
pub fn token_digest(token: &str) -> String {
    cashapply_output::sha256_hex(token.as_bytes())
}

/// Compares two secrets in time independent of where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_against_its_hash_and_a_wrong_one_does_not() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password(&h, "correct horse"));
        assert!(!verify_password(&h, "correct hors"));
        assert!(!verify_password("not a hash", "x"));
    }

    #[test]
    fn two_tokens_differ_and_the_digest_is_not_the_token() {
        let (a, b) = (new_token().unwrap(), new_token().unwrap());
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert_ne!(token_digest(&a), a);
        assert!(same_secret(&a, &a.clone()));
        assert!(!same_secret(&a, &b));
    }
}
