//! The output of `cashapply run` (CONTRACT §6): the same four files as
//! `apply`, written from rows the ledger keeps, since a batch carries lines
//! and exceptions of earlier runs too. `postings.csv` adds `posting_id`
//! (stable, never repeated), `reverses` (the posting an opposite line
//! offsets) and `reason`; `exceptions.csv` lists every exception open after
//! the run with its current `status`.

use std::path::Path;

use cashapply_model::format_amount;
use serde_json::Value;

use crate::ids::content_id;
use crate::report::RunReport;
use crate::write::{
    EXCEPTION_COLUMNS, OutputError, POSTING_COLUMNS, RECEIPT_COLUMNS, confidence, csv_writer, exception_row, flush, io,
    line_customer, remittance, replace_dir, row,
};
use cashapply_matching::engine::ranked;

/// One line of `postings.csv` as the ledger keeps it (amounts as written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostingRow {
    /// Stable id: never changes, never repeats.
    pub posting_id: String,
    /// The receipt whose cash it moves.
    pub receipt_id: String,
    /// The receipt's bank reference.
    pub bank_ref: String,
    /// The receipt's value date, `YYYY-MM-DD`.
    pub value_date: String,
    /// Currency code.
    pub currency: String,
    /// The customer the line belongs to (the invoice's owner).
    pub customer_id: String,
    /// The invoice, for applied, discount and write-off lines.
    pub invoice_id: String,
    /// `applied`, `on_account`, `unapplied`, `unidentified`, `discount`, `write_off`.
    pub kind: String,
    /// Amount with the currency's minor digits (negative on an opposite line).
    pub amount: String,
    /// The evidence that decided it (`unapply`, `reversal` for opposite lines).
    pub rule: String,
    /// `0.000`–`1.000`.
    pub confidence: String,
    /// The posting this line offsets, if it is an opposite line.
    pub reverses: String,
    /// Why a person unapplied or reversed.
    pub reason: String,
}

/// One line of `exceptions.csv` as the ledger keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExceptionRow {
    /// Stable id.
    pub exception_id: String,
    /// Kind (CONTRACT §4).
    pub kind: String,
    /// The receipt concerned.
    pub receipt_id: String,
    /// Its bank reference.
    pub bank_ref: String,
    /// The customer concerned.
    pub customer_id: String,
    /// The invoice concerned.
    pub invoice_id: String,
    /// Amount with the currency's minor digits.
    pub amount: String,
    /// Ranked candidates, `ID=SCORE;…`.
    pub suggestions: String,
    /// One plain sentence.
    pub detail: String,
    /// Currency code.
    pub currency: String,
    /// The receipt's value date.
    pub value_date: String,
    /// The payer's name as the bank wrote it.
    pub payer_name: String,
    /// The customer's name on file.
    pub customer_name: String,
    /// `open`, `snoozed`, `resolved`, `dismissed`.
    pub status: String,
}

/// One line of `receipts.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptRow {
    /// Id derived from the receipt's identity.
    pub receipt_id: String,
    /// Bank reference.
    pub bank_ref: String,
    /// The file that brought it.
    pub source_file: String,
    /// Its format.
    pub format: String,
    /// The company account credited.
    pub account: String,
    /// Value date.
    pub value_date: String,
    /// Currency code.
    pub currency: String,
    /// Amount with the currency's minor digits.
    pub amount: String,
    /// Payer name.
    pub payer_name: String,
    /// Customer found.
    pub customer_id: String,
    /// `applied`, `partial`, `exception` (`reversed` once reversed).
    pub status: String,
    /// Remittance as one field.
    pub remittance: String,
}

/// What `run` writes to `--out`.
#[derive(Debug, Clone)]
pub struct BatchFiles {
    /// The batch id (every line of `postings.csv`).
    pub batch_id: String,
    /// The batch's posting lines, in order.
    pub postings: Vec<PostingRow>,
    /// Every exception open after the run.
    pub exceptions: Vec<ExceptionRow>,
    /// The run's new receipts.
    pub receipts: Vec<ReceiptRow>,
    /// `summary.json`.
    pub summary: Value,
}

/// The posting id of a receipt's `n`th engine line (1-based): derived from
/// the receipt's identity, so a re-run of a batch the ledger never committed
/// gives the ERP the same ids to de-duplicate on.
pub fn posting_id(receipt_id: &str, n: usize) -> String {
    content_id("P", &[receipt_id, &n.to_string()])
}

/// The posting lines of a report, with ids (receipt by receipt, in the
/// report's order; the rows of each receipt built on any core).
pub fn posting_rows(report: &RunReport<'_>) -> Vec<PostingRow> {
    use rayon::prelude::*;
    let per_receipt: Vec<Vec<PostingRow>> = report
        .receipts
        .par_iter()
        .zip(&report.outcomes)
        .zip(&report.receipt_ids)
        .map(|((r, o), id)| {
            let value_date = r.value_date.format("%Y-%m-%d").to_string();
            o.lines
                .iter()
                .enumerate()
                .map(|(n, l)| PostingRow {
                    posting_id: posting_id(id, n + 1),
                    receipt_id: id.clone(),
                    bank_ref: r.bank_ref.clone(),
                    value_date: value_date.clone(),
                    currency: r.currency.as_str().to_string(),
                    customer_id: line_customer(report, o, l.invoice),
                    invoice_id: l.invoice.map(|i| report.ledger.invoice(i).id.clone()).unwrap_or_default(),
                    kind: l.kind.as_str().to_string(),
                    amount: format_amount(l.amount, r.currency),
                    rule: l.rule.as_str().to_string(),
                    confidence: confidence(l.confidence),
                    reverses: String::new(),
                    reason: String::new(),
                })
                .collect()
        })
        .collect();
    per_receipt.into_iter().flatten().collect()
}

