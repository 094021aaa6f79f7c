//! The CONTRACT §3–§4 arithmetic the truth follows, in integer minor units.

use cashapply_model::Currency;
use chrono::{Days, NaiveDate};

/// Discount grace days (CONTRACT §3 config default).
pub const DISCOUNT_GRACE_DAYS: u64 = 3;

/// Write-off tolerance: the lower of 5.00 and 0.5% of the open amount
/// (CONTRACT §3). 0.5% is rounded down to the currency's minor unit, so a
/// shortfall is within tolerance only if it is at most the exact 0.5%.
pub fn write_off_tolerance(open: i64, currency: Currency) -> i64 {
    let five = 5 * 10_i64.pow(currency.minor_digits());
    let half_percent = i64::try_from(i128::from(open.max(0)) * 5 / 1000).unwrap_or(i64::MAX);
    five.min(half_percent)
}

/// The discount amount for `basis_points` (200 = 2%) of `open`, rounded
/// half up to the minor unit.
pub fn discount_amount(open: i64, basis_points: u32) -> i64 {
    let x = i128::from(open) * i128::from(basis_points);
    i64::try_from((x + 5_000) / 10_000).unwrap_or(0)
}

/// A discount is earned when the value date is on or before the last
/// discount day plus the grace days (CONTRACT §3).
pub fn discount_earned(value_date: NaiveDate, until: NaiveDate) -> bool {
    until.checked_add_days(Days::new(DISCOUNT_GRACE_DAYS)).is_some_and(|last| value_date <= last)
}

/// What an exhaustive search for subsets of open items summing to an
/// amount found (CONTRACT §4 rules 7 and 8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubsetResult {
    /// No subset has the amount.
    None,
    /// Exactly one subset has it (item indices, ascending).
    One(Vec<usize>),
    /// Several subsets have it.
    Many,
    /// The search budget ran out before the count was settled.
    Inconclusive,
}

/// Nodes the subset search may visit before it gives up.
pub const SUBSET_BUDGET: u64 = 200_000;

/// Counts the subsets of `items` (index, positive amount) whose amounts sum
/// exactly to `target`, up to two. Depth-first over items sorted by amount,
/// descending, pruned by the remaining sum.
pub fn unique_subset(items: &[(usize, i64)], target: i64) -> SubsetResult {
    if target <= 0 {
        return SubsetResult::None;
    }
    let mut sorted: Vec<(usize, i64)> = items.iter().copied().filter(|(_, a)| *a > 0 && *a <= target).collect();
    sorted.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut suffix = vec![0_i64; sorted.len() + 1];
    for i in (0..sorted.len()).rev() {
        suffix[i] = suffix[i + 1].saturating_add(sorted.get(i).map_or(0, |x| x.1));
    }
    let mut search = Search { items: &sorted, suffix: &suffix, found: Vec::new(), count: 0, budget: SUBSET_BUDGET };
    let mut chosen = Vec::new();
    let complete = search.dfs(0, target, &mut chosen);
    match (search.count, complete) {
        (0, true) => SubsetResult::None,
        (1, true) => {
            let mut one = search.found;
            one.sort_unstable();
            SubsetResult::One(one)
        }
        (c, _) if c >= 2 => SubsetResult::Many,
        _ => SubsetResult::Inconclusive,
    }
}

struct Search<'a> {
    items: &'a [(usize, i64)],
    suffix: &'a [i64],
    found: Vec<usize>,
    count: u32,
    budget: u64,
}

impl Search<'_> {
    /// Returns false when the budget ran out.
    fn dfs(&mut self, from: usize, remaining: i64, chosen: &mut Vec<usize>) -> bool {
        if remaining == 0 {
            self.count += 1;
            if self.count == 1 {
                self.found.clone_from(chosen);
            }
            return true;
        }
        if self.suffix.get(from).is_none_or(|s| *s < remaining) {
            return true;
        }
        let mut i = from;
        while let Some(&(idx, amount)) = self.items.get(i) {
            if self.count >= 2 {
                return true;
            }
            if self.budget == 0 {
                return false;
            }
            self.budget -= 1;
            if self.suffix.get(i).is_none_or(|s| *s < remaining) {
                break;
            }
            if amount <= remaining {
                chosen.push(idx);
                let ok = self.dfs(i + 1, remaining - amount, chosen);
                chosen.pop();
                if !ok {
                    return false;
                }
            }
            i += 1;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd() -> Currency {
        Currency::USD
    }

    #[test]
    fn tolerance_is_the_lower_of_five_and_half_a_percent() {
        assert_eq!(write_off_tolerance(100_000, usd()), 500, "1000.00 → 5.00");
        assert_eq!(write_off_tolerance(200_000, usd()), 500, "2000.00 → 5.00 cap");
        assert_eq!(write_off_tolerance(50_000, usd()), 250, "500.00 → 2.50");
        assert_eq!(write_off_tolerance(12_345, usd()), 61, "123.45 → 0.61 (0.617 rounded down)");
        let jpy = Currency::parse("JPY").unwrap();
        assert_eq!(write_off_tolerance(100_000, jpy), 5, "¥100,000 → ¥5");
    }

    #[test]
    fn discounts_round_half_up_to_the_cent() {
        assert_eq!(discount_amount(100_000, 200), 2_000);
        assert_eq!(discount_amount(12_345, 150), 185, "185.175 cents → 185");
        assert_eq!(discount_amount(10_025, 200), 201, "200.5 cents → 201");
    }

    #[test]
    fn a_discount_is_still_earned_on_the_last_grace_day_but_not_after() {
        let until = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        assert!(discount_earned(NaiveDate::from_ymd_opt(2026, 3, 5).unwrap(), until));
        assert!(!discount_earned(NaiveDate::from_ymd_opt(2026, 3, 6).unwrap(), until));
    }

    #[test]
    fn a_single_matching_item_is_the_unique_subset() {
        let items = [(0, 100), (1, 250), (2, 999)];
        assert_eq!(unique_subset(&items, 250), SubsetResult::One(vec![1]));
        assert_eq!(unique_subset(&items, 349), SubsetResult::None);
        assert_eq!(unique_subset(&items, 1_099), SubsetResult::One(vec![0, 2]));
    }

    #[test]
    fn two_items_with_the_same_amount_make_the_amount_ambiguous() {
        assert_eq!(unique_subset(&[(0, 500), (1, 500), (2, 7)], 500), SubsetResult::Many);
        assert_eq!(unique_subset(&[(0, 300), (1, 200), (2, 500)], 500), SubsetResult::Many, "300+200 also fits");
    }

    #[test]
    fn a_huge_search_reports_inconclusive_instead_of_running_forever() {
        let items: Vec<(usize, i64)> = (0..200).map(|i| (i, 1_000 + (i as i64 % 7))).collect();
        let r = unique_subset(&items, 1_000 * 60 + 1_234_567);
        assert!(matches!(r, SubsetResult::Inconclusive | SubsetResult::None | SubsetResult::Many), "{r:?}");
    }
}
