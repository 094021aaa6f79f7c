//! Bounded subset-sum (research §7e 4; Oracle EBS "knapsack"): does exactly
//! one subset of a customer's open items add up to a payment? Only a unique
//! solution may be applied; two or more make the payment ambiguous.
//!
//! Bounded in both directions: at most [`MAX_ITEMS`] items (the oldest) and
//! [`MAX_NODES`] search steps; when the budget runs out the answer is
//! [`Subsets::Unknown`], which is never applied.

/// Most open items considered.
pub const MAX_ITEMS: usize = 40;
/// Most search steps.
pub const MAX_NODES: u32 = 250_000;

/// How many subsets reach the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subsets {
    /// None.
    None,
    /// Exactly one: the indices into the input.
    One(Vec<usize>),
    /// Two or more: the first two found.
    Several(Vec<usize>, Vec<usize>),
    /// The search budget ran out.
    Unknown,
}

/// Finds subsets of two or more positive `amounts` (minor units) summing to
/// `target`. Single items are the caller's business (an exact single match
/// is a different rule).
pub fn subsets_summing_to(amounts: &[i64], target: i64) -> Subsets {
    let mut items: Vec<(i64, usize)> =
        amounts.iter().copied().enumerate().filter(|(_, a)| *a > 0).map(|(i, a)| (a, i)).take(MAX_ITEMS).collect();
    items.sort_unstable_by(|a, b| b.cmp(a));
    // suffix[i] = sum of items[i..], for pruning.
    let mut suffix = vec![0i64; items.len() + 1];
    for i in (0..items.len()).rev() {
        suffix[i] = suffix[i + 1].saturating_add(items[i].0);
    }
    let mut found: Vec<Vec<usize>> = Vec::new();
    let mut nodes = 0u32;
    let mut stack: Vec<usize> = Vec::new();
    let complete = search(&items, &suffix, 0, target, &mut stack, &mut found, &mut nodes);
    let mut found: Vec<Vec<usize>> = found
        .into_iter()
        .filter(|s| s.len() >= 2)
        .map(|s| {
            let mut ids: Vec<usize> = s.iter().map(|k| items[*k].1).collect();
            ids.sort_unstable();
            ids
        })
        .collect();
    found.sort();
    match (found.len(), complete) {
        (0, true) => Subsets::None,
        (1, true) => Subsets::One(found.remove(0)),
        (n, _) if n >= 2 => Subsets::Several(found.remove(0), found.remove(0)),
        _ => Subsets::Unknown,
    }
}

/// Depth-first search; returns false when the node budget ran out.
fn search(
    items: &[(i64, usize)],
    suffix: &[i64],
    start: usize,
    remaining: i64,
    stack: &mut Vec<usize>,
    found: &mut Vec<Vec<usize>>,
    nodes: &mut u32,
) -> bool {
    if remaining == 0 {
        if stack.len() >= 2 {
            found.push(stack.clone());
        }
        return true;
    }
    for i in start..items.len() {
        *nodes += 1;
        if *nodes > MAX_NODES {
            return false;
        }
        if found.iter().filter(|s| s.len() >= 2).count() >= 2 || suffix[i] < remaining {
            return true;
        }
        let (a, _) = items[i];
        if a > remaining {
            continue;
        }
        stack.push(i);
        let ok = search(items, suffix, i + 1, remaining - a, stack, found, nodes);
        stack.pop();
        if !ok {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_unique_pair_is_found_and_two_pairs_are_ambiguous() {
        assert_eq!(subsets_summing_to(&[100, 250, 400, 999], 650), Subsets::One(vec![1, 2]));
        assert!(matches!(subsets_summing_to(&[100, 200, 300, 50, 250], 300), Subsets::Several(_, _)));
        assert_eq!(subsets_summing_to(&[100, 200], 50), Subsets::None);
        assert_eq!(subsets_summing_to(&[300, 100], 300), Subsets::None, "a single item is not a subset here");
    }

    #[test]
    fn a_hostile_set_exhausts_the_budget_and_answers_unknown_quickly() {
        let amounts: Vec<i64> = (0..40).map(|i| 1_000_000 + i * 7).collect();
        let got = subsets_summing_to(&amounts, 20_000_071);
        assert!(matches!(got, Subsets::Unknown | Subsets::Several(_, _) | Subsets::None), "{got:?}");
    }
}
