//! How `parse` shows receipts: JSON lines (CONTRACT §1) or a table.

use std::io::{self, Write};

use cashapply_model::{Receipt, RemittanceLine, format_amount};
use serde::Serialize;

/// The `parse --json` object: the `receipts.csv` fields of CONTRACT §4 plus
/// payer account and remittance, and the position it was read at.
#[derive(Debug, Serialize)]
pub struct ReceiptJson<'a> {
    bank_ref: &'a str,
    source_file: &'a str,
    line: u64,
    format: &'static str,
    account: &'a str,
    value_date: String,
    currency: &'a str,
    amount: String,
    payer_name: Option<&'a str>,
    payer_account: Option<&'a str>,
    transaction_code: Option<&'a str>,
    customer_reference: Option<&'a str>,
    check_number: Option<&'a str>,
    remittance_text: &'a [String],
    remittance_lines: &'a [RemittanceLine],
}

impl<'a> From<&'a Receipt> for ReceiptJson<'a> {
    fn from(r: &'a Receipt) -> Self {
        ReceiptJson {
            bank_ref: &r.bank_ref,
            source_file: &r.position.file,
            line: r.position.line,
            format: r.format.as_str(),
            account: &r.account,
            value_date: r.value_date.format("%Y-%m-%d").to_string(),
            currency: r.currency.as_str(),
            amount: format_amount(r.amount, r.currency),
            payer_name: r.payer_name.as_deref(),
            payer_account: r.payer_account.as_deref(),
            transaction_code: r.transaction_code.as_deref(),
            customer_reference: r.customer_reference.as_deref(),
            check_number: r.check_number.as_deref(),
            remittance_text: &r.remittance_text,
            remittance_lines: &r.remittance_lines,
        }
    }
}

fn clip(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(width.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

/// A readable fixed-column table, one receipt per row.
pub fn write_table<'a>(out: &mut impl Write, receipts: impl Iterator<Item = &'a Receipt>) -> io::Result<()> {
    writeln!(
        out,
        "{:<22} {:<10} {:<3} {:>15} {:<16} {:<24} REMITTANCE",
        "BANK_REF", "VALUE_DATE", "CCY", "AMOUNT", "ACCOUNT", "PAYER"
    )?;
    for r in receipts {
        let remittance = r.remittance_text.join(" | ");
        writeln!(
            out,
            "{:<22} {:<10} {:<3} {:>15} {:<16} {:<24} {}",
            clip(&r.bank_ref, 22),
            r.value_date.format("%Y-%m-%d"),
            r.currency.as_str(),
            format_amount(r.amount, r.currency),
            clip(&r.account, 16),
            clip(r.payer_name.as_deref().unwrap_or("-"), 24),
            clip(&remittance, 60),
        )?;
    }
    Ok(())
}
