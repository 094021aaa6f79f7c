//! Type 5: the lockbox (detail) header. Opens a lockbox: its number and the
//! deposit date, common to every check up to the lockbox's type 8 total.
//! The deposit date is the receipts' value date.

use chrono::NaiveDate;
use serde::Deserialize;

use super::error::LockboxError;
use super::field::Fields;
use super::layout::{FieldSpec, LayoutError, Role, check_role};

/// Layout of the type 5 record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockboxHeaderLayout {
    /// Record identifier (default `5`).
    pub id: Option<char>,
    /// Batch number (often `000`).
    pub batch: Option<FieldSpec>,
    /// Reference code.
    pub reference: Option<FieldSpec>,
    /// Lockbox number.
    pub lockbox: Option<FieldSpec>,
    /// Deposit date.
    pub deposit_date: Option<FieldSpec>,
    /// Ultimate destination.
    pub destination: Option<FieldSpec>,
    /// Origin.
    pub origin: Option<FieldSpec>,
}

impl LockboxHeaderLayout {
    pub(crate) fn validate(&self) -> Result<(), LayoutError> {
        for (n, f) in [
            ("batch", &self.batch),
            ("reference", &self.reference),
            ("lockbox", &self.lockbox),
            ("destination", &self.destination),
            ("origin", &self.origin),
        ] {
            check_role("lockbox_header", n, f.as_ref(), Role::Ident)?;
        }
        check_role("lockbox_header", "deposit_date", self.deposit_date.as_ref(), Role::Date)
    }
}

/// A read type 5 record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LockboxHeader<'a> {
    /// Lockbox number, exactly as written.
    pub lockbox: &'a str,
    /// Deposit date.
    pub deposit_date: Option<NaiveDate>,
}

/// Reads a type 5 record; the lockbox number is required (it is part of
/// every check's `bank_ref`).
pub(crate) fn parse<'a>(f: &Fields<'a>, layout: &LockboxHeaderLayout) -> Result<LockboxHeader<'a>, LockboxError> {
    let lockbox = f.ident(layout.lockbox.as_ref(), "lockbox number")?;
    let lockbox = lockbox.ok_or_else(|| f.missing(layout.lockbox.as_ref(), "lockbox number"))?;
    Ok(LockboxHeader { lockbox, deposit_date: f.date(layout.deposit_date.as_ref(), "deposit date")? })
}
