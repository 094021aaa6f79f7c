//! One remittance line: an invoice number and the amounts the payer
//! attributes to it, read from a type 4 record (or the tail of a type 6).
//!
//! The invoice number is kept exactly as written, zero padding included
//! (`0000012345`): matching normalises leading zeros, the reader does not
//! (banks pad, research §4.4, Oracle defect #1614). Lower-case letters are
//! kept too. A line whose invoice and amounts are all blank is filler and
//! yields nothing. Line amounts may be signed (`-000004417`, `000004417-`,
//! `00004417CR`): a credit memo the payer deducts reads as a negative amount.

use super::error::LockboxError;
use super::field::Fields;
use super::layout::LineLayout;

/// A read remittance line; amounts in minor units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InvoiceLine {
    /// Invoice number as written (may be empty when only amounts are given).
    pub invoice: String,
    /// Amount paid.
    pub amount: Option<i64>,
    /// Gross invoice amount.
    pub gross: Option<i64>,
    /// Discount taken.
    pub discount: Option<i64>,
    /// Deduction taken.
    pub deduction: Option<i64>,
    /// Reason code.
    pub reason: Option<String>,
}

/// Reads one line group; `None` when it is blank.
pub(crate) fn parse(f: &Fields<'_>, layout: &LineLayout) -> Result<Option<InvoiceLine>, LockboxError> {
    let invoice = f.ident(layout.invoice.as_ref(), "invoice number")?;
    let amount = f.signed_amount(layout.amount.as_ref(), "invoice amount paid")?;
    let gross = f.signed_amount(layout.gross.as_ref(), "gross invoice amount")?;
    let discount = f.signed_amount(layout.discount.as_ref(), "discount amount")?;
    let deduction = f.signed_amount(layout.deduction.as_ref(), "deduction amount")?;
    let reason = f.ident(layout.reason.as_ref(), "reason code")?;
    if invoice.is_none() && amount.is_none() && gross.is_none() {
        return Ok(None);
    }
    Ok(Some(InvoiceLine {
        invoice: invoice.unwrap_or_default().to_string(),
        amount,
        gross,
        discount,
        deduction,
        reason: reason.map(str::to_string),
    }))
}
