//! Structured remittance: what the payer says the money is for.

use rust_decimal::Decimal;
use serde::Serialize;

/// What kind of document a remittance line refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentType {
    /// A sales invoice.
    Invoice,
    /// A credit note / credit memo the payer deducted.
    CreditNote,
    /// A debit note.
    DebitNote,
    /// The payer's purchase order number.
    PurchaseOrder,
    /// A structured creditor reference (ISO 11649 `RF…`, Swiss QR).
    CreditorReference,
    /// The document type is not stated.
    Unknown,
}

/// One line of structured remittance: a document reference and the money
/// the payer attributes to it. Amounts are in the receipt's currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RemittanceLine {
    /// The reference as the payer wrote it (not normalised).
    pub reference: String,
    /// What the reference names.
    pub document_type: DocumentType,
    /// Amount paid against this document.
    #[serde(with = "rust_decimal::serde::str_option")]
    pub amount: Option<Decimal>,
    /// Early-payment discount the payer took.
    #[serde(with = "rust_decimal::serde::str_option")]
    pub discount: Option<Decimal>,
    /// Other deduction (short pay, adjustment) the payer took.
    #[serde(with = "rust_decimal::serde::str_option")]
    pub deduction: Option<Decimal>,
    /// Reason code for a deduction or adjustment, as given.
    pub reason: Option<String>,
    /// The document's own amount as the payer states it (X12 `RMR` field 5
    /// "total invoice amount", camt `DuePyblAmt`): evidence of which
    /// document is meant, never an amount paid.
    #[serde(with = "rust_decimal::serde::str_option")]
    pub invoice_amount: Option<Decimal>,
}

impl RemittanceLine {
    /// A line naming a document with no amounts.
    pub fn reference(reference: impl Into<String>, document_type: DocumentType) -> Self {
        RemittanceLine {
            reference: reference.into(),
            document_type,
            amount: None,
            discount: None,
            deduction: None,
            reason: None,
            invoice_amount: None,
        }
    }
}
