//! `cashapply run`: `apply` with memory (CONTRACT §6). The ledger is read
//! before the engine runs, the engine stays a pure function, and everything
//! the run decided is handed back as one [`RunRecord`] for the store to
//! commit in one transaction.
//!
//! The rules, in the order they apply:
//! 1. a receipt's identity is (account, `bank_ref`, value date, currency,
//!    amount) and its occurrence among identical receipts of its file;
//!    `receipt_id` derives from it, so whichever file brings a receipt again
//!    (re-sent, with a BOM, other line ends, a camt under a new `MsgId`, a
//!    camt.053 after the day's camt.052) it is recognised and not posted;
//! 2. a file whose bytes or normalised content the ledger has seen is
//!    reported as a warning (its receipts are caught by rule 1), and so is
//!    a statement (camt `Id` + sequence + account + period, BAI2 `01`
//!    header) read before from other content, and a camt.053 opening
//!    balance that does not continue the account's last closing balance;
//! 3. cash in flight: unconfirmed postings on an invoice are subtracted from
//!    the `--invoices` view (an invoice they settle is closed), and an
//!    invoice they concern that the file no longer lists is reported;
//! 4. one problem, one exception: a problem already raised (whatever its
//!    status) is not raised again; an open `skipped_invoice` is resolved when
//!    the run pays its invoice or the ERP's file shows it settled;
//! 5. the batch carries this run's lines and the lines people's actions
//!    added since the previous batch; its id derives from the previous batch
//!    and its content.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::path::Path;

use cashapply_matching::inputs::{Invoice, InvoiceStatus};
use cashapply_model::{Receipt, SourceFormat, format_amount};
use cashapply_output::{
    BatchFiles, ExceptionRow, PostingRow, RunReport, content_id, exception_rows, posting_rows, receipt_rows,
    summary_json, write_batch,
};
use cashapply_store::{
    FileRecord, InvoiceChange, KnownInvoice, LedgerStore, ReceiptRecord, RunRecord, StatementRecord, StatusChange,
    StoreError, Taken,
};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::{Loaded, Progress, ServiceError};

/// Why `run` stopped.
#[derive(Debug, thiserror::Error)]
pub enum DailyError {
    /// The inputs (exit 3 or 1 as for `apply`).
    #[error(transparent)]
    Service(#[from] ServiceError),
    /// The ledger.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// `--out` could not be written (the ledger is unchanged).
    #[error(transparent)]
    Output(#[from] cashapply_output::OutputError),
}

/// A receipt the ledger already holds, seen again in this run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlreadyProcessed {
    /// Its id.
    pub receipt_id: String,
    /// Its bank reference.
    pub bank_ref: String,
    /// The file that brought it again.
    pub file: String,
    /// The batch that took it (this run's, when an earlier file of the
    /// same run brought it).
    pub batch_id: String,
    /// The file that brought it first.
    pub first_file: String,
}

/// A run decided and ready to be written and committed.
#[derive(Debug)]
pub struct PreparedRun {
    /// What goes to `--out`.
    pub batch: BatchFiles,
    /// What goes to the ledger.
    pub record: RunRecord,
    /// Receipts seen before.
    pub already: Vec<AlreadyProcessed>,
    /// Warnings for the person running it (`file: warning: …`).
    pub warnings: Vec<String>,
    /// New receipts decided and straight through.
    pub straight_through: usize,
    /// Exceptions raised now.
    pub raised: usize,
    /// Exceptions not raised again (already in the ledger).
    pub not_raised_again: usize,
    /// Exceptions resolved by this run.
    pub resolved: usize,
    /// Lines of earlier actions carried by this batch.
    pub carried: usize,
    /// The receipts rules learned in the workbench (reference shapes,
    /// deduction reasons) decided: (rule id, receipt id).
    pub learned_fires: Vec<(i64, String)>,
}

/// The identity of a receipt (CONTRACT §6.1) with its occurrence.
fn receipt_identity(r: &Receipt, occurrence: u32) -> String {
    content_id(
        "R",
        &[
            r.account.as_ref(),
            &r.bank_ref,
            &r.value_date.format("%Y-%m-%d").to_string(),
            r.currency.as_str(),
            &format_amount(r.amount, r.currency),
            &occurrence.to_string(),
        ],
    )
}

fn status_name(s: InvoiceStatus) -> &'static str {
    match s {
        InvoiceStatus::Open => "open",
        InvoiceStatus::Disputed => "disputed",
        InvoiceStatus::Closed => "closed",
    }
}

