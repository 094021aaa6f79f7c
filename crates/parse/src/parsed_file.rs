//! What a reader returns for one file.

use std::sync::Arc;

use cashapply_model::{Diagnostics, Receipt, SourceFormat};

use crate::ParseError;
use crate::lockbox::Layout;

/// Reader settings shared by every format.
#[derive(Debug, Clone, Default)]
pub struct ParseOptions {
    /// Treat control-total, record-count and other consistency warnings as
    /// errors that reject the file (`--strict`).
    pub strict: bool,
    /// The lockbox layout (`--layout NAME|FILE`); `None` detects a built-in
    /// one from content (fixed width) or uses the default CSV settings.
    pub lockbox_layout: Option<Arc<Layout>>,
}

impl ParseOptions {
    /// The last step of every reader (CONTRACT §1): under `--strict` every
    /// warning becomes an error, and a file with any error is rejected as a
    /// whole, naming the file and carrying every diagnostic found.
    pub(crate) fn settle(&self, file: &str, mut diagnostics: Diagnostics) -> Result<Diagnostics, ParseError> {
        if self.strict {
            diagnostics.promote_warnings();
        }
        if diagnostics.has_errors() {
            return Err(ParseError::Rejected { file: file.to_string(), diagnostics });
        }
        Ok(diagnostics)
    }
}

/// Entries of a file that are not receipts, counted (CONTRACT §2: debits,
/// pending entries and reversals are counted in `summary.json`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SkippedEntries {
    /// Debit entries.
    pub debits: u64,
    /// Pending (not yet booked) entries.
    pub pending: u64,
    /// Reversals / returns of earlier entries.
    pub reversals: u64,
    /// Non-monetary records (BAI2 890, credits without an amount).
    pub non_monetary: u64,
    /// Credits under codes that are not receipts (BAI2 custom 920–959,
    /// loan credits 7xx).
    pub other_credits: u64,
    /// Credits in a group the bank marked deletion, correction or test
    /// (BAI2 group status 2, 3, 4), which must not be posted.
    pub not_postable: u64,
    /// Credits whose cash another file of the run accounts for: a lump
    /// replaced by its detail (a BAI2 115 lockbox deposit by its lockbox
    /// file's checks, a camt.053 lump by camt.054 transactions), or camt.054
    /// transactions dropped because the statement's lump they do not add up
    /// to is kept.
    pub detailed_elsewhere: u64,
}

/// A statement a file carries, as the ledger identifies it (research
/// DAY2 §1.1): a re-sent statement keeps its identity whatever its file's
/// bytes, and its opening balance continues the previous closing one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementInfo {
    /// camt: kind, account, `Id`, `ElctrncSeqNb` (else `LglSeqNb`) and the
    /// period (`FrToDt`); BAI2: sender, receiver, creation date and time and
    /// file id of the `01` record, and per account with balances, that plus
    /// the account and the group's as-of date.
    pub identity: String,
    /// The account (empty for a BAI2 file's own entry).
    pub account: String,
    /// Booked opening balance (camt.053 `OPBD`, else `PRCD`; BAI2 `03` type
    /// code 010, opening ledger), signed.
    pub opening: Option<rust_decimal::Decimal>,
    /// Booked closing balance (camt.053 `CLBD`; BAI2 type code 015, closing
    /// ledger), signed.
    pub closing: Option<rust_decimal::Decimal>,
    /// Line where it starts.
    pub line: u64,
}

/// The receipts of one file, what was skipped, and every diagnostic.
#[derive(Debug, Clone)]
pub struct ParsedFile {
    /// The file name as given.
    pub name: String,
    /// The format read.
    pub format: SourceFormat,
    /// Receipts in file order.
    pub receipts: Vec<Receipt>,
    /// Entries that are not receipts.
    pub skipped: SkippedEntries,
    /// Warnings (errors reject the file instead, see [`crate::ParseError`]).
    pub diagnostics: Diagnostics,
    /// camt only: every credited, booked, non-reversal entry and how many
    /// of the receipts (in order) it produced, so that cross-file rules can
    /// recognise a statement's lump entry in a notification
    /// ([`crate::reconcile`]). Empty for other formats.
    pub camt_entries: Vec<crate::camt::CamtEntry>,
    /// The statements it carries (camt blocks with an `Id`, BAI2 files).
    pub statements: Vec<StatementInfo>,
}
