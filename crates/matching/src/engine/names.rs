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
    "PLLC",
    "LTD",
    "LTDA",
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
    "SL",
    "SE",
    "BV",
    "NV",
    "PLC",
    "LLP",
    "LP",
    "PC",
    "THE",
    "AND",
    "OY",
    "AB",
    "AS",
    "SPA",
    "SRL",
    "PTY",
    "PTE",
    "PVT",
    "KG",
    "KK",
    "BHD",
    "SDN",
    "ULC",
];

/// A token shared by more customers than this is too common to retrieve by.
const MAX_TOKEN_POSTINGS: usize = 2000;

/// Candidates scored per payer name, the best-supported first: the cost of
/// a lookup does not grow with the number of customers.
const MAX_SCORED: usize = 48;

/// Customer entries gathered from shared words before scoring, at most
/// (the rarest word's customers are always taken).
const MAX_POOL: usize = 1024;

/// A name word worth retrieving customers by: three letters or more, or a
/// number of any length (the `12` of `… DIVISION 12`, a store number).
fn retrievable(word: &str) -> bool {
    word.len() >= 3 || is_number(word)
}

/// True for a word of digits only.
fn is_number(word: &str) -> bool {
    !word.is_empty() && word.bytes().all(|b| b.is_ascii_digit())
}

/// The numbers a payer writes in its name (`293` of `REDWOOD FINANCIAL
/// DIVISION 293`): a numbered unit of a company (a division, store, branch)
/// is named by its number, so a customer whose name carries every one of
/// them is that unit, and a name with other numbers is another unit.
fn numbers<'a>(words: &[&'a str]) -> Vec<&'a str> {
    words.iter().copied().filter(|w| is_number(w)).collect()
}

/// True when a customer's (normalised) name carries every number of the
/// payer's.
fn numbered_alike(payer_numbers: &[&str], name: &str) -> bool {
    payer_numbers.iter().all(|n| name.split(' ').any(|w| w == *n))
}

/// A short form of a numbered unit's name: the payer's words, number
/// included, stand in order for words of the name (same word, beginning or
/// abbreviation), starting with its first word, words in between left out
/// (`REDWOOD FINANCIAL DIVISION 293` for `REDWOOD FINANCIAL SERVICES
/// DIVISION 293`).
fn short_form_of_unit(payer: &[&str], name: &str) -> bool {
    let name: Vec<&str> = name.split(' ').collect();
    let (Some(first), Some(name_first)) = (payer.first(), name.first()) else { return false };
    if word_match(first, name_first) < 0.85 || payer.len() < 2 {
        return false;
    }
    let mut at = 1;
    for w in payer.iter().skip(1) {
        match name.iter().skip(at).position(|n| if is_number(w) { n == w } else { word_match(w, n) >= 0.85 }) {
            Some(k) => at += k + 1,
            None => return false,
        }
    }
    true
}

/// True when a customer's name carries numbers of its own and not every
/// one the payer wrote: another numbered unit of the same company.
fn numbered_otherwise(payer_numbers: &[&str], name: &str) -> bool {
    !payer_numbers.is_empty() && name.split(' ').any(is_number) && !numbered_alike(payer_numbers, name)
}

/// Normalises a company name: upper case, punctuation to blanks, dotted
/// initials joined (`L.L.C.` → `LLC`, `S.A.` → `SA`), legal words dropped.
pub fn normalise_name(name: &str) -> String {
    let mut words = name_words(name);
    complete_cut_legal_form(&mut words);
    words.retain(|w| !LEGAL_WORDS.contains(&w.as_str()));
    words.join(" ")
}

/// A name's last word that is the beginning of a long legal form, cut by
/// the bank's field (`COBALT INDUSTRIES INCORPORAT` at 28 characters), is
/// that legal form: five letters at least, after two words of the name.
fn complete_cut_legal_form(words: &mut [String]) {
    const LONG_FORMS: [&str; 4] = ["INCORPORATED", "CORPORATION", "LIMITED", "COMPANY"];
    if words.len() < 3 {
        return;
    }
    if let Some(last) = words.last_mut()
        && last.len() >= 5
        && let Some(form) = LONG_FORMS.iter().find(|f| f.len() > last.len() && f.starts_with(last.as_str()))
    {
        *last = (*form).to_string();
    }
}

