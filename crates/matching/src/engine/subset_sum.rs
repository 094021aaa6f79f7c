//! Subset-sum for payments without usable references (CONTRACT §4 rules 7
//! and 8; Oracle EBS "knapsack"): does exactly one subset of a customer's
//! open items add up to the payment? Only a unique solution may be applied;
//! two or more make the payment ambiguous.
//!
//! Exhaustive depth-first search over all items, largest first, pruned by
//! the sum of what is left; it stops at the second solution. After
//! [`BUDGET`] steps (many similar amounts, a large set) the count is made
//! exact by dynamic programming over the sums up to the target, when its
//! table fits [`TABLE_WORDS`] (items × target bits); only beyond that is the
//! answer [`Subsets::Unknown`], which is never applied.

/// Most search steps.
pub const BUDGET: u64 = 200_000;

/// Most items searched (the recursion is at most this deep).
pub const MAX_ITEMS: usize = 2_000;

/// Largest table of the exact count, in 64-bit words (8 MiB): items ×
/// (target + 1) bits.
pub const TABLE_WORDS: usize = 1 << 20;

/// Largest count made without the table (items × target bits, in words):
/// it tells none from several, but cannot name the one subset, which then
/// stays [`Subsets::Unknown`].
pub const COUNT_WORDS: usize = 1 << 22;

/// How many subsets reach the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subsets {
    /// None.
    None,
    /// Exactly one: the indices into the input, ascending.
    One(Vec<usize>),
    /// Two or more: the first two found (both empty when only counted:
    /// see [`COUNT_WORDS`]).
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
        _ => counted(&items, target).unwrap_or(Subsets::Unknown),
    }
}

/// The exact answer by counting, for every sum up to `target`, the subsets
/// of the first k `items` reaching it (saturated at two, [`Counts`]). The bit sets of each
/// prefix are kept to read a subset back from the target; when two subsets
/// reach it, the walk back splits where both choices of an item do, which
/// gives two different ones. `None` when the table would exceed
/// [`TABLE_WORDS`].
fn counted(items: &[(usize, i64)], target: i64) -> Option<Subsets> {
    let t = usize::try_from(target).ok()?;
    let words = t / 64 + 1;
    let size = words.checked_mul(items.len() + 1)?;
    if size > TABLE_WORDS {
        return (size <= COUNT_WORDS).then(|| counted_only(items, t, words)).flatten();
    }
    let mut counts = Counts::new(words);
    // `reach[k]`: sums some subset of the first k items reaches.
    let mut reach: Vec<Vec<u64>> = Vec::with_capacity(items.len() + 1);
    for &(_, amount) in items {
        reach.push(counts.once.clone());
        counts.add(usize::try_from(amount).ok()?);
    }
    if !bit(&counts.once, t) {
        return Some(Subsets::None);
    }
    let several = bit(&counts.twice, t);
    reach.push(counts.once);
    // Walk back from the target: item k is in the subset when the items
    // before it do not reach the sum without it (then they reach the sum
    // less its amount).
    let walk = |mut s: usize, mut k: usize, mut set: Vec<usize>| -> Vec<usize> {
        while k > 0 {
            k -= 1;
            let (idx, a) = items[k];
            if bit(&reach[k], s) {
                continue;
            }
            set.push(idx);
            s -= a as usize;
        }
        set.sort_unstable();
        set
    };
    if !several {
        return Some(Subsets::One(walk(t, items.len(), Vec::new())));
    }
    let (mut s, mut k, mut common) = (t, items.len(), Vec::new());
    while k > 0 {
        k -= 1;
        let (idx, a) = items[k];
        let a = a as usize;
        let without = bit(&reach[k], s);
        let with = s >= a && bit(&reach[k], s - a);
        if with && without {
            let mut in_set = common.clone();
            in_set.push(idx);
            let a_set = walk(s - a, k, in_set);
            let b_set = walk(s, k, common);
            return Some(Subsets::Several(a_set, b_set));
        }
        if with {
            common.push(idx);
            s -= a;
        }
    }
    // Unreachable when two subsets reach the target; answer safely.
    Some(Subsets::Unknown)
}

/// The count of [`counted`] without its table: none, several (named by
/// no subset), or `Unknown` for exactly one, which it cannot name.
fn counted_only(items: &[(usize, i64)], t: usize, words: usize) -> Option<Subsets> {
    let mut counts = Counts::new(words);
    for &(_, amount) in items {
        counts.add(usize::try_from(amount).ok()?);
    }
    Some(match (bit(&counts.once, t), bit(&counts.twice, t)) {
        (false, _) => Subsets::None,
        (true, true) => Subsets::Several(Vec::new(), Vec::new()),
        (true, false) => Subsets::Unknown,
    })
}

/// Which sums up to the target some subset of the items added so far
/// reaches (`once`), and which two or more reach (`twice`), as bit sets.
struct Counts {
    once: Vec<u64>,
    twice: Vec<u64>,
}

impl Counts {
    /// No items yet: only the empty sum, once.
    fn new(words: usize) -> Counts {
        let mut once = vec![0u64; words];
        if let Some(w) = once.first_mut() {
            *w = 1;
        }
        Counts { once, twice: vec![0u64; words] }
    }

