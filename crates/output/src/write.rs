//! The files of a batch (CONTRACT §4): CSV with a header row, `,`, RFC 4180
//! quoting, UTF-8, `\n`; amounts with the currency's minor digits; dates
//! `YYYY-MM-DD`. How they replace the previous batch is [`crate::out_dir`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cashapply_matching::engine::{ExceptionKind, PostingKind, ReceiptOutcome, ranked};
use cashapply_model::{Currency, Receipt, format_amount};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::ids::content_id;
use crate::out_dir::OutDir;
use crate::report::RunReport;

/// Why the output could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// A file system operation failed.
    #[error("{path}: {source}")]
    Io {
        /// The path concerned.
        path: PathBuf,
        /// The failure.
        source: std::io::Error,
    },
    /// A file of one of cashapply's names in `--out` that cashapply did not write.
    #[error("{path}: refusing to replace it: {why}; move it away or choose another --out")]
    NotOurs {
        /// The file or folder.
        path: PathBuf,
        /// How that is known.
        why: String,
    },
    /// `--out` is a file.
    #[error("{path}: --out must be a directory, and this is a file; nothing written")]
    NotADirectory {
        /// The path given.
        path: PathBuf,
    },
    /// Another run holds the lock on `--out`.
    #[error(
        "{path}: another cashapply run (pid {holder}) is writing this output directory; waited {waited} s; nothing written"
    )]
    Locked {
        /// The directory.
        path: PathBuf,
        /// The holder's pid, as written in the lock file.
        holder: String,
        /// Seconds waited.
        waited: u64,
    },
    /// CSV encoding failed.
    #[error("{path}: {source}")]
    Csv {
        /// The file.
        path: PathBuf,
        /// The failure.
        source: csv::Error,
    },
}

pub(crate) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> OutputError + '_ {
    move |source| OutputError::Io { path: path.to_path_buf(), source }
}

/// Writes `postings.csv`, `exceptions.csv`, `receipts.csv` and
/// `summary.json` into `out`, replacing the previous batch only when every
/// file is written, and only files cashapply wrote (see [`crate::out_dir`]).
pub fn write_run(report: &RunReport<'_>, out: &Path) -> Result<(), OutputError> {
    replace_dir(out, |tmp| write_files(report, tmp))
}

/// Fills a staging folder inside `out` with `fill`, then puts its files in
/// place under the out-dir rules of [`crate::out_dir`]: only files a
/// manifest says cashapply wrote are replaced, under a commit journal and a
/// lock. `apply` and `run` write their batches through it.
pub(crate) fn replace_dir(out: &Path, fill: impl FnOnce(&Path) -> Result<(), OutputError>) -> Result<(), OutputError> {
    let dir = OutDir::open(out)?;
    dir.check_replaceable()?;
    let staging = dir.stage(fill)?;
    dir.commit(&staging)
}

pub(crate) fn csv_writer(path: &Path) -> Result<csv::Writer<std::fs::File>, OutputError> {
    let file = std::fs::File::create(path).map_err(io(path))?;
    Ok(csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(file))
}

pub(crate) fn row<W: std::io::Write>(w: &mut csv::Writer<W>, path: &Path, fields: &[&str]) -> Result<(), OutputError> {
    w.write_record(fields).map_err(|source| OutputError::Csv { path: path.to_path_buf(), source })
}

pub(crate) fn flush<W: std::io::Write>(w: &mut csv::Writer<W>, path: &Path) -> Result<(), OutputError> {
    w.flush().map_err(io(path))
}

pub(crate) fn confidence(c: Decimal) -> String {
    let mut c = c.round_dp(3);
    c.rescale(3);
    c.to_string()
}

/// The customer a line or exception concerns: the invoice's owner (a
/// parent may pay for a subsidiary), else the receipt's customer.
fn line_customer_index(report: &RunReport<'_>, o: &ReceiptOutcome, invoice: Option<u32>) -> Option<u32> {
    match invoice {
        Some(i) => Some(report.ledger.owner(i)),
        None => o.customer,
    }
}

pub(crate) fn line_customer(report: &RunReport<'_>, o: &ReceiptOutcome, invoice: Option<u32>) -> String {
    line_customer_index(report, o, invoice).map(|c| report.ledger.customer_id(c).to_string()).unwrap_or_default()
}

/// The columns of `postings.csv` from `apply` (CONTRACT §4); `run`'s batch
/// adds the ledger's columns after them.
pub(crate) const POSTING_COLUMNS: [&str; 12] = [
    "batch_id",
    "line",
    "receipt_id",
    "bank_ref",
    "value_date",
    "currency",
    "customer_id",
    "invoice_id",
    "kind",
    "amount",
    "rule",
    "confidence",
];

