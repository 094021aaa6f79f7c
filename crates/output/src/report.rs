//! Everything one run decided, in output order, with ids assigned.

use cashapply_matching::engine::{Ledger, ReceiptOutcome};
use cashapply_model::{Diagnostics, Receipt, SourceFormat};

use crate::ids::{Digest, content_id};

/// One input bank file, for `summary.json`.
#[derive(Debug, Clone)]
pub struct InputFile {
    /// The name as given.
    pub name: String,
    /// Its format.
    pub format: SourceFormat,
    /// SHA-256 of its bytes.
    pub sha256: Digest,
    /// The warnings it raised.
    pub diagnostics: Diagnostics,
    /// Debits, pending entries, reversals and other non-receipts.
    pub skipped: Skipped,
}

/// An input that is not a bank file (open invoices, customers, settings),
/// for `summary.json` and the batch id.
#[derive(Debug, Clone)]
pub struct OtherInput {
    /// What it is: `invoices`, `customers` or `config`.
    pub role: &'static str,
    /// The name as given.
    pub name: String,
    /// SHA-256 of its bytes.
    pub sha256: Digest,
}

/// Non-receipt entries of a file.
#[derive(Debug, Clone, Copy, Default)]
pub struct Skipped {
    /// Debits.
    pub debits: u64,
    /// Pending entries.
    pub pending: u64,
    /// Reversals and returns.
    pub reversals: u64,
    /// Non-monetary records, other credits, non-postable groups.
    pub other: u64,
    /// Lump credits replaced by the file that details them (a BAI2 lockbox
    /// deposit by its lockbox file's checks).
    pub detailed_elsewhere: u64,
}

/// A run's receipts and outcomes, in the order they are written.
pub struct RunReport<'a> {
    /// The ledger the outcomes refer to.
    pub ledger: &'a Ledger,
    /// Receipts, sorted by value date, bank reference, receipt id.
    pub receipts: Vec<&'a Receipt>,
    /// Outcome of each receipt (same order).
    pub outcomes: Vec<&'a ReceiptOutcome>,
    /// Receipt ids (same order).
    pub receipt_ids: Vec<String>,
    /// The batch id.
    pub batch_id: String,
    /// Input bank files.
    pub files: Vec<InputFile>,
    /// The other inputs.
    pub others: Vec<OtherInput>,
}

impl<'a> RunReport<'a> {
    /// Orders receipts and derives ids. `file_digests` maps each source
    /// file name to the SHA-256 of its bytes; `settings` is a text that
    /// identifies the settings (part of the batch id).
    pub fn new(
        ledger: &'a Ledger,
        receipts: &'a [Receipt],
        outcomes: &'a [ReceiptOutcome],
        mut files: Vec<InputFile>,
        others: Vec<OtherInput>,
        settings: &str,
    ) -> Self {
        // Listed by digest then name: the argument order must not show.
        files.sort_by(|a, b| (&a.sha256, &a.name).cmp(&(&b.sha256, &b.name)));
        let digest_of =
            |name: &str| files.iter().find(|f| f.name == name).map_or("", |f| f.sha256.as_str()).to_string();
        let ids: Vec<String> = receipts
            .iter()
            .map(|r| {
                content_id(
                    "R",
                    &[
                        &digest_of(&r.position.file),
                        &r.position.line.to_string(),
                        &r.position.byte.to_string(),
                        &r.bank_ref,
                    ],
                )
            })
            .collect();
        Self::with_ids(ledger, receipts, outcomes, ids, files, others, settings)
    }

    /// As [`RunReport::new`], with the receipt ids given (same order as
    /// `receipts`): `run` derives them from each receipt's identity in the
    /// ledger rather than from the file that brought it (CONTRACT §6.3).
    pub fn with_ids(
        ledger: &'a Ledger,
        receipts: &'a [Receipt],
        outcomes: &'a [ReceiptOutcome],
        ids: Vec<String>,
        mut files: Vec<InputFile>,
        others: Vec<OtherInput>,
        settings: &str,
    ) -> Self {
        files.sort_by(|a, b| (&a.sha256, &a.name).cmp(&(&b.sha256, &b.name)));
        let mut rows: Vec<(String, &Receipt, &ReceiptOutcome)> =
            ids.into_iter().zip(receipts).zip(outcomes).map(|((id, r), o)| (id, r, o)).collect();
        rows.sort_by(|a, b| (a.1.value_date, &a.1.bank_ref, &a.0).cmp(&(b.1.value_date, &b.1.bank_ref, &b.0)));
        let mut digests: Vec<&str> = files.iter().map(|f| f.sha256.as_str()).collect();
        digests.sort_unstable();
        for o in &others {
            digests.push(o.role);
            digests.push(&o.sha256);
        }
        digests.push(settings);
        let batch_id = content_id("B", &digests);
        RunReport {
            ledger,
            receipt_ids: rows.iter().map(|r| r.0.clone()).collect(),
            receipts: rows.iter().map(|r| r.1).collect(),
            outcomes: rows.iter().map(|r| r.2).collect(),
            batch_id,
            files,
            others,
        }
    }
}
