//! Read-only queries for the receivables reports (CONTRACT §8). They read
//! the existing schema as it is — nothing here writes or migrates — and
//! return plain rows; every figure is computed by `cashapply-reports`.
//!
//! The reader opens its own read-only connection, so a report can run
//! beside a writer (WAL) and can never change the ledger.

use std::collections::HashMap;
use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use crate::collections::{PromiseRow, ReminderRow};
use crate::{SCHEMA_VERSION, StoreError};

/// One run of the ledger (a batch).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRow {
    /// Order of the run (1-based).
    pub seq: i64,
    /// The batch id.
    pub batch_id: String,
    /// Wall-clock time of the run, `YYYY-MM-DDTHH:MM:SSZ`.
    pub created_at: String,
    /// `--as-of` of the run, `YYYY-MM-DD`, if given.
    pub as_of: Option<String>,
    /// The `--invoices` file as named then.
    pub invoices_file: String,
    /// Its SHA-256.
    pub invoices_sha256: String,
}

/// An invoice the ledger has seen, with its currency as last seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceRow {
    /// Customer.
    pub customer_id: String,
    /// Invoice.
    pub invoice_id: String,
    /// Currency.
    pub currency: String,
    /// Invoice date as last seen (`None` before schema version 3 recorded it).
    pub invoice_date: Option<String>,
    /// Due date as last seen.
    pub due_date: Option<String>,
    /// Original amount as last seen.
    pub amount_original: Option<String>,
}

/// A change of an invoice as the ERP's file showed it at a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceEventRow {
    /// The run that saw it.
    pub run_seq: i64,
    /// Customer.
    pub customer_id: String,
    /// Invoice.
    pub invoice_id: String,
    /// `new`, `changed`, `gone`, `back`.
    pub event: String,
    /// Open amount the file showed.
    pub amount_open: String,
    /// `open`, `disputed`, `closed`.
    pub status: String,
}

/// A posting line with what the reports need from its receipt and batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineRow {
    /// The posting.
    pub posting_id: String,
    /// Its receipt.
    pub receipt_id: String,
    /// The run whose batch carries it: the run that made an engine line,
    /// the next run after a person's line (`None` until one carries it).
    pub run_seq: Option<i64>,
    /// A person's line: when it was made (wall clock); `None` for an
    /// engine line (made by its run).
    pub created_at: Option<String>,
    /// Who made a person's line.
    pub actor: Option<String>,
    /// The customer.
    pub customer_id: String,
    /// The invoice (empty for cash not on an invoice).
    pub invoice_id: String,
    /// `applied`, `on_account`, `unapplied`, `unidentified`, `discount`, `write_off`.
    pub kind: String,
    /// Amount (negative on an opposite line).
    pub amount: String,
    /// The receipt's currency.
    pub currency: String,
    /// The posting this line offsets.
    pub reverses: Option<String>,
    /// When the ERP confirmed it (wall clock).
    pub confirmed_at: Option<String>,
}

/// A receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptLedgerRow {
    /// Id.
    pub receipt_id: String,
    /// The run that took it.
    pub run_seq: i64,
    /// Bank reference.
    pub bank_ref: String,
    /// Bank format (`bai2`, `camt`, `lockbox`, …).
    pub format: String,
    /// Value date.
    pub value_date: String,
    /// Currency.
    pub currency: String,
    /// Amount.
    pub amount: String,
    /// Payer name.
    pub payer_name: String,
    /// Customer found (empty: unidentified).
    pub customer_id: String,
    /// `applied`, `partial`, `exception`, `reversed`.
    pub status: String,
}

/// An exception.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExceptionLedgerRow {
    /// Id.
    pub exception_id: String,
    /// Kind.
    pub kind: String,
    /// Receipt.
    pub receipt_id: String,
    /// Customer.
    pub customer_id: String,
    /// Invoice.
    pub invoice_id: String,
    /// Amount.
    pub amount: String,
    /// Currency.
    pub currency: String,
    /// Status now.
    pub status: String,
    /// The run that raised it.
    pub run_seq: i64,
}

/// A status change of an exception (who, when).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExceptionEventRow {
    /// The exception.
    pub exception_id: String,
    /// When (wall clock).
    pub at: String,
    /// Who.
    pub actor: String,
    /// New status (`resolved`, `snoozed`, …).
    pub action: String,
    /// The run that made the change, when a run made it.
    pub run_seq: Option<i64>,
}

