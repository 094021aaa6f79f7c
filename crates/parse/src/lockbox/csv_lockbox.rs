//! The CSV lockbox reader: one row per invoice line, the check's fields
//! repeated on each row (research §4.7).
//!
//! * The header row is the first of the first ten rows whose labels name a
//!   check (check number or bank_ref) and an amount; rows above it (a
//!   portal's title line) are skipped. Columns may come in any order.
//! * Rows with the same `bank_ref`, or else the same batch, check number
//!   and MICR routing and account, form one check (CONTRACT §2; a different
//!   MICR cannot be the same check). Rows of one check need not be adjacent.
//! * `bank_ref` is the `bank_ref` column, else `BATCH-ITEM` with ITEM the
//!   `item` column or, without one, the check's ordinal in its batch
//!   (`001`, `002`, …); without a `batch` column the batch is `1`.
//! * The check amount is the `check_amount` column (rows that disagree
//!   raise a warning; the first wins), else the sum of the invoice amounts.
//! * Amounts are decimals (`1,234.50`, `$12.00`, `(5.00)` negative) or
//!   whole cents, as the layout's `[csv] amounts` says.
//! * The value date is the deposit date, else the check date.
//! * Rows without a check number or bank_ref that say "total" are total
//!   rows and skipped; blank rows are skipped.

use std::cell::Cell;
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;

use cashapply_model::{
    Currency, Diagnostics, DocumentType, Receipt, RemittanceLine, SourceFormat, SourcePosition, UNREADABLE_TEXT_PREFIX,
    checked_sum, from_minor_units, to_currency_scale,
};
use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::csv_columns::{AmountStyle, Column, ColumnMap, CsvLayout};
use super::receipts::check_number;

/// Rows searched for the header.
const HEADER_SEARCH_ROWS: usize = 10;

/// One check being assembled from its rows.
#[derive(Debug)]
struct CsvCheck {
    line: u64,
    byte: u64,
    bank_ref: Option<String>,
    lockbox: String,
    batch: String,
    item: Option<String>,
    check_number: Option<String>,
    amount: Option<(Decimal, u64)>,
    routing: Option<String>,
    account: Option<String>,
    remitter: Option<String>,
    value_date: Option<NaiveDate>,
    currency: Currency,
    lines: Vec<RemittanceLine>,
    memo: Vec<String>,
}

struct RowReader<'a> {
    record: &'a csv::StringRecord,
    map: &'a ColumnMap,
    layout: &'a CsvLayout,
    line: u64,
    saw_decimal: &'a Cell<bool>,
}

impl<'a> RowReader<'a> {
    fn get(&self, c: Column) -> Option<&'a str> {
        let v = self.record.get(self.map.get(c)?)?.trim();
        (!v.is_empty()).then_some(v)
    }

    fn amount(&self, c: Column, currency: Currency) -> Result<Option<Decimal>, String> {
        let Some(raw) = self.get(c) else { return Ok(None) };
        if self.layout.amounts == AmountStyle::Decimal && raw.contains(self.layout.decimal_separator.unwrap_or('.')) {
            self.saw_decimal.set(true);
        }
        parse_amount(raw, self.layout.amounts, self.layout.decimal_separator.unwrap_or('.'), currency)
            .map(Some)
            .map_err(|why| format!("line {}: {} '{}' {why}", self.line, c.name(), clip(raw)))
    }

    fn date(&self, c: Column) -> Result<Option<NaiveDate>, String> {
        let Some(raw) = self.get(c) else { return Ok(None) };
        parse_csv_date(raw, self.layout.date_format.as_deref()).map(Some).ok_or_else(|| {
            let expected =
                self.layout.date_format.as_deref().unwrap_or("YYYY-MM-DD, YYYY/MM/DD, MM/DD/YYYY or YYYYMMDD");
            format!("line {}: {} '{}' is not a date ({expected})", self.line, c.name(), clip(raw))
        })
    }
}