/// What changed in the ERP's invoices since the last run, by a merge of
/// the day's invoices (`by_key`: their indices in the ledger's key order)
/// with the ledger's: `new`, `changed` (open amount, status or currency),
/// `dated` (only the dates or original amount moved, or were not recorded
/// yet: the row is updated, the history is not), then `gone` (in the
/// ledger's file, not in this one). The first three in the file's order,
/// `gone` in key order.
///
/// `given` holds the open amount and status the file gave for the invoices
/// whose copy in `invoices` cash in flight has since reduced: the history
/// records the ERP's view, not the ledger's.
fn invoice_changes_since_last_run(
    store: &dyn LedgerStore,
    invoices: &[Invoice],
    by_key: &[usize],
    given: &HashMap<usize, (Decimal, InvoiceStatus)>,
) -> Result<Vec<InvoiceChange>, StoreError> {
    let as_given = |k: usize| given.get(&k).copied().unwrap_or((invoices[k].amount_open, invoices[k].status));
    let mut found: Vec<(usize, &'static str)> = Vec::new();
    let mut gone: Vec<InvoiceChange> = Vec::new();
    let mut next = 0usize;
    let mut date = String::new();
    store.scan_invoices(&mut |p| {
        // Today's invoices before this ledger row are new.
        while let Some(&k) = by_key.get(next) {
            let i = &invoices[k];
            if (i.customer_id.as_str(), i.id.as_str()) >= (p.customer_id, p.invoice_id) {
                break;
            }
            found.push((k, "new"));
            next += 1;
        }
        let same = by_key
            .get(next)
            .map(|&k| (k, &invoices[k]))
            .filter(|(_, i)| (i.customer_id.as_str(), i.id.as_str()) == (p.customer_id, p.invoice_id));
        let Some((k, i)) = same else {
            gone.push(InvoiceChange { invoice: p.to_known(), event: "gone" });
            return;
        };
        next += 1;
        let (amount_open, status) = as_given(k);
        let event = if p.amount_open.parse::<Decimal>().ok() != Some(amount_open)
            || p.status != status_name(status)
            || p.currency != i.currency.as_str()
        {
            "changed"
        } else {
            date.clear();
            let _ = write!(date, "{}", i.invoice_date);
            let due_moved = match (p.due_date, i.due_date) {
                (None, None) => false,
                (Some(d), Some(e)) => d.parse::<chrono::NaiveDate>().ok() != Some(e),
                _ => true,
            };
            if p.invoice_date != Some(date.as_str())
                || due_moved
                // As written by `format_amount`: the amount at the
                // currency's minor digits.
                || !p.amount_original.and_then(|a| a.parse::<Decimal>().ok()).is_some_and(|a| {
                    a == i.amount_original && a.scale() == i.currency.minor_digits()
                })
            {
                "dated"
            } else {
                return;
            }
        };
        found.push((k, event));
    })?;
    found.extend(by_key.get(next..).unwrap_or_default().iter().map(|&k| (k, "new")));
    found.sort_unstable_by_key(|(k, _)| *k);
    let mut changes: Vec<InvoiceChange> = found
        .into_iter()
        .map(|(k, event)| {
            let mut invoice = known(&invoices[k]);
            if let Some((amount_open, status)) = given.get(&k) {
                invoice.amount_open = format_amount(*amount_open, invoices[k].currency);
                invoice.status = status_name(*status).to_string();
            }
            InvoiceChange { invoice, event }
        })
        .collect();
    changes.extend(gone);
    Ok(changes)
}

fn known(i: &Invoice) -> KnownInvoice {
    KnownInvoice {
        customer_id: i.customer_id.clone(),
        invoice_id: i.id.clone(),
        currency: i.currency.as_str().to_string(),
        amount_open: format_amount(i.amount_open, i.currency),
        status: status_name(i.status).to_string(),
        invoice_date: Some(i.invoice_date.to_string()),
        due_date: i.due_date.map(|d| d.to_string()),
        amount_original: Some(format_amount(i.amount_original, i.currency)),
    }
}

/// The problem an exception is about: a skipped invoice is one problem per
/// invoice whichever receipt revealed it; any other is the receipt's own.
fn problem_key(e: &ExceptionRow) -> String {
    if e.kind == "skipped_invoice" {
        format!("skipped_invoice\u{1f}{}\u{1f}{}", e.customer_id, e.invoice_id)
    } else {
        e.exception_id.clone()
    }
}

/// The rows of a run that the ledger writes first: its lines, receipts and
/// batch id, and the exceptions raised (before the ledger says which are
/// new).
struct HeadRows {
    postings: Vec<PostingRow>,
    /// The same lines, for the ledger.
    engine_postings: Vec<PostingRow>,
    batch_id: String,
    raised_now: Vec<ExceptionRow>,
    /// (rule id, receipt id) of each learned deduction reason that wrote
    /// a shortfall off.
    written_off_fires: Vec<(i64, String)>,
    receipts: Vec<cashapply_output::ReceiptRow>,
    records: Vec<ReceiptRecord>,
}

/// The run's lines, receipts and exceptions from the engine's outcomes
/// (pure: reads no ledger). The batch id derives from the previous batch,
/// the carried lines, this run's lines and its receipts.
fn head_rows(
    decided: &crate::Decided,
    new_ids: &[String],
    previous_batch: &str,
    carried: &[String],
    learned: crate::evidence::Learned<'_>,
    new_meta: &[(u32, usize)],
) -> Result<HeadRows, ServiceError> {
    let mut report = report_of(decided, new_ids);
    cashapply_output::check_invariants(&report)
        .map_err(|v| ServiceError::Invariants { violations: v.iter().map(ToString::to_string).collect() })?;
    let mut postings: Vec<PostingRow> = posting_rows(&report);
    let written_off_fires = crate::learned_write_off::name_the_codes(&report, &mut postings, learned.deductions);
    let mut id_parts: Vec<&str> = vec![previous_batch];
    id_parts.extend(carried.iter().map(String::as_str));
    id_parts.extend(postings.iter().map(|p| p.posting_id.as_str()));
    id_parts.extend(new_ids.iter().map(String::as_str));
    let batch_id = content_id("B", &id_parts);
    report.batch_id = batch_id.clone();
    let raised_now = exception_rows(&report);
    let receipts = receipt_rows(&report);
    let meta: HashMap<&str, (u32, usize)> = new_ids.iter().map(String::as_str).zip(new_meta.iter().copied()).collect();
    // The ledger's copies of the rows, side by side.
    let (records, engine_postings) = rayon::join(
        || -> Vec<ReceiptRecord> {
            receipts
                .iter()
                .map(|row| {
                    let (occurrence, file) = meta.get(row.receipt_id.as_str()).copied().unwrap_or((1, 0));
                    ReceiptRecord { row: row.clone(), occurrence, file }
                })
                .collect()
        },
        || postings.clone(),
    );
    Ok(HeadRows { postings, engine_postings, batch_id, raised_now, written_off_fires, receipts, records })
}

/// The outcomes in output order with their ids.
fn report_of<'a>(decided: &'a crate::Decided, new_ids: &[String]) -> RunReport<'a> {
    RunReport::with_ids(
        &decided.ledger,
        &decided.receipts,
        &decided.outcomes,
        new_ids.to_vec(),
        decided.files.clone(),
        decided.others.clone(),
        &decided.settings,
    )
}

