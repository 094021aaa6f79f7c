//! Type 1: the transmission (immediate address) header. Opens the file:
//! destination, origin (the bank's routing number), creation date and time.
//! Only its date is used (to check it reads); the rest is kept for audit.

use chrono::NaiveDate;
use serde::Deserialize;

use super::error::LockboxError;
use super::field::Fields;
use super::layout::{FieldSpec, LayoutError, Role, check_role};

/// Layout of the type 1 record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeaderLayout {
    /// Record identifier (default `1`).
    pub id: Option<char>,
    /// Priority code.
    pub priority: Option<FieldSpec>,
    /// Immediate destination.
    pub destination: Option<FieldSpec>,
    /// Immediate origin (bank routing number).
    pub origin: Option<FieldSpec>,
    /// Creation date.
    pub date: Option<FieldSpec>,
    /// Creation time (HHMM).
    pub time: Option<FieldSpec>,
}

impl HeaderLayout {
    pub(crate) fn validate(&self) -> Result<(), LayoutError> {
        for (n, f) in [("priority", &self.priority), ("destination", &self.destination), ("origin", &self.origin)] {
            check_role("header", n, f.as_ref(), Role::Ident)?;
        }
        check_role("header", "time", self.time.as_ref(), Role::Ident)?;
        check_role("header", "date", self.date.as_ref(), Role::Date)
    }
}

/// A read type 1 record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Header<'a> {
    /// Immediate origin.
    pub origin: Option<&'a str>,
    /// Creation date.
    pub date: Option<NaiveDate>,
}

/// Reads a type 1 record.
pub(crate) fn parse<'a>(f: &Fields<'a>, layout: &HeaderLayout) -> Result<Header<'a>, LockboxError> {
    Ok(Header {
        origin: f.ident(layout.origin.as_ref(), "origin")?,
        date: f.date(layout.date.as_ref(), "creation date")?,
    })
}
