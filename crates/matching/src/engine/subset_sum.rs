//! Subset-sum for payments without usable references (CONTRACT §4 rules 7
//! and 8; Oracle EBS "knapsack"): does exactly one subset of a customer's
//! open items add up to the payment? Only a unique solution may be applied;
//! two or more make the payment ambiguous.
//!
//! Exhaustive depth-first search over all items, largest first, pruned by
//! the sum of what is left; it stops at the second solution, and after
//! [`BUDGET`] steps answers [`Subsets::Unknown`], which is never applied.

/// Most search steps.
pub const BUDGET: u64 = 200_000;

/// Most items searched (the recursion is at most this deep).
pub const MAX_ITEMS: usize = 2_000;

/// How many subsets reach the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subsets {
    /// None.
    None,
    /// Exactly one: the indices into the input, ascending.
    One(Vec<usize>),
    /// Two or more: the first two found.
    Several(Vec<usize>, Vec<usize>),
    /// The search budget ran out.
    Unknown,
}

/// Finds subsets of the positive `amounts` (minor units) summing to `target`.
pub fn subsets_summing_to(amounts: &[i64], target: i64) -> Subsets {
    if target <= 0 {
        return Subsets::None;
    }
    let mut items: Vec<(usize, i64)> =
        amounts.iter().copied().enumerate().filter(|(_, a)| *a > 0 && *a <= target).take(MAX_ITEMS).collect();
    items.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut suffix = vec![0i64; items.len() + 1];
    for i in (0..items.len()).rev() {
        suffix[i] = suffix[i + 1].saturating_add(items[i].1);
    }
    let mut search = Search { items: &items, suffix: &suffix, found: Vec::new(), budget: BUDGET };
    let mut chosen = Vec::new();
    let complete = search.dfs(0, target, &mut chosen);
    let mut found: Vec<Vec<usize>> = search
        .found
        .into_iter()
        .map(|mut s| {
            s.sort_unstable();
            s
        })
        .collect();
    match (found.len(), complete) {
        (0, true) => Subsets::None,
        (1, true) => Subsets::One(found.remove(0)),
        (n, _) if n >= 2 => {
            let a = found.remove(0);
            Subsets::Several(a, found.remove(0))
        }
        _ => Subsets::Unknown,
    }
}

struct Search<'a> {
    items: &'a [(usize, i64)],
    suffix: &'a [i64],
    found: Vec<Vec<usize>>,
    budget: u64,
}

impl Search<'_> {
    /// Returns false when the budget ran out.
    fn dfs(&mut self, from: usize, remaining: i64, chosen: &mut Vec<usize>) -> bool {
        if remaining == 0 {
            self.found.push(chosen.clone());
            return true;
        }
        if self.suffix.get(from).is_none_or(|s| *s < remaining) {
            return true;
        }
        let mut i = from;
        while let Some(&(idx, amount)) = self.items.get(i) {
            if self.found.len() >= 2 {
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

    #[test]
    fn a_unique_pair_is_found_and_two_solutions_are_ambiguous() {
        assert_eq!(subsets_summing_to(&[100, 250, 400, 999], 650), Subsets::One(vec![1, 2]));
        assert!(matches!(subsets_summing_to(&[100, 200, 300, 50, 250], 300), Subsets::Several(_, _)));
        assert_eq!(subsets_summing_to(&[100, 200], 50), Subsets::None);
        assert_eq!(subsets_summing_to(&[300, 100], 300), Subsets::One(vec![0]), "a single item is a subset too");
    }

    #[test]
    fn a_hostile_set_exhausts_the_budget_and_answers_unknown_quickly() {
        let amounts: Vec<i64> = (0..60).map(|i| 1_000_000 + i * 7).collect();
        let got = subsets_summing_to(&amounts, 7_000_001);
        assert!(matches!(got, Subsets::Unknown | Subsets::Several(_, _) | Subsets::None), "{got:?}");
    }
}