/// The bank files' receipts against the ledger (rules 1 and 2): each
/// receipt's identity and occurrence, the receipts the ledger (or an
/// earlier file of this run) already holds, the files' records and the
/// warnings about files and statements seen before.
struct AgainstLedger {
    warnings: Vec<String>,
    new_receipts: Vec<Receipt>,
    new_ids: Vec<String>,
    new_meta: Vec<(u32, usize)>,
    already: Vec<AlreadyProcessed>,
    files: Vec<FileRecord>,
}

/// Each receipt's identity with its occurrence among identical receipts
/// of its file (1-based). The id of the first occurrence is the key the
/// occurrences are counted by; the hashing runs on every core.
fn identities(receipts: &[Receipt]) -> Vec<(String, u32)> {
    use rayon::prelude::*;
    let first: Vec<String> = receipts.par_iter().map(|r| receipt_identity(r, 1)).collect();
    let mut seen: HashMap<&str, u32> = HashMap::with_capacity(first.len());
    let occurrences: Vec<u32> = first
        .iter()
        .map(|id| {
            let n = seen.entry(id.as_str()).or_insert(0);
            *n += 1;
            *n
        })
        .collect();
    drop(seen);
    first
        .into_par_iter()
        .zip(receipts.par_iter().zip(occurrences.into_par_iter()))
        .map(|(id, (r, n))| if n == 1 { (id, 1) } else { (receipt_identity(r, n), n) })
        .collect()
}

