//! Writing the output directory atomically (CONTRACT §1, §4): every file
//! goes to a temporary directory beside `--out`, which is renamed into place
//! only when all are written. CSV: header row, `,`, RFC 4180 quoting, UTF-8,
//! `\n`; amounts with the currency's minor digits; dates `YYYY-MM-DD`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cashapply_matching::engine::{ExceptionKind, PostingKind, ReceiptOutcome, ranked};
use cashapply_model::{Currency, Receipt, format_amount};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::ids::content_id;
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
    /// `--out` exists and holds files cashapply did not write.
    #[error("{path}: refusing to replace a directory that holds '{found}', which cashapply did not write")]
    NotOurs {
        /// The directory.
        path: PathBuf,
        /// A file found in it.
        found: String,
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

const EXCEPTION_KINDS: [ExceptionKind; 9] = [
    ExceptionKind::ShortPayment,
    ExceptionKind::UnearnedDiscount,
    ExceptionKind::Overpayment,
    ExceptionKind::SkippedInvoice,
    ExceptionKind::DuplicatePayment,
    ExceptionKind::Unidentified,
    ExceptionKind::Unapplied,
    ExceptionKind::Ambiguous,
    ExceptionKind::RemittanceMismatch,
];

/// Writes `postings.csv`, `exceptions.csv`, `receipts.csv` and
/// `summary.json` into `out`, replacing what was there only at the end.
pub fn write_run(report: &RunReport<'_>, out: &Path) -> Result<(), OutputError> {
    replace_dir(out, |tmp| write_files(report, tmp))
}

/// Fills a temporary directory beside `out` with `fill`, then renames it
/// into place (the previous `out`, if any, must hold only cashapply's four
/// files).
pub(crate) fn replace_dir(out: &Path, fill: impl FnOnce(&Path) -> Result<(), OutputError>) -> Result<(), OutputError> {
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(io(&parent))?;
    let name = out.file_name().map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).map_err(io(&tmp))?;
    }
    std::fs::create_dir_all(&tmp).map_err(io(&tmp))?;
    let written = fill(&tmp);
    if let Err(e) = written {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    if out.exists() {
        // Only a directory holding nothing but cashapply's own files may be
        // replaced: `--out ~/Documents` must never wipe a folder.
        let ours = ["postings.csv", "exceptions.csv", "receipts.csv", "summary.json"];
        let entries = std::fs::read_dir(out).map_err(io(out))?;
        for entry in entries {
            let entry = entry.map_err(io(out))?;
            let file_name = entry.file_name();
            if !ours.iter().any(|o| file_name.as_os_str() == *o) {
                let _ = std::fs::remove_dir_all(&tmp);
                return Err(OutputError::NotOurs {
                    path: out.to_path_buf(),
                    found: file_name.to_string_lossy().into_owned(),
                });
            }
        }
        let old = parent.join(format!(".{name}.old-{}", std::process::id()));
        if let Err(e) = std::fs::rename(out, &old) {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(io(out)(e));
        }
        if let Err(e) = std::fs::rename(&tmp, out) {
            // Put the previous output back where the user expects it.
            let _ = std::fs::rename(&old, out);
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(io(out)(e));
        }
        // The new output is in place; a copy of the old one that cannot be
        // removed is clutter, not a failed run.
        let _ = std::fs::remove_dir_all(&old);
    } else if let Err(e) = std::fs::rename(&tmp, out) {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(io(out)(e));
    }
    Ok(())
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

pub(crate) fn line_customer(report: &RunReport<'_>, o: &ReceiptOutcome, invoice: Option<u32>) -> String {
    match invoice {
        Some(i) => report.ledger.customer_id(report.ledger.owner(i)).to_string(),
        None => o.customer.map(|c| report.ledger.customer_id(c).to_string()).unwrap_or_default(),
    }
}

fn write_files(report: &RunReport<'_>, dir: &Path) -> Result<(), OutputError> {
    let date = |r: &Receipt| r.value_date.format("%Y-%m-%d").to_string();
    // postings.csv
    let path = dir.join("postings.csv");
    let mut w = csv_writer(&path)?;
    row(
        &mut w,
        &path,
        &[
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
        ],
    )?;
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
    row(
        &mut w,
        &path,
        &[
            "exception_id",
            "kind",
            "receipt_id",
            "bank_ref",
            "customer_id",
            "invoice_id",
            "amount",
            "suggestions",
            "detail",
        ],
    )?;
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
            row(
                &mut w,
                &path,
                &[
                    &eid,
                    e.kind.as_str(),
                    id,
                    &r.bank_ref,
                    &line_customer(report, o, e.invoice),
                    &invoice,
                    &format_amount(e.amount, r.currency),
                    &suggestions.join(";"),
                    &e.detail,
                ],
            )?;
        }
    }
    flush(&mut w, &path)?;
    // receipts.csv
    let path = dir.join("receipts.csv");
    let mut w = csv_writer(&path)?;
    row(
        &mut w,
        &path,
        &[
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
        ],
    )?;
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
    let mut exceptions: BTreeMap<&'static str, u64> = EXCEPTION_KINDS.iter().map(|k| (k.as_str(), 0)).collect();
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
