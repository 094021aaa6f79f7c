//! `cashapply serve` (CONTRACT §7): the coordinators' workbench over the
//! ledger, served by the binary itself. Pages are rendered on the server
//! (MiniJinja templates compiled into the binary, HTML auto-escaped); a
//! small script adds keyboard shortcuts and the running balance of a split.
//! Handlers only read the request, check who asks, call the service's
//! workbench functions (the same ones `cashapply queue` calls) and render.
//!
//! Security rules, all here:
//! * a page without a session shows the sign-in page; `/api/*` without a
//!   session or an API token answers 401;
//! * the session cookie is `HttpOnly`, `SameSite=Strict`, `Secure` when the
//!   server is told it is behind TLS; sessions last 12 hours;
//! * every state-changing form carries the session's CSRF token (the sign-in
//!   form a double-submitted one); a JSON request authenticated by its
//!   cookie must send it as `X-CSRF-Token`; a request with an API token
//!   (`Authorization: Bearer`) needs none (no browser sends it by itself);
//! * sign-in failures are limited per name (5 per 15 minutes) and overall
//!   (60 per minute): beyond that the answer is 429 without checking;
//! * writes take the ledger's write lock (a `run` in progress makes an
//!   action wait up to 5 s, then answer 503).
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod app;
mod handlers;
mod http;
mod limiter;
mod reports_page;
mod templates;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

pub use app::App;
use cashapply_service::workbench::WorkbenchSettings;

/// How the server is started.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The ledger.
    pub db: PathBuf,
    /// Write-off codes and limits.
    pub settings: WorkbenchSettings,
    /// The server is reached over TLS (a proxy in front): cookies get `Secure`.
    pub secure_cookies: bool,
    /// The reports page's settings (aging buckets, dunning policy), as
    /// `cashapply report --config` reads them.
    pub reports: cashapply_reports::ReportConfig,
}

/// Why the server stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The ledger could not be opened.
    #[error(transparent)]
    Store(#[from] cashapply_store::StoreError),
    /// The address could not be used.
    #[error("{addr}: {source}")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// The failure.
        source: std::io::Error,
    },
    /// The runtime failed.
    #[error("server: {0}")]
    Io(#[from] std::io::Error),
}

/// The routes over an opened application.
pub fn router(app: Arc<App>) -> axum::Router {
    handlers::routes().with_state(app)
}

/// Serves until the process is stopped; `ready` is called with the bound
/// address (port 0 picks a free one).
pub fn serve(config: ServerConfig, listen: SocketAddr, ready: impl FnOnce(SocketAddr)) -> Result<(), ServerError> {
    let app = Arc::new(App::open(config)?);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_io().build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|source| ServerError::Listen { addr: listen, source })?;
        ready(listener.local_addr()?);
        axum::serve(listener, router(app)).await?;
        Ok(())
    })
}