/// A name's words: upper case, punctuation to blanks, apostrophes dropped,
/// dotted initials joined (`L.L.C.` → `LLC`).
fn name_words(name: &str) -> Vec<String> {
    let upper: String = name
        .chars()
        .filter(|c| *c != '\'')
        .map(|c| if c.is_alphanumeric() { c.to_ascii_uppercase() } else { ' ' })
        .collect();
    let mut words: Vec<String> = Vec::new();
    let mut initials = String::new();
    for w in upper.split_whitespace() {
        if w.chars().count() == 1 && w.chars().all(|c| c.is_ascii_alphabetic()) {
            initials.push_str(w);
            continue;
        }
        if !initials.is_empty() {
            words.push(std::mem::take(&mut initials));
        }
        words.push(w.to_string());
    }
    if !initials.is_empty() {
        words.push(initials);
    }
    words
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
    /// Initials read only when they are the payer's whole name (`PCL`,
    /// `CMS`): those taking in the legal form, and those of a numbered
    /// unit's company. As one word among others (`CHEN WEI`) they would be
    /// coincidences.
    whole_acronyms: HashMap<String, Vec<u32>>,
    names: Vec<Vec<String>>,
    /// Each customer's names with their legal form kept ([`with_legal_form`]).
    legal: Vec<Vec<String>>,
}

/// A company name with its legal form kept, the long forms written short
/// (`INCORPORATED` → `INC`, `CORPORATION` → `CORP`, `COMPANY` → `CO`,
/// `LIMITED` → `LTD`): what tells `RIVERBEND BUILDERS INC` from
/// `RIVERBEND BUILDERS LLC`, two customers whose names are otherwise one.
fn with_legal_form(name: &str) -> String {
    let mut words = name_words(name);
    complete_cut_legal_form(&mut words);
    let short = |w: String| match w.as_str() {
        "INCORPORATED" => "INC".to_string(),
        "CORPORATION" => "CORP".to_string(),
        "COMPANY" => "CO".to_string(),
        "LIMITED" => "LTD".to_string(),
        _ => w,
    };
    words.into_iter().map(short).filter(|w| w != "THE" && w != "AND").collect::<Vec<_>>().join(" ")
}

/// Similarity as a three-decimal score.
fn score(x: f64) -> Decimal {
    Decimal::new((x * 1000.0).round() as i64, 3)
}

/// How well one payer word stands for one name word: the same word 1.0;
/// its beginning (`PHARM` for `PHARMACEUTICALS`, a word cut by the
/// channel) 0.9; an abbreviation keeping the first letter and then some of
/// the others in order (`MTN` for `MOUNTAIN`, `IND` for `INDUSTRIES`) 0.85.
fn word_match(payer: &str, name: &str) -> f64 {
    if payer == name {
        return 1.0;
    }
    if payer.len() >= 2 && name.starts_with(payer) {
        return 0.9;
    }
    let mut rest = name.chars();
    let first_same = payer.chars().next() == name.chars().next();
    let in_order = payer.chars().all(|c| rest.by_ref().any(|n| n == c));
    if payer.len() >= 2 && first_same && in_order && payer.chars().all(|c| c.is_ascii_alphabetic()) {
        return 0.85;
    }
    0.0
}

/// True when a payer name looks cut by a bank field: 16 (ACH company
/// name), 22 (ACH individual name), 28 and 35 (wire and SWIFT name lines).
fn looks_cut(raw_len: usize) -> bool {
    matches!(raw_len, 16 | 22 | 28 | 35)
}

