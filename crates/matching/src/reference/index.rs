//! A sublinear reference index (issue 6 §3): exact lookup of normalised
//! keys, and a one-deletion neighbourhood (symmetric delete, as in SymSpell)
//! that finds every key within Damerau distance 1 of a query — one
//! substitution, insertion, deletion or adjacent transposition — with
//! O(query length) binary searches, never a scan of all documents. OCR
//! confusions cost nothing here because keys are OCR-folded
//! ([`super::normalise_reference`]); candidates are verified by
//! [`within_one_edit`], a linear byte comparison.
//!
//! Entries are `(hash, document)` pairs in sorted vectors: compact (12–16
//! bytes each), deterministic, and built once per run.

use rayon::prelude::*;

/// Shortest key that gets fuzzy neighbours: shorter ones collide with
/// amounts and dates too easily (Odoo ignores tokens under 4 characters).
pub const MIN_FUZZY_LEN: usize = 5;

/// A match found for a query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Hit {
    /// The document (index into the caller's list).
    pub doc: u32,
    /// Edit distance between the query key and the document key (0 = exact).
    pub distance: u8,
}

/// Exact and fuzzy lookup of document keys.
#[derive(Debug, Default)]
pub struct ReferenceIndex {
    keys: Vec<String>,
    exact: Vec<(u64, u32)>,
    deletions: Vec<(u64, u32)>,
}

