//! Reading and checking a run's inputs (CONTRACT §1, §3): every input is
//! read and checked before the engine sees any of it, and every problem of
//! every file is reported, so a user fixes them in one go.

use std::path::{Path, PathBuf};

use cashapply_matching::inputs::{Config, Customer, Invoice, load_customers, load_invoices};
use cashapply_output::{Digest, OtherInput, sha256_hex};
use cashapply_parse::{ParseOptions, ParsedFile, parse_file, reconcile::reconcile_files};
use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::normalise::normalised_sha256;
use crate::{Progress, ServiceError};

/// What a run reads.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// Bank files (BAI2, camt, lockbox), format detected from content.
    pub bank: Vec<PathBuf>,
    /// Open invoices (CSV, CONTRACT §3).
    pub invoices: PathBuf,
    /// Customers (CSV, CONTRACT §3).
    pub customers: Option<PathBuf>,
    /// Settings (TOML).
    pub config: Option<PathBuf>,
    /// The run's date (part of the batch id).
    pub as_of: Option<NaiveDate>,
    /// Reject bank files whose control totals do not reconcile.
    pub strict: bool,
    /// Leave out the later copy of one payment (same `bank_ref`, account,
    /// currency, amount, value date) delivered in two files of the run, with
    /// a warning at its line: `apply` has no memory and would post it twice.
    /// `run` keeps both, and its ledger counts the later one as already
    /// processed (CONTRACT §6.1).
    pub leave_out_repeated_payments: bool,
}

/// One bank file, read and accepted.
#[derive(Debug, Clone)]
pub struct BankInput {
    /// What the reader found (after the run's cross-file rules).
    pub parsed: ParsedFile,
    /// SHA-256 of the file's bytes.
    pub sha256: Digest,
    /// SHA-256 of its normalised content ([`normalised_sha256`]).
    pub normalised_sha256: Digest,
    /// Its size in bytes.
    pub size: u64,
}

/// A run's inputs, read and checked.
#[derive(Debug)]
pub struct Loaded {
    /// The bank files, in the order given.
    pub files: Vec<BankInput>,
    /// Open invoices.
    pub invoices: Vec<Invoice>,
    /// Customers (empty without `--customers`).
    pub customers: Vec<Customer>,
    /// Settings.
    pub config: Config,
    /// The settings file's text (part of the batch id).
    pub config_text: String,
    /// The run's date.
    pub as_of: Option<NaiveDate>,
    /// Invoices, customers and settings files with their digests.
    pub others: Vec<OtherInput>,
    /// The customers' e-mail addresses (`None`: no customers file, or one
    /// without an `email` column).
    pub customer_emails: Option<Vec<(String, String)>>,
    /// Payer names learned in the workbench that `run` added as customer
    /// aliases: (rule id, payer name, customer id). The evidence names the
    /// rule when one of them identified a receipt's customer.
    pub learned_names: Vec<(i64, String, String)>,
    /// Reference shapes learned in the workbench: (rule id, shape, customer
    /// id), given to the engine's ledger.
    pub learned_shapes: Vec<(i64, cashapply_matching::reference::ReferenceShape, String)>,
    /// Deduction reasons learned in the workbench: (rule id, normalised
    /// reason, write-off code).
    pub learned_deductions: Vec<(i64, String, String)>,
}

/// A payment of this size or more is no payment: its file is refused, as an
/// invoice of that size is refused, so no total can overflow.
pub const AMOUNT_LIMIT: i64 = 1_000_000_000_000_000;

fn read(path: &Path) -> Result<Vec<u8>, ServiceError> {
    std::fs::read(path).map_err(|source| ServiceError::Read { path: path.to_path_buf(), source })
}