fn against_ledger(store: &dyn LedgerStore, loaded_files: &[crate::BankInput]) -> Result<AgainstLedger, StoreError> {
    let mut warnings = Vec::new();
    // Rule 1: identities, occurrences, receipts seen before.
    let ids_per_file: Vec<Vec<(String, u32)>> = loaded_files.iter().map(|f| identities(&f.parsed.receipts)).collect();
    let all_ids: Vec<String> = ids_per_file.iter().flatten().map(|(id, _)| id.clone()).collect();
    let taken: HashMap<String, Taken> = store.taken(&all_ids)?.into_iter().map(|t| (t.receipt_id.clone(), t)).collect();
    let mut new_receipts: Vec<Receipt> = Vec::new();
    let mut new_ids: Vec<String> = Vec::new();
    let mut new_meta: Vec<(u32, usize)> = Vec::new();
    let mut in_run: HashMap<String, String> = HashMap::new();
    let mut already = Vec::new();
    let mut files = Vec::new();
    for (fi, (f, ids)) in loaded_files.iter().zip(&ids_per_file).enumerate() {
        let (mut fresh, mut old) = (0u64, 0u64);
        for (r, (id, occurrence)) in f.parsed.receipts.iter().zip(ids) {
            if let Some(t) = taken.get(id) {
                old += 1;
                already.push(AlreadyProcessed {
                    receipt_id: id.clone(),
                    bank_ref: r.bank_ref.clone(),
                    file: f.parsed.name.clone(),
                    batch_id: t.batch_id.clone(),
                    first_file: t.source_file.clone(),
                });
            } else if let Some(first) = in_run.get(id) {
                old += 1;
                already.push(AlreadyProcessed {
                    receipt_id: id.clone(),
                    bank_ref: r.bank_ref.clone(),
                    file: f.parsed.name.clone(),
                    batch_id: String::new(),
                    first_file: first.clone(),
                });
            } else {
                fresh += 1;
                in_run.insert(id.clone(), f.parsed.name.clone());
                new_receipts.push(r.clone());
                new_ids.push(id.clone());
                new_meta.push((*occurrence, fi));
            }
        }
        // Rule 2: the same content again is worth a word, whatever happens
        // to its receipts.
        if let Some(seen) = store.file_seen(&f.sha256, &f.normalised_sha256)? {
            let how = if seen.identical {
                "the same bytes"
            } else {
                "the same content (byte-order mark, line ends or padding aside)"
            };
            warnings.push(format!(
                "{}: warning: {how} as {} of batch {}; {} of its {} receipt(s) were already in the ledger",
                f.parsed.name,
                seen.name,
                seen.batch_id,
                old,
                old + fresh
            ));
        }
        files.push(FileRecord {
            name: f.parsed.name.clone(),
            format: f.parsed.format.as_str().to_string(),
            sha256: f.sha256.clone(),
            normalised_sha256: f.normalised_sha256.clone(),
            size: f.size,
            receipts_new: fresh,
            receipts_already: old,
            warnings: f.parsed.diagnostics.items().iter().map(|d| d.render(&f.parsed.name)).collect(),
            statements: f
                .parsed
                .statements
                .iter()
                .map(|s| StatementRecord {
                    identity: s.identity.clone(),
                    account: s.account.clone(),
                    opening: s.opening.map(|d| d.to_string()),
                    closing: s.closing.map(|d| d.to_string()),
                })
                .collect(),
        });
        // Statement identity: a statement read before from other content,
        // and an opening balance that does not continue the last closing.
        for s in &f.parsed.statements {
            if let Some(seen) = store.statement_seen(&s.identity)? {
                // A BAI2 account's day is part of its file: the file's own
                // entry says it was read before.
                let per_account_of_bai2 = f.parsed.format == SourceFormat::Bai2 && !s.account.is_empty();
                if seen.normalised_sha256 != f.normalised_sha256 && !per_account_of_bai2 {
                    warnings.push(format!(
                        "{}:{}: warning: this statement was already read from {} (batch {}) with other content; receipts already in the ledger are not posted again",
                        f.parsed.name, s.line, seen.file, seen.batch_id
                    ));
                }
                continue;
            }
            if let Some(opening) = s.opening
                && let Some(last) = store.last_closing(&s.account)?
                && let Some(closing) = last.closing.as_deref().and_then(|c| c.parse::<Decimal>().ok())
                && closing != opening
            {
                warnings.push(format!(
                    "{}:{}: warning: opening balance {opening} of account {} does not continue the closing balance {closing} of the statement read from {} (batch {}); a statement may be missing",
                    f.parsed.name, s.line, s.account, last.file, last.batch_id
                ));
            }
        }
    }
    Ok(AgainstLedger { warnings, new_receipts, new_ids, new_meta, already, files })
}

/// A run decided as far as its lines: what the ledger writes first, and
/// what the rest of the run is built from.
struct Head {
    warnings: Vec<String>,
    already: Vec<AlreadyProcessed>,
    decided: crate::Decided,
    proposals: Vec<Option<cashapply_matching::engine::Proposal>>,
    new_ids: Vec<String>,
    learned_names: Vec<(i64, String, String)>,
    learned_deductions: Vec<(i64, String, String)>,
    rows: HeadRows,
    previous_batch: String,
    pending: Vec<PostingRow>,
    carried: Vec<String>,
    erp_settled: HashSet<(String, String)>,
    adjusted: u64,
    missing: Vec<Value>,
    /// Whether the invoices file must be compared with the ledger's copy.
    compare_invoices: bool,
    /// The file's invoices in the ledger's key order.
    by_key: Vec<usize>,
    /// What the file gave for the invoices cash in flight reduced.
    given: HashMap<usize, (Decimal, InvoiceStatus)>,
}

/// What the ledger writes after the head (see
/// [`LedgerStore::commit_run_in_stages`]).
struct Rest {
    exceptions: Vec<(String, ExceptionRow)>,
    status_changes: Vec<StatusChange>,
    invoice_changes: Vec<InvoiceChange>,
    evidence: Vec<cashapply_store::ExceptionEvidence>,
}

impl Rest {
    fn fill(self, record: &mut RunRecord) {
        record.exceptions = self.exceptions;
        record.status_changes = self.status_changes;
        record.invoice_changes = self.invoice_changes;
        record.evidence = self.evidence;
    }
}

