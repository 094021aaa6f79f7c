//! The receivables roll-forward for month-end reconciliation (CONTRACT
//! §8): opening + invoiced − credit memos − cash applied − discounts −
//! write-offs = closing, per currency. Every invoice whose balance moved by
//! more or less than cashapply's lines and its first appearance explain is
//! listed with the difference, so the statement always closes to the cent
//! or says exactly what it cannot explain.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::report::{Cell, Column, ColumnKind, Report, Table};
use crate::view::moves_invoice;
use crate::{Ledger, ReportError};

/// The movement lines of the statement, in order.
pub const LINES: [&str; 9] = [
    "opening_receivables",
    "invoiced",
    "credit_memos",
    "cash_applied",
    "discounts",
    "write_offs",
    "differences_not_explained",
    "closing_receivables",
    "closing_per_ledger",
];

/// A listed difference: the invoice and its row.
type Difference<'a> = (&'a (String, String), Vec<Cell>);

/// The runs the roll-forward for `from`..=`to` reads, as indexes into
/// `dates` (the runs' business dates, oldest first): the opening run —
/// the last run before `from`, or the closing run when none falls in the
/// period, or `None` when the history starts inside the period — and the
/// closing run, the last on or before `to`.
pub fn period_runs(dates: &[NaiveDate], from: NaiveDate, to: NaiveDate) -> Result<(Option<usize>, usize), ReportError> {
    let first = dates.first().ok_or(ReportError::Empty)?;
    let at = |day: NaiveDate| dates.iter().rposition(|d| *d <= day);
    let close = at(to).ok_or(ReportError::BeforeHistory { as_of: to, first: *first })?;
    let open = match from.pred_opt().and_then(at) {
        Some(o) if o < close => Some(o),
        Some(_) => Some(close),
        None => None,
    };
    Ok((open, close))
}

