//! Type 4: overflow records continuing a check. Each names its check by
//! batch and item number, carries an overflow sequence number and a last
//! indicator (`9` = last of the series, `0` = more follow), then invoice
//! lines (FLB24: one invoice, paid, deduction, reason code; layout B: one
//! invoice with gross and discount) or memo text (layout A).
//!
//! The sequence number is not unique: banks restart it at `01` after `99`
//! within one series (SAP Q&A 2741007), so records are chained to their
//! check by (batch, item) and the sequence is only checked for gaps.

use serde::Deserialize;

use super::error::LockboxError;
use super::field::Fields;
use super::layout::{FieldSpec, LayoutError, LineLayout, Role, check_role};
use super::remittance_line::{self, InvoiceLine};

/// Layout of the type 4 record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverflowLayout {
    /// Record identifier (default `4`).
    pub id: Option<char>,
    /// Batch number of the check continued.
    pub batch: Option<FieldSpec>,
    /// Item number of the check continued.
    pub item: Option<FieldSpec>,
    /// Type of the record continued (`6`).
    pub overflow_type: Option<FieldSpec>,
    /// Overflow sequence number.
    pub sequence: Option<FieldSpec>,
    /// Last indicator (`9` = last).
    pub last_indicator: Option<FieldSpec>,
    /// Free memo text.
    pub memo: Option<FieldSpec>,
    /// Invoice groups on the record.
    #[serde(default)]
    pub lines: Vec<LineLayout>,
}

impl OverflowLayout {
    pub(crate) fn validate(&self) -> Result<(), LayoutError> {
        for (n, f) in [
            ("batch", &self.batch),
            ("item", &self.item),
            ("overflow_type", &self.overflow_type),
            ("last_indicator", &self.last_indicator),
            ("memo", &self.memo),
        ] {
            check_role("overflow", n, f.as_ref(), Role::Ident)?;
        }
        check_role("overflow", "sequence", self.sequence.as_ref(), Role::Count)?;
        for line in &self.lines {
            line.validate("overflow.lines")?;
        }
        Ok(())
    }

    /// Highest sequence number before it wraps (99 for two digits).
    pub(crate) fn sequence_max(&self) -> u64 {
        let digits = self.sequence.map_or(2, |s| s.len).min(18);
        10u64.saturating_pow(digits as u32).saturating_sub(1)
    }
}

/// A read type 4 record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Overflow<'a> {
    /// Batch number, when the layout has one and it is not blank.
    pub batch: Option<&'a str>,
    /// Item number.
    pub item: Option<&'a str>,
    /// Sequence number.
    pub sequence: Option<u64>,
    /// True when the record says it is the last of its series.
    pub last: bool,
    /// Memo text.
    pub memo: Option<&'a str>,
    /// Invoice lines.
    pub lines: Vec<InvoiceLine>,
}

/// Reads a type 4 record.
pub(crate) fn parse<'a>(f: &Fields<'a>, layout: &OverflowLayout) -> Result<Overflow<'a>, LockboxError> {
    let mut lines = Vec::new();
    for l in &layout.lines {
        if let Some(line) = remittance_line::parse(f, l)? {
            lines.push(line);
        }
    }
    Ok(Overflow {
        batch: f.ident(layout.batch.as_ref(), "batch number")?,
        item: f.ident(layout.item.as_ref(), "item number")?,
        sequence: f.count(layout.sequence.as_ref(), "overflow sequence number")?,
        last: f.text(layout.last_indicator.as_ref()) == Some("9"),
        memo: f.text(layout.memo.as_ref()),
        lines,
    })
}
