//! What a payer's remittance says, read once per receipt (issue 10): every
//! document the payer named, with the amount the payer assigned to it and
//! the role the document plays in the payment.
//!
//! Structured lines (ACH `RMR`, camt `RfrdDocInf`, lockbox type 4) are
//! taken as they stand; free text is read for (reference, amount) pairs in
//! the shapes payers write (`REF AMT`, `REF: AMT`, `REF/AMT`, `AMT REF`,
//! lists separated by `;`, `,`, `|` or line breaks, currency symbols and
//! codes, `1,234.56` and `1.234,56`, trailing minus and `CR` for credits).
//! A document named without an amount while itemised pairs account for the
//! payment is a *mention*: context for a coordinator, never an instruction.

mod lex;
mod pairs;

use cashapply_model::{DocumentType, Receipt};
use rust_decimal::Decimal;

pub use lex::{Piece, parse_amount, pieces};
pub use pairs::read_text;

/// The role a named document plays in the payment.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Role {
    /// Cash paid towards the document (amount positive when known).
    Pay,
    /// A credit memo taken against the payment (amount negative when known).
    Credit,
    /// A deduction the payer took from the document, with its reason when written.
    Deduction(Option<String>),
    /// Named for context only (`Less credit INV-1`, `Pmt on acct INV-2`, a
    /// reference beside itemised pairs that account for the payment).
    Mention,
}

/// One document the remittance names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemittanceItem {
    /// The reference as the payer wrote it (surrounding punctuation removed).
    pub reference: String,
    /// The amount the payer assigned to it: positive for `Pay` and
    /// `Deduction`, negative for `Credit`; `None` when not written.
    pub amount: Option<Decimal>,
    /// What the document is to this payment.
    pub role: Role,
}

/// Reads the documents a receipt's remittance names: its structured lines
/// when it has any (the advice itself; its free text is then the bank's
/// wrapping of it), else the free text read for (reference, amount) pairs.
pub fn interpret(receipt: &Receipt) -> Vec<RemittanceItem> {
    if !receipt.remittance_lines.is_empty() {
        return structured(receipt);
    }
    let lines: Vec<&str> = receipt.remittance_text.iter().map(String::as_str).collect();
    read_text(&lines, receipt.currency.minor_digits())
}

/// Structured lines as items: the paid amount (negative for a credit
/// note), and a deduction with its reason as an item of its own.
fn structured(receipt: &Receipt) -> Vec<RemittanceItem> {
    let mut out = Vec::new();
    for line in &receipt.remittance_lines {
        let credit = line.document_type == DocumentType::CreditNote || line.amount.is_some_and(|a| a < Decimal::ZERO);
        let amount = line.amount.map(|a| if credit { -a.abs() } else { a });
        out.push(RemittanceItem {
            reference: line.reference.clone(),
            amount,
            role: if credit { Role::Credit } else { Role::Pay },
        });
        if let Some(d) = line.deduction.filter(|d| !d.is_zero()) {
            out.push(RemittanceItem {
                reference: line.reference.clone(),
                amount: Some(d.abs()),
                role: Role::Deduction(line.reason.clone()),
            });
        }
    }
    out
}

/// The receipt as the engine decides it: when the payer wrote no structured
/// lines but its free text itemises (reference, amount) pairs, those pairs
/// become the receipt's remittance lines, honoured exactly as structured
/// lines are (a credit negative, a deduction with its reason on its
/// document's line). Mentions stay text: the engine never pays a free-text
/// reference beside itemised lines. Otherwise the receipt as it is.
pub fn itemised(receipt: &Receipt) -> std::borrow::Cow<'_, Receipt> {
    use std::borrow::Cow;
    if !receipt.remittance_lines.is_empty() || receipt.remittance_text.is_empty() {
        return Cow::Borrowed(receipt);
    }
    let items = interpret(receipt);
    if !items.iter().any(|i| matches!(i.role, Role::Pay | Role::Credit) && i.amount.is_some()) {
        return Cow::Borrowed(receipt);
    }
    let mut lines: Vec<cashapply_model::RemittanceLine> = Vec::new();
    for item in &items {
        match &item.role {
            Role::Pay | Role::Credit if item.amount.is_some() => {
                let document_type =
                    if item.role == Role::Credit { DocumentType::CreditNote } else { DocumentType::Unknown };
                let mut line = cashapply_model::RemittanceLine::reference(item.reference.clone(), document_type);
                line.amount = item.amount;
                lines.push(line);
            }
            Role::Deduction(reason) => {
                if let Some(line) = lines.iter_mut().rev().find(|l| l.reference == item.reference) {
                    // A discount taken is the line's discount; anything else a deduction.
                    if reason.as_deref().is_some_and(|r| r.starts_with("disc")) {
                        line.discount = item.amount;
                    } else {
                        line.deduction = item.amount;
                        line.reason.clone_from(reason);
                    }
                }
            }
            _ => {}
        }
    }
    let mut owned = receipt.clone();
    owned.remittance_lines = lines;
    Cow::Owned(owned)
}