/// Everything the reports read, in ledger order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportData {
    /// Runs, oldest first.
    pub runs: Vec<RunRow>,
    /// Every invoice seen, with its currency.
    pub invoices: Vec<InvoiceRow>,
    /// Invoice changes, oldest first.
    pub invoice_events: Vec<InvoiceEventRow>,
    /// Posting lines, in the order they were written.
    pub lines: Vec<LineRow>,
    /// Receipts, in the order they were taken.
    pub receipts: Vec<ReceiptLedgerRow>,
    /// Exceptions, in the order they were raised.
    pub exceptions: Vec<ExceptionLedgerRow>,
    /// Exception status changes, oldest first.
    pub exception_events: Vec<ExceptionEventRow>,
    /// Reminders sent, oldest first.
    pub reminders: Vec<ReminderRow>,
    /// Promises to pay, oldest first.
    pub promises: Vec<PromiseRow>,
}

/// Credit sales of one month and currency, summed by the ledger
/// (`sales_by_month`, schema version 7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SalesRow {
    /// Currency.
    pub currency: String,
    /// `YYYY-MM` of the invoice dates.
    pub month: String,
    /// Net credit sales (decimal text, exact).
    pub amount: String,
}

/// KPI sums of one run, currency and bank format (`run_kpi`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunKpiRow {
    /// The run.
    pub run_seq: i64,
    /// Currency.
    pub currency: String,
    /// Bank format.
    pub format: String,
    /// Receipts taken.
    pub receipts: u64,
    /// Their amount (decimal text; `?` when a sum could not be kept).
    pub amount: String,
    /// Receipts whose status is `applied` now.
    pub straight_through: u64,
    /// Receipts with at least one positive `applied` line of the engine.
    pub auto_count: u64,
    /// The sum of those lines (decimal text, or `?`).
    pub auto_amount: String,
}

/// What the reports need for the state after the last run (the fast
/// path, [`ReportStore::latest_data`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LatestData {
    /// Every run, exception, exception change, reminder and promise; of
    /// invoices, only those in the ERP's file and not closed, each with one
    /// change at the last run showing its state now; of posting lines,
    /// every one that may be in flight at the last run (unconfirmed, the
    /// last run's, a person's, or of a batch confirmed after the last run
    /// started), every open-cash line, and the lines of customers who made
    /// a promise; the receipts of those lines and of the exceptions.
    pub data: ReportData,
    /// Monthly credit sales, when the ledger's sums stand for every
    /// invoice (each dated, each amount in whole minor units).
    pub sales: Option<Vec<SalesRow>>,
    /// KPI sums per run.
    pub kpi: Vec<RunKpiRow>,
    /// Invoices the ledger holds without dates (recorded before it kept them).
    pub undated: u64,
}

/// The read side the reports use.
pub trait ReportStore {
    /// Reads everything the reports need.
    fn report_data(&self) -> Result<ReportData, StoreError>;

    /// Reads what the reports need for the state after the last run
    /// ([`LatestData`]): a few indexed reads instead of every row.
    fn latest_data(&self) -> Result<LatestData, StoreError>;

    /// Reads as [`ReportStore::latest_data`] the state after the earlier
    /// run `k` (its `seq`): the invoices touched after `k` (at most `cap`)
    /// whole, the others at their latest state shown at `k` (`past.rs`), or
    /// `None` when that cannot stand for the full read.
    fn past_data(&self, k: i64, cap: usize) -> Result<Option<LatestData>, StoreError>;

    /// Every run, oldest first (to choose what else to read).
    fn runs(&self) -> Result<Vec<RunRow>, StoreError>;

    /// Reads what the roll-forward between the runs `open` and `close`
    /// (their `seq`; `open` ≤ `close`; `None`: the opening is the first
    /// run's view before it posted) needs: every run and invoice, of each
    /// invoice's changes its first and its last at a run ≤ `open` and ≤
    /// `close`, and the `applied`, `discount` and `write_off` lines that
    /// exist after `close` and can move a balance the roll-forward counts
    /// (see `period.rs`); nothing else.
    fn period_data(&self, open: Option<i64>, close: i64) -> Result<ReportData, StoreError>;

    /// Reads the roll-forward's sums between the runs `open` and `close`
    /// (as [`ReportStore::period_data`]; the period starting on `from`,
    /// `YYYY-MM-DD`) and the rows of the invoices whose difference may be
    /// other than 0, or `None` when the sums cannot stand for every invoice
    /// (schema version 9; `balance_sums`).
    fn period_sums(&self, open: Option<i64>, close: i64, from: &str) -> Result<Option<crate::PeriodSums>, StoreError>;
}

/// A read-only connection to a ledger file.
#[derive(Debug)]
pub struct ReportReader {
    conn: Connection,
}

