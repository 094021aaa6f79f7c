//! How `parse` shows receipts: JSON lines (CONTRACT §1) or a table.

use std::io::{self, Write};

use cashapply_model::{Currency, DocumentType, Receipt, RemittanceLine, format_amount, to_currency_scale};
use chrono::Datelike;
use rust_decimal::Decimal;
#[cfg(test)]
use serde::Serialize;

/// The `parse --json` object: the `receipts.csv` fields of CONTRACT §4 plus
/// payer account and remittance, and the position it was read at.
///
/// Kept as the reference [`push_json_line`] is tested against.
#[cfg(test)]
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

#[cfg(test)]
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

/// Appends the `parse --json` line of `r` (its [`ReceiptJson`] object and
/// a newline) to `out`, byte for byte what `serde_json` writes for it, with
/// no allocation: strings are escaped in place, numbers, dates and amounts
/// are formatted straight into `out`.
pub fn push_json_line(out: &mut Vec<u8>, r: &Receipt) {
    out.extend_from_slice(b"{\"bank_ref\":");
    push_str(out, &r.bank_ref);
    out.extend_from_slice(b",\"source_file\":");
    push_str(out, &r.position.file);
    out.extend_from_slice(b",\"line\":");
    push_u64(out, r.position.line);
    out.extend_from_slice(b",\"format\":");
    push_str(out, r.format.as_str());
    out.extend_from_slice(b",\"account\":");
    push_str(out, &r.account);
    out.extend_from_slice(b",\"value_date\":\"");
    let d = r.value_date;
    match u32::try_from(d.year()) {
        Ok(year) if year <= 9999 => {
            push_padded(out, year, 4);
            out.push(b'-');
            push_padded(out, d.month(), 2);
            out.push(b'-');
            push_padded(out, d.day(), 2);
        }
        // Years chrono writes with a sign: leave them to chrono.
        _ => {
            use std::io::Write as _;
            let _ = write!(out, "{}", d.format("%Y-%m-%d"));
        }
    }
    out.extend_from_slice(b"\",\"currency\":");
    push_str(out, r.currency.as_str());
    out.extend_from_slice(b",\"amount\":\"");
    push_amount(out, r.amount, r.currency);
    out.extend_from_slice(b"\",\"payer_name\":");
    push_opt_str(out, r.payer_name.as_deref());
    out.extend_from_slice(b",\"payer_account\":");
    push_opt_str(out, r.payer_account.as_deref());
    out.extend_from_slice(b",\"transaction_code\":");
    push_opt_str(out, r.transaction_code.as_deref());
    out.extend_from_slice(b",\"customer_reference\":");
    push_opt_str(out, r.customer_reference.as_deref());
    out.extend_from_slice(b",\"check_number\":");
    push_opt_str(out, r.check_number.as_deref());
    out.extend_from_slice(b",\"remittance_text\":[");
    for (i, t) in r.remittance_text.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        push_str(out, t);
    }
    out.extend_from_slice(b"],\"remittance_lines\":[");
    for (i, l) in r.remittance_lines.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        push_remittance_line(out, l);
    }
    out.extend_from_slice(b"]}\n");
}

fn push_remittance_line(out: &mut Vec<u8>, l: &RemittanceLine) {
    out.extend_from_slice(b"{\"reference\":");
    push_str(out, &l.reference);
    out.extend_from_slice(b",\"document_type\":\"");
    out.extend_from_slice(match l.document_type {
        DocumentType::Invoice => b"invoice".as_slice(),
        DocumentType::CreditNote => b"credit_note",
        DocumentType::DebitNote => b"debit_note",
        DocumentType::PurchaseOrder => b"purchase_order",
        DocumentType::CreditorReference => b"creditor_reference",
        DocumentType::Unknown => b"unknown",
    });
    out.extend_from_slice(b"\",\"amount\":");
    push_opt_decimal(out, l.amount);
    out.extend_from_slice(b",\"discount\":");
    push_opt_decimal(out, l.discount);
    out.extend_from_slice(b",\"deduction\":");
    push_opt_decimal(out, l.deduction);
    out.extend_from_slice(b",\"reason\":");
    push_opt_str(out, l.reason.as_deref());
    out.extend_from_slice(b",\"invoice_amount\":");
    push_opt_decimal(out, l.invoice_amount);
    out.push(b'}');
}

