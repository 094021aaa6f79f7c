//! Unapplied cash (CONTRACT §8; research DAY2 §3.5): every receipt whose
//! cash is not (all) on invoices — unapplied, on account, unidentified —
//! with its customer and age, and totals per currency by age.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::report::{Cell, Column, ColumnKind, Report, Table};
use crate::{Ledger, ReportError};

/// Age bands in days since the value date: upper bounds.
const BANDS: [(i64, &str); 5] = [(1, "0_1"), (5, "2_5"), (10, "6_10"), (30, "11_30"), (i64::MAX, "over_30")];

/// The age band of `days`.
pub fn band(days: i64) -> &'static str {
    BANDS.iter().find(|(hi, _)| days <= *hi).map_or("over_30", |(_, n)| n)
}

/// Builds the unapplied-cash report at `as_of`.
pub fn unapplied(ledger: &Ledger, as_of: NaiveDate) -> Result<Report, ReportError> {
    let k = ledger.run_on_or_before(as_of)?;
    let definition = vec![
        format!(
            "Unapplied cash at {as_of} (after run {} of {}): per receipt, the net of its unapplied, on-account and unidentified lines (a reversal or an unapply's opposite line included); zero nets are left out.",
            ledger.runs[k].batch_id, ledger.runs[k].date
        ),
        "Age = days from the receipt's value date to the as-of date; bands 0_1, 2_5, 6_10, 11_30, over_30. Unidentified = no customer found.".to_string(),
    ];
    let mut per_currency: BTreeMap<String, Vec<Vec<Cell>>> = BTreeMap::new();
    let mut totals: BTreeMap<String, BTreeMap<(&str, String), Decimal>> = BTreeMap::new();
    let mut cash = ledger.open_cash_at(k);
    cash.sort_by(|a, b| {
        (a.currency.as_str(), a.value_date, &a.bank_ref).cmp(&(b.currency.as_str(), b.value_date, &b.bank_ref))
    });
    for c in cash {
        let age = (as_of - c.value_date).num_days().max(0);
        let customer = if c.customer_id.is_empty() { "(unidentified)".to_string() } else { c.customer_id.clone() };
        *totals.entry(c.currency.clone()).or_default().entry((band(age), c.kind.clone())).or_default() += c.amount;
        per_currency.entry(c.currency.clone()).or_default().push(vec![
            Cell::Text(c.receipt_id),
            Cell::Text(c.bank_ref),
            Cell::Text(customer),
            Cell::Text(c.payer_name),
            Cell::Text(c.kind),
            Cell::Date(c.value_date),
            Cell::Count(age as u64),
            Cell::Text(band(age).to_string()),
            Cell::Number(c.amount),
        ]);
    }
    let mut tables = Vec::new();
    for (cur, rows) in per_currency {
        let mut t = Table::new(
            &format!("unapplied {cur}"),
            Some(&cur),
            vec![
                Column::new("receipt_id", ColumnKind::Text),
                Column::new("bank_ref", ColumnKind::Text),
                Column::new("customer_id", ColumnKind::Text),
                Column::new("payer_name", ColumnKind::Text),
                Column::new("kind", ColumnKind::Text),
                Column::new("value_date", ColumnKind::Date),
                Column::new("age_days", ColumnKind::Count),
                Column::new("age_band", ColumnKind::Text),
                Column::new("amount", ColumnKind::Money),
            ],
        );
        t.rows = rows;
        tables.push(t);
        let mut s = Table::new(
            &format!("unapplied by age {cur}"),
            Some(&cur),
            vec![
                Column::new("age_band", ColumnKind::Text),
                Column::new("unapplied", ColumnKind::Money),
                Column::new("on_account", ColumnKind::Money),
                Column::new("unidentified", ColumnKind::Money),
                Column::new("total", ColumnKind::Money),
            ],
        );
        let by = totals.remove(&cur).unwrap_or_default();
        let mut sum = [Decimal::ZERO; 4];
        for (_, name) in BANDS {
            let get = |k: &str| by.get(&(name, k.to_string())).copied().unwrap_or_default();
            let v = [get("unapplied"), get("on_account"), get("unidentified")];
            let total: Decimal = v.iter().copied().sum();
            for (a, b) in sum.iter_mut().zip(v.iter().chain([&total])) {
                *a += *b;
            }
            let mut row = vec![Cell::Text(name.to_string())];
            row.extend(v.iter().chain([&total]).map(|d| Cell::Number(*d)));
            s.rows.push(row);
        }
        let mut row = vec![Cell::Text("TOTAL".to_string())];
        row.extend(sum.iter().map(|d| Cell::Number(*d)));
        s.rows.push(row);
        tables.push(s);
    }
    Ok(Report { name: "unapplied".into(), as_of, definition, notes: Vec::new(), tables })
}
