//! Cross-file reconciliation: when one run passes files that describe the
//! same money twice, the detailed file replaces the lump so that no payment
//! is counted twice and none is lost.
//!
//! Each rule lives in its own module and is applied in a fixed order.

mod camt_notifications;

mod lockbox_deposits;

mod duplicate_refs;
pub use duplicate_refs::{RepeatedPayment, check_bank_refs, leave_out_repeated};

use crate::ParsedFile;

/// Applies every cross-file rule to the files of one run.
pub fn reconcile_files(files: &mut [ParsedFile]) {
    // camt.053 lump entries detailed by camt.054 notifications.
    camt_notifications::replace_detailed_lumps(files);
    // BAI2 lockbox deposits (115) detailed by lockbox files.
    lockbox_deposits::reconcile(files);
}
