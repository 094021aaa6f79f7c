//! DSO (simple and countback), best possible DSO, average days delinquent
//! and CEI per month (CONTRACT §8; research DAY2 §3.2–3.4).
//!
//! Sales basis: the credit sales of a month are the invoices dated in that
//! month (their invoice date as the ERP's file showed it, recorded by each
//! run) at their original amount, net of credit memos (negative amounts).
//! The ledger sees only invoices that were in the ERP's file at a run, so a
//! month's sales are known only when the history starts before the month;
//! an invoice whose dates the ledger does not hold (recorded before it kept
//! them, and in no `--invoices` file given) may belong to any month up to
//! the run that first saw it, so those months' sales are unknown too.
//! Figures that would need unknown sales are left empty and the notes say
//! why.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Months, NaiveDate};
use rust_decimal::Decimal;

use crate::report::{Cell, Column, ColumnKind, Report, Table};
use crate::{Ledger, ReportError};

/// The first day of `d`'s month.
pub fn month_start(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

/// The last day of `d`'s month.
pub fn month_end(d: NaiveDate) -> NaiveDate {
    month_start(d).checked_add_months(Months::new(1)).and_then(|m| m.pred_opt()).unwrap_or(d)
}

/// Net credit sales per (currency, month start) and which months are known
/// (module rule).
#[derive(Debug, Clone, Default)]
pub struct Sales {
    amounts: BTreeMap<(String, NaiveDate), Decimal>,
    /// Per currency, the last month an undated invoice may belong to.
    undated_through: BTreeMap<String, NaiveDate>,
    /// The first run's date.
    first: Option<NaiveDate>,
}

impl Sales {
    /// The credit sales of `cur` in the month starting `month`, when known.
    pub fn get(&self, cur: &str, month: NaiveDate) -> Option<Decimal> {
        let after_first = self.first.is_some_and(|f| month > f);
        let dated = self.undated_through.get(cur).is_none_or(|u| month > *u);
        (after_first && dated).then(|| self.amounts.get(&(cur.to_string(), month)).copied().unwrap_or(Decimal::ZERO))
    }

    /// The currencies with sales.
    pub fn currencies(&self) -> impl Iterator<Item = &String> {
        self.amounts.keys().map(|(c, _)| c)
    }

    /// The currencies with sales in `month`.
    pub fn currencies_in(&self, month: NaiveDate) -> impl Iterator<Item = &String> {
        self.amounts.keys().filter(move |(_, m)| *m == month).map(|(c, _)| c)
    }

    /// The last month whose sales undated invoices leave unknown, per currency.
    pub fn undated_through(&self, cur: &str) -> Option<NaiveDate> {
        self.undated_through.get(cur).copied()
    }
}

/// Net credit sales per (currency, month), basis as in the module doc.
pub fn monthly_sales(ledger: &Ledger) -> Sales {
    let mut out = Sales { first: ledger.runs.first().map(|r| r.date), ..Sales::default() };
    let Some(last) = ledger.runs.len().checked_sub(1) else { return out };
    // The same sums as the ledger keeps them (every invoice dated).
    if let Some(sums) = ledger.summed_sales() {
        out.amounts = sums.clone();
        return out;
    }
    for s in ledger.invoices_seen(last, false).values() {
        match ledger.dates_of(s.id) {
            Some(d) => {
                // A credit memo's original amount counts negative whatever
                // sign the file wrote it with.
                let credit = s.first_amount.is_sign_negative() || s.erp_amount.is_sign_negative();
                let amount = match d.amount_original {
                    Some(a) if credit => -a.abs(),
                    Some(a) => a,
                    None => s.first_amount,
                };
                *out.amounts.entry((s.currency.to_string(), month_start(d.invoice_date))).or_insert(Decimal::ZERO) +=
                    amount;
            }
            // The first run's invoices are the opening balance.
            None if s.first_run == 0 => {}
            None => {
                let Some(run) = ledger.runs.get(s.first_run) else { continue };
                let m = month_start(run.date);
                let e = out.undated_through.entry(s.currency.to_string()).or_insert(m);
                *e = (*e).max(m);
            }
        }
    }
    out
}

/// Receivables after the last run on or before `day`, per currency: (total,
/// not yet due at `day`, amount of open invoices without dates).
fn receivables(ledger: &Ledger, day: NaiveDate) -> Option<BTreeMap<String, (Decimal, Decimal, Decimal)>> {
    let k = ledger.run_at(day)?;
    let mut out: BTreeMap<String, (Decimal, Decimal, Decimal)> = BTreeMap::new();
    let mut by: BTreeMap<&str, (Decimal, Decimal, Decimal)> = BTreeMap::new();
    let snapshot = ledger.invoices_at(k);
    for s in snapshot.values() {
        if s.balance.is_zero() {
            continue;
        }
        let e = by.entry(&s.currency).or_default();
        e.0 += s.balance;
        match ledger.dates_of(s.id) {
            Some(d) if d.aging_date(false) >= day => e.1 += s.balance,
            Some(_) => {}
            None => e.2 += s.balance,
        }
    }
    for (c, v) in by {
        out.insert(c.to_string(), v);
    }
    Some(out)
}

fn days_in(from: NaiveDate, to: NaiveDate) -> Decimal {
    Decimal::from((to - from).num_days() + 1)
}

/// Countback DSO: `months` are (sales, days) newest first. The
/// receivables consume each month's sales while they cover them, adding its
/// days; the month they do not cover adds rest ÷ its sales × its days.
/// `None` when the months given run out first.
pub fn countback(receivables: Decimal, months: &[(Decimal, Decimal)]) -> Option<Decimal> {
    let mut remaining = receivables;
    let mut days = Decimal::ZERO;
    for &(sales, month_days) in months {
        if remaining <= Decimal::ZERO {
            return Some(days);
        }
        if sales > Decimal::ZERO && remaining <= sales {
            return Some(days + remaining / sales * month_days);
        }
        remaining -= sales.max(Decimal::ZERO);
        days += month_days;
    }
    (remaining <= Decimal::ZERO).then_some(days)
}

/// DSO over the `months` calendar months ending with `as_of`'s month (that
/// month counted up to `as_of`).
pub fn dso(ledger: &Ledger, as_of: NaiveDate, months: u32) -> Result<Report, ReportError> {
    let first = ledger.runs.first().ok_or(ReportError::Empty)?.date;
    ledger.run_on_or_before(as_of)?;
    let ending = receivables(ledger, as_of).ok_or(ReportError::Empty)?;
    let sales = monthly_sales(ledger);
    let months = months.clamp(1, 24);
    let start = month_start(as_of).checked_sub_months(Months::new(months - 1)).unwrap_or(as_of);
    let period_days = days_in(start, as_of);
    let covered = start > first;
    let mut notes = Vec::new();
    if !covered {
        notes.push(format!(
            "The ledger's history starts on {first}: the sales of the period from {start} are not all known, so simple DSO, best possible DSO and ADD are left empty."
        ));
    }
    let currencies: BTreeSet<String> = ending.keys().cloned().chain(sales.currencies().cloned()).collect();
    let mut tables = Vec::new();
    let mut monthly = Table::new(
        "dso monthly sales",
        None,
        vec![
            Column::new("currency", ColumnKind::Text),
            Column::new("month", ColumnKind::Date),
            Column::new("days", ColumnKind::Count),
            Column::new("credit_sales", ColumnKind::Money),
            Column::new("sales_known", ColumnKind::Text),
        ],
    );
    for cur in &currencies {
        let (ar, current, undated) = ending.get(cur).copied().unwrap_or_default();
        let mut period_sales = Some(Decimal::ZERO);
        let mut m = start;
        while m <= as_of {
            period_sales = period_sales.zip(sales.get(cur, m)).map(|(a, b)| a + b);
            m = m.checked_add_months(Months::new(1)).unwrap_or(as_of.succ_opt().unwrap_or(as_of));
        }
        let period_sales = period_sales.filter(|_| covered);
        if covered && period_sales.is_none() {
            notes.push(format!(
                "{cur}: invoices first seen up to {} have no dates in the ledger (recorded before it kept them; give --invoices FILE): the sales of the months to then are unknown, so simple DSO, best possible DSO and ADD are left empty.",
                sales.undated_through(cur).map_or_else(String::new, |d| month_end(d).to_string())
            ));
        }
        let sold = period_sales.filter(|s| *s > Decimal::ZERO);
        let simple = sold.map(|s| ar / s * period_days);
        let best = sold.filter(|_| undated.is_zero()).map(|s| current / s * period_days);
        let add = simple.zip(best).map(|(s, b)| s - b);
        // Countback: newest month first, while the receivables cover its sales.
        let mut known_months = Vec::new();
        let mut month = month_start(as_of);
        for i in 0..24 {
            let month_days = if i == 0 { days_in(month, as_of) } else { days_in(month, month_end(month)) };
            let got = sales.get(cur, month);
            monthly.rows.push(vec![
                Cell::Text(cur.clone()),
                Cell::Date(month),
                Cell::Count(month_days.try_into().unwrap_or(0)),
                got.map_or(Cell::Empty, Cell::Number),
                Cell::Text(
                    match got {
                        Some(_) => "yes",
                        None if month > first => "no: invoices without dates",
                        None => "no: before the history",
                    }
                    .to_string(),
                ),
            ]);
            let Some(s) = got else { break };
            known_months.push((s, month_days));
            let Some(prev) = month.checked_sub_months(Months::new(1)) else { break };
            month = prev;
        }
        let countback = countback(ar, &known_months);
        if countback.is_none() {
            notes.push(format!(
                "{cur}: countback DSO needs the sales of months not known (before the history, {first}, or with undated invoices); left empty."
            ));
        }
        if !undated.is_zero() {
            notes.push(format!("{cur}: {undated} of open receivables has no due date in the invoices file read; best possible DSO and ADD are left empty."));
        }
        let mut t = Table::new(
            &format!("dso {cur}"),
            Some(cur),
            vec![
                Column::new("measure", ColumnKind::Text),
                Column::new("amount", ColumnKind::Money),
                Column::new("days", ColumnKind::Figure),
            ],
        );
        let opt = |v: Option<Decimal>| v.map_or(Cell::Empty, Cell::Number);
        let money = |name: &str, v: Cell| vec![Cell::Text(name.into()), v, Cell::Empty];
        let days = |name: &str, v: Cell| vec![Cell::Text(name.into()), Cell::Empty, v];
        t.rows = vec![
            money("ending_receivables", Cell::Number(ar)),
            money("current_receivables", Cell::Number(current)),
            money("credit_sales_of_period", period_sales.map_or(Cell::Empty, Cell::Number)),
            days("days_in_period", Cell::Number(period_days)),
            days("dso_simple", opt(simple)),
            days("dso_countback", opt(countback)),
            days("best_possible_dso", opt(best)),
            days("average_days_delinquent", opt(add)),
        ];
        tables.push(t);
        // One-month simple DSO at each known month's end, for the trend.
        let mut trend = Table::new(
            &format!("dso by month {cur}"),
            Some(cur),
            vec![
                Column::new("month_end", ColumnKind::Date),
                Column::new("receivables", ColumnKind::Money),
                Column::new("credit_sales", ColumnKind::Money),
                Column::new("dso_simple", ColumnKind::Figure),
            ],
        );
        let mut month = month_start(as_of).checked_sub_months(Months::new(11)).unwrap_or(as_of);
        while month <= as_of {
            let end = month_end(month).min(as_of);
            if let Some(s) = sales.get(cur, month) {
                let ar = receivables(ledger, end).and_then(|m| m.get(cur).copied()).map_or(Decimal::ZERO, |x| x.0);
                let value = (s > Decimal::ZERO).then(|| ar / s * days_in(month, end));
                trend.rows.push(vec![
                    Cell::Date(end),
                    Cell::Number(ar),
                    Cell::Number(s),
                    value.map_or(Cell::Empty, Cell::Number),
                ]);
            }
            let Some(next) = month.checked_add_months(Months::new(1)) else { break };
            month = next;
        }
        tables.push(trend);
    }
    tables.push(monthly);
    let definition = vec![
        format!("Period: {start} to {as_of} ({period_days} days, {months} month(s)); receivables = the aging's open balance after the last run on or before {as_of}."),
        "Simple DSO = ending receivables ÷ credit sales of the period × days in the period. Countback DSO: from the ending receivables subtract each month's sales, newest month first, adding its days, until the rest is less than a month's sales; then add rest ÷ that month's sales × its days.".to_string(),
        "Best possible DSO = current (not yet due) receivables ÷ credit sales × days; average days delinquent = simple DSO − best possible DSO (same sales and period).".to_string(),
        "Sales basis: invoices dated in the month (invoice date as the ERP's file showed it) at their original amount, net of credit memos; a month's sales are known when the history starts before it and every invoice that may belong to it has dates.".to_string(),
        "Trend (`dso by month`): simple DSO of each month alone (receivables at its end ÷ its sales × its days), for the months the history covers.".to_string(),
    ];
    Ok(Report { name: "dso".into(), as_of, definition, notes, tables })
}

/// CEI for each of the `months` calendar months ending with `as_of`'s month.
pub fn cei(ledger: &Ledger, as_of: NaiveDate, months: u32) -> Result<Report, ReportError> {
    let first = ledger.runs.first().ok_or(ReportError::Empty)?.date;
    let sales = monthly_sales(ledger);
    let months = months.clamp(1, 36);
    let mut notes = Vec::new();
    let mut rows: BTreeMap<String, Vec<Vec<Cell>>> = BTreeMap::new();
    let mut averages: BTreeMap<String, (Decimal, u32)> = BTreeMap::new();
    let start = month_start(as_of).checked_sub_months(Months::new(months - 1)).unwrap_or(as_of);
    let mut m = start;
    let mut uncovered = Vec::new();
    let mut undated_months = Vec::new();
    while m <= as_of {
        let end = month_end(m).min(as_of);
        let begin_day = m.pred_opt().unwrap_or(m);
        let known = m > first;
        let beginning = if known { receivables(ledger, begin_day) } else { None };
        let ending = receivables(ledger, end);
        let currencies: BTreeSet<String> = beginning
            .iter()
            .flat_map(|b| b.keys().cloned())
            .chain(ending.iter().flat_map(|e| e.keys().cloned()))
            .chain(sales.currencies_in(m).cloned())
            .collect();
        if !known {
            uncovered.push(m);
        }
        for cur in currencies {
            let b = beginning.as_ref().map(|x| x.get(&cur).copied().unwrap_or_default().0);
            let s = if known { sales.get(&cur, m) } else { None };
            if known && s.is_none() {
                undated_months.push(m);
            }
            let e = ending.as_ref().map(|x| x.get(&cur).copied().unwrap_or_default());
            let value = match (b, s, e) {
                (Some(b), Some(s), Some((total, current, undated))) if undated.is_zero() => {
                    let denominator = b + s - current;
                    (!denominator.is_zero()).then(|| (b + s - total) / denominator * Decimal::ONE_HUNDRED)
                }
                _ => None,
            };
            if let Some(v) = value {
                let a = averages.entry(cur.clone()).or_default();
                a.0 += v;
                a.1 += 1;
            }
            let opt = |v: Option<Decimal>| v.map_or(Cell::Empty, Cell::Number);
            rows.entry(cur.clone()).or_default().push(vec![
                Cell::Date(m),
                Cell::Date(end),
                opt(b),
                opt(s),
                opt(e.map(|x| x.0)),
                opt(e.filter(|x| x.2.is_zero()).map(|x| x.1)),
                opt(value),
            ]);
        }
        m = match m.checked_add_months(Months::new(1)) {
            Some(n) => n,
            None => break,
        };
    }
    let months_text = |v: &[NaiveDate]| v.iter().map(|d| d.format("%Y-%m").to_string()).collect::<Vec<_>>().join(", ");
    if !uncovered.is_empty() {
        notes.push(format!(
            "The ledger's history starts on {first}: CEI is left empty for {} (their beginning receivables or sales are not known).",
            months_text(&uncovered)
        ));
    }
    undated_months.dedup();
    if !undated_months.is_empty() {
        notes.push(format!(
            "Invoices recorded before the ledger kept dates have none (give --invoices FILE): the sales, and so CEI, of {} are not known.",
            months_text(&undated_months)
        ));
    }
    let mut tables = Vec::new();
    for (cur, r) in rows {
        let mut t = Table::new(
            &format!("cei {cur}"),
            Some(&cur),
            vec![
                Column::new("month", ColumnKind::Date),
                Column::new("month_end", ColumnKind::Date),
                Column::new("beginning_receivables", ColumnKind::Money),
                Column::new("credit_sales", ColumnKind::Money),
                Column::new("ending_total_receivables", ColumnKind::Money),
                Column::new("ending_current_receivables", ColumnKind::Money),
                Column::new("cei_percent", ColumnKind::Figure),
            ],
        );
        t.rows = r;
        if let Some((sum, n)) = averages.get(&cur).filter(|(_, n)| *n > 0) {
            notes.push(format!("{cur}: average of {n} monthly CEI(s): {}%", (*sum / Decimal::from(*n)).round_dp(1)));
        }
        tables.push(t);
    }
    let definition = vec![
        "CEI per calendar month = (beginning receivables + credit sales − ending total receivables) ÷ (beginning receivables + credit sales − ending current receivables) × 100, with that month's own sales (N = 1, not sales ÷ N months); the period figure is the average of the monthly CEIs.".to_string(),
        "Beginning = receivables after the last run before the month; ending = after the last run on or before the month's end (or the as-of date); current = not yet due at that day (due date, else invoice date).".to_string(),
        "Sales basis: invoices dated in the month (invoice date as the ERP's file showed it) at their original amount, net of credit memos.".to_string(),
    ];
    Ok(Report { name: "cei".into(), as_of, definition, notes, tables })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countback_gives_the_worked_example_of_the_research_note() {
        // AR 212,000; sales 100k, 80k, 70k (30-day months): 60 + 32/70 × 30.
        let k = |n: i64| Decimal::from(n);
        let got = countback(k(212_000), &[(k(100_000), k(30)), (k(80_000), k(30)), (k(70_000), k(30))]).unwrap();
        assert_eq!(got.round_dp(3), Decimal::new(73_714, 3));
        // Receivables beyond every known month: no figure.
        assert_eq!(countback(k(300_000), &[(k(100_000), k(30)), (k(80_000), k(30))]), None);
    }

    #[test]
    fn month_ends_know_leap_years() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(month_end(d("2028-02-10")), d("2028-02-29"));
        assert_eq!(month_end(d("2026-12-31")), d("2026-12-31"));
    }
}
