//! Cash and automation KPIs per day and bank format (CONTRACT §8): receipts
//! and amount, straight-through rate, automatic application by count and by
//! amount, exceptions raised and resolved, exceptions open more than one
//! business day, median time to resolve; items resolved per coordinator.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::{Duration, NaiveDate};
use rust_decimal::Decimal;

use crate::report::{Cell, Column, ColumnKind, Report, Table};
use crate::view::business_days;
use crate::{Ledger, ReportError};

#[derive(Default)]
struct Day {
    receipts: u64,
    amount: Decimal,
    straight_through: u64,
    auto_count: u64,
    auto_amount: Decimal,
    raised: u64,
    resolved: u64,
    older: u64,
    resolve_days: Vec<i64>,
}

fn ratio(n: Decimal, d: Decimal) -> Cell {
    if d.is_zero() { Cell::Empty } else { Cell::Number(n / d * Decimal::ONE_HUNDRED) }
}

/// The median of `v` (the mean of the middle two for an even count).
pub fn median(v: &mut [i64]) -> Option<Decimal> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    let n = v.len();
    Some(if n % 2 == 1 { Decimal::from(v[n / 2]) } else { Decimal::from(v[n / 2 - 1] + v[n / 2]) / Decimal::TWO })
}

/// KPIs for the run days in the `days` days up to `as_of`.
pub fn kpi(ledger: &Ledger, as_of: NaiveDate, days: u32) -> Result<Report, ReportError> {
    if ledger.runs.is_empty() {
        return Err(ReportError::Empty);
    }
    let from = as_of - Duration::days(i64::from(days.max(1)) - 1);
    let in_range = |d: NaiveDate| d >= from && d <= as_of;
    let mut stats: BTreeMap<(&str, NaiveDate, &str), Day> = BTreeMap::new();
    // The bank format of the receipts exceptions are about (only those:
    // a map of every receipt costs a second at a few million).
    let wanted: HashSet<&str, foldhash::fast::RandomState> =
        ledger.exceptions.iter().map(|e| e.receipt_id.as_str()).collect();
    let receipts: HashMap<&str, usize, foldhash::fast::RandomState> = ledger
        .receipts
        .iter()
        .enumerate()
        .filter(|(_, r)| wanted.contains(r.receipt_id.as_str()))
        .map(|(i, r)| (r.receipt_id.as_str(), i))
        .collect();
    if ledger.is_lean() {
        // The ledger's sums per run (the same figures, kept at each run).
        for k in ledger.run_stats().unwrap_or_default() {
            let day = ledger.runs[k.run].date;
            if !in_range(day) {
                continue;
            }
            let s = stats.entry((k.currency.as_str(), day, k.format.as_str())).or_default();
            s.receipts += k.receipts;
            s.amount += k.amount;
            s.straight_through += k.straight_through;
            s.auto_count += k.auto_count;
            s.auto_amount += k.auto_amount;
        }
    } else {
        // Automatic application: the engine's own applied lines (a person's
        // lines are not automatic), per receipt, for the runs of the window.
        let mut auto: HashMap<&str, Decimal, foldhash::fast::RandomState> = HashMap::default();
        for l in &ledger.lines {
            if l.kind == "applied"
                && !l.by_person
                && l.amount > Decimal::ZERO
                && l.run.and_then(|r| ledger.runs.get(r)).is_some_and(|r| in_range(r.date))
            {
                *auto.entry(l.receipt_id.as_str()).or_default() += l.amount;
            }
        }
        for r in &ledger.receipts {
            let day = ledger.runs[r.run].date;
            if !in_range(day) {
                continue;
            }
            let s = stats.entry((r.currency.as_str(), day, r.format.as_str())).or_default();
            s.receipts += 1;
            s.amount += r.amount;
            if r.status == "applied" {
                s.straight_through += 1;
            }
            if let Some(a) = auto.get(r.receipt_id.as_str()) {
                s.auto_count += 1;
                s.auto_amount += *a;
            }
        }
    }
    let format_of = |id: &str| receipts.get(id).map_or("-", |&i| ledger.receipts[i].format.as_str());
    // The days with a row: run days and days an exception was closed.
    let run_days: BTreeSet<NaiveDate> = ledger
        .runs
        .iter()
        .map(|r| r.date)
        .chain(ledger.exceptions.iter().filter_map(|e| e.closed.as_ref().map(|c| c.0)))
        .filter(|d| in_range(*d))
        .collect();
    let mut coordinators: BTreeMap<(NaiveDate, String), u64> = BTreeMap::new();
    for e in &ledger.exceptions {
        let raised = ledger.runs[e.run].date;
        let format = format_of(&e.receipt_id);
        if in_range(raised) {
            stats.entry((e.currency.as_str(), raised, format)).or_default().raised += 1;
        }
        if let Some((closed, actor, by_person)) = &e.closed
            && in_range(*closed)
        {
            let s = stats.entry((e.currency.as_str(), *closed, format)).or_default();
            s.resolved += 1;
            s.resolve_days.push(business_days(raised, *closed));
            if *by_person {
                *coordinators.entry((*closed, actor.clone())).or_default() += 1;
            }
        }
        // Open at the end of each of those days, raised more than one business day before.
        for &d in &run_days {
            let open = raised <= d && e.closed.as_ref().is_none_or(|(c, _, _)| *c > d);
            if open && business_days(raised, d) > 1 {
                stats.entry((e.currency.as_str(), d, format)).or_default().older += 1;
            }
        }
    }
    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    for ((cur, day, format), mut s) in stats {
        let t = tables.entry(cur.to_string()).or_insert_with(|| {
            Table::new(
                &format!("kpi {cur}"),
                Some(cur),
                vec![
                    Column::new("day", ColumnKind::Date),
                    Column::new("format", ColumnKind::Text),
                    Column::new("receipts", ColumnKind::Count),
                    Column::new("amount", ColumnKind::Money),
                    Column::new("straight_through_percent", ColumnKind::Figure),
                    Column::new("auto_applied_count_percent", ColumnKind::Figure),
                    Column::new("auto_applied_amount", ColumnKind::Money),
                    Column::new("auto_applied_amount_percent", ColumnKind::Figure),
                    Column::new("exceptions_raised", ColumnKind::Count),
                    Column::new("exceptions_resolved", ColumnKind::Count),
                    Column::new("open_over_1_business_day", ColumnKind::Count),
                    Column::new("median_business_days_to_resolve", ColumnKind::Figure),
                ],
            )
        });
        let n = Decimal::from(s.receipts);
        t.rows.push(vec![
            Cell::Date(day),
            Cell::Text(format.to_string()),
            Cell::Count(s.receipts),
            Cell::Number(s.amount),
            ratio(Decimal::from(s.straight_through), n),
            ratio(Decimal::from(s.auto_count), n),
            Cell::Number(s.auto_amount),
            ratio(s.auto_amount, s.amount),
            Cell::Count(s.raised),
            Cell::Count(s.resolved),
            Cell::Count(s.older),
            median(&mut s.resolve_days).map_or(Cell::Empty, Cell::Number),
        ]);
    }
    let mut tables: Vec<Table> = tables.into_values().collect();
    let mut c = Table::new(
        "kpi coordinators",
        None,
        vec![
            Column::new("day", ColumnKind::Date),
            Column::new("coordinator", ColumnKind::Text),
            Column::new("items_resolved", ColumnKind::Count),
        ],
    );
    for ((day, actor), n) in coordinators {
        c.rows.push(vec![Cell::Date(day), Cell::Text(actor), Cell::Count(n)]);
    }
    tables.push(c);
    let definition = vec![
        format!("Per run day from {from} to {as_of} (the run's --as-of, else its date), bank format and currency: receipts taken and their amount."),
        "Straight-through = receipts whose status is applied (all cash posted, no exception) ÷ receipts. Automatic application by count = receipts with at least one line the engine applied ÷ receipts; by amount = cash the engine applied to invoices ÷ receipts' amount (a person's later unapply does not change it).".to_string(),
        "Exceptions raised = raised by that day's run; resolved = closed (resolved or dismissed) that day, by a run or a person; open over 1 business day = open at the end of the day and raised more than one business day (Mon–Fri) before; median time to resolve in business days over that day's resolutions. Coordinators: items a person (not a run) resolved, per day.".to_string(),
    ];
    let notes = if ledger.exceptions.iter().any(|e| e.closed.as_ref().is_some_and(|c| c.2)) {
        Vec::new()
    } else {
        vec!["No exception has been resolved by a person yet: the coordinator table is empty (the ledger records who resolves once the queue's actions do).".to_string()]
    };
    Ok(Report { name: "kpi".into(), as_of, definition, notes, tables })
}
