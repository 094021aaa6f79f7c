//! Remittance noise (research `CASH_APPLICATION_MATCHING.md` §7c A–B): each
//! function turns a clean reference or name into the form a payer, a bank
//! channel or an OCR engine produces. They never change what the payment
//! is for; the truth keeps the clean intent (truncation, which CONTRACT §4
//! rule 7 gives its own meaning, is handled where remittance is rendered).

use crate::rng::Rng;

/// OCR confusion pairs (§7c A5): digit ↔ letter look-alikes.
pub const OCR_PAIRS: &[(char, char)] = &[('0', 'O'), ('1', 'I'), ('5', 'S'), ('8', 'B'), ('2', 'Z'), ('6', 'G')];

/// Splits a reference into its leading non-digit prefix and the rest.
fn split_prefix(reference: &str) -> (&str, &str) {
    let at = reference.find(|c: char| c.is_ascii_digit()).unwrap_or(reference.len());
    reference.split_at(at)
}

/// §7c A1, prefix dropped: `INV-0004711` → `0004711`; the constant SAP
/// prefix `18000` of `18000XXXXX` is dropped too. `None` when the reference
/// has no prefix to drop.
pub fn drop_prefix(reference: &str) -> Option<String> {
    let (prefix, rest) = split_prefix(reference);
    if !prefix.is_empty() && !rest.is_empty() {
        return Some(rest.to_string());
    }
    if reference.len() == 10 && reference.starts_with("18000") {
        return reference.get(5..).map(str::to_string);
    }
    None
}

/// §7c A1, prefix changed: `INV-0004711` → `Invoice #4711` (leading zeros
/// stripped), `Inv 4711`, `No. 4711`, or an added `ABC: ` label.
pub fn change_prefix(reference: &str, rng: &mut Rng) -> String {
    let (_, digits) = split_prefix(reference);
    let bare = digits.trim_start_matches('0');
    let bare = if bare.is_empty() { digits } else { bare };
    match rng.below(4) {
        0 => format!("Invoice #{bare}"),
        1 => format!("Inv {bare}"),
        2 => format!("No. {bare}"),
        _ => format!("ABC: {reference}"),
    }
}

/// §7c A2, leading zeros dropped (`INV-0004711` → `INV-4711`) or added
/// (`4711` → `004711`).
pub fn leading_zeros(reference: &str, rng: &mut Rng) -> String {
    let (prefix, digits) = split_prefix(reference);
    let stripped = digits.trim_start_matches('0');
    if stripped.len() < digits.len() && !stripped.is_empty() && rng.below(2) == 0 {
        format!("{prefix}{stripped}")
    } else {
        let zeros = "0".repeat(usize::try_from(rng.range(1, 3)).unwrap_or(1));
        format!("{prefix}{zeros}{digits}")
    }
}

/// §7c A3, separators inserted into the digits: `6200122` → `6 200 122`,
/// `60-67132`, `6.032946`.
pub fn insert_separators(reference: &str, rng: &mut Rng) -> String {
    let (prefix, digits) = split_prefix(reference);
    if digits.len() < 4 {
        return reference.to_string();
    }
    let sep = *rng.pick(&[' ', '-', '.']).unwrap_or(&' ');
    let group = usize::try_from(rng.range(2, 4)).unwrap_or(3);
    let mut out = String::with_capacity(reference.len() + 4);
    out.push_str(prefix);
    let chars: Vec<char> = digits.chars().collect();
    // Groups counted from the right, as people print numbers.
    let first = chars.len() % group;
    for (i, c) in chars.iter().enumerate() {
        if i > 0 && (i + group - first).is_multiple_of(group) {
            out.push(sep);
        }
        out.push(*c);
    }
    out
}

