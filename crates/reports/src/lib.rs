//! Receivables reports over the ledger (CONTRACT §8): aging, unapplied
//! cash, roll-forward, DSO (simple, countback, best possible, ADD), CEI,
//! cash and automation KPIs and collections follow-up.
//!
//! Every function here is pure: it takes the rows the store read
//! ([`cashapply_store::ReportData`]), the invoice dates the caller found
//! ([`InvoiceDates`]), the settings and the as-of date, and returns a
//! [`Report`] — tables of exact decimals, the definition used and what the
//! ledger's history covers. Nothing here reads a file, a clock or SQL.
//! Money stays `rust_decimal` throughout and is rounded once, when a
//! renderer prints it with its currency's minor digits.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod aging;
pub mod collections;
pub mod config;
pub mod dashboard;
pub mod dso;
pub mod kpi;
pub mod read;
pub mod render;
pub mod report;
pub mod rollforward;
pub mod svg;
pub mod unapplied;
pub mod view;
pub mod xlsx;

pub use config::{DunningLevel, ReportConfig};
pub use report::{Cell, Column, ColumnKind, Report, Table};
pub use view::{InvoiceDates, InvoiceKey, Ledger};

/// Why a report cannot be produced.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A stored amount is not a decimal.
    #[error("ledger: {what} {id}: amount {text:?} is not a decimal")]
    BadAmount {
        /// The kind of row.
        what: &'static str,
        /// Its id.
        id: String,
        /// The text.
        text: String,
    },
    /// A stored date is not `YYYY-MM-DD`.
    #[error("ledger: {what} {id}: date {text:?} is not YYYY-MM-DD")]
    BadDate {
        /// The kind of row.
        what: &'static str,
        /// Its id.
        id: String,
        /// The text.
        text: String,
    },
    /// The ledger holds no run.
    #[error("the ledger holds no run yet; reports need at least one `cashapply run`")]
    Empty,
    /// The as-of date is before the ledger's first run.
    #[error("no run on or before {as_of}: the ledger's history starts on {first}")]
    BeforeHistory {
        /// The date asked for.
        as_of: chrono::NaiveDate,
        /// The first run's date.
        first: chrono::NaiveDate,
    },
    /// A report's own check failed; nothing is written.
    #[error("report check failed, nothing written: {0}")]
    Invariant(String),
    /// A settings file cannot be used.
    #[error("{file}: error: {message}")]
    Config {
        /// The file.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// A renderer failed.
    #[error("cannot render the report: {0}")]
    Render(String),
}
