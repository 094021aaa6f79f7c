//! Control totals: what the 7, 8 and 9 records declare against what the
//! checks add up to. Every difference is a warning (banks get totals wrong
//! and the checks are still readable); `--strict` makes them errors.
//!
//! * 7: number of checks (type 6) in the batch and the sum of their amounts;
//! * 8: number of checks in the lockbox, their sum and, where the layout
//!   has it, the number of batches;
//! * 9: number of records in the file, 1 and 9 included (blank lines are
//!   not records), and, where the layout has it, the sum of every check.
//!
//! Sums are `i128` with checked addition: an overflow is reported, never
//! wrapped.

use std::collections::HashMap;

use cashapply_model::{Currency, Diagnostics, format_amount, from_minor_units};

/// A count and a checked sum of minor units.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tally {
    /// Checks counted.
    pub count: u64,
    /// Their sum; `None` once it overflowed.
    pub total: Option<i128>,
}

impl Default for Tally {
    fn default() -> Self {
        Tally { count: 0, total: Some(0) }
    }
}

impl Tally {
    /// Adds one check.
    pub fn add(&mut self, amount: i64) {
        self.count += 1;
        self.total = self.total.and_then(|t| t.checked_add(i128::from(amount)));
    }
}

/// Where a finding is reported, and in which currency amounts are shown.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Place {
    pub line: u64,
    pub byte: u64,
    pub currency: Currency,
}

fn money(units: i128, currency: Currency) -> String {
    match from_minor_units(units, currency) {
        Ok(a) => format_amount(a, currency),
        Err(_) => format!("{units} minor units"),
    }
}

/// Compares a declared total with a computed one.
pub(crate) fn compare_total(diags: &mut Diagnostics, at: Place, what: &str, declared: Option<i64>, tally: &Tally) {
    let Some(declared) = declared else { return };
    match tally.total {
        Some(t) if t == i128::from(declared) => {}
        Some(t) => diags.warn(
            at.line,
            at.byte,
            format!(
                "{what}: declared total {} differs from the checks' sum {} (difference {})",
                money(i128::from(declared), at.currency),
                money(t, at.currency),
                money(i128::from(declared) - t, at.currency),
            ),
        ),
        None => diags.warn(at.line, at.byte, format!("{what}: total cannot be verified (the sum overflows)")),
    }
}

/// Compares a declared count with a counted one.
pub(crate) fn compare_count(diags: &mut Diagnostics, at: Place, what: &str, noun: &str, declared: Option<u64>, n: u64) {
    if let Some(d) = declared
        && d != n
    {
        diags.warn(at.line, at.byte, format!("{what}: {d} {noun} declared but {n} counted"));
    }
}

/// The checks of the open lockbox, per batch and in all.
#[derive(Debug, Default)]
pub(crate) struct LockboxTally {
    /// Per batch number: its tally, and whether a 7 closed it.
    batches: HashMap<String, (Tally, bool)>,
    /// Batch numbers in order of appearance.
    order: Vec<String>,
    /// Every check of the lockbox.
    pub all: Tally,
    /// True once any 7 was seen in this lockbox.
    pub saw_batch_total: bool,
}

impl LockboxTally {
    /// Adds a check of `batch`.
    pub fn add(&mut self, batch: &str, amount: i64) {
        self.all.add(amount);
        match self.batches.get_mut(batch) {
            Some((t, _)) => t.add(amount),
            None => {
                let mut t = Tally::default();
                t.add(amount);
                self.batches.insert(batch.to_string(), (t, false));
                self.order.push(batch.to_string());
            }
        }
    }

    /// A type 7 for `batch` (or, when it names none, the last batch seen).
    pub fn batch_total(
        &mut self,
        diags: &mut Diagnostics,
        at: Place,
        batch: Option<&str>,
        count: Option<u64>,
        amount: Option<i64>,
    ) {
        self.saw_batch_total = true;
        let key = batch.map(str::to_string).or_else(|| self.order.last().cloned()).unwrap_or_default();
        let what = format!("type 7 batch total (batch {key})");
        let entry = self.batches.entry(key.clone()).or_insert_with(|| (Tally::default(), false));
        if entry.1 {
            diags.warn(at.line, at.byte, format!("{what}: batch already has a type 7 total"));
            return;
        }
        entry.1 = true;
        let tally = entry.0;
        if !self.order.contains(&key) {
            self.order.push(key);
        }
        compare_count(diags, at, &what, "checks", count, tally.count);
        compare_total(diags, at, &what, amount, &tally);
    }

    /// Number of batches seen.
    pub fn batch_count(&self) -> u64 {
        self.order.len() as u64
    }

    /// Batches that had checks but no 7, when the lockbox has 7s at all.
    pub fn batches_without_total(&self) -> Vec<&str> {
        if !self.saw_batch_total {
            return Vec::new();
        }
        self.order
            .iter()
            .filter(|b| self.batches.get(b.as_str()).is_some_and(|(t, closed)| !closed && t.count > 0))
            .map(String::as_str)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> Place {
        Place { line: 9, byte: 90, currency: Currency::USD }
    }

    #[test]
    fn a_batch_total_that_differs_is_a_warning_with_the_difference() {
        let mut t = LockboxTally::default();
        t.add("001", 700000);
        t.add("001", 50);
        let mut d = Diagnostics::default();
        t.batch_total(&mut d, at(), Some("001"), Some(3), Some(700000));
        let msgs: Vec<_> = d.items().iter().map(|i| i.message.as_str()).collect();
        assert_eq!(
            msgs,
            vec![
                "type 7 batch total (batch 001): 3 checks declared but 2 counted",
                "type 7 batch total (batch 001): declared total 7000.00 differs from the checks' sum 7000.50 (difference -0.50)",
            ]
        );
        assert!(!d.has_errors());
    }

    #[test]
    fn a_sum_that_overflows_is_reported_not_wrapped() {
        let mut t = Tally { count: 0, total: Some(i128::MAX) };
        t.add(1);
        let mut d = Diagnostics::default();
        compare_total(&mut d, at(), "x", Some(1), &t);
        assert!(d.items()[0].message.contains("overflows"));
    }
}
