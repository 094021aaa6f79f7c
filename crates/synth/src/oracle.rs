//! The truth written as a `cashapply apply` output directory (CONTRACT §4
//! `postings.csv`, `exceptions.csv`, `receipts.csv`): what a perfect
//! matcher would write. The scorer's tests feed it back to `eval`, and it
//! is a template for the apply output format.

use std::fs::{self, File};
use std::io::BufWriter;
use std::path::Path;

use crate::error::SynthError;
use crate::truth::TruthFile;

/// postings.csv header (CONTRACT §4).
pub const POSTINGS_HEADER: [&str; 12] = [
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
/// exceptions.csv header (CONTRACT §4).
pub const EXCEPTIONS_HEADER: [&str; 9] =
    ["exception_id", "kind", "receipt_id", "bank_ref", "customer_id", "invoice_id", "amount", "suggestions", "detail"];
/// receipts.csv header (CONTRACT §4).
pub const RECEIPTS_HEADER: [&str; 12] = [
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

fn writer(path: &Path) -> Result<csv::Writer<BufWriter<File>>, SynthError> {
    Ok(csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(BufWriter::new(File::create(path)?)))
}

/// Writes the truth as apply output files into `dir`.
pub fn write_truth_as_output(truth: &TruthFile, dir: &Path) -> Result<(), SynthError> {
    fs::create_dir_all(dir)?;
    let mut p = writer(&dir.join("postings.csv"))?;
    let mut e = writer(&dir.join("exceptions.csv"))?;
    let mut r = writer(&dir.join("receipts.csv"))?;
    p.write_record(POSTINGS_HEADER)?;
    e.write_record(EXCEPTIONS_HEADER)?;
    r.write_record(RECEIPTS_HEADER)?;
    let mut line = 0_u64;
    let mut exception = 0_u64;
    for (n, t) in truth.receipts.iter().enumerate() {
        let receipt_id = format!("R{:08}", n + 1);
        let customer = t.customer_id.clone().unwrap_or_default();
        for l in &t.postings {
            line += 1;
            p.write_record([
                "TRUTH",
                &line.to_string(),
                &receipt_id,
                &t.bank_ref,
                &t.value_date,
                &t.currency,
                &customer,
                l.invoice_id.as_deref().unwrap_or(""),
                &l.kind,
                &l.amount,
                "truth",
                "1.000",
            ])?;
        }
        for l in &t.exceptions {
            exception += 1;
            e.write_record([
                &format!("E{exception:08}"),
                &l.kind,
                &receipt_id,
                &t.bank_ref,
                &customer,
                l.invoice_id.as_deref().unwrap_or(""),
                &l.amount,
                "",
                "From the benchmark truth.",
            ])?;
        }
        let status = if t.exceptions.is_empty() { "applied" } else { "exception" };
        r.write_record([
            &receipt_id,
            &t.bank_ref,
            &t.source_file,
            &t.format,
            "",
            &t.value_date,
            &t.currency,
            &t.amount,
            &t.payer_name,
            &customer,
            status,
            "",
        ])?;
    }
    p.flush()?;
    e.flush()?;
    r.flush()?;
    Ok(())
}