fn clip(s: &str) -> String {
    s.chars().take(40).collect()
}

/// Parses a CSV amount in the configured style. Decimal amounts may carry
/// `$`, a sign (leading `-`, trailing `-` or `CR`) or parentheses for
/// negatives, and thousands separators only
/// where they group three digits (`1,234.50`): `12,50` under a `.` decimal
/// separator is an error, never 1250.
pub(crate) fn parse_amount(
    raw: &str,
    style: AmountStyle,
    decimal_separator: char,
    currency: Currency,
) -> Result<Decimal, &'static str> {
    let (negative, body) = match raw.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        Some(inner) => (true, inner.trim()),
        None => match raw.strip_prefix('-') {
            Some(r) => (true, r.trim()),
            // Trailing minus or CR: a credit written the accounting way.
            None => match raw.strip_suffix('-').or_else(|| raw.strip_suffix("CR")).or_else(|| raw.strip_suffix("cr")) {
                Some(r) => (true, r.trim()),
                None => (false, raw),
            },
        },
    };
    let body = body.trim().trim_start_matches('$').trim();
    if body.is_empty() || body.len() > 40 {
        return Err("is not an amount");
    }
    let value = match style {
        AmountStyle::Cents => {
            if !body.bytes().all(|b| b.is_ascii_digit()) {
                return Err("is not an amount in whole cents");
            }
            let units = i128::from_str(body).map_err(|_| "is too large")?;
            from_minor_units(units, currency).map_err(|_| "is too large")?
        }
        AmountStyle::Decimal => {
            let (int, frac) = match body.rsplit_once(decimal_separator) {
                Some((i, f)) => (i, Some(f)),
                None => (body, None),
            };
            let group = if decimal_separator == ',' { ['.', ' ', '\''] } else { [',', ' ', '\''] };
            let groups: Vec<&str> = int.split(group).collect();
            let grouped_ok = groups.len() == 1
                || (groups.first().is_some_and(|g| (1..=3).contains(&g.len()))
                    && groups.iter().skip(1).all(|g| g.len() == 3));
            let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
            if !grouped_ok || !groups.iter().all(|g| digits(g)) || !frac.is_none_or(digits) {
                return Err("is not a decimal amount");
            }
            let plain = format!("{}.{}", groups.concat(), frac.unwrap_or("0"));
            let d = Decimal::from_str(&plain).map_err(|_| "is not a decimal amount")?;
            to_currency_scale(d, currency).map_err(|_| "has more decimals than the currency allows")?
        }
    };
    Ok(if negative { -value } else { value })
}

/// Parses a CSV date: with a configured chrono format, exactly that;
/// otherwise ISO, `YYYY/MM/DD`, US `MM/DD/YYYY` or `YYYYMMDD`.
pub(crate) fn parse_csv_date(raw: &str, format: Option<&str>) -> Option<NaiveDate> {
    match format {
        Some(f) => NaiveDate::parse_from_str(raw, f).ok(),
        None => ["%Y-%m-%d", "%Y/%m/%d", "%m/%d/%Y", "%Y%m%d"]
            .iter()
            .find_map(|f| NaiveDate::parse_from_str(raw, f).ok().filter(|_| !(f == &"%Y%m%d" && raw.len() != 8))),
    }
}