/// The columns of `receipts.csv` (CONTRACT §4), for `apply` and `run`.
pub(crate) const RECEIPT_COLUMNS: [&str; 12] = [
    "receipt_id",
    "bank_ref",
    "source_file",
    "format",
    "account",
    "value_date",
    "currency",
    "amount",
    "payer_name",
    "customer_id",
    "status",
    "remittance",
];

/// The columns of `exceptions.csv` (CONTRACT §4 v2), for `apply` and
/// `run` alike.
pub(crate) const EXCEPTION_COLUMNS: [&str; 14] = [
    "exception_id",
    "kind",
    "receipt_id",
    "bank_ref",
    "customer_id",
    "invoice_id",
    "amount",
    "suggestions",
    "detail",
    "currency",
    "value_date",
    "payer_name",
    "customer_name",
    "status",
];

/// Which columns of `exceptions.csv` hold free text a spreadsheet could
/// take for a formula (ids, codes, amounts and dates are ours and safe).
const EXCEPTION_TEXT: [bool; 14] =
    [false, false, false, true, true, true, false, true, true, false, false, true, true, false];

/// One row of `exceptions.csv`, its text cells quoted ([`spreadsheet_text`]).
pub(crate) fn exception_row(
    w: &mut csv::Writer<std::fs::File>,
    path: &Path,
    cells: [&str; 14],
) -> Result<(), OutputError> {
    let quoted: Vec<std::borrow::Cow<'_, str>> = cells
        .iter()
        .zip(EXCEPTION_TEXT)
        .map(|(c, text)| if text { spreadsheet_text(c) } else { std::borrow::Cow::Borrowed(*c) })
        .collect();
    let refs: Vec<&str> = quoted.iter().map(|c| c.as_ref()).collect();
    row(w, path, &refs)
}