/// FNV-1a: a fixed hash, so index layout never depends on a random seed.
fn hash(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &b in *part {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

/// Hashes of `key` with one byte deleted, each distinct deletion once.
fn deletion_hashes(key: &[u8], out: &mut Vec<u64>) {
    out.clear();
    for i in 0..key.len() {
        // Deleting either of two equal neighbours gives the same string.
        if i > 0 && key.get(i) == key.get(i - 1) {
            continue;
        }
        out.push(hash(&[key.get(..i).unwrap_or_default(), key.get(i + 1..).unwrap_or_default()]));
    }
}

fn lookup(entries: &[(u64, u32)], h: u64) -> impl Iterator<Item = u32> + '_ {
    let start = entries.partition_point(|(x, _)| *x < h);
    entries.get(start..).unwrap_or_default().iter().take_while(move |(x, _)| *x == h).map(|(_, d)| *d)
}

/// True when `written` is one edit from `number` ([`within_one_edit`]),
/// or is its tail with a constant prefix of two or more characters dropped
/// (`00552` of `1800000552`): how a payer writes a number it means.
pub fn near_or_tail(written: &str, number: &str) -> bool {
    within_one_edit(written, number) || (number.len() >= written.len() + 2 && number.ends_with(written))
}

/// True when `a` and `b` differ by exactly one substitution, insertion,
/// deletion or adjacent transposition (optimal string alignment distance 1),
/// checked in one pass without allocating.
pub fn within_one_edit(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let prefix = short.iter().zip(long).take_while(|(x, y)| x == y).count();
    match long.len() - short.len() {
        0 => {
            if prefix == short.len() {
                return false;
            }
            let rest = |from: usize| short.get(from..) == long.get(from..);
            // One substitution, or one adjacent transposition.
            rest(prefix + 1)
                || (short.get(prefix) == long.get(prefix + 1)
                    && short.get(prefix + 1) == long.get(prefix)
                    && rest(prefix + 2))
        }
        1 => short.get(prefix..) == long.get(prefix + 1..),
        _ => false,
    }
}

impl ReferenceIndex {
    /// Builds the index over `keys` (document `i` has key `keys[i]`; empty
    /// keys are not indexed).
    pub fn build(keys: Vec<String>) -> Self {
        let mut exact = Vec::with_capacity(keys.len());
        let mut deletions = Vec::new();
        let mut buf = Vec::new();
        for (i, key) in keys.iter().enumerate() {
            let Ok(doc) = u32::try_from(i) else { break };
            if key.is_empty() {
                continue;
            }
            exact.push((hash(&[key.as_bytes()]), doc));
            if key.len() >= MIN_FUZZY_LEN {
                deletion_hashes(key.as_bytes(), &mut buf);
                deletions.extend(buf.iter().map(|h| (*h, doc)));
            }
        }
        exact.par_sort_unstable();
        deletions.par_sort_unstable();
        deletions.dedup();
        ReferenceIndex { keys, exact, deletions }
    }

    /// The key of a document.
    pub fn key(&self, doc: u32) -> &str {
        self.keys.get(doc as usize).map_or("", String::as_str)
    }

    /// Documents whose key equals `key`.
    pub fn exact(&self, key: &str) -> Vec<u32> {
        if key.is_empty() {
            return Vec::new();
        }
        let mut docs: Vec<u32> = lookup(&self.exact, hash(&[key.as_bytes()])).filter(|d| self.key(*d) == key).collect();
        docs.sort_unstable();
        docs
    }

    /// Documents within distance 1 of `key` (exact ones included, with
    /// distance 0), sorted by distance then document.
    pub fn near(&self, key: &str) -> Vec<Hit> {
        let mut hits: Vec<Hit> = self.exact(key).into_iter().map(|doc| Hit { doc, distance: 0 }).collect();
        if key.len() + 1 < MIN_FUZZY_LEN {
            return hits;
        }
        let bytes = key.as_bytes();
        let mut candidates: Vec<u32> = lookup(&self.deletions, hash(&[bytes])).collect();
        let mut buf = Vec::new();
        deletion_hashes(bytes, &mut buf);
        for h in &buf {
            candidates.extend(lookup(&self.exact, *h));
            candidates.extend(lookup(&self.deletions, *h));
        }
        candidates.sort_unstable();
        candidates.dedup();
        for doc in candidates {
            if hits.iter().any(|h| h.doc == doc) {
                continue;
            }
            if within_one_edit(key, self.key(doc)) {
                hits.push(Hit { doc, distance: 1 });
            }
        }
        hits.sort_unstable_by_key(|h| (h.distance, h.doc));
        hits
    }

    /// Documents one edit away from a short all-digit key (3 or 4 digits,
    /// too short for the deletion index): every substitution, insertion,
    /// deletion and adjacent transposition of it looked up exactly, about
    /// a hundred binary searches. Other keys: as [`Self::near`].
    pub fn near_short(&self, key: &str) -> Vec<Hit> {
        if key.len() >= MIN_FUZZY_LEN || key.len() < 3 || !key.bytes().all(|b| b.is_ascii_digit()) {
            return self.near(key);
        }
        let b = key.as_bytes();
        let mut variants: Vec<Vec<u8>> = Vec::new();
        for i in 0..=b.len() {
            for d in b'0'..=b'9' {
                let mut ins = b.to_vec();
                ins.insert(i, d);
                variants.push(ins);
                if i < b.len() && b.get(i) != Some(&d) {
                    let mut sub = b.to_vec();
                    if let Some(x) = sub.get_mut(i) {
                        *x = d;
                    }
                    variants.push(sub);
                }
            }
            if i < b.len() {
                let mut del = b.to_vec();
                del.remove(i);
                variants.push(del);
            }
            if i + 1 < b.len() && b.get(i) != b.get(i + 1) {
                let mut swap = b.to_vec();
                swap.swap(i, i + 1);
                variants.push(swap);
            }
        }
        let mut hits: Vec<Hit> = self.exact(key).into_iter().map(|doc| Hit { doc, distance: 0 }).collect();
        for v in variants {
            let Ok(v) = std::str::from_utf8(&v) else { continue };
            for doc in self.exact(v) {
                if !hits.iter().any(|h| h.doc == doc) {
                    hits.push(Hit { doc, distance: 1 });
                }
            }
        }
        hits.sort_unstable_by_key(|h| (h.distance, h.doc));
        hits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(keys: &[&str]) -> ReferenceIndex {
        ReferenceIndex::build(keys.iter().map(|k| k.to_string()).collect())
    }

    #[test]
    fn a_short_key_finds_its_neighbours_one_edit_away() {
        let idx = index(&["617", "687", "6170", "17", "999"]);
        let docs = |q: &str| idx.near_short(q).iter().map(|h| (h.doc, h.distance)).collect::<Vec<_>>();
        assert_eq!(docs("617"), [(0, 0), (1, 1), (2, 1), (3, 1)]);
    }

    #[test]
    fn one_typo_of_any_kind_is_found_and_two_are_not() {
        let idx = index(&["4711093", "4711094", "9990001"]);
        let docs = |q: &str| idx.near(q).iter().map(|h| (h.doc, h.distance)).collect::<Vec<_>>();
        assert_eq!(docs("4711093"), [(0, 0), (1, 1)], "exact, and its neighbour one digit away");
        assert_eq!(docs("4710193"), [(0, 1)], "adjacent transposition");
        assert_eq!(docs("471193"), [(0, 1)], "deletion");
        assert_eq!(docs("47110933"), [(0, 1)], "insertion");
        assert_eq!(docs("4711083"), [(0, 1)], "substitution");
        assert!(docs("4171903").is_empty(), "two transpositions");
    }

    #[test]
    fn the_linear_one_edit_check_agrees_with_the_full_distance() {
        let words = [
            "4711093", "4711094", "4710193", "471193", "47110933", "4171903", "", "1", "12", "21", "abc", "acb", "bca",
        ];
        for a in words {
            for b in words {
                assert_eq!(within_one_edit(a, b), strsim::osa_distance(a, b) == 1, "{a} {b}");
            }
        }
    }

    #[test]
    fn short_keys_match_only_exactly() {
        let idx = index(&["123", "1234"]);
        assert_eq!(idx.near("124").len(), 0);
        assert_eq!(idx.exact("123"), [0]);
    }

    #[test]
    fn every_one_of_200_000_keys_finds_itself_exactly() {
        let keys: Vec<String> = (0..200_000u32).map(|i| format!("{:07}", i * 37 % 9_999_991)).collect();
        let idx = ReferenceIndex::build(keys.clone());
        for q in keys.iter().step_by(20_000) {
            assert!(idx.near(q).iter().any(|h| h.distance == 0));
        }
    }
}
