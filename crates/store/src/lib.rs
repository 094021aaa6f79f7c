//! The receivables ledger's storage (CONTRACT §6): the only code that
//! speaks SQL. [`LedgerStore`] is the narrow interface the rest of cashapply
//! uses — a handful of reads that a run needs before it decides, one write
//! that commits a whole run, and the few writes of people's actions — so a
//! server database can be added later behind it. [`SqliteStore`] is the
//! embedded implementation: one SQLite file, WAL, foreign keys on, schema
//! in numbered migrations (a copy taken before migrating, a newer file
//! refused), online backup. Amounts are stored as the decimal text the
//! output files carry, so nothing is rounded on the way in or out.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod balance_sums;
mod collections;
mod evidence;
mod id_keys;
mod latest;
mod lock;
mod migrations;
mod past;
mod period;
mod report_queries;
mod sqlite;
mod summaries;
mod workbench;

use std::path::PathBuf;
use std::time::Duration;

pub use balance_sums::{CurrencySums, PeriodSums};
pub use cashapply_output::{ExceptionRow, PostingRow, ReceiptRow};
pub use collections::{CollectionsStore, PromiseRecord, PromiseRow, ReminderRecord, ReminderRow};
pub use evidence::{CandidateEvidence, EvidenceLine, ExceptionEvidence};
pub use id_keys::id_key;
pub use lock::{WriteLock, lock_path};
pub use migrations::SCHEMA_VERSION;
pub use report_queries::{
    ExceptionEventRow, ExceptionLedgerRow, InvoiceEventRow, InvoiceRow, LatestData, LineRow, ReceiptLedgerRow,
    ReportData, ReportReader, ReportStore, RunKpiRow, RunRow, SalesRow,
};
pub use sqlite::{Checkpointed, SqliteStore, checkpoint};
pub use summaries::{from_minor, minor_units};
pub use workbench::{
    ActionRecord, ActionState, LearnedRule, QueuePage, QueueQuery, QueueRow, SavedView, SortKey, User, Work,
    WorkbenchStore,
};

/// Why the ledger could not be used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite failed.
    #[error("ledger: {0}")]
    Sql(#[from] rusqlite::Error),
    /// A file next to the ledger could not be used.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The failure.
        source: std::io::Error,
    },
    /// The file was written by a newer cashapply.
    #[error(
        "{}: this ledger has schema version {found}, written by a newer cashapply; this one knows versions up to {known}. Use the newer cashapply (the file was not changed)",
        path.display()
    )]
    TooNew {
        /// The file.
        path: PathBuf,
        /// Its version.
        found: u32,
        /// The newest this program knows.
        known: u32,
    },
    /// The copy before a migration or a backup failed.
    #[error("{}: cannot write a copy of the ledger: {source}", path.display())]
    Backup {
        /// Where the copy was to go.
        path: PathBuf,
        /// The failure.
        source: rusqlite::Error,
    },
    /// Another process holds the ledger's write lock.
    #[error(
        "{}: another cashapply is writing to this ledger ({holder}); waited {}s. Try again when it has finished",
        path.display(), waited.as_secs()
    )]
    Busy {
        /// The ledger.
        path: PathBuf,
        /// Who holds it, as it wrote itself into the lock file.
        holder: String,
        /// How long this process waited.
        waited: Duration,
    },
    /// No ledger at that path (for commands that only read or act on one).
    #[error("{}: no ledger here (a first `cashapply run` creates it)", path.display())]
    Missing {
        /// The path.
        path: PathBuf,
    },
    /// The object named does not exist or cannot take that action.
    #[error("{0}")]
    Refused(String),
}

/// A receipt already in the ledger, and the batch that took it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Taken {
    /// The receipt.
    pub receipt_id: String,
    /// The batch that took it.
    pub batch_id: String,
    /// When that run committed.
    pub at: String,
    /// The file it came in.
    pub source_file: String,
}

/// A file whose content the ledger has already seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenFile {
    /// Its name then.
    pub name: String,
    /// The batch of that run.
    pub batch_id: String,
    /// When.
    pub at: String,
    /// True when the bytes were identical (else only the normalised content).
    pub identical: bool,
}

/// A posting the ERP has not confirmed yet that moves an invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InFlight {
    /// The posting.
    pub posting_id: String,
    /// Its batch, if a batch has carried it yet.
    pub batch_id: Option<String>,
    /// The invoice's customer.
    pub customer_id: String,
    /// The invoice.
    pub invoice_id: String,
    /// `applied`, `discount`, `write_off`.
    pub kind: String,
    /// Currency of the line.
    pub currency: String,
    /// Amount (negative for an opposite line).
    pub amount: String,
}