/// Reads the ledger and decides the run. Nothing is written.
pub fn prepare(
    store: &dyn LedgerStore,
    loaded: Loaded,
    at: &str,
    actor: &str,
    progress: Progress<'_>,
) -> Result<PreparedRun, DailyError> {
    let (head, mut record) = decide(store, loaded, at, actor, progress)?;
    let (mut prepared, rest) = finish(store, head, progress)?;
    rest.fill(&mut record);
    prepared.record = record;
    Ok(prepared)
}

/// Decides the run and commits it, writing `out` on the way (as
/// [`prepare`] then [`write_and_commit`], with the same rows and the same
/// files). Once the lines are known, the ledger's second connection
/// ([`LedgerStore::run_writer`]) writes the batch, receipts and lines on
/// another thread while this one builds the exceptions, their evidence and
/// the invoice history (reading the ledger as it was before the run) and
/// then writes `out`; the transaction commits once `out` is written, and
/// is rolled back if anything failed. Without a second connection, the
/// run is prepared and then written and committed.
pub fn run_in_stages(
    store: &mut dyn LedgerStore,
    loaded: Loaded,
    at: &str,
    actor: &str,
    out: &Path,
    progress: Progress<'_>,
) -> Result<PreparedRun, DailyError> {
    let Some(mut writer) = store.run_writer()? else {
        let prepared = prepare(store, loaded, at, actor, progress)?;
        write_and_commit(&prepared, store, out)?;
        return Ok(prepared);
    };
    let (head, mut record) = decide(store, loaded, at, actor, progress)?;
    let reader: &dyn LedgerStore = store;
    std::thread::scope(|scope| {
        let (rest_to, rest_from) = std::sync::mpsc::channel::<Rest>();
        let (written_to, written_from) = std::sync::mpsc::channel::<bool>();
        let record = &mut record;
        let committing = scope.spawn(move || {
            writer.commit_run_in_stages(record, &mut |r| rest_from.recv().map(|rest| rest.fill(r)).is_ok(), &mut || {
                written_from.recv().unwrap_or(false)
            })
        });
        // A failure here drops the senders: the writer rolls back.
        let finished = finish(reader, head, progress).and_then(|(prepared, rest)| {
            let _ = rest_to.send(rest);
            let written = write_batch(&prepared.batch, out);
            let _ = written_to.send(written.is_ok());
            written?;
            Ok(prepared)
        });
        drop((rest_to, written_to));
        let committed = committing.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        let prepared = finished?;
        if !committed? {
            return Err(StoreError::Refused("the run was not committed".into()).into());
        }
        Ok(prepared)
    })
    .map(|mut prepared: PreparedRun| {
        prepared.record = record;
        prepared
    })
}

