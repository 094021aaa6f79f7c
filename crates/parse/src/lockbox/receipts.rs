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
    Currency, DocumentType, MoneyError, Receipt, RemittanceLine, SourceFormat, SourcePosition, from_minor_units,
};

use super::assembly::Check;
use super::error::{LockboxError, LockboxErrorKind};

fn money(units: Option<i64>, currency: Currency) -> Result<Option<rust_decimal::Decimal>, MoneyError> {
    units.map(|u| from_minor_units(i128::from(u), currency)).transpose()
}

fn nonzero(units: Option<i64>) -> Option<i64> {
    units.filter(|u| *u != 0)
}

/// The check number without its zero padding.
pub(crate) fn check_number(raw: &str) -> String {
    let t = raw.trim_start_matches('0');
    if t.is_empty() { "0".to_string() } else { t.to_string() }
}

/// Builds the receipt of one check.
pub(crate) fn receipt(check: Check, file: &Arc<str>, currency: Currency) -> Result<Receipt, LockboxError> {
    let at = |kind| LockboxError::new(check.line, check.byte, kind);
    let value_date = check.deposit_date.or(check.check_date).ok_or_else(|| at(LockboxErrorKind::NoDate))?;
    let amount_units = check.amount;
    let overflow = |_| {
        at(LockboxErrorKind::InvalidField {
            record: '6',
            field: "check amount",
            value: amount_units.to_string(),
            start: 0,
            end: 0,
            expected: "an amount the currency can hold",
        })
    };
    let amount = from_minor_units(i128::from(check.amount), currency).map_err(overflow)?;
    let mut lines = Vec::with_capacity(check.lines.len());
    for l in check.lines {
        let document_type = if l.invoice.is_empty() { DocumentType::Unknown } else { DocumentType::Invoice };
        lines.push(RemittanceLine {
            reference: l.invoice,
            document_type,
            amount: money(l.amount, currency).map_err(overflow)?,
            discount: money(nonzero(l.discount), currency).map_err(overflow)?,
            deduction: money(nonzero(l.deduction), currency).map_err(overflow)?,
            reason: l.reason,
        });
    }
    let payer_account = match (&check.routing, &check.account) {
        (Some(r), Some(a)) => Some(format!("{r}:{a}")),
        (None, Some(a)) => Some(a.clone()),
        _ => None,
    };
    let number = check.check_number.as_deref().map(check_number);
    Ok(Receipt {
        bank_ref: format!("{}-{}-{}", check.lockbox, check.batch, check.item),
        format: SourceFormat::Lockbox,
        position: SourcePosition { file: Arc::clone(file), line: check.line, byte: check.byte },
        account: check.lockbox,
        value_date,
        currency,
        amount,
        payer_name: check.remitter,
        payer_account,
        transaction_code: None,
        customer_reference: number.clone(),
        check_number: number,
        charges: None,
        instructed: None,
        remittance_text: check.memo,
        remittance_lines: lines,
    })
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