/// The payer name read word by word against a customer name: every payer
/// word stands for the next name words in order (same word, beginning,
/// abbreviation). All name words covered: 0.93 to 1.00 by how many words
/// are written whole; only trailing name words left out (a short or cut
/// form: `BAY HEALTH` for `BAY HEALTH PARTNERS`, `KEYSTONE FURNITU` cut
/// at 16 characters): 0.95 when every written word is whole (the last one
/// may be cut), else 0.90. Anything else scores 0.
fn word_alignment(payer: &[&str], name: &[&str], cut: bool) -> f64 {
    if payer.is_empty() || name.is_empty() || payer.len() > name.len() {
        return 0.0;
    }
    let mut whole = 0usize;
    for (k, (p, n)) in payer.iter().zip(name).enumerate() {
        let m = word_match(p, n);
        // A cut name may end in any beginning of its last word.
        let m = if m == 0.0 && cut && k + 1 == payer.len() && n.starts_with(p) { 0.9 } else { m };
        if m == 0.0 {
            return 0.0;
        }
        if m == 1.0 {
            whole += 1;
        }
    }
    let whole_share = whole as f64 / payer.len() as f64;
    if payer.len() == name.len() {
        0.93 + 0.07 * whole_share
    } else if payer.len() >= 2 && whole + usize::from(cut) >= payer.len() {
        // A short form, or a form cut inside its last word by the field.
        0.95
    } else if payer.len() >= 2 || cut {
        0.90
    } else {
        0.0
    }
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
                for t in n.split(' ').filter(|t| retrievable(t)) {
                    let list = index.tokens.entry(t.to_string()).or_default();
                    if list.last() != Some(&i) {
                        list.push(i);
                    }
                }
                let words: Vec<&str> = n.split(' ').collect();
                // A numbered unit (`COASTAL MARINE SERVICES DIVISION 428`)
                // is also written with its company's initials (`CMS`).
                let company = match words.as_slice() {
                    [company @ .., _unit, number] if company.len() >= 2 && is_number(number) => Some(company),
                    _ => None,
                };
                for (w, whole) in std::iter::once((&words[..], false)).chain(company.map(|c| (c, true))) {
                    if w.len() < 2 {
                        continue;
                    }
                    let acronym: String = w.iter().filter_map(|w| w.chars().next()).collect();
                    let map = if whole { &mut index.whole_acronyms } else { &mut index.acronyms };
                    let list = map.entry(acronym).or_default();
                    if list.last() != Some(&i) {
                        list.push(i);
                    }
                }
            }
            // Initials may take in the `and` of a name (`MTOOEAS` for
            // `Meridian Textiles of Ohio Equipment and Supply Corp`).
            for full in std::iter::once(&c.name).chain(&c.aliases) {
                let words: Vec<String> =
                    name_words(full).into_iter().filter(|w| w == "AND" || !LEGAL_WORDS.contains(&w.as_str())).collect();
                if words.len() >= 3 && words.iter().any(|w| w == "AND") {
                    let acronym: String = words.iter().filter_map(|w| w.chars().next()).collect();
                    let list = index.acronyms.entry(acronym).or_default();
                    if list.last() != Some(&i) {
                        list.push(i);
                    }
                }
            }
            index.names.push(names);
            let mut legal: Vec<String> =
                std::iter::once(&c.name).chain(&c.aliases).map(|n| with_legal_form(n)).collect();
            legal.dedup();
            // Initials may take in the legal form (`PCL` for `Pinnacle
            // Construction Ltd`).
            for l in &legal {
                let words: Vec<&str> = l.split(' ').filter(|w| !w.is_empty()).collect();
                if words.len() >= 3 && words.last().is_some_and(|w| LEGAL_WORDS.contains(w)) {
                    let acronym: String = words.iter().filter_map(|w| w.chars().next()).collect();
                    let list = index.whole_acronyms.entry(acronym).or_default();
                    if list.last() != Some(&i) {
                        list.push(i);
                    }
                }
            }
            index.legal.push(legal);
        }
        index
    }

    /// True when `payer` may be a way of writing customer `c`'s name or an
    /// alias: the same name, a word-by-word reading (abbreviations, short
    /// and cut forms) of 0.90 or more, a Jaro-Winkler similarity of 0.90 or
    /// more, or its initials (`ES CO` for `EVERGREEN SUPPLY`). A payment
    /// agent's name (`BILL.COM PAYABLES`) is none of these for the
    /// customers it pays for.
    pub fn may_name(&self, payer: &str, c: u32) -> bool {
        let n = normalise_name(payer);
        if n.is_empty() {
            return false;
        }
        let words: Vec<&str> = n.split(' ').collect();
        let cut = looks_cut(payer.trim().chars().count());
        let names = self.names.get(c as usize).map_or(&[][..], Vec::as_slice);
        let payer_numbers = numbers(&words);
        let spelled = names.iter().any(|name| {
            let name_words: Vec<&str> = name.split(' ').collect();
            *name == n
                || (!numbered_otherwise(&payer_numbers, name)
                    && (word_alignment(&words, &name_words, cut) >= 0.90 || strsim::jaro_winkler(&n, name) >= 0.90))
        });
        spelled
            || words.iter().any(|w| self.acronyms.get(*w).is_some_and(|list| list.contains(&c)))
            || (words.len() == 1 && self.whole_acronyms.get(words[0]).is_some_and(|list| list.contains(&c)))
    }

    /// True when `payer` writes a number (`CASCADE ENERGY DIVISION 115`) and
    /// a name of customer `c` carries every number it writes: the payer
    /// names that numbered unit, however loosely it spells the rest.
    pub fn names_its_unit_number(&self, payer: &str, c: u32) -> bool {
        let n = normalise_name(payer);
        let words: Vec<&str> = n.split(' ').collect();
        let payer_numbers = numbers(&words);
        !payer_numbers.is_empty()
            && self
                .names
                .get(c as usize)
                .is_some_and(|names| names.iter().any(|name| numbered_alike(&payer_numbers, name)))
    }

    /// True when `payer` shares something distinctive with customer `c`'s
    /// name, even when it cannot be read as that name: a word of three
    /// letters or more that begins a word of the name or is begun by one
    /// (`VANGUARD LAW` and `Vanguard Legal Associates Division 300`) —
    /// only words held by few customers (at most one in twenty, or ten)
    /// count, so `DIVISION` of numbered units says nothing — or, for a
    /// payer of one short word (and perhaps a legal form: `PAC Inc`), the
    /// first letters of the name's words, its legal form included (`TSC`
    /// and `Trident Shipping Corp Division 232`).
    pub fn shares_something_with(&self, payer: &str, c: u32) -> bool {
        let n = normalise_name(payer);
        let words: Vec<&str> = n.split(' ').filter(|w| w.len() >= 3 && !is_number(w)).collect();
        let distinctive_limit = (self.names.len() / 20).max(10);
        let distinctive = |w: &str| self.tokens.get(w).is_some_and(|l| l.len() <= distinctive_limit);
        let names = self.names.get(c as usize).map_or(&[][..], Vec::as_slice);
        let shares_word = names.iter().flat_map(|name| name.split(' ')).any(|x| {
            x.len() >= 3
                && !is_number(x)
                && distinctive(x)
                && words.iter().any(|w| x.starts_with(w) || w.starts_with(x))
        });
        if shares_word {
            return true;
        }
        // `PAC Inc` is one short word and a legal form.
        let mut single = name_words(payer);
        if single.len() > 1 {
            single.retain(|w| !LEGAL_WORDS.contains(&w.as_str()));
        }
        let [initials] = single.as_slice() else { return false };
        if !(2..=6).contains(&initials.len()) || !initials.bytes().all(|b| b.is_ascii_alphabetic()) {
            return false;
        }
        let legal = self.legal.get(c as usize).map_or(&[][..], Vec::as_slice);
        names.iter().chain(legal).any(|name| {
            let firsts: String = name.split(' ').filter_map(|w| w.chars().next()).collect();
            firsts.starts_with(initials.as_str())
        })
    }

    /// Customers (at most `limit`, by index) with a name that is the
    /// payer's name and more words after it (`CRESTLINE FOOD DISTRIBUTORS
    /// DIVISION 181` for `Crestline Food Distributors`): who a name cut at a
    /// word boundary may be besides the customer it names exactly. Found
    /// through the payer's rarest retrievable word, never a scan.
    pub fn extensions_of(&self, payer: &str, limit: usize) -> Vec<u32> {
        let n = normalise_name(payer);
        let Some(list) = n
            .split(' ')
            .filter(|t| retrievable(t))
            .filter_map(|t| self.tokens.get(t))
            .filter(|list| list.len() <= MAX_TOKEN_POSTINGS)
            .min_by_key(|list| list.len())
        else {
            return Vec::new();
        };
        let longer = |name: &String| name.starts_with(&n) && name.as_bytes().get(n.len()) == Some(&b' ');
        let mut out: Vec<u32> = list
            .iter()
            .copied()
            .filter(|c| self.names.get(*c as usize).is_some_and(|names| names.iter().any(longer)))
            .take(limit)
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Customers a payer name may be, best first: exact name or alias 1.000;
    /// otherwise candidates sharing a distinctive word (the rarer the word,
    /// the more it counts; at most [`MAX_SCORED`] of them), each scored by
    /// the better of Jaro-Winkler similarity and a word-by-word reading
    /// that understands abbreviations and cut names ([`word_alignment`]).
    /// An acronym of exactly one customer (`NTS` for `NORTHERN TEXTILE
    /// SUPPLY`) scores 0.920, of several 0.850.
    pub fn lookup(&self, payer: &str) -> Vec<(u32, Decimal)> {
        let n = normalise_name(payer);
        if n.is_empty() {
            return Vec::new();
        }
        if let Some(hits) = self.exact.get(&n) {
            let mut out: Vec<(u32, Decimal)> = hits.iter().map(|c| (*c, Decimal::ONE)).collect();
            out.sort();
            out.dedup();
            // Several customers of one name: the legal form the payer wrote
            // tells them apart when it is exactly one customer's.
            if out.len() > 1 {
                let full = with_legal_form(payer);
                let same: Vec<bool> =
                    out.iter().map(|(c, _)| self.legal.get(*c as usize).is_some_and(|l| l.contains(&full))).collect();
                if same.iter().filter(|x| **x).count() == 1 {
                    for ((_, score), same) in out.iter_mut().zip(&same) {
                        if !same {
                            *score = Decimal::new(940, 3);
                        }
                    }
                    out.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                }
            }
            return out;
        }
        let words: Vec<&str> = n.split(' ').collect();
        // Candidates by shared words, rarest word first, weighted by rarity;
        // a common word adds its customers only while the pool is small,
        // so the work per payer stays bounded whatever the customer count.
        let mut lists: Vec<&Vec<u32>> = words
            .iter()
            .filter(|t| retrievable(t))
            .filter_map(|t| self.tokens.get(*t))
            .filter(|list| list.len() <= MAX_TOKEN_POSTINGS)
            .collect();
        lists.sort_by_key(|l| l.len());
        let mut pool: Vec<(u32, u32)> = Vec::new();
        // Rarity in thousandths: 1 / (1 + ln(postings)).
        let weight = |list: &Vec<u32>| (1000.0 / (1.0 + (list.len() as f64).ln())) as u32;
        // Lists too long to add candidates still count for those already
        // in the pool (`GOLDEN HDW NORTH AMERICA`: of the many GOLDEN
        // customers, the ones also NORTH and AMERICA come first).
        let mut only_boost: Vec<&Vec<u32>> = Vec::new();
        for list in lists {
            if !pool.is_empty() && pool.len() + list.len() > MAX_POOL {
                only_boost.push(list);
                continue;
            }
            let w = weight(list);
            pool.extend(list.iter().map(|c| (*c, w)));
        }
        pool.sort_unstable_by_key(|(c, _)| *c);
        let mut candidates: Vec<(u32, u32)> = Vec::new();
        for (c, w) in pool {
            match candidates.last_mut() {
                Some((last, total)) if *last == c => *total += w,
                _ => candidates.push((c, w)),
            }
        }
        for list in only_boost {
            let w = weight(list);
            for c in list {
                if let Ok(k) = candidates.binary_search_by_key(c, |(x, _)| *x)
                    && let Some((_, total)) = candidates.get_mut(k)
                {
                    *total += w;
                }
            }
        }
        candidates.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        candidates.truncate(MAX_SCORED);
        let cut = looks_cut(payer.trim().chars().count());
        // (customer, best word-by-word reading, best Jaro-Winkler).
        let scored: Vec<(u32, f64, f64)> = candidates
            .into_iter()
            .map(|(c, _)| {
                let names = self.names.get(c as usize).into_iter().flatten();
                let (mut aligned, mut similar) = (0.0f64, 0.0f64);
                for name in names {
                    let name_words: Vec<&str> = name.split(' ').collect();
                    aligned = aligned.max(word_alignment(&words, &name_words, cut));
                    similar = similar.max(strsim::jaro_winkler(&n, name));
                }
                (c, aligned, similar)
            })
            .collect();
        // When some customer's name reads word by word as the payer's, a
        // name that is only similar letter by letter (`OAKRIDGE ENTERPRISES`
        // for `OAKRIDGE ENERGY`) does not compete with it.
        let any_aligned = scored.iter().any(|(_, a, _)| *a >= 0.90);
        // A payer that writes a number in its name (`… DIVISION 293`), when
        // some customer's name carries it: a name without it, or with
        // another number, is another unit and does not compete.
        let payer_numbers = numbers(&words);
        let alike = |c: u32| {
            self.names
                .get(c as usize)
                .is_some_and(|names| names.iter().any(|name| numbered_alike(&payer_numbers, name)))
        };
        let any_alike = !payer_numbers.is_empty() && scored.iter().any(|(c, _, _)| alike(*c));
        let mut out: Vec<(u32, Decimal)> = scored
            .into_iter()
            .map(|(c, aligned, similar)| {
                let similar = if any_aligned && aligned == 0.0 { similar.min(0.85) } else { similar };
                let best = aligned.max(similar);
                let best = if any_alike && !alike(c) {
                    best.min(0.85)
                } else if any_alike
                    && self
                        .names
                        .get(c as usize)
                        .is_some_and(|names| names.iter().any(|name| short_form_of_unit(&words, name)))
                {
                    best.max(0.95)
                } else {
                    best
                };
                (c, score(best))
            })
            .collect();
        for word in &words {
            let mut list: Vec<u32> = self.acronyms.get(*word).cloned().unwrap_or_default();
            if words.len() == 1 {
                list.extend(self.whole_acronyms.get(*word).into_iter().flatten());
                list.sort_unstable();
                list.dedup();
            }
            let s = if list.len() == 1 && word.len() >= 3 { Decimal::new(920, 3) } else { Decimal::new(850, 3) };
            for c in list {
                match out.iter_mut().find(|(x, _)| *x == c) {
                    Some((_, have)) => *have = (*have).max(s),
                    None => out.push((c, s)),
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
    fn a_number_in_the_payer_name_tells_numbered_units_of_one_company_apart() {
        let idx = NameIndex::build(&[
            customer("C1", "Redwood Financial Services", &[]),
            customer("C2", "Redwood Financial Services Division 83", &[]),
            customer("C3", "Redwood Financial Services Division 293", &[]),
            customer("C4", "Redwood Financial Services Division 29", &[]),
        ]);
        // A short form with the unit's number: that unit, the others do not compete.
        let found = idx.lookup("Redwood Financial Division 293");
        assert_eq!(found[0].0, 2, "{found:?}");
        assert!(found[0].1 >= Decimal::new(900, 3), "{found:?}");
        assert!(found[1..].iter().all(|(_, s)| *s < Decimal::new(900, 3)), "{found:?}");
        // A word of the name left out in the middle: still that unit.
        let short = idx.lookup("REDWOOD FIN DIVISION 293");
        assert_eq!(short[0], (2, Decimal::new(950, 3)), "{short:?}");
        // A two-digit number is retrieved too.
        assert_eq!(idx.lookup("REDWOOD FINANCIAL SVCS DIVISION 83")[0].0, 1);
        assert!(idx.may_name("Redwood Financial Division 293", 2));
        assert!(!idx.may_name("Redwood Financial Division 293", 1));
        assert!(!idx.may_name("Redwood Financial Division 293", 3));
        // Without a number nothing is decided by numbers.
        let plain = idx.lookup("Redwood Financial");
        assert!(plain.iter().filter(|(_, s)| *s >= Decimal::new(900, 3)).count() >= 2, "{plain:?}");
        // The company's initials are each numbered unit's too.
        let cms = NameIndex::build(&[
            customer("B", "Coastal Marine Services", &[]),
            customer("D1", "Coastal Marine Services Division 428", &[]),
            customer("D2", "Coastal Marine Services Division 98", &[]),
        ]);
        let mut found: Vec<(u32, Decimal)> = cms.lookup("CMS");
        found.sort();
        assert_eq!(found, [(0, Decimal::new(850, 3)), (1, Decimal::new(850, 3)), (2, Decimal::new(850, 3))]);
        // Initials that take in the legal form.
        let pcl =
            NameIndex::build(&[customer("P", "Pinnacle Construction Ltd", &[]), customer("Q", "Acme Tools", &[])]);
        assert_eq!(pcl.lookup("PCL"), [(0, Decimal::new(920, 3))]);
        // …only as the whole name: a word of a person's name is no initialism.
        let we = NameIndex::build(&[customer("W", "Westfield Electric Inc", &[])]);
        assert!(we.lookup("CHEN WEI").iter().all(|(_, s)| *s < Decimal::new(900, 3)));
        assert!(!we.may_name("CHEN WEI", 0));
        // A number of the payer's own that no customer carries changes nothing.
        let acme = NameIndex::build(&[customer("A", "Acme Tools", &[])]);
        assert!(acme.lookup("ACME TOOLS 2000")[0].1 >= Decimal::new(900, 3));
    }

    #[test]
    fn a_cut_abbreviated_or_initialled_name_may_name_its_customer_and_a_payment_agents_name_does_not() {
        let idx = NameIndex::build(&[
            customer("C1", "Evergreen Supply Holdings", &[]),
            customer("C2", "Granite Mountain Industries", &[]),
        ]);
        assert!(idx.may_name("EVERGREEN SUPPLY", 0), "cut at 16");
        assert!(idx.may_name("ESH CO", 0), "initials");
        assert!(idx.may_name("Granite Mtn Ind", 1), "abbreviated");
        assert!(!idx.may_name("BILL.COM PAYABLES", 0));
        assert!(!idx.may_name("EVERGREEN SUPPLY", 1));
        assert!(!idx.may_name("", 0));
    }

    #[test]
    fn a_legal_form_cut_by_the_banks_field_still_tells_same_named_customers_apart() {
        let idx = NameIndex::build(&[
            customer("C1", "Cobalt Industries LLC", &[]),
            customer("C2", "Cobalt Industries Inc", &[]),
            customer("C3", "Cobalt Industries Corp", &[]),
        ]);
        // `INCORPORAT`: `INCORPORATED` cut at 28 characters.
        let got = idx.lookup("COBALT INDUSTRIES INCORPORAT");
        assert_eq!(got.first(), Some(&(1, Decimal::ONE)), "{got:?}");
        assert!(got.iter().skip(1).all(|(_, s)| *s < Decimal::ONE), "{got:?}");
        // A short last word is no cut legal form (`ACME TOOLS COMP` stays).
        assert_eq!(normalise_name("ACME TOOLS COMP"), "ACME TOOLS COMP");
        assert_eq!(normalise_name("ACME TOOLS CORPORAT"), "ACME TOOLS");
    }

    #[test]
    fn a_payer_sharing_only_common_words_with_its_customer_still_finds_it_among_thousands() {
        // 1,200 customers named GOLDEN …, 1,200 … NORTH AMERICA: the word
        // the payer abbreviated (`HDW`) retrieves nothing, so its customer
        // is found by being the only one with all three common words.
        let mut cs: Vec<Customer> = Vec::new();
        for k in 0..1200 {
            cs.push(customer(&format!("G{k}"), &format!("Golden Widgets{k} Co"), &[]));
            cs.push(customer(&format!("N{k}"), &format!("Keystone{k} North America Inc"), &[]));
        }
        cs.push(customer("C1", "Golden Hardware North America LLC", &[]));
        let idx = NameIndex::build(&cs);
        let got = idx.lookup("GOLDEN HDW NORTH AMERICA LLC");
        assert_eq!(got.first().map(|(c, _)| cs[*c as usize].id.as_str()), Some("C1"), "{:?}", got.first());
    }

    #[test]
    fn initials_may_take_in_the_and_of_a_name() {
        let idx = NameIndex::build(&[
            customer("C1", "Meridian Textiles of Ohio Equipment and Supply Corp", &[]),
            customer("C2", "Meridian Textiles Corp", &[]),
        ]);
        assert_eq!(idx.lookup("MTOOEAS"), [(0, Decimal::new(920, 3))]);
        // Without the `and`, as before.
        assert_eq!(idx.lookup("MTOOES"), [(0, Decimal::new(920, 3))]);
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
        assert_eq!(idx.lookup("PCS")[0], (0, Decimal::new(920, 3)), "the acronym of exactly one customer");
    }

    #[test]
    fn abbreviated_and_cut_payer_names_find_their_customer() {
        let idx = NameIndex::build(&[
            customer("C1", "Granite Mountain Industries", &[]),
            customer("C2", "Vega Pharmaceuticals Inc", &[]),
            customer("C3", "Northern Textile Supply", &[]),
            customer("C4", "Granite Falls Bakery", &[]),
            customer("C5", "Bay Health Partners", &[]),
        ]);
        for (payer, want) in
            [("GRANITE MTN IND", 0), ("Vega Pharm", 1), ("NORTHERN TEXTILE SU", 2), ("NTS", 2), ("Bay Health", 4)]
        {
            let got = idx.lookup(payer);
            assert_eq!(got.first().map(|x| x.0), Some(want), "{payer}: {got:?}");
            assert!(got[0].1 >= Decimal::new(920, 3), "{payer}: {got:?}");
            assert!(
                got.get(1).is_none_or(|x| x.1 + Decimal::new(50, 3) <= got[0].1),
                "{payer}: no clear winner {got:?}"
            );
        }
    }

    #[test]
    fn two_customers_a_short_name_fits_equally_are_not_told_apart() {
        let idx =
            NameIndex::build(&[customer("C1", "Bay Health Partners", &[]), customer("C2", "Bay Health Systems", &[])]);
        let got = idx.lookup("BAY HEALTH");
        assert_eq!(got[0].1, got[1].1, "{got:?}");
    }

    #[test]
    fn the_legal_form_tells_apart_two_customers_of_one_name() {
        let idx = NameIndex::build(&[
            customer("C1", "Riverbend Builders Inc", &[]),
            customer("C2", "Riverbend Builders LLC", &[]),
            customer("C3", "Granite Electric Distribution Services Co", &["GRANITE ELECTRIC CO"]),
            customer("C4", "Granite Electric LLC", &[]),
        ]);
        let got = idx.lookup("RIVERBEND BUILDERS INCORPORATED");
        assert_eq!(got[0], (0, Decimal::ONE), "{got:?}");
        assert!(got[1].1 < Decimal::ONE, "{got:?}");
        assert_eq!(idx.lookup("Granite Electric Co.")[0], (2, Decimal::ONE));
        let tie = idx.lookup("RIVERBEND BUILDERS");
        assert_eq!(tie[0].1, tie[1].1, "no legal form written: still two customers");
    }

    #[test]
    fn dotted_legal_forms_are_legal_words_too() {
        assert_eq!(normalise_name("Harbor Line Trading, L.L.C."), "HARBOR LINE TRADING");
        assert_eq!(normalise_name("Acme S.A."), "ACME");
        assert_eq!(normalise_name("O'Brien & Sons Ltd"), "OBRIEN SONS");
    }

    #[test]
    fn ibans_in_groups_match_ibans_without_blanks() {
        assert_eq!(normalise_account("de89 3704 0044 0532 0130 00"), "DE89370400440532013000");
    }
}
