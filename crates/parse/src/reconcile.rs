//! Cross-file reconciliation: when one run passes files that describe the
//! same money twice, the detailed file replaces the lump so that no payment
//! is counted twice and none is lost.
//!
//! Each rule lives in its own module and is applied in a fixed order, so the
//! result does not depend on the order the files were given in.

mod lockbox_deposits;

use crate::ParsedFile;

/// Applies every cross-file rule to the files of one run.
pub fn reconcile_files(files: &mut [ParsedFile]) {
    // Rules are added here as the formats that need them land:
    // camt.053 lump entries detailed by camt.054.
    lockbox_deposits::reconcile(files);
}