/// A text cell of a file meant for people (CONTRACT §4 v2): a spreadsheet
/// reads a cell starting with `=`, `+`, `-`, `@`, tab or carriage return as
/// a formula, so such a cell is written with a leading `'`, which Excel and
/// LibreOffice show as text and do not display. Only `exceptions.csv`
/// uses it; `postings.csv` and `receipts.csv` are for machines and stay
/// byte-exact.
pub fn spreadsheet_text(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{text}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

fn write_files(report: &RunReport<'_>, dir: &Path) -> Result<(), OutputError> {
    let date = |r: &Receipt| r.value_date.format("%Y-%m-%d").to_string();
    // postings.csv
    let path = dir.join("postings.csv");
    let mut w = csv_writer(&path)?;
    row(&mut w, &path, &POSTING_COLUMNS)?;
    let mut n = 0u64;
    for ((r, o), id) in report.receipts.iter().zip(&report.outcomes).zip(&report.receipt_ids) {
        for l in &o.lines {
            n += 1;
            let invoice = l.invoice.map(|i| report.ledger.invoice(i).id.clone()).unwrap_or_default();
            row(
                &mut w,
                &path,
                &[
                    &report.batch_id,
                    &n.to_string(),
                    id,
                    &r.bank_ref,
                    &date(r),
                    r.currency.as_str(),
                    &line_customer(report, o, l.invoice),
                    &invoice,
                    l.kind.as_str(),
                    &format_amount(l.amount, r.currency),
                    l.rule.as_str(),
                    &confidence(l.confidence),
                ],
            )?;
        }
    }
    flush(&mut w, &path)?;
    // exceptions.csv
    let path = dir.join("exceptions.csv");
    let mut w = csv_writer(&path)?;
    row(&mut w, &path, &EXCEPTION_COLUMNS)?;
    for ((r, o), id) in report.receipts.iter().zip(&report.outcomes).zip(&report.receipt_ids) {
        for (k, e) in o.exceptions.iter().enumerate() {
            let invoice = e.invoice.map(|i| report.ledger.invoice(i).id.clone()).unwrap_or_default();
            // Best first, then by id: the file does not depend on the
            // order the engine gathered candidates in.
            let mut by_id = e.suggestions.clone();
            by_id.sort();
            let suggestions: Vec<String> =
                ranked(by_id).iter().map(|(s, score)| format!("{s}={}", confidence(*score))).collect();
            let eid = content_id("E", &[id, e.kind.as_str(), &invoice, &k.to_string()]);
            let customer = line_customer_index(report, o, e.invoice);
            let customer_name =
                customer.and_then(|c| report.ledger.customers.get(c as usize)).map_or("", |c| c.name.as_str());
            exception_row(
                &mut w,
                &path,
                [
                    &eid,
                    e.kind.as_str(),
                    id,
                    &r.bank_ref,
                    &line_customer(report, o, e.invoice),
                    &invoice,
                    &format_amount(e.amount, r.currency),
                    &suggestions.join(";"),
                    &e.detail,
                    r.currency.as_str(),
                    &date(r),
                    r.payer_name.as_deref().unwrap_or(""),
                    customer_name,
                    "open",
                ],
            )?;
        }
    }
    flush(&mut w, &path)?;
    // receipts.csv
    let path = dir.join("receipts.csv");
    let mut w = csv_writer(&path)?;
    row(&mut w, &path, &RECEIPT_COLUMNS)?;
    for ((r, o), id) in report.receipts.iter().zip(&report.outcomes).zip(&report.receipt_ids) {
        row(
            &mut w,
            &path,
            &[
                id,
                &r.bank_ref,
                &r.position.file,
                r.format.as_str(),
                &r.account,
                &date(r),
                r.currency.as_str(),
                &format_amount(r.amount, r.currency),
                r.payer_name.as_deref().unwrap_or(""),
                &o.customer.map(|c| report.ledger.customer_id(c).to_string()).unwrap_or_default(),
                o.status(),
                &remittance(r),
            ],
        )?;
    }
    flush(&mut w, &path)?;
    // summary.json
    let path = dir.join("summary.json");
    let text = serde_json::to_string_pretty(&summary(report)).unwrap_or_default();
    std::fs::write(&path, text + "\n").map_err(io(&path))
}

/// The remittance as one field: the text lines, then each structured line
/// as `reference=amount` (or the reference alone), joined by ` | `.
pub(crate) fn remittance(r: &Receipt) -> String {
    let lines = r.remittance_lines.iter().map(|l| match l.amount {
        Some(a) => format!("{}={}", l.reference, format_amount(a, r.currency)),
        None => l.reference.clone(),
    });
    r.remittance_text.iter().cloned().chain(lines).collect::<Vec<_>>().join(" | ")
}

/// Counts and totals per currency, exceptions by kind, skipped entries,
/// and every input file with its digest and warnings.
pub(crate) fn summary(report: &RunReport<'_>) -> Value {
    #[derive(Default)]
    struct Totals {
        receipts: u64,
        total: Decimal,
        kinds: BTreeMap<&'static str, Decimal>,
    }
    let mut per_currency: BTreeMap<Currency, Totals> = BTreeMap::new();
    let mut exceptions: BTreeMap<&'static str, u64> = ExceptionKind::ALL.iter().map(|k| (k.as_str(), 0)).collect();
    for (r, o) in report.receipts.iter().zip(&report.outcomes) {
        let t = per_currency.entry(r.currency).or_default();
        t.receipts += 1;
        t.total += r.amount;
        for kind in [
            PostingKind::Applied,
            PostingKind::OnAccount,
            PostingKind::Unapplied,
            PostingKind::Unidentified,
            PostingKind::Discount,
            PostingKind::WriteOff,
        ] {
            t.kinds.entry(kind.as_str()).or_default();
        }
        for l in &o.lines {
            *t.kinds.entry(l.kind.as_str()).or_default() += l.amount;
        }
        for e in &o.exceptions {
            *exceptions.entry(e.kind.as_str()).or_default() += 1;
        }
    }
    let currencies: serde_json::Map<String, Value> = per_currency
        .iter()
        .map(|(c, t)| {
            let mut m = serde_json::Map::new();
            m.insert("receipts".into(), json!(t.receipts));
            m.insert("receipt_total".into(), json!(format_amount(t.total, *c)));
            for (k, v) in &t.kinds {
                m.insert((*k).into(), json!(format_amount(*v, *c)));
            }
            (c.to_string(), Value::Object(m))
        })
        .collect();
    let skipped = report.files.iter().fold([0u64; 5], |acc, f| {
        [
            acc[0] + f.skipped.debits,
            acc[1] + f.skipped.pending,
            acc[2] + f.skipped.reversals,
            acc[3] + f.skipped.other,
            acc[4] + f.skipped.detailed_elsewhere,
        ]
    });
    let files: Vec<Value> = report
        .files
        .iter()
        .map(|f| {
            json!({
                "name": f.name,
                "format": f.format.as_str(),
                "sha256": f.sha256,
                "warnings": f.diagnostics.items().iter().map(|d| d.render(&f.name)).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "batch_id": report.batch_id,
        "currencies": currencies,
        "exceptions": exceptions,
        "skipped": {
            "debits": skipped[0],
            "pending": skipped[1],
            "reversals": skipped[2],
            "other": skipped[3],
            "detailed_elsewhere": skipped[4],
        },
        "files": files,
        "inputs": report
            .others
            .iter()
            .map(|o| json!({ "role": o.role, "name": o.name, "sha256": o.sha256 }))
            .collect::<Vec<_>>(),
    })
}