/// Reads and checks every input of `request`. Rejections, in the order
/// found: a bank file whose content equals another of the run (it would post
/// its payments twice), a malformed bank file (every diagnostic), malformed
/// invoice, customer or settings files, then payments of 10^15 or more. The
/// run's cross-file rules are applied to the accepted bank files.
pub fn load(request: &Request, progress: Progress<'_>) -> Result<Loaded, ServiceError> {
    let options = ParseOptions { strict: request.strict, ..ParseOptions::default() };
    let mut problems: Vec<String> = Vec::new();
    let mut files: Vec<BankInput> = Vec::new();
    let mut digests: Vec<(String, Digest)> = Vec::new();
    for path in &request.bank {
        let name = path.display().to_string();
        // Size and content limits are checked before any reader sees it.
        let bytes = match cashapply_parse::read_bank_file(path) {
            Ok(bytes) => bytes,
            Err(cashapply_parse::ReadBankFileError::Rejected(e)) => {
                if let Some(d) = e.diagnostics() {
                    problems.extend(d.items().iter().map(|item| item.render(&name)));
                }
                problems.push(e.to_string());
                continue;
            }
            Err(cashapply_parse::ReadBankFileError::Io { error, .. }) => {
                return Err(ServiceError::Read { path: path.clone(), source: error });
            }
        };
        let digest = sha256_hex(&bytes);
        // The same file twice (or a copy under another name) would post every
        // payment in it twice: refuse the run.
        if let Some((first, _)) = digests.iter().find(|(_, d)| *d == digest) {
            problems.push(format!(
                "{name}: error: same content as {first} (SHA-256 {digest}); a bank file given twice would post its payments twice"
            ));
            continue;
        }
        digests.push((name.clone(), digest.clone()));
        match parse_file(&name, &bytes, None, &options) {
            Ok(parsed) => files.push(BankInput {
                parsed,
                sha256: digest,
                normalised_sha256: normalised_sha256(&bytes),
                size: bytes.len() as u64,
            }),
            Err(e) => {
                if let Some(d) = e.diagnostics() {
                    problems.extend(d.items().iter().map(|item| item.render(&name)));
                }
                problems.push(e.to_string());
            }
        }
    }
    progress(&format!("read {} bank file(s)", files.len()));
    let invoices_bytes = read(&request.invoices)?;
    let invoices_name = request.invoices.display().to_string();
    let mut others =
        vec![OtherInput { role: "invoices", name: invoices_name.clone(), sha256: sha256_hex(&invoices_bytes) }];
    let invoices = match load_invoices(&invoices_name, invoices_bytes) {
        Ok(i) => Some(i),
        Err(e) => {
            problems.extend(e.render());
            problems.push(e.to_string());
            None
        }
    };
    progress(&format!("loaded {} open invoices", invoices.as_ref().map_or(0, Vec::len)));
    let mut customer_emails = None;
    let customers = match &request.customers {
        None => Some(Vec::new()),
        Some(path) => {
            let bytes = read(path)?;
            let name = path.display().to_string();
            others.push(OtherInput { role: "customers", name: name.clone(), sha256: sha256_hex(&bytes) });
            match crate::customer_emails::customer_emails(&name, &bytes) {
                Ok(e) => customer_emails = e,
                Err(e) => problems.extend(e),
            }
            match load_customers(&name, bytes) {
                Ok(c) => Some(c),
                Err(e) => {
                    problems.extend(e.render());
                    None
                }
            }
        }
    };
    let (config, config_text) = match &request.config {
        None => (Some(Config::default()), String::new()),
        Some(path) => {
            let bytes = read(path)?;
            let name = path.display().to_string();
            others.push(OtherInput { role: "config", name: name.clone(), sha256: sha256_hex(&bytes) });
            let text = String::from_utf8_lossy(&bytes).into_owned();
            match Config::from_toml(&name, &text) {
                Ok(c) => (Some(c), text),
                Err(e) => {
                    problems.push(e.to_string());
                    (None, text)
                }
            }
        }
    };
    let (true, Some(invoices), Some(customers), Some(config)) = (problems.is_empty(), invoices, customers, config)
    else {
        return Err(ServiceError::Rejected { lines: problems });
    };
    let limit = Decimal::from(AMOUNT_LIMIT);
    for f in &files {
        for r in f.parsed.receipts.iter().filter(|r| r.amount.abs() >= limit) {
            problems.push(format!(
                "{}:{}: error: amount {} is 10^15 or more; not a plausible payment",
                f.parsed.name, r.position.line, r.amount
            ));
        }
    }
    if !problems.is_empty() {
        return Err(ServiceError::Rejected { lines: problems });
    }
    let mut parsed: Vec<ParsedFile> = Vec::with_capacity(files.len());
    let mut rest = Vec::with_capacity(files.len());
    for f in files {
        parsed.push(f.parsed);
        rest.push((f.sha256, f.normalised_sha256, f.size));
    }
    reconcile_files(&mut parsed);
    let repeated = cashapply_parse::reconcile::check_bank_refs(&mut parsed);
    if request.leave_out_repeated_payments {
        cashapply_parse::reconcile::leave_out_repeated(&mut parsed, &repeated);
    }
    let files = parsed
        .into_iter()
        .zip(rest)
        .map(|(parsed, (sha256, normalised_sha256, size))| BankInput { parsed, sha256, normalised_sha256, size })
        .collect();
    Ok(Loaded {
        files,
        invoices,
        customers,
        config,
        config_text,
        as_of: request.as_of,
        others,
        customer_emails,
        learned_names: Vec::new(),
        learned_shapes: Vec::new(),
        learned_deductions: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const BAI2: &str = "01,BANK,CO,260105,0800,1,80,,2/\n02,CO,BANK,1,260105,,USD,2/\n03,123,USD/\n16,195,1000,Z,REF1,,PAYMENT/\n49,1000,2/\n98,1000,1,4/\n99,1000,1,6/\n";

    /// One open invoice (an invoices file without rows is refused).
    const INVOICES: &str = "invoice_id,customer_id,currency,amount_open,invoice_date\nINV-1,C1,USD,10.00,2026-01-01\n";

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn a_bank_file_given_twice_under_two_names_is_refused_with_both_names() {
        let dir = tempfile::tempdir().unwrap();
        let a = write(dir.path(), "a.bai2", BAI2);
        let b = write(dir.path(), "b.bai2", BAI2);
        let inv = write(dir.path(), "inv.csv", INVOICES);
        let request = Request { bank: vec![a, b], invoices: inv, ..Request::default() };
        let Err(ServiceError::Rejected { lines }) = load(&request, &|_| {}) else { panic!("not rejected") };
        assert_eq!(lines.len(), 1);
        assert!(lines[0].contains("b.bai2: error: same content as") && lines[0].contains("a.bai2"), "{lines:?}");
    }

    #[test]
    fn a_payment_of_ten_to_the_fifteen_rejects_its_file_with_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let big = BAI2.replace("16,195,1000,", "16,195,100000000000000000,").replace(",1000,", ",100000000000000000,");
        let a = write(dir.path(), "a.bai2", &big);
        let inv = write(dir.path(), "inv.csv", INVOICES);
        let request = Request { bank: vec![a], invoices: inv, ..Request::default() };
        let Err(ServiceError::Rejected { lines }) = load(&request, &|_| {}) else { panic!("not rejected") };
        assert!(lines.iter().any(|l| l.contains("a.bai2:4: error: amount") && l.contains("10^15")), "{lines:?}");
    }

    #[test]
    fn an_unreadable_invoices_file_is_a_read_error_not_a_rejection() {
        let dir = tempfile::tempdir().unwrap();
        let a = write(dir.path(), "a.bai2", BAI2);
        let request = Request { bank: vec![a], invoices: dir.path().join("missing.csv"), ..Request::default() };
        assert!(matches!(load(&request, &|_| {}), Err(ServiceError::Read { .. })));
    }
}