/// Reads a CSV lockbox into receipts; row errors are collected in `diags`.
pub(crate) fn read_rows(
    file: &Arc<str>,
    text: &str,
    base: u64,
    layout: &CsvLayout,
    default_currency: Currency,
    diags: &mut Diagnostics,
) -> CsvChecks {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(layout.delimiter.map_or(b',', |d| u8::try_from(d).unwrap_or(b',')))
        .from_reader(text.as_bytes());
    let mut map: Option<ColumnMap> = None;
    let mut checks: Vec<CsvCheck> = Vec::new();
    let mut index: HashMap<(String, String, String, String, String), usize> = HashMap::new();
    let mut per_batch: HashMap<String, u64> = HashMap::new();
    let mut record = csv::StringRecord::new();
    let mut rows = 0usize;
    let mut header_fields = 0usize;
    let mut last_row: Option<(u64, u64, usize)> = None;
    let saw_decimal = Cell::new(false);
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let (line, byte) = e.position().map_or((0, 0), |p| (p.line(), p.byte()));
                diags.error(line, base + byte, format!("CSV lockbox row cannot be read: {e}"));
                break;
            }
        }
        rows += 1;
        let (line, byte) = record.position().map_or((0, 0), |p| (p.line(), base + p.byte()));
        let Some(columns) = &map else {
            let candidate = ColumnMap::from_header(record.iter(), layout);
            if candidate.is_lockbox_header() {
                map = Some(candidate);
                header_fields = record.len();
            } else if rows >= HEADER_SEARCH_ROWS {
                break;
            }
            continue;
        };
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        last_row = Some((line, byte, record.len()));
        let row = RowReader { record: &record, map: columns, layout, line, saw_decimal: &saw_decimal };
        if let Err(message) =
            read_row(&row, (line, byte), default_currency, &mut checks, &mut index, &mut per_batch, diags)
        {
            diags.error(line, byte, message);
        }
    }
    // A CSV lockbox has no trailer or totals; a cut shows only as a last
    // row with no line end and fewer fields than the header (its last
    // field may be cut too: `1250.00` read as `12`), which rejects the file.
    if let Some((line, byte, fields)) = last_row
        && fields < header_fields
        && !text.ends_with(['\n', '\r'])
    {
        diags.error(
            line,
            byte,
            format!(
                "line {line}: the last row has {fields} of the header's {header_fields} columns and no line end: the file is cut, and is rejected"
            ),
        );
    }
    if map.is_none() && !diags.has_errors() {
        diags.error(
            1,
            base,
            format!(
                "no CSV lockbox header row in the first {HEADER_SEARCH_ROWS} rows: a header must name a check (check_number or bank_ref) and an amount (check_amount or invoice_amount)"
            ),
        );
    }
    if layout.amounts == AmountStyle::Decimal && !saw_decimal.get() && !checks.is_empty() {
        diags.warn(
            0,
            base,
            "no amount in the file has a decimal point: if the amounts are cents, pass --layout csv-cents (they were read as whole currency units)",
        );
    }
    let mut read = CsvChecks { receipts: Vec::with_capacity(checks.len()), reversals: 0 };
    for c in checks {
        let (line, byte) = (c.line, c.byte);
        match finish_check(c, file) {
            Ok(Finished::Receipt(r)) => read.receipts.push(*r),
            Ok(Finished::Reversal(amount)) => {
                read.reversals += 1;
                diags.warn(
                    line,
                    byte,
                    format!(
                        "line {line}: check amount {amount} is negative: a reversal or adjustment, not cash received; it is counted with the reversals and not applied"
                    ),
                );
            }
            Err((line, byte, m)) => diags.error(line, byte, m),
        }
    }
    read
}

/// What a CSV lockbox file holds: its checks as receipts, and how many
/// checks were reversals (negative amounts), which are not receipts.
pub(crate) struct CsvChecks {
    /// One receipt per check of a positive (or zero) amount.
    pub receipts: Vec<Receipt>,
    /// Checks of a negative amount.
    pub reversals: u64,
}

/// A check read whole: a receipt, or the bank reversing or adjusting an
/// earlier item (a negative check amount), which is not cash received.
enum Finished {
    Receipt(Box<Receipt>),
    Reversal(Decimal),
}