impl ReportReader {
    /// Opens the ledger at `path` read-only. A missing file, or one whose
    /// schema is not the one this program writes, is refused (reports never
    /// migrate).
    pub fn open(path: &Path) -> Result<ReportReader, StoreError> {
        if !path.exists() {
            return Err(StoreError::Missing { path: path.to_path_buf() });
        }
        let conn =
            Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        let found: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if found > SCHEMA_VERSION {
            return Err(StoreError::TooNew { path: path.to_path_buf(), found, known: SCHEMA_VERSION });
        }
        if found < SCHEMA_VERSION {
            return Err(StoreError::Refused(format!(
                "{}: this ledger has schema version {found}; run any ledger command (for example `cashapply show`) with this cashapply to migrate it first",
                path.display()
            )));
        }
        Ok(ReportReader { conn })
    }
}

impl ReportReader {
    /// [`ReportStore::past_data`], its touched invoices read one by one
    /// through the indexes (`Some(true)`), by one pass over the history
    /// (`Some(false)`) or as their number says (`None`): the two ways must
    /// agree (the tests read both).
    pub fn past_data_read(
        &self,
        k: i64,
        cap: usize,
        one_by_one: Option<bool>,
    ) -> Result<Option<LatestData>, StoreError> {
        let c = &self.conn;
        c.execute_batch("BEGIN")?;
        let out = crate::latest::read_state(c, Some((k, cap)), one_by_one);
        c.execute_batch("COMMIT")?;
        out
    }
}

impl ReportStore for ReportReader {
    fn report_data(&self) -> Result<ReportData, StoreError> {
        let c = &self.conn;
        // One read transaction, so every table is read at the same state.
        c.execute_batch("BEGIN")?;
        let out = read_all(c);
        c.execute_batch("COMMIT")?;
        out
    }

    fn latest_data(&self) -> Result<LatestData, StoreError> {
        let c = &self.conn;
        c.execute_batch("BEGIN")?;
        let out = crate::latest::read_latest(c);
        c.execute_batch("COMMIT")?;
        out
    }

    fn past_data(&self, k: i64, cap: usize) -> Result<Option<LatestData>, StoreError> {
        self.past_data_read(k, cap, None)
    }

    fn runs(&self) -> Result<Vec<RunRow>, StoreError> {
        read_runs(&self.conn)
    }

    fn period_data(&self, open: Option<i64>, close: i64) -> Result<ReportData, StoreError> {
        let c = &self.conn;
        c.execute_batch("BEGIN")?;
        let out = crate::period::read_period(c, open, close);
        c.execute_batch("COMMIT")?;
        out
    }

    fn period_sums(&self, open: Option<i64>, close: i64, from: &str) -> Result<Option<crate::PeriodSums>, StoreError> {
        let c = &self.conn;
        c.execute_batch("BEGIN")?;
        let out = crate::balance_sums::read_period_sums(c, open, close, from);
        c.execute_batch("COMMIT")?;
        out
    }
}

