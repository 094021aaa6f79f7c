//! Type 6: one check (remittance). Batch and item number identify it within
//! its lockbox; it carries the check amount, the MICR transit routing and
//! account numbers, the check number and, by layout, the check date, the
//! remitter's name and the first invoices (some banks fill the tail of the
//! 6 with invoice data, research §4.8).

use chrono::NaiveDate;
use serde::Deserialize;

use super::error::LockboxError;
use super::field::Fields;
use super::layout::{FieldSpec, LayoutError, LineLayout, Role, check_role};
use super::remittance_line::{self, InvoiceLine};

/// Layout of the type 6 record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckLayout {
    /// Record identifier (default `6`).
    pub id: Option<char>,
    /// Batch number.
    pub batch: Option<FieldSpec>,
    /// Item number within the batch.
    pub item: Option<FieldSpec>,
    /// Check amount.
    pub amount: Option<FieldSpec>,
    /// MICR transit routing number.
    pub routing: Option<FieldSpec>,
    /// MICR (DDA) account number.
    pub account: Option<FieldSpec>,
    /// Check number.
    pub check_number: Option<FieldSpec>,
    /// Check date.
    pub check_date: Option<FieldSpec>,
    /// Remitter name.
    pub remitter: Option<FieldSpec>,
    /// Customer number the bank or payer supplies.
    pub customer_number: Option<FieldSpec>,
    /// Free memo text.
    pub memo: Option<FieldSpec>,
    /// Invoice groups carried on the check record itself.
    #[serde(default)]
    pub lines: Vec<LineLayout>,
}

impl CheckLayout {
    pub(crate) fn validate(&self) -> Result<(), LayoutError> {
        for (n, f) in [
            ("batch", &self.batch),
            ("item", &self.item),
            ("routing", &self.routing),
            ("account", &self.account),
            ("check_number", &self.check_number),
            ("remitter", &self.remitter),
            ("customer_number", &self.customer_number),
            ("memo", &self.memo),
        ] {
            check_role("check", n, f.as_ref(), Role::Ident)?;
        }
        check_role("check", "amount", self.amount.as_ref(), Role::Amount)?;
        check_role("check", "check_date", self.check_date.as_ref(), Role::Date)?;
        for line in &self.lines {
            line.validate("check.lines")?;
        }
        Ok(())
    }
}

/// A read type 6 record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CheckRecord<'a> {
    /// Batch number as written (empty when the layout has none).
    pub batch: &'a str,
    /// Item number as written.
    pub item: &'a str,
    /// Check amount in minor units.
    pub amount: i64,
    /// Routing number.
    pub routing: Option<&'a str>,
    /// Account number.
    pub account: Option<&'a str>,
    /// Check number.
    pub check_number: Option<&'a str>,
    /// Check date.
    pub check_date: Option<NaiveDate>,
    /// Remitter name.
    pub remitter: Option<&'a str>,
    /// Customer number.
    pub customer_number: Option<&'a str>,
    /// Memo text.
    pub memo: Option<&'a str>,
    /// Invoice lines on the record.
    pub lines: Vec<InvoiceLine>,
    /// The first invoice group of the record that could not be read: the
    /// check itself is still read (its amount does not depend on it).
    pub unreadable_line: Option<LockboxError>,
    /// The check date, when it is written but is no date: the caller
    /// decides (a deposit date makes it unnecessary).
    pub unreadable_date: Option<LockboxError>,
}

/// Reads a type 6 record; the check amount is required and may be signed
/// (a bank's reversal or adjustment of an earlier check, `-000007045`: the
/// caller decides what a negative check is). An invoice group
/// that cannot be read does not fail the check: it is reported in
/// `unreadable_line` and the groups after it are still read.
pub(crate) fn parse<'a>(f: &Fields<'a>, layout: &CheckLayout) -> Result<CheckRecord<'a>, LockboxError> {
    let amount = f.signed_amount(layout.amount.as_ref(), "check amount")?;
    let amount = amount.ok_or_else(|| f.missing(layout.amount.as_ref(), "check amount"))?;
    let mut lines = Vec::new();
    let mut unreadable_line = None;
    for l in &layout.lines {
        match remittance_line::parse(f, l) {
            Ok(Some(line)) => lines.push(line),
            Ok(None) => {}
            Err(e) => {
                unreadable_line.get_or_insert(e);
            }
        }
    }
    let (check_date, unreadable_date) = match f.date(layout.check_date.as_ref(), "check date") {
        Ok(d) => (d, None),
        Err(e) => (None, Some(e)),
    };
    Ok(CheckRecord {
        batch: f.ident(layout.batch.as_ref(), "batch number")?.unwrap_or_default(),
        item: f.ident(layout.item.as_ref(), "item number")?.unwrap_or_default(),
        amount,
        routing: f.ident(layout.routing.as_ref(), "transit routing number")?,
        account: f.ident(layout.account.as_ref(), "account number")?,
        check_number: f.ident(layout.check_number.as_ref(), "check number")?,
        check_date,
        remitter: f.text(layout.remitter.as_ref()),
        customer_number: f.text(layout.customer_number.as_ref()),
        memo: f.text(layout.memo.as_ref()),
        lines,
        unreadable_line,
        unreadable_date,
    })
}