#[allow(clippy::too_many_arguments)]
fn read_row(
    row: &RowReader<'_>,
    (line, byte): (u64, u64),
    default_currency: Currency,
    checks: &mut Vec<CsvCheck>,
    index: &mut HashMap<(String, String, String, String, String), usize>,
    per_batch: &mut HashMap<String, u64>,
    diags: &mut Diagnostics,
) -> Result<(), String> {
    let bank_ref = row.get(Column::BankRef);
    let number = row.get(Column::CheckNumber);
    if bank_ref.is_none() && number.is_none() {
        if row.record.iter().any(|c| c.to_ascii_lowercase().contains("total")) {
            return Ok(());
        }
        return Err(format!("line {line}: row has neither a check number nor a bank_ref"));
    }
    let currency = match row.get(Column::Currency) {
        Some(c) => Currency::parse(c).map_err(|e| format!("line {line}: {e}"))?,
        None => default_currency,
    };
    let batch = row.get(Column::Batch).unwrap_or("1").to_string();
    let routing = row.get(Column::Routing).map(str::to_string);
    let account = row.get(Column::Account).map(str::to_string);
    let key = match bank_ref {
        Some(r) => (r.to_string(), String::new(), String::new(), String::new(), String::new()),
        None => (
            String::new(),
            batch.clone(),
            number.unwrap_or_default().to_string(),
            routing.clone().unwrap_or_default(),
            account.clone().unwrap_or_default(),
        ),
    };
    let check_amount = row.amount(Column::CheckAmount, currency)?;
    let n = match index.get(&key) {
        Some(&n) => n,
        None => {
            let value_date = match row.date(Column::DepositDate)? {
                Some(d) => Some(d),
                None => row.date(Column::CheckDate)?,
            };
            let ordinal = per_batch.entry(batch.clone()).or_insert(0);
            *ordinal += 1;
            let item = row
                .get(Column::Item)
                .map(str::to_string)
                .or_else(|| bank_ref.is_none().then(|| format!("{:03}", *ordinal)));
            checks.push(CsvCheck {
                line,
                byte,
                bank_ref: bank_ref.map(str::to_string),
                lockbox: row.get(Column::Lockbox).unwrap_or_default().to_string(),
                batch,
                item,
                check_number: number.map(str::to_string),
                amount: None,
                routing,
                account,
                remitter: row.get(Column::Remitter).map(str::to_string),
                value_date,
                currency,
                lines: Vec::new(),
                memo: Vec::new(),
            });
            index.insert(key, checks.len() - 1);
            checks.len() - 1
        }
    };
    let Some(check) = checks.get_mut(n) else { return Ok(()) };
    if let Some(a) = check_amount {
        match check.amount {
            None => check.amount = Some((a, line)),
            Some((first, at)) if first != a => diags.warn(
                line,
                byte,
                format!("check amount {a} differs from {first} on line {at} for the same check; {first} is kept"),
            ),
            Some(_) => {}
        }
    }
    let invoice = row.get(Column::Invoice);
    let amounts = row.amount(Column::InvoiceAmount, currency).and_then(|paid| {
        let discount = row.amount(Column::Discount, currency)?.filter(|d| !d.is_zero());
        let deduction = row.amount(Column::Deduction, currency)?.filter(|d| !d.is_zero());
        Ok((paid, discount, deduction))
    });
    let (paid, discount, deduction) = match amounts {
        Ok(a) => a,
        // A line amount that cannot be read, in a check whose own amount is
        // known: the check is kept with the raw row as unreadable text (the
        // matcher holds it), with a warning. Without a check amount the
        // line amounts are the credit's amount, so the file is rejected.
        Err(message) if check.amount.is_some() => {
            let raw: Vec<&str> = row.record.iter().collect();
            let separator = row.layout.delimiter.unwrap_or(',').to_string();
            check.memo.push(format!("{UNREADABLE_TEXT_PREFIX}{}", raw.join(&separator)));
            diags.warn(
                line,
                byte,
                format!("{message}; the row is kept as text with its check, which is left for review"),
            );
            return Ok(());
        }
        Err(message) => return Err(message),
    };
    if invoice.is_some() || paid.is_some() {
        check.lines.push(RemittanceLine {
            reference: invoice.unwrap_or_default().to_string(),
            document_type: if invoice.is_some() { DocumentType::Invoice } else { DocumentType::Unknown },
            amount: paid,
            discount,
            deduction,
            reason: row.get(Column::Reason).map(str::to_string),
            invoice_amount: None,
        });
    }
    if let Some(m) = row.get(Column::Memo)
        && !check.memo.iter().any(|x| x == m)
    {
        check.memo.push(m.to_string());
    }
    Ok(())
}