/// The run decided as far as its lines, with the head of its record (the
/// rest of the record empty).
fn decide(
    store: &dyn LedgerStore,
    mut loaded: Loaded,
    at: &str,
    actor: &str,
    progress: Progress<'_>,
) -> Result<(Head, RunRecord), DailyError> {
    let mut warnings = Vec::new();
    // The ERP's view as given, for the invoice history: only changes are
    // kept, and a file identical to the last run's changes nothing (unless
    // the ledger has invoices without dates, recorded before it kept them:
    // then the file is read for their dates).
    let invoices_sha256 = loaded.others.first().map_or(String::new(), |o| o.sha256.clone());
    // The day's invoices in the ledger's key order (customer, then number,
    // byte order): the comparison below is a merge of two sorted lists, so
    // unchanged invoices cost no copy.
    let mut by_key: Vec<usize> = (0..loaded.invoices.len()).collect();
    by_key.sort_unstable_by(|a, b| {
        let (x, y) = (&loaded.invoices[*a], &loaded.invoices[*b]);
        (x.customer_id.as_str(), x.id.as_str()).cmp(&(y.customer_id.as_str(), y.id.as_str()))
    });
    // Where an invoice is in the file (`by_key` is unique: the file refuses
    // an invoice given twice).
    let position = |customer: &str, invoice: &str| {
        by_key
            .binary_search_by(|i| {
                let x = &loaded.invoices[*i];
                (x.customer_id.as_str(), x.id.as_str()).cmp(&(customer, invoice))
            })
            .ok()
            .map(|at| by_key[at])
    };
    let compare_invoices =
        store.last_invoices_sha256()?.as_deref() != Some(invoices_sha256.as_str()) || store.undated_invoices()? > 0;
    let erp_settled: HashSet<(String, String)> = loaded
        .invoices
        .iter()
        .filter(|i| i.status == InvoiceStatus::Closed || i.amount_open.is_zero())
        .map(|i| (i.customer_id.clone(), i.id.clone()))
        .collect();
    // Rule 3: cash in flight.
    // Lines are kept per currency: only those in the invoice's currency
    // move it (a line in another currency is reported, never converted).
    let mut flight: BTreeMap<(String, String), (Decimal, Vec<String>, String)> = BTreeMap::new();
    for p in store.in_flight()? {
        let amount: Decimal = p.amount.parse().unwrap_or_default();
        let e = flight.entry((p.customer_id, p.invoice_id)).or_default();
        if e.2.is_empty() {
            e.2 = p.currency.clone();
        } else if e.2 != p.currency {
            e.2 = "mixed".to_string();
        }
        e.0 += amount;
        if let Some(b) = p.batch_id
            && !e.1.contains(&b)
        {
            e.1.push(b);
        }
    }
    let mut missing = Vec::new();
    for ((customer, invoice), (amount, batches, _)) in &flight {
        if amount.is_zero() {
            continue;
        }
        if position(customer, invoice).is_none() {
            let batches = if batches.is_empty() { "the next batch".to_string() } else { batches.join(", ") };
            warnings.push(format!(
                "{}: warning: invoice {invoice} of customer {customer} is not in the invoices file, while unconfirmed postings of {batches} move {amount} on it; confirm the batch if the ERP imported it",
                loaded.others.first().map_or("", |o| o.name.as_str())
            ));
            missing.push(json!({ "customer_id": customer, "invoice_id": invoice, "in_flight": amount.to_string(), "batches": batches }));
        }
    }
    let mut adjusted = 0u64;
    let invoices_name = loaded.others.first().map_or(String::new(), |o| o.name.clone());
    let mut given: HashMap<usize, (Decimal, InvoiceStatus)> = HashMap::new();
    // The invoices it moves, in the file's order.
    let mut moved: Vec<(usize, Decimal, &str)> = flight
        .iter()
        .filter(|(_, (amount, _, _))| !amount.is_zero())
        .filter_map(|((customer, invoice), (amount, _, currency))| {
            position(customer, invoice).map(|k| (k, *amount, currency.as_str()))
        })
        .collect();
    moved.sort_unstable_by_key(|(k, _, _)| *k);
    for (k, amount, currency) in moved {
        let Some(inv) = loaded.invoices.get_mut(k) else { continue };
        if currency != inv.currency.as_str() || amount.scale() > inv.currency.minor_digits() {
            warnings.push(format!(
                "{}:{}: warning: invoice {} is in {} but unconfirmed postings on it are in {currency}; not subtracted",
                invoices_name, inv.line, inv.id, inv.currency
            ));
            continue;
        }
        adjusted += 1;
        given.insert(k, (inv.amount_open, inv.status));
        inv.settled_in_flight = true;
        let rest = inv.amount_open - amount;
        if rest.is_zero() || rest.is_sign_negative() != inv.amount_open.is_sign_negative() {
            inv.amount_open = Decimal::ZERO;
            inv.status = InvoiceStatus::Closed;
        } else {
            inv.amount_open = rest;
        }
    }
    if adjusted > 0 {
        progress(&format!("{adjusted} invoice(s) reduced by unconfirmed postings"));
    }

    // Rules 1 and 2 read the ledger for every receipt while the engine's
    // index of the invoices (as cash in flight left them) is built on
    // another thread: neither needs the other.
    let index_inputs = loaded.take_index_inputs();
    let (built, checked) = std::thread::scope(|scope| {
        let index = scope.spawn(move || index_inputs.build());
        let checked = against_ledger(store, &loaded.files);
        (index.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)), checked)
    });
    let AgainstLedger { warnings: file_warnings, new_receipts, new_ids, new_meta, already, files } = checked?;
    // The files' warnings come first, as they did when they were found first.
    let warnings = [file_warnings, warnings].concat();
    progress(&format!("{} new receipt(s), {} already in the ledger", new_receipts.len(), already.len()));
    // The engine, on the new receipts only.
    let as_of = loaded.as_of.map(|d| d.to_string());
    let contacts = loaded.customer_emails.take();
    let learned_names = std::mem::take(&mut loaded.learned_names);
    let learned_deductions = std::mem::take(&mut loaded.learned_deductions);
    let (limit, min_confidence) = (loaded.config.learned_write_off_limit, loaded.config.auto_apply_confidence);
    let (ledger, notes) = built;
    for note in notes {
        progress(&note);
    }
    // The engine: stage 1 on every core, then the allocation on one. The
    // invoice history is compared after it, beside the ledger's writing
    // (see `finish`), so that nothing takes a core from stage 1.
    let cashapply_matching::engine::Decisions { outcomes, proposals } =
        cashapply_matching::engine::run_keeping_proposals(&new_receipts, &ledger, &loaded.config);
    let previous_batch = store.last_batch()?.unwrap_or_default();
    let pending = store.pending_postings()?;
    let mut decided = loaded.decided(ledger, new_receipts, outcomes, progress);
    let written_off = crate::learned_write_off::write_off_by_learned_reasons(
        &mut decided,
        &learned_deductions,
        limit,
        min_confidence,
    );
    if written_off > 0 {
        progress(&format!("{written_off} shortfall(s) written off by learned deduction reasons"));
    }
    let carried: Vec<String> = pending.iter().map(|p| p.posting_id.clone()).collect();
    let learned = crate::evidence::Learned { names: &learned_names, deductions: &learned_deductions };
    let mut rows = head_rows(&decided, &new_ids, &previous_batch, &carried, learned, &new_meta)?;
    progress(&format!("{} posting line(s), {} carried", rows.postings.len(), carried.len()));
    let record = RunRecord {
        batch_id: rows.batch_id.clone(),
        at: at.to_string(),
        actor: actor.to_string(),
        as_of,
        invoices_file: decided.others.first().map(|o| o.name.clone()).unwrap_or_default(),
        invoices_sha256: decided.others.first().map(|o| o.sha256.clone()).unwrap_or_default(),
        files,
        receipts: std::mem::take(&mut rows.records),
        already: already.len() as u64,
        postings: std::mem::take(&mut rows.engine_postings),
        carried: carried.clone(),
        exceptions: Vec::new(),
        status_changes: Vec::new(),
        invoice_changes: Vec::new(),
        evidence: Vec::new(),
        contacts,
    };
    let head = Head {
        warnings,
        already,
        decided,
        proposals,
        new_ids,
        learned_names,
        learned_deductions,
        rows,
        previous_batch,
        pending,
        carried,
        erp_settled,
        adjusted,
        missing,
        compare_invoices,
        by_key,
        given,
    };
    Ok((head, record))
}

