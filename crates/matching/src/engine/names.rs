//! Payer names and bank accounts (research §7c B): upper case, punctuation
//! gone, legal suffixes dropped (`Atlas Manufacturing Corp.` ≈ `ATLAS
//! MANUFACTURING`), then exact lookup of names and aliases, and fuzzy
//! candidates from shared name tokens scored with Jaro-Winkler, plus
//! acronyms (`PCS` for `Pac Coast Supply`). Never a scan of all customers.

use std::collections::HashMap;

use rust_decimal::Decimal;

use crate::inputs::Customer;

/// Words that say what kind of company it is, not which.
const LEGAL_WORDS: &[&str] = &[
    "INC",
    "INCORPORATED",
    "LLC",
    "LTD",
    "LIMITED",
    "CORP",
    "CORPORATION",
    "CO",
    "COMPANY",
    "GMBH",
    "AG",
    "SA",
    "SAS",
    "SARL",
    "BV",
    "NV",
    "PLC",
    "LLP",
    "LP",
    "THE",
    "AND",
    "OY",
    "AB",
    "AS",
    "SPA",
    "SRL",
    "PTY",
    "KG",
];

/// A token shared by more customers than this is too common to retrieve by.
const MAX_TOKEN_POSTINGS: usize = 2000;

/// Normalises a company name.
pub fn normalise_name(name: &str) -> String {
    let upper: String = name.chars().map(|c| if c.is_alphanumeric() { c.to_ascii_uppercase() } else { ' ' }).collect();
    let words: Vec<&str> = upper.split_whitespace().filter(|w| !LEGAL_WORDS.contains(w)).collect();
    words.join(" ")
}

/// Normalises a bank account: upper case, blanks and dashes removed
/// (IBANs are printed in groups of four).
pub fn normalise_account(account: &str) -> String {
    account.chars().filter(|c| !c.is_whitespace() && *c != '-').map(|c| c.to_ascii_uppercase()).collect()
}

/// Names and aliases of all customers.
#[derive(Debug, Default)]
pub struct NameIndex {
    exact: HashMap<String, Vec<u32>>,
    tokens: HashMap<String, Vec<u32>>,
    acronyms: HashMap<String, Vec<u32>>,
    names: Vec<Vec<String>>,
}

/// Similarity as a three-decimal score.
fn score(x: f64) -> Decimal {
    Decimal::new((x * 1000.0).round() as i64, 3)
}

impl NameIndex {
    /// Indexes every customer's name and aliases.
    pub fn build(customers: &[Customer]) -> NameIndex {
        let mut index = NameIndex::default();
        for (i, c) in customers.iter().enumerate() {
            let i = i as u32;
            let mut names: Vec<String> =
                std::iter::once(&c.name).chain(&c.aliases).map(|n| normalise_name(n)).collect();
            names.retain(|n| !n.is_empty());
            names.dedup();
            for n in &names {
                index.exact.entry(n.clone()).or_default().push(i);
                for t in n.split(' ').filter(|t| t.len() >= 3) {
                    let list = index.tokens.entry(t.to_string()).or_default();
                    if list.last() != Some(&i) {
                        list.push(i);
                    }
                }
                let words: Vec<&str> = n.split(' ').collect();
                if words.len() >= 2 {
                    let acronym: String = words.iter().filter_map(|w| w.chars().next()).collect();
                    index.acronyms.entry(acronym).or_default().push(i);
                }
            }
            index.names.push(names);
        }
        index
    }

    /// Customers a payer name may be, best first: exact name or alias 1.000;
    /// otherwise the best Jaro-Winkler similarity over each candidate's
    /// names; an acronym scores 0.850.
    pub fn lookup(&self, payer: &str) -> Vec<(u32, Decimal)> {
        let n = normalise_name(payer);
        if n.is_empty() {
            return Vec::new();
        }
        if let Some(hits) = self.exact.get(&n) {
            let mut out: Vec<(u32, Decimal)> = hits.iter().map(|c| (*c, Decimal::ONE)).collect();
            out.sort();
            out.dedup();
            return out;
        }
        let mut candidates: Vec<u32> = n
            .split(' ')
            .filter(|t| t.len() >= 3)
            .filter_map(|t| self.tokens.get(t))
            .filter(|list| list.len() <= MAX_TOKEN_POSTINGS)
            .flatten()
            .copied()
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        let mut out: Vec<(u32, Decimal)> = candidates
            .into_iter()
            .map(|c| {
                let best = self
                    .names
                    .get(c as usize)
                    .into_iter()
                    .flatten()
                    .map(|name| strsim::jaro_winkler(&n, name))
                    .fold(0.0f64, f64::max);
                (c, score(best))
            })
            .collect();
        for word in n.split(' ') {
            for c in self.acronyms.get(word).into_iter().flatten() {
                if !out.iter().any(|(x, _)| x == c) {
                    out.push((*c, Decimal::new(850, 3)));
                }
            }
        }
        out.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn customer(id: &str, name: &str, aliases: &[&str]) -> Customer {
        Customer {
            id: id.into(),
            name: name.into(),
            aliases: aliases.iter().map(|a| a.to_string()).collect(),
            bank_accounts: vec![],
            parent_id: None,
            line: 0,
        }
    }

    #[test]
    fn legal_suffixes_case_and_punctuation_do_not_hide_a_customer() {
        let idx = NameIndex::build(&[
            customer("C1", "Atlas Manufacturing Corp.", &["ATLAS MFG"]),
            customer("C2", "Globex, Inc.", &[]),
        ]);
        assert_eq!(idx.lookup("ATLAS MANUFACTURING CORPORATION"), [(0, Decimal::ONE)]);
        assert_eq!(idx.lookup("atlas mfg"), [(0, Decimal::ONE)]);
        assert_eq!(idx.lookup("GLOBEX INC"), [(1, Decimal::ONE)]);
    }

    #[test]
    fn a_variant_name_scores_high_and_an_acronym_is_found() {
        let idx =
            NameIndex::build(&[customer("C1", "Pacific Coast Supply", &[]), customer("C2", "Pacific Rim Foods", &[])]);
        let got = idx.lookup("PACIFIC COAST SUPPLY CO");
        assert_eq!(got[0], (0, Decimal::ONE), "legal word dropped, exact");
        let got = idx.lookup("PACIFIC COAST SUPPLIES");
        assert_eq!(got[0].0, 0);
        assert!(got[0].1 > Decimal::new(900, 3), "{got:?}");
        assert_eq!(idx.lookup("PCS")[0], (0, Decimal::new(850, 3)));
    }

    #[test]
    fn ibans_in_groups_match_ibans_without_blanks() {
        assert_eq!(normalise_account("de89 3704 0044 0532 0130 00"), "DE89370400440532013000");
    }
}