/// An invoice as the last `--invoices` file showed it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KnownInvoice {
    /// Customer.
    pub customer_id: String,
    /// Invoice number.
    pub invoice_id: String,
    /// Currency.
    pub currency: String,
    /// Open amount then.
    pub amount_open: String,
    /// `open`, `disputed`, `closed`.
    pub status: String,
    /// Invoice date, `YYYY-MM-DD` (`None` on a row recorded before the
    /// ledger kept dates, schema version 3).
    pub invoice_date: Option<String>,
    /// Due date, `YYYY-MM-DD`, when the file gives one.
    pub due_date: Option<String>,
    /// Original amount (`None` with the dates).
    pub amount_original: Option<String>,
}

/// One invoice of the ledger as [`LedgerStore::scan_invoices`] lends it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvoiceView<'a> {
    /// Customer.
    pub customer_id: &'a str,
    /// Invoice number.
    pub invoice_id: &'a str,
    /// Currency.
    pub currency: &'a str,
    /// Open amount then.
    pub amount_open: &'a str,
    /// `open`, `disputed`, `closed`.
    pub status: &'a str,
    /// Invoice date, `YYYY-MM-DD`, when recorded.
    pub invoice_date: Option<&'a str>,
    /// Due date, `YYYY-MM-DD`.
    pub due_date: Option<&'a str>,
    /// Original amount, when recorded.
    pub amount_original: Option<&'a str>,
}

impl InvoiceView<'_> {
    /// An owned copy.
    pub fn to_known(&self) -> KnownInvoice {
        KnownInvoice {
            customer_id: self.customer_id.to_string(),
            invoice_id: self.invoice_id.to_string(),
            currency: self.currency.to_string(),
            amount_open: self.amount_open.to_string(),
            status: self.status.to_string(),
            invoice_date: self.invoice_date.map(str::to_string),
            due_date: self.due_date.map(str::to_string),
            amount_original: self.amount_original.map(str::to_string),
        }
    }
}

/// A change to an invoice seen between two runs' `--invoices` files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceChange {
    /// The invoice as now seen (amount and status as of the file; for
    /// `gone`, as last seen).
    pub invoice: KnownInvoice,
    /// `new`, `changed`, `gone`, `back`; `dated` when only the dates or
    /// the original amount changed (or were not recorded yet): the row is
    /// updated, no history line is written.
    pub event: &'static str,
}

/// A bank file of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRecord {
    /// Name as given.
    pub name: String,
    /// Format read.
    pub format: String,
    /// SHA-256 of its bytes.
    pub sha256: String,
    /// SHA-256 of its normalised content.
    pub normalised_sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// Receipts the run took from it.
    pub receipts_new: u64,
    /// Receipts it carried that the ledger already had.
    pub receipts_already: u64,
    /// Its warnings, rendered.
    pub warnings: Vec<String>,
    /// The statements it carries.
    pub statements: Vec<StatementRecord>,
}

/// A statement of a file, as the ledger keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementRecord {
    /// Its identity (see `cashapply_parse::StatementInfo`).
    pub identity: String,
    /// Its account.
    pub account: String,
    /// Booked opening balance.
    pub opening: Option<String>,
    /// Booked closing balance.
    pub closing: Option<String>,
}

/// A statement the ledger has read before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenStatement {
    /// The file it came in.
    pub file: String,
    /// That file's normalised digest.
    pub normalised_sha256: String,
    /// The batch of that run.
    pub batch_id: String,
    /// Its identity.
    pub identity: String,
    /// Its closing balance.
    pub closing: Option<String>,
}

/// A receipt a run takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptRecord {
    /// The row of `receipts.csv`.
    pub row: ReceiptRow,
    /// Its occurrence among identical receipts of its file (1-based).
    pub occurrence: u32,
    /// Index into [`RunRecord::files`].
    pub file: usize,
}

/// A status change of an exception.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange {
    /// The exception.
    pub exception_id: String,
    /// New status.
    pub status: String,
    /// Why.
    pub note: String,
}