/// The rest of a decided run: the exceptions (one problem, one exception),
/// their evidence, the exceptions the run resolves, the invoice history and
/// the batch files. Reads the ledger as it was before the run.
fn finish(store: &dyn LedgerStore, head: Head, progress: Progress<'_>) -> Result<(PreparedRun, Rest), DailyError> {
    let Head {
        warnings,
        already,
        decided,
        proposals,
        new_ids,
        learned_names,
        learned_deductions,
        rows,
        previous_batch,
        pending,
        carried,
        erp_settled,
        adjusted,
        missing,
        compare_invoices,
        by_key,
        given,
    } = head;
    let HeadRows { mut postings, batch_id, raised_now, written_off_fires, receipts, .. } = rows;
    let learned = crate::evidence::Learned { names: &learned_names, deductions: &learned_deductions };
    let mut report = report_of(&decided, &new_ids);
    report.batch_id = batch_id.clone();
    // What stage 1 found, by receipt id, where the engine kept it.
    let kept: HashMap<&str, &cashapply_matching::engine::Proposal> =
        new_ids.iter().zip(&proposals).filter_map(|(id, p)| p.as_ref().map(|p| (id.as_str(), p))).collect();
    let evidence = crate::evidence::exception_evidence(&report, &raised_now, learned, &kept);
    let mut learned_fires = crate::evidence::learned_fires(&report, &raised_now, &evidence, learned);
    learned_fires.extend(written_off_fires);
    let summary = summary_json(&report);
    progress(&format!("evidence kept for {} exception(s)", evidence.len()));
    let invoice_changes = if compare_invoices {
        invoice_changes_since_last_run(store, &decided.ledger.invoices, &by_key, &given)?
    } else {
        Vec::new()
    };
    progress(&format!("{} invoice(s) new, changed or gone since the last run", invoice_changes.len()));
    let open_before = store.open_exceptions()?;
    let keys: Vec<String> = raised_now.iter().map(problem_key).collect();
    let before: HashMap<String, ExceptionRow> = store.exceptions_by_problem(&keys)?.into_iter().collect();
    let mut new_exceptions = Vec::new();
    let mut not_raised_again = 0usize;
    let mut key_seen: HashSet<String> = HashSet::new();
    // An invoice the queue already holds an open exception about (a short
    // payment of an earlier run, say) is not reported as skipped as well:
    // the coordinator already has it in hand.
    let open_about: HashSet<(&str, &str)> = open_before
        .iter()
        .filter(|(_, e)| e.kind != "skipped_invoice" && !e.invoice_id.is_empty())
        .map(|(_, e)| (e.customer_id.as_str(), e.invoice_id.as_str()))
        .collect();
    for (e, key) in raised_now.into_iter().zip(keys) {
        let in_hand =
            e.kind == "skipped_invoice" && open_about.contains(&(e.customer_id.as_str(), e.invoice_id.as_str()));
        if in_hand || before.contains_key(&key) || !key_seen.insert(key.clone()) {
            not_raised_again += 1;
        } else {
            new_exceptions.push((key, e));
        }
    }
    let paid_now: HashSet<(&str, &str)> = postings
        .iter()
        .filter(|p| p.kind == "applied")
        .map(|p| (p.customer_id.as_str(), p.invoice_id.as_str()))
        .collect();
    let mut status_changes = Vec::new();
    let mut open_after: Vec<ExceptionRow> = Vec::new();
    for (_, e) in open_before {
        let key = (e.customer_id.clone(), e.invoice_id.clone());
        let settled_by = if e.kind != "skipped_invoice" || e.status != "open" {
            None
        } else if paid_now.contains(&(key.0.as_str(), key.1.as_str())) {
            Some(format!("invoice {} was paid in batch {batch_id}", e.invoice_id))
        } else if erp_settled.contains(&key) {
            Some(format!("the ERP's invoices file shows invoice {} settled", e.invoice_id))
        } else {
            None
        };
        match settled_by {
            Some(note) => status_changes.push(StatusChange {
                exception_id: e.exception_id.clone(),
                status: "resolved".into(),
                note,
            }),
            None if e.status == "open" => open_after.push(e),
            None => {}
        }
    }
    open_after.extend(new_exceptions.iter().map(|(_, e)| e.clone()));
    open_after.sort_by(|a, b| {
        (&a.value_date, &a.bank_ref, &a.exception_id).cmp(&(&b.value_date, &b.bank_ref, &b.exception_id))
    });

    progress(&format!("{} exception(s) open after the run", open_after.len()));
    // Rule 5: the batch.
    let mut summary = summary;
    if let Value::Object(m) = &mut summary {
        m.insert(
            "already_processed".into(),
            json!({
                "count": already.len(),
                "receipts": already.iter().map(|a| json!({
                    "receipt_id": a.receipt_id,
                    "bank_ref": a.bank_ref,
                    "file": a.file,
                    "taken_by_batch": if a.batch_id.is_empty() { batch_id.as_str() } else { a.batch_id.as_str() },
                    "first_file": a.first_file,
                })).collect::<Vec<_>>(),
            }),
        );
        m.insert(
            "ledger".into(),
            json!({
                "previous_batch": previous_batch,
                "carried_postings": carried.len(),
                "invoices_reduced_by_unconfirmed_postings": adjusted,
                "invoices_missing_from_erp": missing,
                "exceptions_raised": new_exceptions.len(),
                "exceptions_not_raised_again": not_raised_again,
                "exceptions_resolved": status_changes.iter().map(|c| c.exception_id.clone()).collect::<Vec<_>>(),
                "exceptions_open": open_after.len(),
                "warnings": warnings,
            }),
        );
    }
    let straight_through = decided.straight_through();
    let mut batch_postings = pending;
    batch_postings.append(&mut postings);
    let raised = new_exceptions.len();
    let resolved = status_changes.len();
    let rest = Rest { exceptions: new_exceptions, status_changes, invoice_changes, evidence };
    let prepared = PreparedRun {
        batch: BatchFiles { batch_id, postings: batch_postings, exceptions: open_after, receipts, summary },
        record: RunRecord::default(),
        already,
        warnings,
        straight_through,
        raised,
        not_raised_again,
        resolved,
        carried: carried.len(),
        learned_fires,
    };
    Ok((prepared, rest))
}

