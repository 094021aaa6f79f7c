//! The application state: the ledger connection, the templates, the
//! sign-in limiter and the settings.

use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use cashapply_service::workbench::{self, Actor, WorkError};
use cashapply_store::{SqliteStore, WriteLock};
use chrono::{DateTime, NaiveDate, Utc};
use minijinja::Environment;

use crate::limiter::Limiter;
use crate::{ServerConfig, ServerError};

/// How long an action waits for a `run` holding the write lock.
const WRITE_WAIT: Duration = Duration::from_secs(5);

/// Everything a handler needs.
pub struct App {
    store: Mutex<SqliteStore>,
    /// Templates.
    pub templates: Environment<'static>,
    /// Sign-in failures.
    pub limiter: Mutex<Limiter>,
    /// How it was started.
    pub config: ServerConfig,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App").field("config", &self.config).finish_non_exhaustive()
    }
}

/// Who sent a request.
#[derive(Debug, Clone)]
pub enum Who {
    /// A browser session, with its CSRF token.
    Session {
        /// The person.
        actor: Actor,
        /// The session's CSRF token.
        csrf: String,
    },
    /// An API token.
    Token {
        /// The person.
        actor: Actor,
    },
}

impl Who {
    /// The person.
    pub fn actor(&self) -> &Actor {
        match self {
            Who::Session { actor, .. } | Who::Token { actor } => actor,
        }
    }
}

impl App {
    /// Opens the ledger (it must exist: a first `run` creates it) and the
    /// templates.
    pub fn open(config: ServerConfig) -> Result<App, ServerError> {
        let store = SqliteStore::open(&config.db, false)?;
        let templates = crate::templates::environment()
            .map_err(|e| ServerError::Io(std::io::Error::other(format!("templates: {e}"))))?;
        Ok(App { store: Mutex::new(store), templates, limiter: Mutex::new(Limiter::default()), config })
    }

    /// The ledger (one connection; a handler holds it only while it reads
    /// or writes).
    pub fn store(&self) -> MutexGuard<'_, SqliteStore> {
        self.store.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The write lock `run` also takes.
    pub fn write_lock(&self, who: &str) -> Result<WriteLock, WorkError> {
        let holder = format!("cashapply serve, pid {}, for {who}, since {}", std::process::id(), now());
        WriteLock::acquire(&self.config.db, &holder, WRITE_WAIT).map_err(WorkError::Store)
    }

    /// The person behind a session cookie or a bearer token.
    pub fn who(&self, session: Option<&str>, bearer: Option<&str>) -> Result<Option<Who>, WorkError> {
        let store = self.store();
        if let Some(token) = bearer {
            return Ok(workbench::api_token(&*store, token)?.map(|actor| Who::Token { actor }));
        }
        if let Some(token) = session {
            return Ok(workbench::session(&*store, token, &now())?.map(|(actor, csrf)| Who::Session { actor, csrf }));
        }
        Ok(None)
    }
}

/// Wall-clock time, UTC (for the ledger's history and sessions).
pub fn now() -> String {
    later(0)
}

fn clock() -> DateTime<Utc> {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    DateTime::from_timestamp(since.as_secs() as i64, 0).unwrap_or_default()
}

/// A time `secs` from now.
pub fn later(secs: i64) -> String {
    (clock() + chrono::Duration::seconds(secs)).format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Today, UTC.
pub fn today() -> NaiveDate {
    clock().date_naive()
}
