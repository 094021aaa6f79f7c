//! One incoming credit to a company account (CONTRACT §2).

use std::sync::Arc;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::{Currency, RemittanceLine};

/// The bank-file format a receipt was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceFormat {
    /// BAI2 / BTRS balance report.
    Bai2,
    /// ISO 20022 camt.052 account report.
    Camt052,
    /// ISO 20022 camt.053 statement.
    Camt053,
    /// ISO 20022 camt.054 debit/credit notification.
    Camt054,
    /// Fixed-width lockbox transmission.
    Lockbox,
    /// CSV lockbox export.
    LockboxCsv,
}

impl SourceFormat {
    /// The name used in output files (`receipts.csv` `format`).
    pub fn as_str(&self) -> &'static str {
        match self {
            SourceFormat::Bai2 => "bai2",
            SourceFormat::Camt052 => "camt052",
            SourceFormat::Camt053 => "camt053",
            SourceFormat::Camt054 => "camt054",
            SourceFormat::Lockbox => "lockbox",
            SourceFormat::LockboxCsv => "lockbox-csv",
        }
    }
}

/// Where in its file a receipt starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourcePosition {
    /// The file name as given on the command line.
    pub file: Arc<str>,
    /// 1-based physical line.
    pub line: u64,
    /// 0-based byte offset of the line's start.
    pub byte: u64,
}

/// The amount a payer instructed, in its own currency, and the rate applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InstructedAmount {
    /// Instructed amount.
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
    /// Its currency.
    pub currency: Currency,
    /// Exchange rate applied, as the bank states it.
    #[serde(with = "rust_decimal::serde::str_option")]
    pub exchange_rate: Option<Decimal>,
}

/// One incoming credit to a company account, whatever format carried it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Receipt {
    /// The bank's reference for the credit: the join key (CONTRACT §2).
    pub bank_ref: String,
    /// The format it was read from.
    pub format: SourceFormat,
    /// Where it was read.
    pub position: SourcePosition,
    /// The company account credited, as the bank wrote it (shared by the
    /// receipts of one account: no copy per receipt).
    pub account: Arc<str>,
    /// Value date (falls back to booking / as-of / deposit date).
    pub value_date: NaiveDate,
    /// ISO 4217 currency.
    pub currency: Currency,
    /// The amount credited, scaled to the currency's minor digits.
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
    /// The payer's name, where the file states it.
    pub payer_name: Option<String>,
    /// The payer's account: `ROUTING:ACCOUNT` (US MICR/ACH), an IBAN, or a
    /// bare account number.
    pub payer_account: Option<String>,
    /// The payer's or bank's transaction code (BAI2 type code, camt bank
    /// transaction code).
    pub transaction_code: Option<String>,
    /// A second reference the bank carries (BAI2 customer reference, camt
    /// end-to-end id, lockbox check number).
    pub customer_reference: Option<String>,
    /// The lockbox check number (or other paper-item serial), where known.
    pub check_number: Option<String>,
    /// Bank charges deducted before the credit (camt `Chrgs`), in the
    /// receipt's currency: the payer paid `amount + charges`.
    #[serde(with = "rust_decimal::serde::str_option")]
    pub charges: Option<Decimal>,
    /// What the payer instructed, when it differs from what was credited
    /// (camt `InstdAmt` and `CcyXchg`).
    pub instructed: Option<InstructedAmount>,
    /// Free remittance text, one entry per line or segment as it stood.
    pub remittance_text: Vec<String>,
    /// Structured remittance lines.
    pub remittance_lines: Vec<RemittanceLine>,
}
