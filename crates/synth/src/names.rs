//! `wild` payer names (issue 10 class 6, research §7c B1): acronyms
//! (`NTS` for Northern Textile Supply), abbreviations (`Granite Mtn Ind`,
//! `Vega Pharm`), names cut at 16, 22, 28 or 35 characters, and a trade
//! alias written under another legal suffix. A form is used for a payer
//! only when it names exactly one customer of the run: [`NameIndex`]
//! counts, for every form the generator can derive, how many customers
//! derive it, so the truth never claims a customer the name cannot tell.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use crate::rng::Rng;
use crate::world::Customer;

/// Legal suffixes recognised (and swapped) in names.
const LEGAL: &[&str] =
    &["INC", "CORP", "LLC", "CO", "LTD", "GMBH", "INCORPORATED", "CORPORATION", "LIMITED", "COMPANY"];

/// Abbreviations payers' systems print (§7c B1 and issue 10's examples).
const SHORT_WORDS: &[(&str, &str)] = &[
    ("MANUFACTURING", "MFG"),
    ("INTERNATIONAL", "INTL"),
    ("SUPPLY", "SUP"),
    ("LOGISTICS", "LOG"),
    ("INDUSTRIES", "IND"),
    ("BROTHERS", "BROS"),
    ("SERVICES", "SVCS"),
    ("PACIFIC", "PAC"),
    ("TECHNOLOGIES", "TECH"),
    ("DISTRIBUTION", "DIST"),
    ("PHARMA", "PHARM"),
    ("TEXTILES", "TXTL"),
    ("CHEMICALS", "CHEM"),
    ("ELECTRIC", "ELEC"),
    ("PACKAGING", "PKG"),
    ("HARDWARE", "HDW"),
    ("MEDICAL", "MED"),
    ("BEVERAGES", "BEV"),
    ("FURNITURE", "FURN"),
    ("HIGHLAND", "HGHLD"),
    ("MOUNTAIN", "MTN"),
    ("NORTHWEST", "NW"),
    ("SOUTHEAST", "SE"),
    ("HOLDINGS", "HLDGS"),
    ("MERCHANTS", "MERCH"),
    ("WHOLESALE", "WHSL"),
];

/// Field lengths that cut payer names (ACH company name 16, ACH individual
/// name 22, lockbox remitter 28/30, SWIFT line 35).
pub const CUTS: [usize; 5] = [16, 22, 28, 30, 35];

/// Upper case, anything but letters and digits as one blank.
pub fn normalise(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for word in name.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&word.to_ascii_uppercase());
    }
    out
}

fn words(name: &str) -> (Vec<String>, Option<String>) {
    let mut w: Vec<String> = normalise(name).split(' ').map(str::to_string).collect();
    let suffix = w.last().filter(|l| LEGAL.contains(&l.as_str())).cloned();
    if suffix.is_some() {
        w.pop();
    }
    (w, suffix)
}

fn abbreviated(stem: &[String]) -> Vec<String> {
    stem.iter()
        .map(|w| SHORT_WORDS.iter().find(|(l, _)| l == w).map_or_else(|| w.clone(), |(_, s)| (*s).to_string()))
        .collect()
}

fn acronym(stem: &[String]) -> String {
    stem.iter().filter_map(|w| w.chars().next()).collect()
}

fn cut(text: &str, at: usize) -> String {
    text.chars().take(at).collect::<String>().trim_end().to_string()
}

/// Every form of `name` the generator may write (normalised).
fn forms_of(name: &str, out: &mut Vec<String>) {
    let (stem, suffix) = words(name);
    let joined = stem.join(" ");
    let full = normalise(name);
    out.push(full.clone());
    out.push(joined.clone());
    for s in LEGAL {
        out.push(format!("{joined} {s}"));
    }
    let abbr = abbreviated(&stem).join(" ");
    out.push(abbr.clone());
    let abbr_full = match &suffix {
        Some(s) => format!("{abbr} {s}"),
        None => abbr.clone(),
    };
    out.push(abbr_full.clone());
    let acro = acronym(&stem);
    out.push(acro.clone());
    out.push(format!("{acro} CO"));
    if let Some(s) = &suffix {
        out.push(format!("{acro} {s}"));
    }
    for at in CUTS {
        out.push(cut(&full, at));
        out.push(cut(&abbr_full, at));
    }
}

fn key(form: &str) -> u64 {
    let mut h = DefaultHasher::new();
    form.hash(&mut h);
    h.finish()
}

