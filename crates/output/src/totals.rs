//! The run at a glance: what `apply` prints at the end for the person who
//! ran it — per currency, the receipts, the cash applied automatically, held
//! on account, unapplied and unidentified, and the exceptions by kind — and
//! the one-line summary whose "straight through" count says what it counts.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use cashapply_matching::engine::{ExceptionKind, PostingKind};
use cashapply_model::{Currency, format_amount};
use rust_decimal::Decimal;

use crate::report::RunReport;

/// Totals of one currency.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CurrencyTotals {
    /// Receipts.
    pub receipts: u64,
    /// Cash received.
    pub received: Decimal,
    /// Cash applied to invoices (`applied` lines).
    pub applied: Decimal,
    /// Cash held on customers' accounts.
    pub on_account: Decimal,
    /// Cash of known customers not applied.
    pub unapplied: Decimal,
    /// Cash of unknown payers.
    pub unidentified: Decimal,
    /// Receipts applied in full with no exception about their own cash
    /// (`receipts.csv` status `applied`).
    pub straight_through: u64,
    /// Exceptions by kind (`exceptions.csv` names).
    pub exceptions: BTreeMap<&'static str, u64>,
}

/// Totals of a run, per currency.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunTotals {
    /// Per currency, in code order.
    pub currencies: BTreeMap<Currency, CurrencyTotals>,
}

impl RunTotals {
    /// Adds up a run's outcomes.
    pub fn of(report: &RunReport<'_>) -> RunTotals {
        let mut currencies: BTreeMap<Currency, CurrencyTotals> = BTreeMap::new();
        for (r, o) in report.receipts.iter().zip(&report.outcomes) {
            let t = currencies.entry(r.currency).or_default();
            t.receipts += 1;
            t.received += r.amount;
            for l in &o.lines {
                match l.kind {
                    PostingKind::Applied => t.applied += l.amount,
                    PostingKind::OnAccount => t.on_account += l.amount,
                    PostingKind::Unapplied => t.unapplied += l.amount,
                    PostingKind::Unidentified => t.unidentified += l.amount,
                    PostingKind::Discount | PostingKind::WriteOff => {}
                }
            }
            if o.status() == "applied" {
                t.straight_through += 1;
            }
            for e in &o.exceptions {
                *t.exceptions.entry(e.kind.as_str()).or_default() += 1;
            }
        }
        RunTotals { currencies }
    }

    fn sum(&self, f: impl Fn(&CurrencyTotals) -> u64) -> u64 {
        self.currencies.values().map(f).sum()
    }

    /// The one-line summary. "Straight through" counts receipts applied in
    /// full with no exception about their own cash (a `skipped_invoice` is
    /// about another invoice); `eval`'s straight-through rate is another
    /// figure: only receipts whose truth needs no exception, and only when
    /// posted exactly as the truth says.
    pub fn one_line(&self) -> String {
        let receipts = self.sum(|t| t.receipts);
        let straight = self.sum(|t| t.straight_through);
        let exceptions = self.sum(|t| t.exceptions.values().sum());
        format!(
            "{receipts} receipts: {straight} straight through (applied in full, no exception of their own), {} with exceptions ({exceptions} exceptions)",
            receipts - straight
        )
    }

    /// The table printed at the end of `apply`: one column per currency.
    pub fn table(&self) -> String {
        let mut rows: Vec<(String, Vec<String>)> = Vec::new();
        let amounts = |f: &dyn Fn(&CurrencyTotals) -> Decimal| -> Vec<String> {
            self.currencies.iter().map(|(c, t)| format_amount(f(t), *c)).collect()
        };
        let counts = |f: &dyn Fn(&CurrencyTotals) -> u64| -> Vec<String> {
            self.currencies.values().map(|t| f(t).to_string()).collect()
        };
        rows.push(("receipts".into(), counts(&|t| t.receipts)));
        rows.push(("received".into(), amounts(&|t| t.received)));
        rows.push(("applied automatically".into(), amounts(&|t| t.applied)));
        rows.push(("on account".into(), amounts(&|t| t.on_account)));
        rows.push(("unapplied".into(), amounts(&|t| t.unapplied)));
        rows.push(("unidentified".into(), amounts(&|t| t.unidentified)));
        rows.push(("straight through".into(), counts(&|t| t.straight_through)));
        rows.push(("exceptions".into(), counts(&|t| t.exceptions.values().sum())));
        for kind in ExceptionKind::ALL {
            let k = kind.as_str();
            if self.currencies.values().any(|t| t.exceptions.contains_key(k)) {
                rows.push((format!("  {k}"), counts(&|t| t.exceptions.get(k).copied().unwrap_or(0))));
            }
        }
        let label_width = rows.iter().map(|(l, _)| l.len()).max().unwrap_or(0);
        let widths: Vec<usize> = (0..self.currencies.len())
            .map(|i| rows.iter().filter_map(|(_, v)| v.get(i)).map(String::len).max().unwrap_or(0).max(3))
            .collect();
        let mut out = String::new();
        let _ = write!(out, "{:label_width$}", "");
        for (c, w) in self.currencies.keys().zip(&widths) {
            let _ = write!(out, "  {:>w$}", c.as_str());
        }
        out.push('\n');
        for (label, values) in &rows {
            let _ = write!(out, "{label:label_width$}");
            for (v, w) in values.iter().zip(&widths) {
                let _ = write!(out, "  {v:>w$}");
            }
            out.push('\n');
        }
        out
    }
}