/// §7c A5, one OCR confusion: a digit read as its look-alike letter
/// (0→O, 1→I, 5→S, 8→B, 2→Z, 6→G) or a letter read as the digit.
/// `None` when no character of the reference has a look-alike.
pub fn ocr_confusion(reference: &str, rng: &mut Rng) -> Option<String> {
    let chars: Vec<char> = reference.chars().collect();
    let spots: Vec<usize> = (0..chars.len())
        .filter(|i| chars.get(*i).is_some_and(|c| OCR_PAIRS.iter().any(|(d, l)| c == d || c == l)))
        .collect();
    let at = *rng.pick(&spots)?;
    let c = *chars.get(at)?;
    let swapped = OCR_PAIRS.iter().find_map(|(d, l)| {
        if c == *d {
            Some(*l)
        } else if c == *l {
            Some(*d)
        } else {
            None
        }
    })?;
    Some(chars.iter().enumerate().map(|(i, x)| if i == at { swapped } else { *x }).collect())
}

/// §7c A5, adjacent transposition of two different digits: `4711` → `7411`.
/// `None` when no two adjacent digits differ.
pub fn transpose(reference: &str, rng: &mut Rng) -> Option<String> {
    let mut chars: Vec<char> = reference.chars().collect();
    let spots: Vec<usize> = (0..chars.len().saturating_sub(1))
        .filter(|i| match (chars.get(*i), chars.get(i + 1)) {
            (Some(a), Some(b)) => a.is_ascii_digit() && b.is_ascii_digit() && a != b,
            _ => false,
        })
        .collect();
    let at = *rng.pick(&spots)?;
    chars.swap(at, at + 1);
    Some(chars.into_iter().collect())
}

/// §7c A5, a single digit replaced by a different digit. `None` without digits.
pub fn one_digit_error(reference: &str, rng: &mut Rng) -> Option<String> {
    let chars: Vec<char> = reference.chars().collect();
    let spots: Vec<usize> = (0..chars.len()).filter(|i| chars.get(*i).is_some_and(char::is_ascii_digit)).collect();
    let at = *rng.pick(&spots)?;
    let old = chars.get(at)?.to_digit(10)?;
    let new = (old + u32::try_from(rng.range(1, 9)).unwrap_or(1)) % 10;
    let new = char::from_digit(new, 10)?;
    Some(chars.iter().enumerate().map(|(i, x)| if i == at { new } else { *x }).collect())
}

/// §7c A7, truncation by a channel's field length (ACH CCD+ addenda 80,
/// ISO 20022 `Ustrd` and Fedwire 140): keeps at most `limit` characters,
/// cutting mid-word or mid-number as channels do.
pub fn truncate(text: &str, limit: usize) -> &str {
    match text.char_indices().nth(limit) {
        Some((at, _)) => text.get(..at).unwrap_or(text),
        None => text,
    }
}

/// Name abbreviations payers and banks use (§7c B1).
const ABBREVIATIONS: &[(&str, &str)] = &[
    ("Manufacturing", "Mfg"),
    ("Corporation", "Corp"),
    ("Company", "Co"),
    ("International", "Intl"),
    ("Supply", "Sup"),
    ("Logistics", "Log"),
    ("Industries", "Ind"),
    ("Brothers", "Bros"),
    ("Services", "Svcs"),
    ("Pacific", "Pac"),
    ("Technologies", "Tech"),
    ("Distribution", "Dist"),
];

/// Legal suffixes and their spelled-out or dropped forms.
const SUFFIXES: &[(&str, &str)] =
    &[(" Inc", " Incorporated"), (" Corp", " Corporation"), (" LLC", ""), (" Ltd", " Limited"), (" GmbH", "")];