/// The exceptions of a report, status `open`, ids as `apply` derives them.
pub fn exception_rows(report: &RunReport<'_>) -> Vec<ExceptionRow> {
    let mut rows = Vec::new();
    for ((r, o), id) in report.receipts.iter().zip(&report.outcomes).zip(&report.receipt_ids) {
        for (k, e) in o.exceptions.iter().enumerate() {
            let invoice = e.invoice.map(|i| report.ledger.invoice(i).id.clone()).unwrap_or_default();
            let mut by_id = e.suggestions.clone();
            by_id.sort();
            let suggestions: Vec<String> =
                ranked(by_id).iter().map(|(s, score)| format!("{s}={}", confidence(*score))).collect();
            let customer = match e.invoice {
                Some(i) => Some(report.ledger.owner(i)),
                None => o.customer,
            };
            rows.push(ExceptionRow {
                exception_id: content_id("E", &[id, e.kind.as_str(), &invoice, &k.to_string()]),
                kind: e.kind.as_str().to_string(),
                receipt_id: id.clone(),
                bank_ref: r.bank_ref.clone(),
                customer_id: line_customer(report, o, e.invoice),
                invoice_id: invoice,
                amount: format_amount(e.amount, r.currency),
                suggestions: suggestions.join(";"),
                detail: e.detail.clone(),
                currency: r.currency.as_str().to_string(),
                value_date: r.value_date.format("%Y-%m-%d").to_string(),
                payer_name: r.payer_name.clone().unwrap_or_default(),
                customer_name: customer
                    .and_then(|c| report.ledger.customers.get(c as usize))
                    .map(|c| c.name.clone())
                    .unwrap_or_default(),
                status: "open".to_string(),
            });
        }
    }
    rows
}

/// The receipts of a report.
pub fn receipt_rows(report: &RunReport<'_>) -> Vec<ReceiptRow> {
    report
        .receipts
        .iter()
        .zip(&report.outcomes)
        .zip(&report.receipt_ids)
        .map(|((r, o), id)| ReceiptRow {
            receipt_id: id.clone(),
            bank_ref: r.bank_ref.clone(),
            source_file: r.position.file.to_string(),
            format: r.format.as_str().to_string(),
            account: r.account.to_string(),
            value_date: r.value_date.format("%Y-%m-%d").to_string(),
            currency: r.currency.as_str().to_string(),
            amount: format_amount(r.amount, r.currency),
            payer_name: r.payer_name.clone().unwrap_or_default(),
            customer_id: o.customer.map(|c| report.ledger.customer_id(c).to_string()).unwrap_or_default(),
            status: o.status().to_string(),
            remittance: remittance(r),
        })
        .collect()
}

/// `summary.json` of a report, as `apply` writes it (the ledger adds its
/// own keys).
pub fn summary_json(report: &RunReport<'_>) -> Value {
    crate::write::summary(report)
}

/// Writes a batch to `out` atomically (temporary directory, then rename).
pub fn write_batch(batch: &BatchFiles, out: &Path) -> Result<(), OutputError> {
    replace_dir(out, |dir| write_batch_files(batch, dir))
}

fn write_batch_files(batch: &BatchFiles, dir: &Path) -> Result<(), OutputError> {
    let path = dir.join("postings.csv");
    let mut w = csv_writer(&path)?;
    let header: Vec<&str> = POSTING_COLUMNS.iter().copied().chain(["posting_id", "reverses", "reason"]).collect();
    row(&mut w, &path, &header)?;
    for (n, p) in batch.postings.iter().enumerate() {
        row(
            &mut w,
            &path,
            &[
                &batch.batch_id,
                &(n + 1).to_string(),
                &p.receipt_id,
                &p.bank_ref,
                &p.value_date,
                &p.currency,
                &p.customer_id,
                &p.invoice_id,
                &p.kind,
                &p.amount,
                &p.rule,
                &p.confidence,
                &p.posting_id,
                &p.reverses,
                &p.reason,
            ],
        )?;
    }
    flush(&mut w, &path)?;
    let path = dir.join("exceptions.csv");
    let mut w = csv_writer(&path)?;
    row(&mut w, &path, &EXCEPTION_COLUMNS)?;
    for e in &batch.exceptions {
        exception_row(
            &mut w,
            &path,
            [
                &e.exception_id,
                &e.kind,
                &e.receipt_id,
                &e.bank_ref,
                &e.customer_id,
                &e.invoice_id,
                &e.amount,
                &e.suggestions,
                &e.detail,
                &e.currency,
                &e.value_date,
                &e.payer_name,
                &e.customer_name,
                &e.status,
            ],
        )?;
    }
    flush(&mut w, &path)?;
    let path = dir.join("receipts.csv");
    let mut w = csv_writer(&path)?;
    row(&mut w, &path, &RECEIPT_COLUMNS)?;
    for r in &batch.receipts {
        row(
            &mut w,
            &path,
            &[
                &r.receipt_id,
                &r.bank_ref,
                &r.source_file,
                &r.format,
                &r.account,
                &r.value_date,
                &r.currency,
                &r.amount,
                &r.payer_name,
                &r.customer_id,
                &r.status,
                &r.remittance,
            ],
        )?;
    }
    flush(&mut w, &path)?;
    let path = dir.join("summary.json");
    let text = serde_json::to_string_pretty(&batch.summary).unwrap_or_default();
    std::fs::write(&path, text + "\n").map_err(io(&path))
}
