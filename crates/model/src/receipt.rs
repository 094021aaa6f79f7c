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

/// Prefix of a `remittance_text` line that holds, verbatim, a record of the
/// bank file the reader could not read inside a receipt that can otherwise
/// be trusted (the check's own record and the totals are fine, but one of
/// its remittance records is not). The receipt is kept rather than the file
/// rejected; since part of what the payer said is unread, the matcher must
/// not auto-apply it, and a coordinator sees the raw record.
pub const UNREADABLE_TEXT_PREFIX: &str = "[unreadable record] ";

impl Receipt {
    /// True when a remittance record of this receipt could not be read
    /// (a `remittance_text` line starts with [`UNREADABLE_TEXT_PREFIX`]).
    pub fn has_unreadable_remittance(&self) -> bool {
        self.remittance_text.iter().any(|t| t.starts_with(UNREADABLE_TEXT_PREFIX))
    }

    /// The remittance text read as one continuous field: the segments of
    /// `remittance_text` joined without a separator, as the BAI2 spec joins
    /// an `88` continuation to the text it continues (p.25–26: `INV-01` +
    /// `72245` is `INV-0172245`) and as banks cut camt `Ustrd` at 140
    /// characters. A segment that opens with a tag (`ORG:=`, `OBI:=`,
    /// `DBNM:`, `ORIG CO NAME=`, X12 `RMR*`) starts a new item and is joined
    /// with a line break, so a tag's value is never glued to the next tag;
    /// unreadable-record lines are left out. `remittance_text` itself keeps
    /// one entry per segment (the reading of banks that put one item per
    /// `88`); a matcher considers both.
    pub fn joined_remittance_text(&self) -> String {
        let mut out = String::new();
        for t in self.remittance_text.iter().filter(|t| !t.starts_with(UNREADABLE_TEXT_PREFIX)) {
            if !out.is_empty() && opens_with_tag(t) {
                out.push('\n');
            }
            out.push_str(t);
        }
        out
    }
}

/// True when `text` opens with a tag: up to 24 letters, digits, blanks or
/// `/` followed by `:` or `=` (`ORG:=`, `DBNM:`, `B/O CUSTOMER=`), or an X12
/// segment id followed by `*` (`RMR*`, `ADX*`, `REF*`).
fn opens_with_tag(text: &str) -> bool {
    let t = text.trim_start();
    let head: &str = t.get(..t.len().min(26)).unwrap_or(t);
    let x12 =
        head.len() > 3 && head.as_bytes().get(3) == Some(&b'*') && head.bytes().take(3).all(|b| b.is_ascii_uppercase());
    if x12 {
        return true;
    }
    let Some(at) = head.find([':', '=']) else { return false };
    let tag = head.get(..at).unwrap_or_default().trim_end();
    !tag.is_empty()
        && tag.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
        && tag.bytes().all(|b| b.is_ascii_alphanumeric() || b == b' ' || b == b'/' || b == b'_' || b == b'-')
}

#[cfg(test)]
mod joined_text_tests {
    use super::*;
    use crate::Currency;
    use chrono::NaiveDate;
    use rust_decimal::Decimal;

    fn with_text(lines: &[&str]) -> Receipt {
        Receipt {
            bank_ref: "R".into(),
            format: SourceFormat::Bai2,
            position: SourcePosition { file: Arc::from("f"), line: 1, byte: 0 },
            account: Arc::from("A"),
            value_date: NaiveDate::default(),
            currency: Currency::USD,
            amount: Decimal::ONE,
            payer_name: None,
            payer_account: None,
            transaction_code: None,
            customer_reference: None,
            check_number: None,
            charges: None,
            instructed: None,
            remittance_text: lines.iter().map(|l| l.to_string()).collect(),
            remittance_lines: Vec::new(),
        }
    }

    #[test]
    fn a_reference_wrapped_mid_token_across_two_88s_is_one_token_in_the_joined_reading() {
        let r = with_text(&["PAYMENT INV-01", "72245 THANK YOU"]);
        assert_eq!(r.joined_remittance_text(), "PAYMENT INV-0172245 THANK YOU");
        assert_eq!(r.remittance_text, ["PAYMENT INV-01", "72245 THANK YOU"]);
    }

    #[test]
    fn a_tag_value_is_never_glued_to_the_next_tag_in_the_joined_reading() {
        let r = with_text(&["ORG:=/773310958 HARBOR LINE", "OBI:=INV 1001", "RMR*IV*1002**5.00\\", "DBNM: X"]);
        assert_eq!(
            r.joined_remittance_text(),
            "ORG:=/773310958 HARBOR LINE\nOBI:=INV 1001\nRMR*IV*1002**5.00\\\nDBNM: X"
        );
    }

    #[test]
    fn an_unreadable_record_marks_the_receipt_and_stays_out_of_the_joined_reading() {
        let r = with_text(&["INV 1", "[unreadable record] 4001001601INV-2 00000O4417"]);
        assert!(r.has_unreadable_remittance());
        assert_eq!(r.joined_remittance_text(), "INV 1");
        assert!(!with_text(&["INV 1"]).has_unreadable_remittance());
    }
}