/// §7c B1, a payer-name variant: upper case, abbreviations, legal suffix
/// spelled out or dropped, an acronym, or the 16-character cut of the ACH
/// originator name field. Always differs from `name` when it can.
pub fn name_variant(name: &str, rng: &mut Rng) -> String {
    for _ in 0..4 {
        let v = match rng.below(5) {
            0 => name.to_uppercase(),
            1 => {
                let mut v = name.to_string();
                for (long, short) in ABBREVIATIONS {
                    v = v.replace(long, short);
                }
                v.to_uppercase()
            }
            2 => {
                let mut v = name.to_string();
                for (short, long) in SUFFIXES {
                    if let Some(stem) = v.strip_suffix(short) {
                        v = format!("{stem}{long}");
                        break;
                    }
                }
                v
            }
            3 => {
                let words: Vec<&str> = name.split_whitespace().collect();
                let letters: String = words
                    .iter()
                    .take(words.len().saturating_sub(1).max(1))
                    .filter_map(|w| w.chars().next())
                    .collect::<String>()
                    .to_uppercase();
                format!("{letters} Co")
            }
            _ => truncate(&name.to_uppercase(), 16).trim_end().to_string(),
        };
        if v != name {
            return v;
        }
    }
    name.to_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rng() -> Rng {
        Rng::new(5, 5)
    }

    #[test]
    fn a_dropped_prefix_leaves_the_zero_padded_digits() {
        assert_eq!(drop_prefix("INV-0004711").as_deref(), Some("0004711"));
        assert_eq!(drop_prefix("1800012345").as_deref(), Some("12345"));
        assert_eq!(drop_prefix("4711"), None);
    }

    #[test]
    fn a_changed_prefix_keeps_the_significant_digits() {
        let mut r = rng();
        for _ in 0..20 {
            let v = change_prefix("INV-0004711", &mut r);
            assert!(v.contains("4711"), "{v}");
            assert_ne!(v, "INV-0004711");
        }
    }

    #[test]
    fn leading_zeros_are_either_stripped_or_added_never_other_digits() {
        let mut r = rng();
        for _ in 0..20 {
            let v = leading_zeros("INV-0004711", &mut r);
            assert!(v == "INV-4711" || v.starts_with("INV-0000"), "{v}");
            assert_eq!(v.trim_start_matches(|c: char| !c.is_ascii_digit() || c == '0'), "4711");
        }
    }

    #[test]
    fn separators_split_the_digits_but_keep_them_in_order() {
        let mut r = rng();
        for _ in 0..20 {
            let v = insert_separators("6200122", &mut r);
            assert!(v.contains([' ', '-', '.']), "{v}");
            assert_eq!(v.chars().filter(char::is_ascii_digit).collect::<String>(), "6200122");
        }
        assert_eq!(insert_separators("INV-12", &mut r), "INV-12");
    }

    #[test]
    fn an_ocr_confusion_swaps_exactly_one_look_alike() {
        let mut r = rng();
        for _ in 0..20 {
            let v = ocr_confusion("INV-0004711", &mut r).unwrap();
            assert_eq!(v.len(), "INV-0004711".len());
            let diffs: Vec<(char, char)> = v.chars().zip("INV-0004711".chars()).filter(|(a, b)| a != b).collect();
            assert_eq!(diffs.len(), 1, "{v}");
            let (new, old) = diffs[0];
            assert!(OCR_PAIRS.iter().any(|(d, l)| (old == *d && new == *l) || (old == *l && new == *d)));
        }
        assert_eq!(ocr_confusion("4", &mut r), None);
    }

    #[test]
    fn a_transposition_swaps_two_adjacent_different_digits() {
        let mut r = rng();
        let v = transpose("4711", &mut r).unwrap();
        assert!(["7411", "4171"].contains(&v.as_str()), "{v}");
        assert_eq!(transpose("1111", &mut r), None);
    }

    #[test]
    fn a_one_digit_error_changes_one_digit_to_another_digit() {
        let mut r = rng();
        for _ in 0..20 {
            let v = one_digit_error("4711", &mut r).unwrap();
            assert_eq!(v.chars().zip("4711".chars()).filter(|(a, b)| a != b).count(), 1, "{v}");
            assert!(v.chars().all(|c| c.is_ascii_digit()));
        }
        assert_eq!(one_digit_error("ABC", &mut r), None);
    }

    #[test]
    fn truncation_cuts_at_the_channel_limit_even_mid_number() {
        assert_eq!(truncate("INV-0004711 INV-0004712", 15), "INV-0004711 INV");
        assert_eq!(truncate("short", 80), "short");
        assert_eq!(truncate("ééé", 2), "éé");
    }

    #[test]
    fn a_name_variant_differs_from_the_billed_name() {
        let mut r = rng();
        for _ in 0..30 {
            let v = name_variant("Atlas Manufacturing Corp", &mut r);
            assert_ne!(v, "Atlas Manufacturing Corp");
            assert!(!v.is_empty());
        }
    }
}
