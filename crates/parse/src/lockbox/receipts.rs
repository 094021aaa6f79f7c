//! Receipts from checks (CONTRACT §2): one per check.
//!
//! * `bank_ref` = `LOCKBOX-BATCH-ITEM`, the digits exactly as they stand
//!   in the file (`0022222-001-001`);
//! * `account` = the lockbox number; `value_date` = the deposit date of the
//!   type 5, else the check date;
//! * `amount` = the check amount in the layout's currency (USD unless the
//!   layout says otherwise);
//! * `payer_account` = `ROUTING:ACCOUNT` from the MICR line (the bare
//!   account when the routing number is blank);
//! * `check_number` (also `customer_reference`) with leading zeros dropped,
//!   as printed on the check (`0000000180` → `180`);
//! * `payer_name` = the remitter name;
//! * `remittance_lines` from the invoice groups (zero discounts and
//!   deductions are left out), `remittance_text` = memo text.

use std::sync::Arc;

use cashapply_model::{
    Currency, DocumentType, Receipt, RemittanceLine, SourceFormat, SourcePosition, from_minor_units,
};
use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::check_detail::CheckRecord;
use super::error::{LockboxError, LockboxErrorKind};
use super::remittance_line::InvoiceLine;

/// Minor units as an amount. Layout amounts have at most 18 digits, so
/// the conversion cannot fail; `None` stays `None`.
fn money(units: Option<i64>, currency: Currency) -> Option<Decimal> {
    units.and_then(|u| from_minor_units(i128::from(u), currency).ok())
}

fn nonzero(units: Option<i64>) -> Option<i64> {
    units.filter(|u| *u != 0)
}

/// The check number without its zero padding.
pub(crate) fn check_number(raw: &str) -> String {
    let t = raw.trim_start_matches('0');
    if t.is_empty() { "0".to_string() } else { t.to_string() }
}

/// A remittance line in the receipt's currency.
pub(crate) fn remittance_line(l: InvoiceLine, currency: Currency) -> RemittanceLine {
    let document_type = if l.invoice.is_empty() { DocumentType::Unknown } else { DocumentType::Invoice };
    RemittanceLine {
        reference: l.invoice,
        document_type,
        amount: money(l.amount, currency),
        discount: money(nonzero(l.discount), currency),
        deduction: money(nonzero(l.deduction), currency),
        reason: l.reason,
        invoice_amount: None,
    }
}

/// Builds the receipt of one check read at `(line, byte)` in the lockbox
/// `lockbox` deposited on `deposit_date`. A check with no date at all
/// still yields a receipt (so its overflow records find it) together with
/// the error that rejects the file.
pub(crate) fn receipt(
    c: CheckRecord<'_>,
    lockbox: &str,
    deposit_date: Option<NaiveDate>,
    file: &Arc<str>,
    currency: Currency,
    (line, byte): (u64, u64),
) -> (Receipt, Option<LockboxError>) {
    let (value_date, problem) = match deposit_date.or(c.check_date) {
        Some(d) => (d, None),
        None => (NaiveDate::default(), Some(LockboxError::new(line, byte, LockboxErrorKind::NoDate))),
    };
    let payer_account = match (c.routing, c.account) {
        (Some(r), Some(a)) => Some(format!("{r}:{a}")),
        (None, Some(a)) => Some(a.to_string()),
        _ => None,
    };
    let number = c.check_number.map(check_number);
    let receipt = Receipt {
        bank_ref: format!("{lockbox}-{}-{}", c.batch, c.item),
        format: SourceFormat::Lockbox,
        position: SourcePosition { file: Arc::clone(file), line, byte },
        account: lockbox.into(),
        value_date,
        currency,
        amount: money(Some(c.amount), currency).unwrap_or_default(),
        payer_name: c.remitter.map(str::to_string),
        payer_account,
        transaction_code: None,
        customer_reference: number.clone(),
        check_number: number,
        charges: None,
        instructed: None,
        remittance_text: c.memo.map(str::to_string).into_iter().collect(),
        remittance_lines: c.lines.into_iter().map(|l| remittance_line(l, currency)).collect(),
    };
    (receipt, problem)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_numbers_lose_their_zero_padding_but_zero_stays_zero() {
        assert_eq!(check_number("0000000180"), "180");
        assert_eq!(check_number("0000"), "0");
        assert_eq!(check_number("A12"), "A12");
    }
}