/// The batches the ERP confirmed after `at` (a run's start): their lines
/// were in flight when that run started and are not any more.
pub(crate) fn batches_confirmed_after(c: &Connection, at: &str) -> Result<Vec<String>, StoreError> {
    let mut stmt = c.prepare_cached(
        "SELECT DISTINCT batch_id FROM events WHERE object_kind = 'batch' AND action = 'confirmed' AND at > ?1 \
         AND batch_id IS NOT NULL",
    )?;
    let rows = stmt.query_map([at], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Every run, oldest first.
pub(crate) fn read_runs(c: &Connection) -> Result<Vec<RunRow>, StoreError> {
    let mut stmt =
        c.prepare("SELECT seq, batch_id, created_at, as_of, invoices_file, invoices_sha256 FROM batches ORDER BY seq")?;
    let runs = stmt
        .query_map([], |r| {
            Ok(RunRow {
                seq: r.get(0)?,
                batch_id: r.get(1)?,
                created_at: r.get(2)?,
                as_of: r.get(3)?,
                invoices_file: r.get(4)?,
                invoices_sha256: r.get(5)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(runs)
}

/// Every exception with its run, and every status change of one.
pub(crate) fn read_exceptions(
    c: &Connection,
    seq: &dyn Fn(&str) -> Option<i64>,
) -> Result<(Vec<ExceptionLedgerRow>, Vec<ExceptionEventRow>), StoreError> {
    let mut exceptions = Vec::new();
    let mut stmt = c.prepare(
        "SELECT exception_id, kind, receipt_id, customer_id, invoice_id, amount, currency, status, batch_id \
         FROM exceptions ORDER BY seq",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let batch: String = r.get(8)?;
        let Some(run_seq) = seq(&batch) else { continue };
        exceptions.push(ExceptionLedgerRow {
            exception_id: r.get(0)?,
            kind: r.get(1)?,
            receipt_id: r.get(2)?,
            customer_id: r.get(3)?,
            invoice_id: r.get(4)?,
            amount: r.get(5)?,
            currency: r.get(6)?,
            status: r.get(7)?,
            run_seq,
        });
    }
    let mut events = Vec::new();
    let mut stmt = c.prepare(
        "SELECT object_id, at, actor, action, batch_id FROM events WHERE object_kind = 'exception' ORDER BY seq",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let batch: Option<String> = r.get(4)?;
        events.push(ExceptionEventRow {
            exception_id: r.get(0)?,
            at: r.get(1)?,
            actor: r.get(2)?,
            action: r.get(3)?,
            run_seq: batch.as_deref().and_then(seq),
        });
    }
    Ok((exceptions, events))
}

/// The columns every invoice read starts with, in this order.
pub(crate) const INVOICE_COLUMNS: &str = "customer_id, invoice_id, currency, invoice_date, due_date, amount_original";

/// An invoice row from a query whose first columns are [`INVOICE_COLUMNS`].
pub(crate) fn invoice_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<InvoiceRow> {
    Ok(InvoiceRow {
        customer_id: r.get(0)?,
        invoice_id: r.get(1)?,
        currency: r.get(2)?,
        invoice_date: r.get(3)?,
        due_date: r.get(4)?,
        amount_original: r.get(5)?,
    })
}

fn read_all(c: &Connection) -> Result<ReportData, StoreError> {
    let mut data = ReportData { runs: read_runs(c)?, ..ReportData::default() };
    // The currency is read once per invoice, not joined to each change
    // (a join costs an index search per history row).
    let mut stmt = c.prepare(&format!("SELECT {INVOICE_COLUMNS} FROM invoices"))?;
    data.invoices = stmt.query_map([], invoice_row)?.collect::<Result<_, _>>()?;
    // Each table is read in its own rowid order and joined here (a run's
    // seq by batch id, a line's currency by receipt): a join in SQL costs
    // an index search per row, millions of them at scale.
    let seq_of: HashMap<String, i64> = data.runs.iter().map(|r| (r.batch_id.clone(), r.seq)).collect();
    let seq = |batch: &str| seq_of.get(batch).copied();
    let mut stmt = c.prepare(
        "SELECT batch_id, customer_id, invoice_id, event, amount_open, status FROM invoice_history ORDER BY seq",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let batch: String = r.get(0)?;
        let Some(run_seq) = seq(&batch) else { continue };
        data.invoice_events.push(InvoiceEventRow {
            run_seq,
            customer_id: r.get(1)?,
            invoice_id: r.get(2)?,
            event: r.get(3)?,
            amount_open: r.get(4)?,
            status: r.get(5)?,
        });
    }
    let mut stmt = c.prepare(&format!("SELECT {} FROM receipts ORDER BY seq", crate::latest::RECEIPT_COLUMNS))?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let batch: String = r.get(1)?;
        let Some(run_seq) = seq(&batch) else { continue };
        data.receipts.push(crate::latest::receipt_row(r, run_seq)?);
    }
    // A line's currency is its receipt's. An engine line has its batch
    // from the start and no time of its own; a person's line has its time
    // and actor, and a batch once carried.
    let currency_of: HashMap<&str, &str> =
        data.receipts.iter().map(|r| (r.receipt_id.as_str(), r.currency.as_str())).collect();
    let mut stmt = c.prepare(
        "SELECT posting_id, receipt_id, batch_id, created_at, actor, customer_id, invoice_id, kind, amount, reverses, \
         confirmed_at FROM postings ORDER BY seq",
    )?;
    let mut rows = stmt.query([])?;
    let mut lines = Vec::new();
    while let Some(r) = rows.next()? {
        let receipt_id: String = r.get(1)?;
        let Some(currency) = currency_of.get(receipt_id.as_str()) else { continue };
        let batch: Option<String> = r.get(2)?;
        lines.push(LineRow {
            posting_id: r.get(0)?,
            currency: (*currency).to_string(),
            receipt_id,
            run_seq: batch.as_deref().and_then(seq),
            created_at: r.get(3)?,
            actor: r.get(4)?,
            customer_id: r.get(5)?,
            invoice_id: r.get(6)?,
            kind: r.get(7)?,
            amount: r.get(8)?,
            reverses: r.get(9)?,
            confirmed_at: r.get(10)?,
        });
    }
    data.lines = lines;
    (data.exceptions, data.exception_events) = read_exceptions(c, &seq)?;
    data.reminders = crate::collections::reminders(c)?;
    data.promises = crate::collections::promises(c)?;
    Ok(data)
}