    /// One more item of `amount`: a sum is reached once when it was before
    /// or `amount` below it was; twice when it was twice before, or twice
    /// below, or once each.
    fn add(&mut self, amount: usize) {
        let once_up = shifted(&self.once, amount);
        let twice_up = shifted(&self.twice, amount);
        for (k, (o, t)) in self.once.iter_mut().zip(self.twice.iter_mut()).enumerate() {
            let (up1, up2) = (once_up.get(k).copied().unwrap_or(0), twice_up.get(k).copied().unwrap_or(0));
            *t |= up2 | (*o & up1);
            *o |= up1;
        }
    }
}

/// Bit `i` of a bit set.
fn bit(set: &[u64], i: usize) -> bool {
    set.get(i / 64).is_some_and(|w| w >> (i % 64) & 1 == 1)
}

/// The bit set moved up by `by` bits (sums plus `by`), cut at its length.
fn shifted(set: &[u64], by: usize) -> Vec<u64> {
    let mut out = vec![0u64; set.len()];
    let (words, bits) = (by / 64, by % 64);
    for k in (words..set.len()).rev() {
        let lo = set[k - words];
        let below = if bits > 0 && k > words { set[k - words - 1] >> (64 - bits) } else { 0 };
        out[k] = if bits > 0 { lo << bits | below } else { lo };
    }
    out
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
    fn a_set_too_large_to_name_its_subsets_is_still_counted_as_none_or_several() {
        // 130 similar amounts near 1,000.00 and targets of about 10,000.00:
        // the table would exceed its limit, the count alone does not.
        let amounts: Vec<i64> = (0..130).map(|i| 100_000 + i * 7).collect();
        let items: Vec<(usize, i64)> = amounts.iter().copied().enumerate().collect();
        let words = 1_000_100 / 64 + 1;
        assert!(words * (items.len() + 1) > TABLE_WORDS && words * (items.len() + 1) <= COUNT_WORDS);
        assert_eq!(counted(&items, 1_000_001), Some(Subsets::None), "no set of these ends in 1");
        assert_eq!(counted(&items, 1_000_700), Some(Subsets::Several(Vec::new(), Vec::new())));
        // The smallest ten alone reach 1,000,315: one subset, which the count cannot name.
        assert_eq!(counted(&items, 1_000_315), Some(Subsets::Unknown));
    }

    #[test]
    fn a_hostile_set_exhausts_the_budget_and_answers_unknown_quickly() {
        // 60 similar amounts and a target whose table is too large to count.
        let amounts: Vec<i64> = (0..60).map(|i| 1_000_000_000 + i * 7).collect();
        let got = subsets_summing_to(&amounts, 7_000_000_001);
        assert_eq!(got, Subsets::Unknown);
    }

    /// Every subset of `amounts` summing to `target`, by enumeration.
    fn brute(amounts: &[i64], target: i64) -> Vec<Vec<usize>> {
        (0u32..1 << amounts.len())
            .filter(|m| (0..amounts.len()).filter(|i| m >> i & 1 == 1).map(|i| amounts[i]).sum::<i64>() == target)
            .map(|m| (0..amounts.len()).filter(|i| m >> i & 1 == 1).collect())
            .collect()
    }

    #[test]
    fn the_exact_count_agrees_with_enumeration_and_names_real_subsets() {
        // A small linear congruential generator: the same cases every run.
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |m: u64| {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (x >> 33) % m
        };
        for _ in 0..400 {
            let n = 1 + next(12) as usize;
            let amounts: Vec<i64> = (0..n).map(|_| 1 + next(40) as i64).collect();
            let target = 1 + next(120) as i64;
            let items: Vec<(usize, i64)> = amounts.iter().copied().enumerate().filter(|(_, a)| *a <= target).collect();
            let all = brute(&amounts, target);
            let got = counted(&items, target).expect("a small table");
            match (all.len(), got) {
                (0, Subsets::None) => {}
                (1, Subsets::One(set)) => assert_eq!(set, all[0], "{amounts:?} {target}"),
                (n, Subsets::Several(a, b)) if n >= 2 => {
                    assert_ne!(a, b, "two different subsets");
                    assert!(all.contains(&a) && all.contains(&b), "{amounts:?} {target}: {a:?} {b:?}");
                }
                (n, got) => panic!("{amounts:?} {target}: {n} subsets, answered {got:?}"),
            }
        }
    }

    #[test]
    fn a_set_the_search_runs_out_of_steps_on_is_still_answered_exactly_when_its_table_is_small() {
        // 40 similar amounts: choosing 7 of them has 18 million ways, past
        // the depth-first budget. Only the 7 smallest reach 70,147; no set
        // reaches 70,001; many reach 70,700.
        let amounts: Vec<i64> = (0..40).map(|i| 10_000 + i * 7).collect();
        assert_eq!(subsets_summing_to(&amounts, 70_147), Subsets::One((0..7).collect()));
        assert_eq!(subsets_summing_to(&amounts, 70_001), Subsets::None);
        assert!(matches!(subsets_summing_to(&amounts, 70_700), Subsets::Several(_, _)));
    }
}