fn push_opt_decimal(out: &mut Vec<u8>, d: Option<Decimal>) {
    match d {
        Some(d) => {
            out.push(b'"');
            push_decimal(out, d);
            out.push(b'"');
        }
        None => out.extend_from_slice(b"null"),
    }
}

/// [`format_amount`]: the amount with the currency's `digits` decimals
/// (all of its own when it has more). An amount already at that scale (what
/// the readers build) is written from its integer mantissa; others go
/// through [`to_currency_scale`] and `Decimal`'s `Display`.
fn push_amount(out: &mut Vec<u8>, amount: Decimal, currency: Currency) {
    let digits = currency.minor_digits();
    let mantissa = amount.mantissa();
    if amount.scale() != digits || mantissa == 0 {
        let scaled = to_currency_scale(amount, currency).ok();
        push_decimal(out, scaled.unwrap_or_else(|| amount.normalize()));
        return;
    }
    if mantissa < 0 {
        out.push(b'-');
    }
    let mut buf = [0u8; 40];
    let mut i = buf.len();
    let mut m = mantissa.unsigned_abs();
    let mut written = 0u32;
    loop {
        i -= 1;
        buf[i] = b'0' + (m % 10) as u8;
        m /= 10;
        written += 1;
        if written == digits {
            i -= 1;
            buf[i] = b'.';
        }
        if m == 0 && written > digits {
            break;
        }
    }
    out.extend_from_slice(&buf[i..]);
}

/// `Decimal`'s `Display`, which formats on the stack.
fn push_decimal(out: &mut Vec<u8>, d: Decimal) {
    use std::io::Write as _;
    let _ = write!(out, "{d}");
}

fn push_u64(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

fn push_padded(out: &mut Vec<u8>, n: u32, width: usize) {
    let mut digits = [b'0'; 10];
    let mut n = n;
    for slot in digits[..width].iter_mut().rev() {
        *slot = b'0' + (n % 10) as u8;
        n /= 10;
    }
    out.extend_from_slice(&digits[..width]);
}

fn push_opt_str(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => push_str(out, s),
        None => out.extend_from_slice(b"null"),
    }
}

/// True when one of the eight bytes of `w` is below 0x20, `"` or `\\`
/// (the classic "has a byte less than / equal to" word tricks).
fn needs_escape(w: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let has_zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS;
    let below_space = w.wrapping_sub(ONES * 0x20) & !w & HIGHS;
    (below_space | has_zero(w ^ (ONES * u64::from(b'"'))) | has_zero(w ^ (ONES * u64::from(b'\\')))) != 0
}