/// Builds the roll-forward for `from`..=`to`.
pub fn rollforward(ledger: &Ledger, from: NaiveDate, to: NaiveDate) -> Result<Report, ReportError> {
    let close = ledger.run_on_or_before(to)?;
    let first = ledger.runs.first().ok_or(ReportError::Empty)?;
    let before = from.pred_opt().and_then(|d| ledger.run_at(d));
    let mut notes = Vec::new();
    // Opening: the balances after the last run before the period; when the
    // history starts inside the period, what the first run saw before it
    // posted (its invoices are the opening, not sales).
    let (opening, open_run) = match before {
        Some(o) if o < close => (ledger.invoices_at(o), Some(o)),
        Some(_) => {
            notes.push(format!("No run between {from} and {to}: every movement is 0."));
            (ledger.invoices_at(close), Some(close))
        }
        None => {
            notes.push(format!(
                "The ledger's history starts with run {} on {}: the opening is the ERP's open amounts that run first saw, before its postings — not the receivables of {from}; invoices settled before that run are not in the ledger.",
                first.batch_id, first.date
            ));
            (ledger.invoices_seen(0, false), None)
        }
    };
    let closing = ledger.invoices_at(close);
    // Movements by invoice: lines that exist at the close but not at the opening.
    // By invoice index (no string keys on the hot path).
    let mut moved: Vec<[Decimal; 3]> = vec![[Decimal::ZERO; 3]; ledger.keys.len()];
    // Of those, per currency, the people's lines no run has carried yet
    // (they exist at the last run only; the ledger's sums leave them out).
    let mut waiting: BTreeMap<String, [Decimal; 3]> = BTreeMap::new();
    for l in &ledger.lines {
        if !moves_invoice(&l.kind) || !ledger.exists_at(l, close) {
            continue;
        }
        if open_run.is_some_and(|o| ledger.exists_at(l, o)) {
            continue;
        }
        let Some(s) = l.inv.and_then(|i| closing.by_id(i)) else { continue };
        if *s.currency != *l.currency {
            continue;
        }
        let Some(e) = moved.get_mut(s.id) else { continue };
        let kind = match l.kind.as_str() {
            "applied" => 0,
            "discount" => 1,
            _ => 2,
        };
        e[kind] += l.amount;
        if l.run.is_none() {
            waiting.entry(s.currency.to_string()).or_default()[kind] += l.amount;
        }
    }
    let first_new = open_run.map_or(0, |o| o);
    // Per currency: [opening, invoiced, credit memos (as a positive amount),
    // applied, discounts, write-offs, unexplained, closing].
    let mut sums: BTreeMap<String, [Decimal; 8]> = BTreeMap::new();
    let mut differences: BTreeMap<String, Vec<Difference<'_>>> = BTreeMap::new();
    let mut undated: BTreeMap<String, usize> = BTreeMap::new();
    let mut late: BTreeMap<String, (usize, Decimal)> = BTreeMap::new();
    for (key, c) in closing.iter() {
        let o = opening.by_id(c.id).map_or(Decimal::ZERO, |s| s.balance);
        let new_in_period = c.first_run > first_new && (open_run.is_some() || c.first_run > 0);
        // Invoiced at the original amount (the sale); what was settled
        // before the ERP's file first showed it open is then a difference.
        // An invoice first shown closed never was receivable here: 0.
        let dates = ledger.dates_of(c.id);
        let first = match (new_in_period, dates.and_then(|d| d.amount_original)) {
            (false, _) => Decimal::ZERO,
            (true, _) if c.first_amount.is_zero() => Decimal::ZERO,
            (true, Some(original)) if c.first_amount.is_sign_negative() => -original.abs(),
            (true, Some(original)) => original,
            (true, None) => {
                *undated.entry(c.currency.to_string()).or_default() += 1;
                c.first_amount
            }
        };
        if new_in_period
            && !first.is_zero()
            && let Some(d) = dates
            && d.invoice_date < from
        {
            let e = late.entry(c.currency.to_string()).or_default();
            e.0 += 1;
            e.1 += first;
        }
        let m = moved.get(c.id).copied().unwrap_or_default();
        let expected = o + first - m[0] - m[1] - m[2];
        let diff = c.balance - expected;
        let s = sums.entry(c.currency.to_string()).or_default();
        s[0] += o;
        if first.is_sign_negative() {
            s[2] -= first;
        } else {
            s[1] += first;
        }
        s[3] += m[0];
        s[4] += m[1];
        s[5] += m[2];
        s[6] += diff;
        s[7] += c.balance;
        if !diff.is_zero() {
            let (before_status, before_erp) = opening
                .by_id(c.id)
                .map_or(("not seen".to_string(), Decimal::ZERO), |s| (s.status.to_string(), s.erp_amount));
            differences.entry(c.currency.to_string()).or_default().push((
                key,
                vec![
                    Cell::Text(key.0.clone()),
                    Cell::Text(key.1.clone()),
                    Cell::Text(before_status),
                    Cell::Number(before_erp),
                    Cell::Number(o),
                    Cell::Text(c.status.to_string()),
                    Cell::Number(c.erp_amount),
                    Cell::Number(c.balance),
                    Cell::Number(m[0] + m[1] + m[2]),
                    Cell::Number(diff),
                ],
            ));
        }
    }
    // Read by the ledger's sums (`Ledger::from_period_sums`): the ledger
    // holds only the invoices whose difference may be other than 0 (and
    // those with people's lines waiting for a run), so the statement is the
    // sums' and the differences those invoices'. The sums leave out the
    // waiting lines: their lines are added to the period's, and what they
    // change of their invoices' balances after the closing run (balance
    // with them − without) to the closing — and to the opening, when it is
    // the same run.
    let ledger_close = match ledger.period_totals() {
        Some(totals) => {
            if sums.keys().any(|cur| !totals.contains_key(cur)) {
                ledger.needs_every_row();
            }
            let mut shift: BTreeMap<String, Decimal> = BTreeMap::new();
            if ledger.lines.iter().any(|l| l.run.is_none() && moves_invoice(&l.kind) && ledger.exists_at(l, close)) {
                let by_runs = ledger.invoices_at_by_runs(close);
                for (_, c) in closing.iter() {
                    let without = by_runs.by_id(c.id).map_or(Decimal::ZERO, |s| s.balance);
                    if c.balance != without {
                        *shift.entry(c.currency.to_string()).or_default() += c.balance - without;
                    }
                }
            }
            let mut from_sums = BTreeMap::new();
            let mut close_sums = BTreeMap::new();
            undated.clear();
            late.clear();
            for (cur, t) in totals {
                let diff = sums.get(cur).map_or(Decimal::ZERO, |s| s[6]);
                let shift = shift.get(cur).copied().unwrap_or_default();
                let opening = if open_run == Some(close) { t.opening + shift } else { t.opening };
                let closing = t.closing + shift;
                let w = waiting.get(cur).copied().unwrap_or_default();
                let moved = [t.moved[0] + w[0], t.moved[1] + w[1], t.moved[2] + w[2]];
                from_sums.insert(
                    cur.clone(),
                    [opening, t.invoiced, t.credit_memos, moved[0], moved[1], moved[2], diff, closing],
                );
                if !closing.is_zero() {
                    close_sums.insert(cur.clone(), closing);
                }
                if t.without_original > 0 {
                    undated.insert(cur.clone(), t.without_original);
                }
                if t.late.0 > 0 {
                    late.insert(cur.clone(), t.late);
                }
            }
            sums = from_sums;
            close_sums
        }
        None => ledger.open_balance_at(close),
    };
    // The statement closes: checked from independent sums.
    let mut tables = Vec::new();
    for (cur, s) in &sums {
        let computed = s[0] + s[1] - s[2] - s[3] - s[4] - s[5] + s[6];
        let per_ledger = ledger_close.get(cur).copied().unwrap_or_default();
        if computed != s[7] || per_ledger != s[7] {
            // Sums that do not close are not believed: every row is read.
            ledger.needs_every_row();
            return Err(ReportError::Invariant(format!(
                "roll-forward {cur}: opening + movements = {computed}, closing balances add up to {}, the ledger's open balance is {per_ledger}",
                s[7]
            )));
        }
        let mut t = Table::new(
            &format!("rollforward {cur}"),
            Some(cur),
            vec![Column::new("line", ColumnKind::Text), Column::new("amount", ColumnKind::Money)],
        );
        let values = [s[0], s[1], s[2], s[3], s[4], s[5], s[6], computed, per_ledger];
        for (name, v) in LINES.iter().zip(values) {
            t.rows.push(vec![Cell::Text(name.to_string()), Cell::Number(v)]);
        }
        tables.push(t);
        if let Some(mut rows) = differences.remove(cur) {
            rows.sort_by(|a, b| a.0.cmp(b.0));
            let rows: Vec<Vec<Cell>> = rows.into_iter().map(|(_, r)| r).collect();
            notes.push(format!(
                "{cur}: {} invoice(s) moved by {} that cashapply's lines do not explain (listed in `differences {cur}`): changes made in the ERP, or confirmed lines the ERP's file did not show yet.",
                rows.len(),
                s[6]
            ));
            let mut d = Table::new(
                &format!("differences {cur}"),
                Some(cur),
                vec![
                    Column::new("customer_id", ColumnKind::Text),
                    Column::new("invoice_id", ColumnKind::Text),
                    Column::new("status_before", ColumnKind::Text),
                    Column::new("erp_before", ColumnKind::Money),
                    Column::new("balance_before", ColumnKind::Money),
                    Column::new("status_after", ColumnKind::Text),
                    Column::new("erp_after", ColumnKind::Money),
                    Column::new("balance_after", ColumnKind::Money),
                    Column::new("cashapply_lines", ColumnKind::Money),
                    Column::new("difference", ColumnKind::Money),
                ],
            );
            d.rows = rows;
            tables.push(d);
        }
    }
    for (cur, n) in &undated {
        notes.push(format!("{cur}: {n} invoice(s) first seen in the period have no original amount in the ledger (recorded before it kept one): invoiced at the open amount first seen."));
    }
    for (cur, (n, total)) in &late {
        notes.push(format!("{cur}: {n} invoice(s) totalling {total} first appeared in the ERP's file in the period but are dated before {from}; they are in invoiced (the opening did not hold them)."));
    }
    let opening_text = match open_run {
        Some(o) => format!("the balances after run {} of {}", ledger.runs[o].batch_id, ledger.runs[o].date),
        None => format!("what the first run ({}) saw before posting", first.date),
    };
    let definition = vec![
        format!(
            "Roll-forward {from} to {to}, per currency: opening ({opening_text}) + invoiced − credit memos − cash applied − discounts − write-offs ± differences not explained = closing (the balances after run {} of {}).",
            ledger.runs[close].batch_id, ledger.runs[close].date
        ),
        "Invoiced / credit memos = invoices first seen open in the ERP's file in the period, at their original amount (positive / negative; what was settled before they first showed is a difference). Cash applied, discounts, write-offs = cashapply's lines of the period (unapplies and reversals net them). Balances as in aging (ERP open amount less unconfirmed lines).".to_string(),
        "A difference is an invoice whose balance moved other than by those: listed one by one; closing_per_ledger is the ledger's open balance computed directly, and must equal closing_receivables.".to_string(),
    ];
    Ok(Report { name: "rollforward".into(), as_of: to, definition, notes, tables })
}
