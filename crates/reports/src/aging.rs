//! Aging (CONTRACT §8): the open balance per customer and currency by days
//! past due at the as-of date, with unapplied, on-account and unidentified
//! cash beside it, never netted; totals per currency, never across.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::report::{Cell, Column, ColumnKind, Report, Table};
use crate::{Ledger, ReportConfig, ReportError};

/// The row key of the per-currency total.
pub const TOTAL: &str = "TOTAL";
/// The row key of cash whose customer is unknown.
pub const UNIDENTIFIED: &str = "(unidentified)";

/// Builds the aging at `as_of` (by due date, else invoice date; by invoice
/// date when `by_invoice_date`). Checked before it is returned: the total
/// per currency equals the ledger's open balance exactly.
pub fn aging(
    ledger: &Ledger,
    config: &ReportConfig,
    as_of: NaiveDate,
    by_invoice_date: bool,
) -> Result<Report, ReportError> {
    let k = ledger.run_on_or_before(as_of)?;
    let run = &ledger.runs[k];
    let names = config.bucket_names();
    let n = names.len();
    let basis = if by_invoice_date { "invoice date" } else { "due date (invoice date when the ERP gives none)" };
    let definition = vec![
        format!(
            "Aging at {as_of}: each invoice's open balance after the last run on or before that day ({} of {}), placed by days past its {basis}: current = not yet due; then {}.",
            run.batch_id,
            run.date,
            names[1..].join(", ")
        ),
        "Open balance = the ERP's open amount at that run less cashapply's applied, discount and write-off lines the ERP had not confirmed (cash in flight); closed and settled invoices are 0.".to_string(),
        "Unapplied, on-account and unidentified cash (net of reversals) are shown beside the buckets and are not netted against them. Totals are per currency, never across currencies.".to_string(),
    ];
    let mut notes = Vec::new();
    // (currency, customer) -> buckets + undated.
    let mut rows: BTreeMap<(String, String), Vec<Decimal>> = BTreeMap::new();
    let mut undated_count = 0u64;
    let invoices = ledger.invoices_at(k);
    for (key, s) in invoices.iter() {
        if s.balance.is_zero() {
            continue;
        }
        let cells = rows.entry((s.currency.to_string(), key.0.clone())).or_insert_with(|| vec![Decimal::ZERO; n + 1]);
        match ledger.dates_of(s.id) {
            Some(d) => {
                let days = (as_of - d.aging_date(by_invoice_date)).num_days();
                cells[config.bucket_of(days)] += s.balance;
            }
            None => {
                undated_count += 1;
                cells[n] += s.balance;
            }
        }
    }
    if undated_count > 0 {
        notes.push(format!(
            "{undated_count} open invoice(s) have no dates: the ledger recorded them before it kept dates and no --invoices file given dates them; they are in the `undated` column."
        ));
    }
    // Cash beside: (currency, customer) -> [unapplied, on_account, unidentified].
    let mut cash: BTreeMap<(String, String), [Decimal; 3]> = BTreeMap::new();
    for c in ledger.open_cash_at(k) {
        let customer = if c.customer_id.is_empty() { UNIDENTIFIED.to_string() } else { c.customer_id.clone() };
        let e = cash.entry((c.currency.clone(), customer)).or_default();
        match c.kind.as_str() {
            "unapplied" => e[0] += c.amount,
            "on_account" => e[1] += c.amount,
            _ => e[2] += c.amount,
        }
    }
    let currencies: BTreeSet<String> = rows.keys().chain(cash.keys()).map(|(c, _)| c.clone()).collect();
    let mut tables = Vec::new();
    let expected = ledger.open_balance_at(k);
    for cur in &currencies {
        let mut columns = vec![Column::new("customer_id", ColumnKind::Text)];
        columns.extend(names.iter().map(|b| Column::new(b, ColumnKind::Money)));
        columns.push(Column::new("undated", ColumnKind::Money));
        columns.push(Column::new("total", ColumnKind::Money));
        for c in ["unapplied_cash", "on_account_cash", "unidentified_cash"] {
            columns.push(Column::new(c, ColumnKind::Money));
        }
        let mut table = Table::new(&format!("aging {cur}"), Some(cur), columns);
        let customers: BTreeSet<&String> =
            rows.keys().chain(cash.keys()).filter(|(c, _)| c == cur).map(|(_, cust)| cust).collect();
        let mut sums = vec![Decimal::ZERO; n + 1 + 1 + 3];
        for customer in customers {
            let buckets =
                rows.get(&(cur.clone(), customer.clone())).cloned().unwrap_or_else(|| vec![Decimal::ZERO; n + 1]);
            let total: Decimal = buckets.iter().copied().sum();
            let money = cash.get(&(cur.clone(), customer.clone())).copied().unwrap_or_default();
            let mut values = buckets;
            values.push(total);
            values.extend(money);
            for (s, v) in sums.iter_mut().zip(&values) {
                *s += *v;
            }
            let mut row = vec![Cell::Text(customer.clone())];
            row.extend(values.into_iter().map(Cell::Number));
            table.rows.push(row);
        }
        // Invariant: the buckets add up to the ledger's open balance.
        let bucket_sum: Decimal = sums[..=n].iter().copied().sum();
        let want = expected.get(cur).copied().unwrap_or_default();
        if bucket_sum != want || sums[n + 1] != want {
            return Err(ReportError::Invariant(format!(
                "aging {cur}: buckets add up to {bucket_sum} (total column {}), the ledger's open balance is {want}",
                sums[n + 1]
            )));
        }
        let mut row = vec![Cell::Text(TOTAL.to_string())];
        row.extend(sums.into_iter().map(Cell::Number));
        table.rows.push(row);
        tables.push(table);
    }
    for cur in expected.keys() {
        if !currencies.contains(cur) {
            return Err(ReportError::Invariant(format!("aging: currency {cur} has an open balance but no row")));
        }
    }
    Ok(Report { name: "aging".into(), as_of, definition, notes, tables })
}
