//! Type 8: the lockbox (service) total. Declares the number of checks in
//! the lockbox, the sum of their amounts and, in some layouts, the number
//! of batches.

use serde::Deserialize;

use super::error::LockboxError;
use super::field::Fields;
use super::layout::{FieldSpec, LayoutError, Role, check_role};

/// Layout of the type 8 record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockboxTotalLayout {
    /// Record identifier (default `8`).
    pub id: Option<char>,
    /// Batch number (last batch, or `000`).
    pub batch: Option<FieldSpec>,
    /// Item number.
    pub item: Option<FieldSpec>,
    /// Lockbox number.
    pub lockbox: Option<FieldSpec>,
    /// Deposit date.
    pub deposit_date: Option<FieldSpec>,
    /// Number of checks in the lockbox.
    pub count: Option<FieldSpec>,
    /// Sum of the check amounts.
    pub amount: Option<FieldSpec>,
    /// Number of batches.
    pub batch_count: Option<FieldSpec>,
}

impl LockboxTotalLayout {
    pub(crate) fn validate(&self) -> Result<(), LayoutError> {
        for (n, f) in [("batch", &self.batch), ("item", &self.item), ("lockbox", &self.lockbox)] {
            check_role("lockbox_total", n, f.as_ref(), Role::Ident)?;
        }
        check_role("lockbox_total", "deposit_date", self.deposit_date.as_ref(), Role::Date)?;
        check_role("lockbox_total", "count", self.count.as_ref(), Role::Count)?;
        check_role("lockbox_total", "batch_count", self.batch_count.as_ref(), Role::Count)?;
        check_role("lockbox_total", "amount", self.amount.as_ref(), Role::Amount)
    }
}

/// A read type 8 record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LockboxTotal {
    /// Declared number of checks.
    pub count: Option<u64>,
    /// Declared total in minor units.
    pub amount: Option<i64>,
    /// Declared number of batches.
    pub batch_count: Option<u64>,
}

/// Reads a type 8 record.
pub(crate) fn parse(f: &Fields<'_>, layout: &LockboxTotalLayout) -> Result<LockboxTotal, LockboxError> {
    f.ident(layout.lockbox.as_ref(), "lockbox number")?;
    f.date(layout.deposit_date.as_ref(), "deposit date")?;
    Ok(LockboxTotal {
        count: f.count(layout.count.as_ref(), "number of checks")?,
        // Signed: a negative check (a reversal) counts in its totals.
        amount: f.signed_amount(layout.amount.as_ref(), "lockbox total")?,
        batch_count: f.count(layout.batch_count.as_ref(), "number of batches")?,
    })
}