fn finish_check(c: CsvCheck, file: &Arc<str>) -> Result<Finished, (u64, u64, String)> {
    let fail = |m: String| (c.line, c.byte, m);
    let amount = match c.amount {
        Some((a, _)) => a,
        None => {
            let paid: Vec<Decimal> = c.lines.iter().filter_map(|l| l.amount).collect();
            if paid.is_empty() {
                return Err(fail(format!("line {}: check has no check_amount and no invoice amounts", c.line)));
            }
            checked_sum(paid).map_err(|e| fail(format!("line {}: {e}", c.line)))?
        }
    };
    if amount.is_sign_negative() && !amount.is_zero() {
        return Ok(Finished::Reversal(amount));
    }
    let value_date = c
        .value_date
        .ok_or_else(|| fail(format!("line {}: check has neither a deposit_date nor a check_date", c.line)))?;
    let bank_ref = match (&c.bank_ref, &c.item) {
        (Some(r), _) => r.clone(),
        (None, Some(item)) => format!("{}-{item}", c.batch),
        (None, None) => c.batch.clone(),
    };
    let payer_account = match (&c.routing, &c.account) {
        (Some(r), Some(a)) => Some(format!("{r}:{a}")),
        (None, Some(a)) => Some(a.clone()),
        _ => None,
    };
    let number = c.check_number.as_deref().map(check_number);
    Ok(Finished::Receipt(Box::new(Receipt {
        bank_ref,
        format: SourceFormat::LockboxCsv,
        position: SourcePosition { file: Arc::clone(file), line: c.line, byte: c.byte },
        account: c.lockbox.into(),
        value_date,
        currency: c.currency,
        amount,
        payer_name: c.remitter,
        payer_account,
        transaction_code: None,
        customer_reference: number.clone(),
        check_number: number,
        charges: None,
        instructed: None,
        remittance_text: c.memo,
        remittance_lines: c.lines,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn decimal_amounts_tolerate_separators_dollar_signs_and_parentheses() {
        let usd = Currency::USD;
        let dec = |s| parse_amount(s, AmountStyle::Decimal, '.', usd);
        assert_eq!(dec("1,234.5"), Ok(d("1234.50")));
        assert_eq!(dec("1,234,567"), Ok(d("1234567.00")));
        assert_eq!(dec("$12"), Ok(d("12.00")));
        assert_eq!(dec("(5.00)"), Ok(d("-5.00")));
        assert!(dec("12.345").is_err());
        assert!(dec("1e5").is_err());
        assert!(dec("12,50").is_err(), "a decimal comma is not a thousands separator");
        assert!(dec("1,2345.00").is_err());
        assert_eq!(parse_amount("1.234,50", AmountStyle::Decimal, ',', usd), Ok(d("1234.50")));
    }

    #[test]
    fn cents_amounts_are_whole_minor_units() {
        let cents = |s| parse_amount(s, AmountStyle::Cents, '.', Currency::USD);
        assert_eq!(cents("123450"), Ok(d("1234.50")));
        assert!(cents("12.50").is_err());
        assert!(cents("99999999999999999999999").is_err());
    }

    #[test]
    fn dates_default_to_iso_us_and_compact_forms() {
        let want = NaiveDate::from_ymd_opt(2026, 3, 9);
        assert_eq!(parse_csv_date("2026-03-09", None), want);
        assert_eq!(parse_csv_date("03/09/2026", None), want);
        assert_eq!(parse_csv_date("20260309", None), want);
        assert_eq!(parse_csv_date("09.03.2026", Some("%d.%m.%Y")), want);
        assert_eq!(parse_csv_date("030926", None), None);
    }
}
