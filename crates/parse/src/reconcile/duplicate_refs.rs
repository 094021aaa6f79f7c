//! `bank_ref` is the join key users match postings and receipts on
//! (CONTRACT §2), so a run must not carry two receipts of one reference
//! unnoticed.
//!
//! * The same reference **within one file**: a positioned warning at the
//!   later receipt naming the line of the first (banks do repeat references;
//!   both receipts are still decided, each under its own `receipt_id`). The
//!   camt reader warns about its own repeats, so camt files are left to it.
//! * The same reference **in two files** of the run: when account, currency,
//!   amount and value date agree too, it is one payment delivered twice (an
//!   intraday report and the day's statement), which would be posted twice:
//!   an error, and the run is refused. Otherwise a warning at the later
//!   receipt naming the file and line of the first.

use std::collections::HashMap;

use cashapply_model::{Diagnostic, Receipt, Severity, SourceFormat};

use crate::ParsedFile;

/// A receipt found again in another file of the run: the second delivery
/// of one payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepeatedPayment {
    /// The file of the later receipt.
    pub file: String,
    /// The finding, positioned at the later receipt.
    pub diagnostic: Diagnostic,
}

fn same_payment(a: &Receipt, b: &Receipt) -> bool {
    a.account == b.account && a.currency == b.currency && a.amount == b.amount && a.value_date == b.value_date
}

fn is_camt(format: SourceFormat) -> bool {
    matches!(format, SourceFormat::Camt052 | SourceFormat::Camt053 | SourceFormat::Camt054)
}

/// Checks the `bank_ref`s of a run's files (after [`super::reconcile_files`],
/// so that replaced lumps no longer count): warnings are added to the files'
/// diagnostics; repeated payments across files are returned as errors.
pub fn check_bank_refs(files: &mut [ParsedFile]) -> Vec<RepeatedPayment> {
    // bank_ref -> (file index, receipt index) of its first receipt.
    let mut first: HashMap<&str, (usize, usize)> = HashMap::new();
    let mut findings: Vec<(usize, Diagnostic)> = Vec::new();
    for (fi, f) in files.iter().enumerate() {
        for (ri, r) in f.receipts.iter().enumerate() {
            let Some(&(ff, fr)) = first.get(r.bank_ref.as_str()) else {
                first.insert(r.bank_ref.as_str(), (fi, ri));
                continue;
            };
            let (Some(earlier_file), Some(earlier)) = (files.get(ff), files.get(ff).and_then(|e| e.receipts.get(fr)))
            else {
                continue;
            };
            let (severity, message) = if ff == fi {
                if is_camt(f.format) {
                    continue;
                }
                (
                    Severity::Warning,
                    format!(
                        "bank reference '{}' was already used by the receipt on line {} of this file; both are decided, join on receipt_id",
                        r.bank_ref, earlier.position.line
                    ),
                )
            } else if same_payment(r, earlier) {
                (
                    Severity::Error,
                    format!(
                        "the payment with bank reference '{}' ({} {} on {}) is also in {} line {}; one payment delivered twice would be posted twice: pass only one of the files",
                        r.bank_ref, r.amount, r.currency, r.value_date, earlier_file.name, earlier.position.line
                    ),
                )
            } else {
                (
                    Severity::Warning,
                    format!(
                        "bank reference '{}' is also used in {} line {} for another payment; both are decided, join on receipt_id",
                        r.bank_ref, earlier_file.name, earlier.position.line
                    ),
                )
            };
            findings.push((fi, Diagnostic { severity, line: r.position.line, byte: r.position.byte, message }));
        }
    }
    let mut repeated = Vec::new();
    for (fi, d) in findings {
        let Some(f) = files.get_mut(fi) else { continue };
        if d.severity == Severity::Error {
            repeated.push(RepeatedPayment { file: f.name.clone(), diagnostic: d });
        } else {
            f.diagnostics.warn(d.line, d.byte, d.message);
        }
    }
    repeated
}