/// Everything one run writes, committed in one transaction.
#[derive(Debug, Clone, Default)]
pub struct RunRecord {
    /// The batch id.
    pub batch_id: String,
    /// Wall-clock time of the run (ledger only; never in the data files).
    pub at: String,
    /// Who ran it.
    pub actor: String,
    /// `--as-of`.
    pub as_of: Option<String>,
    /// `--invoices` name.
    pub invoices_file: String,
    /// Its SHA-256.
    pub invoices_sha256: String,
    /// The bank files.
    pub files: Vec<FileRecord>,
    /// New receipts.
    pub receipts: Vec<ReceiptRecord>,
    /// Receipts seen before.
    pub already: u64,
    /// New posting lines of this run's receipts.
    pub postings: Vec<PostingRow>,
    /// Earlier lines no batch has carried yet, now carried by this one.
    pub carried: Vec<String>,
    /// New exceptions with their problem key (one problem, one exception).
    pub exceptions: Vec<(String, ExceptionRow)>,
    /// Exceptions whose status the run changed (resolved when paid).
    pub status_changes: Vec<StatusChange>,
    /// Invoices new, changed or gone since the last run's file.
    pub invoice_changes: Vec<InvoiceChange>,
    /// The evidence behind the candidates of the exceptions raised (kept
    /// for those in `exceptions` only).
    pub evidence: Vec<ExceptionEvidence>,
    /// The customers' e-mail addresses from this run's `customers.csv`
    /// (`None`: no customers file; the last addresses stay).
    pub contacts: Option<Vec<(String, String)>>,
}

/// One line of an object's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// When.
    pub at: String,
    /// Who.
    pub actor: String,
    /// What happened (`raised`, `resolved`, `unapplied`, `reversed`, …).
    pub action: String,
    /// A sentence.
    pub detail: String,
    /// The batch concerned, if one.
    pub batch_id: Option<String>,
}

/// A posting with where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostingState {
    /// The line.
    pub row: PostingRow,
    /// The batch that carried it (none yet: the next one will).
    pub batch_id: Option<String>,
    /// When the ERP confirmed it.
    pub confirmed_at: Option<String>,
    /// True when an opposite line offsets it.
    pub reversed: bool,
}

/// A receipt with the run that took it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptState {
    /// The row.
    pub row: ReceiptRow,
    /// The batch that took it.
    pub batch_id: String,
    /// When.
    pub at: String,
}

/// Lines a person's action adds (an unapply, a reversal).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adjustment {
    /// The new lines (no batch yet).
    pub postings: Vec<PostingRow>,
    /// A receipt whose status changes (`reversed`).
    pub receipt_status: Option<(String, String)>,
    /// Exceptions the action settles.
    pub status_changes: Vec<StatusChange>,
    /// The history line, with the object it belongs to (`receipt`, id).
    pub object: (&'static str, String),
    /// The history line.
    pub event: Event,
}

/// What `confirm` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Confirmed {
    /// Lines confirmed now.
    pub confirmed: u64,
    /// Lines of the batch confirmed before.
    pub already: u64,
    /// Lines of the batch still unconfirmed.
    pub remaining: u64,
}

