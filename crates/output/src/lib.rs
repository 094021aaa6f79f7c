//! The files `cashapply apply` writes (CONTRACT §4): `postings.csv`,
//! `exceptions.csv`, `receipts.csv`, `summary.json`.
//!
//! [`RunReport`] gathers what was decided, [`check_invariants`] re-checks
//! the money before anything is written, and [`write_run`] writes every file
//! into a temporary directory beside `--out` and renames it into place, so
//! a failed run leaves nothing half-written. Ids derive from content (file
//! digests, positions, references), never from clocks or counters of a
//! particular run, so the same inputs give byte-identical files.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod batch;
mod ids;
mod invariants;
mod report;
mod write;

pub use batch::{
    BatchFiles, ExceptionRow, PostingRow, ReceiptRow, exception_rows, posting_id, posting_rows, receipt_rows,
    summary_json, write_batch,
};
pub use ids::{Digest, content_id, sha256_hex};
pub use invariants::{InvariantError, check_invariants};
pub use report::{InputFile, OtherInput, RunReport, Skipped};
pub use write::{OutputError, write_run};
