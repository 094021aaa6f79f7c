//! The coordinators' workbench (CONTRACT §7): the rules behind every page,
//! API call and `cashapply queue` command. The server and the CLI only
//! parse requests and show results; everything they do goes through here.
//!
//! * [`auth`]: Argon2 password hashes, random tokens kept as digests, roles;
//! * [`queue`]: the queue's filters and pages;
//! * [`view`]: one exception with its receipt, remittance, candidates, the
//!   customer's open items and its history;
//! * [`work`]: the actions (apply, split, hold on account, write off with a
//!   reason code and per-role limits, approve, snooze, note, assign,
//!   dismiss, undo), each recorded with who and when, the ones that move
//!   money as new posting lines the next `run` batch carries;
//! * [`views`]: each person's saved queue views (named filters and sort);
//! * [`learned`]: rules remembered on resolving (payer name → customer),
//!   handed to `run` as extra customer aliases.

pub mod auth;
pub mod business_days;
pub mod learned;
pub mod queue;
pub mod remittance_request;
pub mod settings;
pub mod view;
pub mod views;
pub mod work;

pub use auth::{Actor, Role};
pub use settings::WorkbenchSettings;

use cashapply_store::{StoreError, WorkbenchStore};

/// Why a workbench request was not done.
#[derive(Debug, thiserror::Error)]
pub enum WorkError {
    /// The ledger failed or refused.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The request is malformed (a filter, an amount, a date).
    #[error("{0}")]
    Invalid(String),
    /// The request is well formed but cannot be done now (unbalanced cash,
    /// over-application, nothing to undo).
    #[error("{0}")]
    Refused(String),
    /// The person may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// No such object.
    #[error("{0}")]
    NotFound(String),
}

/// Adds a person (`cashapply user add`).
pub fn add_user(
    store: &mut dyn WorkbenchStore,
    name: &str,
    role: &str,
    password: &str,
    at: &str,
) -> Result<Role, WorkError> {
    let role = Role::parse(role)?;
    if name.is_empty() || name.len() > 64 || !name.chars().all(|c| c.is_alphanumeric() || "._-@".contains(c)) {
        return Err(WorkError::Invalid(format!("user name {name:?}: 1 to 64 letters, digits, '.', '_', '-' or '@'")));
    }
    if password.chars().count() < 8 {
        return Err(WorkError::Invalid("the password must have at least 8 characters".into()));
    }
    let hash = auth::hash_password(password)?;
    store.add_user(name, role.as_str(), &hash, at)?;
    Ok(role)
}

/// Creates an API token for a person (`cashapply user token`); the token is
/// returned once, the ledger keeps its digest.
pub fn add_api_token(store: &mut dyn WorkbenchStore, name: &str, at: &str) -> Result<String, WorkError> {
    let user = store.user(name)?.ok_or_else(|| WorkError::NotFound(format!("no user {name}")))?;
    let token = auth::new_token()?;
    store.add_api_token(&auth::token_digest(&token), user.user_id, at)?;
    Ok(token)
}

/// The person behind a password, if it matches.
pub fn sign_in(store: &dyn WorkbenchStore, name: &str, password: &str) -> Result<Option<Actor>, WorkError> {
    // A name that does not exist costs the same hash as one that does.
    const DUMMY: &str =
        "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2mDR0ZKTV0iyDaA1Rl0bBOOVHngHmRUXJOdH2H1pZqk";
    let user = store.user(name)?;
    let hash = user.as_ref().map_or(DUMMY, |u| u.password_hash.as_str());
    let ok = auth::verify_password(hash, password);
    match user {
        Some(u) if ok => Ok(Some(Actor { name: u.name, role: Role::parse(&u.role)? })),
        _ => Ok(None),
    }
}

/// Opens a session for a person; returns (token, CSRF token).
pub fn open_session(
    store: &mut dyn WorkbenchStore,
    name: &str,
    at: &str,
    expires_at: &str,
) -> Result<(String, String), WorkError> {
    let user = store.user(name)?.ok_or_else(|| WorkError::NotFound(format!("no user {name}")))?;
    let (token, csrf) = (auth::new_token()?, auth::new_token()?);
    store.add_session(&auth::token_digest(&token), user.user_id, &csrf, at, expires_at)?;
    Ok((token, csrf))
}

/// The person and CSRF token of a session token.
pub fn session(store: &dyn WorkbenchStore, token: &str, now: &str) -> Result<Option<(Actor, String)>, WorkError> {
    match store.session(&auth::token_digest(token), now)? {
        Some((u, csrf)) => Ok(Some((Actor { name: u.name, role: Role::parse(&u.role)? }, csrf))),
        None => Ok(None),
    }
}

/// The person an API token belongs to.
pub fn api_token(store: &dyn WorkbenchStore, token: &str) -> Result<Option<Actor>, WorkError> {
    match store.api_token_user(&auth::token_digest(token))? {
        Some(u) => Ok(Some(Actor { name: u.name, role: Role::parse(&u.role)? })),
        None => Ok(None),
    }
}
