//! `open_invoices.csv` (CONTRACT §3).

use cashapply_model::{Currency, to_currency_scale};
use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::csv_table::CsvTable;
use super::load_error::LoadError;

/// `status` of an invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvoiceStatus {
    /// Open for payment (the default).
    Open,
    /// Open but disputed by the customer.
    Disputed,
    /// Recently paid: lets a second payment be recognised as a duplicate.
    Closed,
}

/// One row of `open_invoices.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invoice {
    /// Document number as printed (what customers quote).
    pub id: String,
    /// ERP customer account.
    pub customer_id: String,
    /// Currency.
    pub currency: Currency,
    /// Open balance, scaled to the currency; negative for a credit memo.
    pub amount_open: Decimal,
    /// Original amount (defaults to the open amount).
    pub amount_original: Decimal,
    /// Invoice date.
    pub invoice_date: NaiveDate,
    /// Due date.
    pub due_date: Option<NaiveDate>,
    /// Early-payment discount in percent (2 means 2%).
    pub discount_percent: Option<Decimal>,
    /// Last day the discount is earned (before grace days).
    pub discount_until: Option<NaiveDate>,
    /// The customer's purchase order number.
    pub po_number: Option<String>,
    /// Open, disputed or closed.
    pub status: InvoiceStatus,
    /// Closed (or reduced) by postings of this ledger the ERP has not
    /// confirmed yet (cash in flight), not by the ERP's own export: a
    /// second payment of it is a duplicate of that earlier receipt.
    pub settled_in_flight: bool,
    /// Customer name as the ERP prints it.
    pub customer_name: Option<String>,
    /// Line in the file.
    pub line: u64,
}

impl Invoice {
    /// True for a credit memo (negative open amount).
    pub fn is_credit_memo(&self) -> bool {
        self.amount_open.is_sign_negative() && !self.amount_open.is_zero()
    }
}

const REQUIRED: &[&str] = &["invoice_id", "customer_id", "currency", "amount_open", "invoice_date"];