/// How many customers of the run derive each name form (hashed), and how
/// many bill under or list each exact name.
#[derive(Debug, Default)]
pub struct NameIndex {
    counts: HashMap<u64, u32>,
    exact: HashMap<u64, u32>,
}

impl NameIndex {
    /// Counts the forms of every customer's name and aliases.
    pub fn build(customers: &[Customer]) -> NameIndex {
        let mut counts: HashMap<u64, u32> = HashMap::new();
        let mut exact: HashMap<u64, u32> = HashMap::new();
        let mut forms = Vec::new();
        for c in customers {
            let mut own: Vec<u64> = std::iter::once(&c.name).chain(&c.aliases).map(|n| key(&normalise(n))).collect();
            own.sort_unstable();
            own.dedup();
            for k in own {
                *exact.entry(k).or_insert(0) += 1;
            }
            forms.clear();
            forms_of(&c.name, &mut forms);
            for a in &c.aliases {
                forms_of(a, &mut forms);
            }
            let mut keys: Vec<u64> = forms.iter().filter(|f| !f.is_empty()).map(|f| key(f)).collect();
            keys.sort_unstable();
            keys.dedup();
            for k in keys {
                *counts.entry(k).or_insert(0) += 1;
            }
        }
        NameIndex { counts, exact }
    }

    /// True when `written` names exactly one customer: it is exactly one
    /// customer's billed name or alias, or, being none, a form of exactly
    /// one customer's names.
    pub fn unique(&self, written: &str) -> bool {
        let k = key(&normalise(written));
        match self.exact.get(&k) {
            Some(n) => *n == 1,
            None => self.counts.get(&k) == Some(&1),
        }
    }
}

/// A wild payer-name form and its noise tag.
pub fn wild_form(c: &Customer, rng: &mut Rng) -> (String, &'static str) {
    let (stem, suffix) = words(&c.name);
    match rng.below(6) {
        0 => (acronym(&stem), "name_acronym"),
        1 => {
            let abbr = abbreviated(&stem).join(" ");
            match suffix {
                Some(s) if rng.below(2) == 0 => (format!("{abbr} {s}"), "name_abbreviated"),
                _ => (abbr, "name_abbreviated"),
            }
        }
        k @ 2..=4 => {
            let (at, tag) = match k {
                2 => (22, "name_cut_22"),
                3 => (35, "name_cut_35"),
                _ => (28, "name_cut_28"),
            };
            // A name no longer than the field is not cut: its acronym instead.
            if c.name.chars().count() > at {
                (cut(&c.name.to_uppercase(), at), tag)
            } else {
                (acronym(&stem), "name_acronym")
            }
        }
        _ => match &c.trade_alias {
            Some(alias) => {
                let (stem, suffix) = words(alias);
                let other: Vec<&str> =
                    ["INC", "CORP", "LLC", "LTD", "CO"].into_iter().filter(|s| Some(*s) != suffix.as_deref()).collect();
                let s = rng.pick(&other).copied().unwrap_or("LLC");
                (format!("{} {s}", stem.join(" ")), "alias_other_suffix")
            }
            None => (acronym(&stem), "name_acronym"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Profile;
    use crate::world::customer;

    #[test]
    fn an_acronym_drops_the_legal_suffix() {
        let (stem, suffix) = words("Northern Textiles Supply Inc");
        assert_eq!(acronym(&stem), "NTS");
        assert_eq!(suffix.as_deref(), Some("INC"));
        assert_eq!(abbreviated(&stem).join(" "), "NORTHERN TXTL SUP");
    }

    #[test]
    fn a_form_two_customers_derive_is_not_unique() {
        let customers: Vec<Customer> = (0..3).map(|i| customer(4, i, Profile::Wild)).collect();
        let index = NameIndex::build(&customers);
        for c in &customers {
            assert!(index.unique(&c.name), "{}", c.name);
        }
        let mut a = customers[0].clone();
        let mut b = customers[1].clone();
        a.name = "Atlas Manufacturing Corp".into();
        b.name = "Atlas Manufacturing Ltd".into();
        a.aliases.clear();
        b.aliases.clear();
        let index = NameIndex::build(&[a, b]);
        assert!(!index.unique("ATLAS MANUFACTUR"), "the 16-character cut fits both");
        assert!(!index.unique("AM"), "so does the acronym");
        assert!(index.unique("Atlas Manufacturing Corp"));
        assert!(!index.unique("ATLAS MFG LLC"), "a swapped suffix fits both");
    }
}