/// Reads the run's inputs (as [`crate::load`]) while another thread copies
/// the pages the previous run left in the ledger's write-ahead log into
/// the ledger file ([`cashapply_store::checkpoint`]; a run opened with
/// `SqliteStore::open_for_run` leaves them there, so that copy is not on
/// its own path). The caller holds the ledger's write lock. `progress` is
/// called on this thread only.
pub fn load_beside_checkpoint(
    request: &crate::Request,
    db: &Path,
    progress: Progress<'_>,
) -> (Result<Loaded, ServiceError>, Result<Option<cashapply_store::Checkpointed>, StoreError>) {
    std::thread::scope(|scope| {
        let checkpoint = scope.spawn(|| cashapply_store::checkpoint(db));
        let loaded = crate::load(request, progress);
        let checkpointed = checkpoint.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (loaded, checkpointed)
    })
}

/// Writes the batch to `out`, then commits the run. The order matters: if
/// the process dies between the two, `--out` holds the new batch and the
/// ledger is as before, so the next run decides the same receipts again and
/// writes the same `posting_id`s (the ERP de-duplicates on them); the other
/// order could lose a committed batch that was never written. The batch is
/// written on a thread of its own while the run's rows go into the ledger's
/// open transaction, which commits only once the batch is written (and is
/// rolled back if it could not be).
pub fn write_and_commit(prepared: &PreparedRun, store: &mut dyn LedgerStore, out: &Path) -> Result<(), DailyError> {
    std::thread::scope(|scope| {
        let mut writer = Some(scope.spawn(|| write_batch(&prepared.batch, out)));
        let mut written: Result<(), cashapply_output::OutputError> = Ok(());
        let mut wait = || {
            if let Some(w) = writer.take() {
                written = w.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            }
            written.is_ok()
        };
        let committed = store.commit_run_when(&prepared.record, &mut wait);
        // The ledger may have failed before it asked: the batch is still
        // waited for (written and not committed, as after a kill between
        // the two).
        wait();
        written?;
        committed?;
        Ok(())
    })
}