/// The ledger operations cashapply uses. Reads return what a run needs
/// before deciding; [`LedgerStore::commit_run`] writes a whole run
/// atomically; the rest record people's actions, each atomically.
pub trait LedgerStore {
    /// The most recent batch id, if any.
    fn last_batch(&self) -> Result<Option<String>, StoreError>;
    /// The SHA-256 of the last run's `--invoices` file.
    fn last_invoices_sha256(&self) -> Result<Option<String>, StoreError>;
    /// Which of `receipt_ids` the ledger holds already, with their batch.
    fn taken(&self, receipt_ids: &[String]) -> Result<Vec<Taken>, StoreError>;
    /// An earlier file with these bytes or this normalised content.
    fn file_seen(&self, sha256: &str, normalised_sha256: &str) -> Result<Option<SeenFile>, StoreError>;
    /// The earliest reading of a statement with this identity.
    fn statement_seen(&self, identity: &str) -> Result<Option<SeenStatement>, StoreError>;
    /// The most recent statement of `account` that stated a closing balance.
    fn last_closing(&self, account: &str) -> Result<Option<SeenStatement>, StoreError>;
    /// Unconfirmed postings on invoices (cash in flight).
    fn in_flight(&self) -> Result<Vec<InFlight>, StoreError>;
    /// Exceptions open or snoozed, with their problem keys.
    fn open_exceptions(&self) -> Result<Vec<(String, ExceptionRow)>, StoreError>;
    /// The exceptions, whatever their status, already raised for these
    /// problem keys.
    fn exceptions_by_problem(&self, problems: &[String]) -> Result<Vec<(String, ExceptionRow)>, StoreError>;
    /// Lines no batch has carried yet (unapplies, reversals).
    fn pending_postings(&self) -> Result<Vec<PostingRow>, StoreError>;
    /// The invoices of the last `--invoices` file.
    fn invoices(&self) -> Result<Vec<KnownInvoice>, StoreError>;
    /// The invoices of the last `--invoices` file, one at a time in key
    /// order (customer, then invoice number, compared byte by byte),
    /// borrowed: a run compares a million of them with the day's file
    /// without copying the unchanged ones.
    fn scan_invoices(&self, visit: &mut dyn FnMut(InvoiceView<'_>)) -> Result<(), StoreError>;
    /// How many invoices of the last `--invoices` file have no dates
    /// recorded (rows of a ledger written before the dates were kept).
    fn undated_invoices(&self) -> Result<u64, StoreError>;
    /// Commits a run in one transaction.
    fn commit_run(&mut self, run: &RunRecord) -> Result<(), StoreError> {
        self.commit_run_when(run, &mut || true).map(|_| ())
    }
    /// Writes a run's rows in one transaction, then asks `ready` (which may
    /// wait for work done meanwhile, such as the batch files): the
    /// transaction commits only when it answers true, and is rolled back
    /// otherwise. Returns whether it committed.
    fn commit_run_when(&mut self, run: &RunRecord, ready: &mut dyn FnMut() -> bool) -> Result<bool, StoreError>;
    /// As [`LedgerStore::commit_run_when`] for a run whose head is known
    /// before the rest: the batch, its files, receipts and lines (and the
    /// earlier lines it carries) are written first; then `rest` is called to
    /// fill in the exceptions, their evidence, the status changes and the
    /// invoice changes (it may wait for another thread to build them, and
    /// answers false to give the run up: rolled back). The rest is written
    /// in the same transaction, which commits only when `ready` answers
    /// true. Returns whether it committed.
    fn commit_run_in_stages(
        &mut self,
        run: &mut RunRecord,
        rest: &mut dyn FnMut(&mut RunRecord) -> bool,
        ready: &mut dyn FnMut() -> bool,
    ) -> Result<bool, StoreError>;
    /// A second connection to the same ledger, so that a run's rows can be
    /// written on one thread (its transaction open, taking the write lock)
    /// while this connection goes on reading the ledger as it was before
    /// the run. `None` when the backend has no such thing: the run is then
    /// written through this connection once everything is decided.
    fn run_writer(&self) -> Result<Option<Box<dyn LedgerStore + Send>>, StoreError> {
        Ok(None)
    }
    /// Marks a batch's lines (or only `postings` of it) confirmed.
    fn confirm(
        &mut self,
        batch_id: &str,
        postings: Option<&[String]>,
        at: &str,
        actor: &str,
    ) -> Result<Confirmed, StoreError>;
    /// Records a person's adjustment in one transaction.
    fn adjust(&mut self, adjustment: &Adjustment) -> Result<(), StoreError>;
    /// One posting.
    fn posting(&self, posting_id: &str) -> Result<Option<PostingState>, StoreError>;
    /// Every line of a receipt, in order.
    fn postings_of_receipt(&self, receipt_id: &str) -> Result<Vec<PostingState>, StoreError>;
    /// Every line on an invoice, in order.
    fn postings_of_invoice(&self, invoice_id: &str) -> Result<Vec<PostingState>, StoreError>;
    /// One receipt.
    fn receipt(&self, receipt_id: &str) -> Result<Option<ReceiptState>, StoreError>;
    /// One exception.
    fn exception(&self, exception_id: &str) -> Result<Option<ExceptionRow>, StoreError>;
    /// Exceptions of a receipt or on an invoice.
    fn exceptions_about(&self, receipt_id: &str, invoice_id: &str) -> Result<Vec<ExceptionRow>, StoreError>;
    /// How an invoice looked in each run's file where it changed.
    fn invoice_history(&self, invoice_id: &str) -> Result<Vec<(String, KnownInvoice, String)>, StoreError>;
    /// The history lines of an object (`receipt`, `exception`, `invoice`, `batch`).
    fn events(&self, object_kind: &str, object_id: &str) -> Result<Vec<Event>, StoreError>;
}
