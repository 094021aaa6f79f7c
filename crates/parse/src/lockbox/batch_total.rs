//! Type 7: the batch total. Declares the number of checks (type 6) in the
//! batch and the sum of their amounts.

use serde::Deserialize;

use super::error::LockboxError;
use super::field::Fields;
use super::layout::{FieldSpec, LayoutError, Role, check_role};

/// Layout of the type 7 record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchTotalLayout {
    /// Record identifier (default `7`).
    pub id: Option<char>,
    /// Batch number.
    pub batch: Option<FieldSpec>,
    /// Item number (last item, or `000`).
    pub item: Option<FieldSpec>,
    /// Lockbox number.
    pub lockbox: Option<FieldSpec>,
    /// Deposit date.
    pub deposit_date: Option<FieldSpec>,
    /// Number of checks in the batch.
    pub count: Option<FieldSpec>,
    /// Sum of the check amounts.
    pub amount: Option<FieldSpec>,
}

impl BatchTotalLayout {
    pub(crate) fn validate(&self) -> Result<(), LayoutError> {
        for (n, f) in [("batch", &self.batch), ("item", &self.item), ("lockbox", &self.lockbox)] {
            check_role("batch_total", n, f.as_ref(), Role::Ident)?;
        }
        check_role("batch_total", "deposit_date", self.deposit_date.as_ref(), Role::Date)?;
        check_role("batch_total", "count", self.count.as_ref(), Role::Count)?;
        check_role("batch_total", "amount", self.amount.as_ref(), Role::Amount)
    }
}

/// A read type 7 record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BatchTotal<'a> {
    /// Batch number.
    pub batch: Option<&'a str>,
    /// Declared number of checks.
    pub count: Option<u64>,
    /// Declared total in minor units.
    pub amount: Option<i64>,
}

/// Reads a type 7 record.
pub(crate) fn parse<'a>(f: &Fields<'a>, layout: &BatchTotalLayout) -> Result<BatchTotal<'a>, LockboxError> {
    f.ident(layout.lockbox.as_ref(), "lockbox number")?;
    f.date(layout.deposit_date.as_ref(), "deposit date")?;
    Ok(BatchTotal {
        batch: f.ident(layout.batch.as_ref(), "batch number")?,
        count: f.count(layout.count.as_ref(), "number of checks")?,
        // Signed: a negative check (a reversal) counts in its totals.
        amount: f.signed_amount(layout.amount.as_ref(), "batch total")?,
    })
}
