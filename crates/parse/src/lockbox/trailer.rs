//! Type 9: the transmission (destination) trailer. Declares the number of
//! records in the file, the 1 and the 9 included, and in some layouts the
//! total amount of the transmission.

use serde::Deserialize;

use super::error::LockboxError;
use super::field::Fields;
use super::layout::{FieldSpec, LayoutError, Role, check_role};

/// Layout of the type 9 record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrailerLayout {
    /// Record identifier (default `9`).
    pub id: Option<char>,
    /// Number of records, 1 and 9 included.
    pub record_count: Option<FieldSpec>,
    /// Sum of every check amount.
    pub amount: Option<FieldSpec>,
}

impl TrailerLayout {
    pub(crate) fn validate(&self) -> Result<(), LayoutError> {
        check_role("trailer", "record_count", self.record_count.as_ref(), Role::Count)?;
        check_role("trailer", "amount", self.amount.as_ref(), Role::Amount)
    }
}

/// A read type 9 record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Trailer {
    /// Declared number of records.
    pub record_count: Option<u64>,
    /// Declared total in minor units.
    pub amount: Option<i64>,
}

/// Reads a type 9 record.
pub(crate) fn parse(f: &Fields<'_>, layout: &TrailerLayout) -> Result<Trailer, LockboxError> {
    Ok(Trailer {
        record_count: f.count(layout.record_count.as_ref(), "number of records")?,
        // Signed: a negative check (a reversal) counts in its totals.
        amount: f.signed_amount(layout.amount.as_ref(), "transmission total")?,
    })
}
