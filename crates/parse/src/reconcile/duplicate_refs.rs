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
//!   it is returned as a [`RepeatedPayment`] for the caller to take once
//!   ([`leave_out_repeated`] for a run without memory; `run`'s ledger counts
//!   it as already processed). Otherwise a warning at the later receipt
//!   naming the file and line of the first.

use std::collections::HashMap;

use cashapply_model::{Diagnostic, Receipt, Severity, SourceFormat};

use crate::ParsedFile;

/// A receipt found again in another file of the run: the second delivery
/// of one payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepeatedPayment {
    /// The file of the later receipt.
    pub file: String,
    /// The index of that file among the run's files.
    pub file_index: usize,
    /// The index of the later receipt among its file's receipts.
    pub receipt_index: usize,
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
    let mut findings: Vec<(usize, usize, Diagnostic)> = Vec::new();
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
                        "the payment with bank reference '{}' ({} {} on {}) is also in {} line {}; one payment delivered twice is decided once, from that line, and this copy is left out",
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
            findings.push((fi, ri, Diagnostic { severity, line: r.position.line, byte: r.position.byte, message }));
        }
    }
    let mut repeated = Vec::new();
    for (fi, ri, d) in findings {
        let Some(f) = files.get_mut(fi) else { continue };
        if d.severity == Severity::Error {
            repeated.push(RepeatedPayment { file: f.name.clone(), file_index: fi, receipt_index: ri, diagnostic: d });
        } else {
            f.diagnostics.warn(d.line, d.byte, d.message);
        }
    }
    repeated
}

/// Takes each payment delivered in two files of the run once: the later
/// copies `repeated` names are removed from their files, each with a
/// warning at its line naming the file and line it was decided from, so the
/// payment is posted once and no copy disappears unsaid.
pub fn leave_out_repeated(files: &mut [ParsedFile], repeated: &[RepeatedPayment]) {
    for (fi, f) in files.iter_mut().enumerate() {
        let mut drop: Vec<usize> = repeated.iter().filter(|r| r.file_index == fi).map(|r| r.receipt_index).collect();
        if drop.is_empty() {
            continue;
        }
        drop.sort_unstable();
        for r in repeated.iter().filter(|r| r.file_index == fi) {
            f.diagnostics.warn(r.diagnostic.line, r.diagnostic.byte, r.diagnostic.message.clone());
        }
        let mut index = 0;
        f.receipts.retain(|_| {
            let keep = drop.binary_search(&index).is_err();
            index += 1;
            keep
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ParseOptions, parse_file};

    fn bai2(refs: &[(&str, &str)]) -> String {
        let mut text = String::from("01,BANK,CO,261120,0600,1,,,2/\n02,CO,BANK,1,261119,2400,USD,2/\n03,123,USD/\n");
        for (r, cents) in refs {
            text.push_str(&format!("16,165,{cents},0,{r},,PAYMENT/\n"));
        }
        text.push_str("49,0,0/\n98,0,1,0/\n99,0,1,0/\n");
        text
    }

    fn files(texts: &[(&str, String)]) -> Vec<ParsedFile> {
        texts.iter().map(|(n, t)| parse_file(n, t.as_bytes(), None, &ParseOptions::default()).unwrap()).collect()
    }

    #[test]
    fn the_later_copy_of_a_payment_in_two_files_is_left_out_with_a_warning_naming_the_first() {
        let mut f = files(&[
            ("intraday.bai2", bai2(&[("R1", "1000")])),
            ("eod.bai2", bai2(&[("R0", "500"), ("R1", "1000"), ("R2", "700")])),
        ]);
        let repeated = check_bank_refs(&mut f);
        assert_eq!(repeated.len(), 1);
        leave_out_repeated(&mut f, &repeated);
        assert_eq!(f[0].receipts.len(), 1, "the first delivery is kept");
        let refs: Vec<&str> = f[1].receipts.iter().map(|r| r.bank_ref.as_str()).collect();
        assert_eq!(refs, ["R0", "R2"]);
        let warning = f[1].diagnostics.items().iter().find(|d| d.message.contains("R1")).expect("a warning");
        assert_eq!(warning.line, 5);
        assert!(warning.message.contains("also in intraday.bai2 line 4"), "{}", warning.message);
    }

    #[test]
    fn the_same_reference_for_another_amount_in_two_files_is_two_payments() {
        let mut f = files(&[("a.bai2", bai2(&[("R1", "1000")])), ("b.bai2", bai2(&[("R1", "1001")]))]);
        let repeated = check_bank_refs(&mut f);
        assert!(repeated.is_empty());
        leave_out_repeated(&mut f, &repeated);
        assert_eq!(f[1].receipts.len(), 1);
        assert!(f[1].diagnostics.items().iter().any(|d| d.message.contains("is also used in a.bai2 line 4")));
    }
}