/// A JSON string as `serde_json` escapes it: `"` and `\\`, the control
/// characters as `\b \t \n \f \r` or `\u00xx`; everything else as it is.
fn push_str(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut start = 0;
    // Eight bytes at a time while none needs escaping (the usual case).
    let mut i = 0;
    while let Some(word) = bytes.get(i..i + 8) {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        if needs_escape(u64::from_le_bytes(w)) {
            break;
        }
        i += 8;
    }
    for (i, &b) in bytes.iter().enumerate().skip(i) {
        if b >= 0x20 && b != b'"' && b != b'\\' {
            continue;
        }
        out.extend_from_slice(&bytes[start..i]);
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            _ => out.extend_from_slice(&[b'\\', b'u', b'0', b'0', HEX[(b >> 4) as usize], HEX[(b & 0xf) as usize]]),
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
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
    write_table_header(out)?;
    for r in receipts {
        write_table_row(out, r)?;
    }
    Ok(())
}

/// The table's header line.
pub fn write_table_header(out: &mut impl Write) -> io::Result<()> {
    writeln!(
        out,
        "{:<22} {:<10} {:<3} {:>15} {:<16} {:<24} REMITTANCE",
        "BANK_REF", "VALUE_DATE", "CCY", "AMOUNT", "ACCOUNT", "PAYER"
    )
}

/// One row of the table (fixed columns, so rows can be written as they come).
pub fn write_table_row(out: &mut impl Write, r: &Receipt) -> io::Result<()> {
    {
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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::sync::Arc;

    use cashapply_model::{Currency, SourceFormat, SourcePosition};
    use chrono::NaiveDate;

    use super::*;

    fn serde_line(r: &Receipt) -> Vec<u8> {
        let mut v = serde_json::to_vec(&ReceiptJson::from(r)).unwrap();
        v.push(b'\n');
        v
    }

    #[test]
    fn the_hand_written_json_line_is_byte_for_byte_what_serde_json_writes() {
        for s in ["", "a", "abcdefgh", "abcdefg\"", "abcdefghi\\", "0123456789abcdef\u{1f}x", "\u{7f}\u{80}ü~ !#"] {
            let mut out = Vec::new();
            push_str(&mut out, s);
            assert_eq!(String::from_utf8(out).unwrap(), serde_json::to_string(s).unwrap());
        }
        let nasty = "q\"b\\s/\u{0}\u{1}\u{8}\t\n\u{b}\u{c}\r\u{1f}\u{7f} é € 𝄞";
        let mut r = Receipt {
            bank_ref: nasty.to_string(),
            format: SourceFormat::Camt054,
            position: SourcePosition { file: Arc::from("dir/ä \"f\".xml"), line: 18_446_744_073_709_551_615, byte: 0 },
            account: Arc::from(""),
            value_date: NaiveDate::from_ymd_opt(7, 2, 3).unwrap(),
            currency: Currency::parse("KWD").unwrap(),
            amount: Decimal::new(-12_345_678, 4),
            payer_name: Some(nasty.to_string()),
            payer_account: None,
            transaction_code: Some(String::new()),
            customer_reference: None,
            check_number: Some("0001".into()),
            charges: None,
            instructed: None,
            remittance_lines: vec![
                RemittanceLine {
                    reference: nasty.into(),
                    document_type: DocumentType::CreditNote,
                    amount: Some(Decimal::new(-5, 1)),
                    discount: None,
                    deduction: Some(Decimal::new(1_000_000, 6)),
                    reason: Some("\u{1}".into()),
                    invoice_amount: Some(Decimal::ZERO),
                },
                RemittanceLine::reference("INV-1", DocumentType::Invoice),
            ],
            remittance_text: vec![nasty.into(), String::new()],
        };
        let mut out = Vec::new();
        push_json_line(&mut out, &r);
        assert_eq!(String::from_utf8(out).unwrap(), String::from_utf8(serde_line(&r)).unwrap());
        // Amounts at every scale against every kind of currency.
        for ccy in ["USD", "JPY", "KWD", "CLF"] {
            let currency = Currency::parse(ccy).unwrap();
            for m in [0i64, 1, -1, 5, 99, -100, 12_345, 1_000_000_007, i64::MAX, i64::MIN + 1] {
                for scale in 0..6 {
                    let amount = Decimal::new(m, scale);
                    let mut out = Vec::new();
                    push_amount(&mut out, amount, currency);
                    assert_eq!(
                        String::from_utf8(out).unwrap(),
                        format_amount(amount, currency),
                        "{m} scale {scale} {ccy}"
                    );
                }
            }
        }
        // An amount with more digits than the currency has, a JPY amount,
        // years before 1000 and beyond 9999, and empty lists.
        for (amount, ccy, date) in [
            (Decimal::new(1, 5), "USD", NaiveDate::from_ymd_opt(10_000, 1, 1)),
            (Decimal::new(1235, 0), "JPY", NaiveDate::from_ymd_opt(-44, 3, 15)),
            (Decimal::new(100, 2), "EUR", NaiveDate::from_ymd_opt(2026, 12, 31)),
        ] {
            r.amount = amount;
            r.currency = Currency::parse(ccy).unwrap();
            r.value_date = date.unwrap();
            r.remittance_lines.clear();
            r.remittance_text.clear();
            let mut out = Vec::new();
            push_json_line(&mut out, &r);
            assert_eq!(String::from_utf8(out).unwrap(), String::from_utf8(serde_line(&r)).unwrap());
        }
    }
}
