//! The files `cashapply apply` writes (CONTRACT §4): `postings.csv`,
//! `exceptions.csv`, `receipts.csv`, `summary.json`.
//!
//! [`RunReport`] gathers what was decided, [`check_invariants`] re-checks
//! the money before anything is written, and [`write_run`] writes every file
//! into a temporary folder in `--out` and renames the files into place under
//! a lock and a commit journal, so a failed or killed run leaves the previous
//! batch or the new one whole, and nothing the user wrote is touched. Ids derive from content (file
//! digests, positions, references), never from clocks or counters of a
//! particular run, so the same inputs give byte-identical files.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod batch;
mod ids;
mod invariants;
mod out_dir;
mod report;
mod totals;
mod write;

pub use batch::{
    BatchFiles, ExceptionRow, PostingRow, ReceiptRow, exception_rows, posting_id, posting_rows, receipt_rows,
    summary_json, write_batch,
};
pub use ids::{Digest, content_id, sha256_hex};
pub use invariants::{InvariantError, check_invariants};
pub use out_dir::{JOURNAL, LOCK_FILE, LOCK_WAIT, MANIFEST};
pub use report::{InputFile, OtherInput, RunReport, Skipped};
pub use totals::{CurrencyTotals, RunTotals};
pub use write::{OutputError, spreadsheet_text, write_run};