/// Reads `open_invoices.csv`. Columns are matched by name, case-insensitive,
/// in any order. Amounts must fit the currency's minor digits; an invoice id
/// may appear only once per customer; a file without invoice rows is refused.
pub fn load_invoices(name: &str, bytes: Vec<u8>) -> Result<Vec<Invoice>, LoadError> {
    let mut errors = LoadError::new(name);
    let Some(mut table) = CsvTable::open(bytes, REQUIRED, &mut errors) else {
        return Err(errors);
    };
    let mut invoices = Vec::new();
    // (customer, invoice, line) of every row that names both, for the
    // duplicate check after the pass.
    let mut keys: Vec<(String, String, u64)> = Vec::new();
    let [c_id, c_customer, c_currency, c_open, c_original, c_date, c_due, c_until, c_percent, c_status, c_po, c_name] =
        [
            "invoice_id",
            "customer_id",
            "currency",
            "amount_open",
            "amount_original",
            "invoice_date",
            "due_date",
            "discount_until",
            "discount_percent",
            "status",
            "po_number",
            "customer_name",
        ]
        .map(|c| table.col(c));
    table.for_each_row(&mut errors, |row, errors| {
        let id = row.required(c_id, errors);
        let customer_id = row.required(c_customer, errors);
        if let (Some(id), Some(customer_id)) = (&id, &customer_id) {
            keys.push((customer_id.clone(), id.clone(), row.line));
        }
        let currency = row.currency(c_currency, errors);
        let amount_open = row.decimal(c_open, errors);
        let amount_original = row.decimal(c_original, errors);
        let invoice_date = row.date(c_date, errors);
        let due_date = row.date(c_due, errors);
        let discount_until = row.date(c_until, errors);
        let discount_percent = row.decimal(c_percent, errors);
        let status = match row.text(c_status).to_ascii_lowercase().as_str() {
            "" | "open" => Some(InvoiceStatus::Open),
            "disputed" => Some(InvoiceStatus::Disputed),
            "closed" => Some(InvoiceStatus::Closed),
            other => {
                errors.push(row.line, Some("status"), format!("'{other}' is not open, disputed or closed"));
                None
            }
        };
        if row.text(c_open).is_empty() {
            errors.push(row.line, Some("amount_open"), "value is empty");
        }
        if row.text(c_date).is_empty() {
            errors.push(row.line, Some("invoice_date"), "value is empty");
        }
        let (
            Some(id),
            Some(customer_id),
            Some(currency),
            Ok(Some(amount_open)),
            Ok(amount_original),
            Ok(Some(invoice_date)),
            Ok(due_date),
            Ok(discount_until),
            Ok(discount_percent),
            Some(status),
        ) = (
            id,
            customer_id,
            currency,
            amount_open,
            amount_original,
            invoice_date,
            due_date,
            discount_until,
            discount_percent,
            status,
        )
        else {
            return;
        };
        let scale = |column: &str, amount: Decimal, errors: &mut LoadError| match to_currency_scale(amount, currency) {
            Ok(a) => Some(a),
            Err(_) => {
                let digits = currency.minor_digits();
                errors.push(row.line, Some(column), format!("{amount} has more than {digits} decimals for {currency}"));
                None
            }
        };
        // Amounts beyond 10^15 are no invoice; refusing them keeps every sum
        // the engine makes far from the decimal type's limit.
        let limit = Decimal::from(1_000_000_000_000_000i64);
        for (column, amount) in [("amount_open", Some(amount_open)), ("amount_original", amount_original)] {
            if amount.is_some_and(|a| a.abs() >= limit) {
                errors.push(row.line, Some(column), "amount is 10^15 or more; not a plausible invoice amount");
                return;
            }
        }
        let Some(amount_open) = scale("amount_open", amount_open, errors) else { return };
        let amount_original = match amount_original {
            Some(a) => match scale("amount_original", a, errors) {
                Some(a) => a,
                None => return,
            },
            None => amount_open,
        };
        if let Some(p) = discount_percent
            && (p.is_sign_negative() || p >= Decimal::ONE_HUNDRED)
        {
            errors.push(row.line, Some("discount_percent"), format!("{p} is not a percentage between 0 and 100"));
            return;
        }
        let text = |c| Some(row.text(c).to_string()).filter(|s: &String| !s.is_empty());
        invoices.push(Invoice {
            id,
            customer_id,
            currency,
            amount_open,
            amount_original,
            invoice_date,
            due_date,
            discount_percent,
            discount_until,
            po_number: text(c_po),
            status,
            customer_name: text(c_name),
            settled_in_flight: false,
            line: row.line,
        });
    });
    // An invoice id may appear once per customer: sort, then compare neighbours.
    keys.sort_unstable();
    for pair in keys.windows(2) {
        if let [(c1, i1, first), (c2, i2, line)] = pair
            && c1 == c2
            && i1 == i2
        {
            errors.push(
                *line,
                Some("invoice_id"),
                format!("invoice {i2} of customer {c2} already appears on line {first}"),
            );
        }
    }
    // A header and nothing else is an export that failed, not a day with
    // nothing open: every receipt would be left unapplied.
    if errors.total == 0 && invoices.is_empty() {
        errors.push(
            1,
            None,
            "the file holds no invoice rows (only a header); an empty export would leave every receipt unapplied",
        );
    }
    if errors.total > 0 {
        errors.problems.sort_by_key(|p| p.line);
        Err(errors)
    } else {
        Ok(invoices)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Vec<Invoice>, LoadError> {
        load_invoices("open_invoices.csv", text.as_bytes().to_vec())
    }

    #[test]
    fn columns_are_found_by_name_in_any_order_and_case() {
        let got = load("Amount_Open,INVOICE_ID,currency,customer_id,invoice_date,status\n1234.5,INV-1,usd,C1,2026-01-31,\n-10,CM-1,JPY,C1,2026-02-01,closed\n").unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].amount_open.to_string(), "1234.50");
        assert_eq!(got[0].amount_original.to_string(), "1234.50");
        assert_eq!(got[1].amount_open.to_string(), "-10");
        assert!(got[1].is_credit_memo());
        assert_eq!(got[1].status, InvoiceStatus::Closed);
        assert_eq!(got[0].line, 2);
    }

    #[test]
    fn every_bad_row_is_listed_by_line_and_column_not_just_the_first() {
        let err = load(
            "invoice_id,customer_id,currency,amount_open,invoice_date,due_date\n\
             INV-1,C1,USD,12.345,2026-01-31,\n\
             INV-2,C1,US,10.00,2026-13-01,\n\
             INV-3,C1,USD,1 000,2026-01-31,31/01/2026\n\
             INV-1,C1,USD,5.00,2026-01-31,\n\
             INV-1,C2,USD,5.00,2026-01-31,\n",
        )
        .unwrap_err();
        let lines = err.render();
        assert_eq!(err.total, 6, "{lines:#?}");
        assert!(
            lines[0]
                .starts_with("open_invoices.csv:2: error: column amount_open: 12.345 has more than 2 decimals for USD")
        );
        assert!(lines[1].starts_with("open_invoices.csv:3: error: column currency: 'US'"));
        assert!(lines[2].starts_with("open_invoices.csv:3: error: column invoice_date: '2026-13-01'"));
        assert!(lines.iter().any(|l| l.starts_with("open_invoices.csv:4: error: column amount_open: '1 000'")));
        assert!(lines.iter().any(|l| l.starts_with("open_invoices.csv:4: error: column due_date: '31/01/2026'")));
        assert!(lines.iter().any(|l| {
            l.contains(":5: error: column invoice_id: invoice INV-1 of customer C1 already appears on line 2")
        }));
    }

    #[test]
    fn an_absurd_amount_is_refused_so_engine_sums_cannot_overflow() {
        let err = load("invoice_id,customer_id,currency,amount_open,invoice_date\nI1,C1,USD,79228162514264337593543950335,2026-01-01\n").unwrap_err();
        assert!(err.render()[0].contains("column amount_open: amount is 10^15 or more"), "{:?}", err.render());
    }

    #[test]
    fn a_header_naming_amount_open_twice_rejects_the_file_naming_both_columns() {
        let err = load(
            "invoice_id,customer_id,currency,amount_open,invoice_date, Amount_Open\nI1,C1,USD,100.00,2026-01-01,1.00\n",
        )
        .unwrap_err();
        assert_eq!(
            err.render(),
            [
                "open_invoices.csv:1: error: column amount_open: columns 4 ('amount_open') and 6 (' Amount_Open') have the same name; which one is meant cannot be known"
            ]
        );
    }

    #[test]
    fn an_invoices_file_with_a_header_and_no_rows_is_refused() {
        let err = load("invoice_id,customer_id,currency,amount_open,invoice_date\n\n").unwrap_err();
        assert!(
            err.render()[0].starts_with("open_invoices.csv:1: error: the file holds no invoice rows"),
            "{:?}",
            err.render()
        );
    }

    #[test]
    fn currencies_that_are_three_letters_but_not_iso_4217_are_refused() {
        let err = load("invoice_id,customer_id,currency,amount_open,invoice_date\nI1,C1,ZZZ,1.00,2026-01-01\nI2,C1,ABC,1.00,2026-01-01\nI3,C1,EUR,1.00,2026-01-01\n").unwrap_err();
        assert_eq!(err.total, 2, "{:?}", err.render());
        assert!(err.render()[0].contains(":2: error: column currency: 'ZZZ' is not an ISO 4217 currency code"));
        assert!(err.render()[1].contains(":3: error: column currency: 'ABC'"));
    }

    #[test]
    fn a_row_with_more_fields_than_the_header_is_refused_but_trailing_empty_fields_are_not() {
        let err = load("invoice_id,customer_id,currency,amount_open,invoice_date,customer_name\nI1,C1,USD,1.00,2026-01-01,Acme, Inc\nI2,C1,USD,2.00,2026-01-01,Beta,,\n").unwrap_err();
        assert_eq!(
            err.render(),
            ["open_invoices.csv:2: error: row has 7 fields but the header 6; quote values that contain ','"]
        );
    }

    #[test]
    fn a_missing_required_column_rejects_the_file_at_the_header() {
        let err = load("invoice_id,customer_id,currency,invoice_date\nINV-1,C1,USD,2026-01-01\n").unwrap_err();
        assert_eq!(err.render(), ["open_invoices.csv:1: error: column amount_open: required column is missing"]);
    }
}
