//! Free text read as (reference, amount, role) items.
//!
//! The rules, in order:
//! 1. Pieces (see [`super::lex`]): references, amounts, words, breaks.
//!    Numbers labelled as something else (`PO`, `CHECK`, `ACCT`, `CUST`,
//!    `TRACE`, `DATE`) are no documents of the payment; a PO number counts
//!    only when an amount is written with it.
//! 2. The text's order is found from the pieces themselves: references
//!    followed by their amount (`INV-1 250.00; INV-2 99.50`) or amounts
//!    followed by their reference (`250.00 INV-1, 99.50 INV-2`), whichever
//!    occurs more often without a break between them (ties: reference
//!    first, the common shape). Currency marks and words such as `AMT` or
//!    `FOR` may stand between the two.
//! 3. Each reference takes the amount beside it in that order. An amount
//!    marked negative (`-`, trailing `-`, `CR`, parentheses), a credit-memo
//!    number (`CM-2211`) or a credit word before it (`less credit`,
//!    `credit memo`, `minus`) makes the item a credit, applied negative.
//! 4. An amount after a deduction word (`short`, `damaged`, `freight`,
//!    `pricing`, `deduct`, …) following a paired item is a deduction from
//!    that item's document, its words the reason.
//! 5. When any reference carries an amount, the references without one are
//!    mentions (`Partial payment - INV-871`, `Pmt on acct INV-447`): context,
//!    never paid. When none does, every reference is paid, amount unknown.

use super::lex::{Piece, is_currency, pieces};
use super::{RemittanceItem, Role};

/// Words that may stand between a reference and its amount.
const FILLER: &[&str] = &["RE", "AMT", "AMOUNT", "PAID", "PAY", "FOR", "OF", "AT", "$", "€", "£", "DUE", "NET"];

/// Words that make the document after them a credit.
const CREDIT_WORDS: &[&str] = &["CREDIT", "CR", "CM", "MINUS", "CN", "LESS", "RETURN", "REFUND"];

/// Words that say an amount was deducted.
const DEDUCTION_WORDS: &[&str] = &[
    "SHORT",
    "SHORTAGE",
    "SHORTPAY",
    "DAMAGED",
    "DAMAGE",
    "DEFECTIVE",
    "FREIGHT",
    "PRICING",
    "PRICE",
    "DEDUCT",
    "DEDUCTION",
    "DEDUCTED",
    "DED",
    "DEDN",
    "ALLOWANCE",
    "PROMO",
    "PROMOTION",
    "CHARGEBACK",
    "FEE",
    "FEES",
    "DISCOUNT",
    "DISC",
    "ADJ",
    "ADJUSTMENT",
    "RETURNED",
    "MISSING",
    "WRITE-OFF",
];

/// Credit-memo numbers carry these prefixes.
const CREDIT_PREFIXES: &[&str] = &["CM", "CN", "CR", "CRN", "CREDIT", "GS"];

fn is_filler(piece: &Piece) -> bool {
    matches!(piece, Piece::Word(w) if FILLER.contains(&w.as_str()) || is_currency(w))
}

/// The reference a piece names, when it may name a document of this payment.
fn reference(piece: &Piece) -> Option<(&str, bool)> {
    match piece {
        Piece::Reference { text, label: None, .. } => Some((text.as_str(), false)),
        Piece::Reference { text, label: Some("po"), .. } => Some((text.as_str(), true)),
        _ => None,
    }
}

/// The next piece after `from` that is not filler, within the segment.
fn next_meaningful(p: &[Piece], from: usize) -> Option<usize> {
    (from + 1..p.len()).find(|k| !p.get(*k).is_some_and(is_filler))
}

fn is_credit_number(text: &str) -> bool {
    let upper = text.to_ascii_uppercase();
    let letters: String = upper.chars().take_while(char::is_ascii_alphabetic).collect();
    CREDIT_PREFIXES.contains(&letters.as_str())
}

/// A credit word among the (up to three) words before position `at`.
fn credit_word_before(p: &[Piece], at: usize) -> bool {
    p.get(at.saturating_sub(3)..at)
        .unwrap_or_default()
        .iter()
        .rev()
        .take_while(|x| matches!(x, Piece::Word(_)))
        .any(|x| matches!(x, Piece::Word(w) if CREDIT_WORDS.contains(&w.as_str())))
}

/// Reads (reference, amount, role) items from free-text lines.
pub fn read_text(lines: &[&str], minor: u32) -> Vec<RemittanceItem> {
    let p = pieces(lines, minor);
    let reference_at = |k: usize| p.get(k).and_then(reference);
    let amount_at = |k: usize| match p.get(k) {
        Some(Piece::Amount { value, credit }) => Some((*value, *credit)),
        _ => None,
    };
    // Rule 2: which order the text writes pairs in.
    let (mut ref_first, mut amount_first) = (0usize, 0usize);
    for k in 0..p.len() {
        let next = next_meaningful(&p, k);
        if reference_at(k).is_some() && next.and_then(amount_at).is_some() {
            ref_first += 1;
        }
        if amount_at(k).is_some() && next.and_then(reference_at).is_some() {
            amount_first += 1;
        }
    }
    let reference_leads = ref_first >= amount_first;
    // Rule 3: pairs.
    let mut items: Vec<(usize, RemittanceItem)> = Vec::new();
    let mut used_amounts: Vec<usize> = Vec::new();
    let mut paired_refs: Vec<usize> = Vec::new();
    for k in 0..p.len() {
        let Some((text, po)) = reference_at(k) else { continue };
        let partner = if reference_leads {
            next_meaningful(&p, k).filter(|n| amount_at(*n).is_some())
        } else {
            (0..k).rev().find(|j| !p.get(*j).is_some_and(is_filler)).filter(|j| amount_at(*j).is_some())
        };
        let partner = partner.filter(|n| !used_amounts.contains(n));
        let Some((n, (value, marked))) = partner.and_then(|n| amount_at(n).map(|a| (n, a))) else {
            if !po {
                items.push((k, RemittanceItem { reference: text.to_string(), amount: None, role: Role::Pay }));
            }
            continue;
        };
        used_amounts.push(n);
        paired_refs.push(k);
        let credit = marked || is_credit_number(text) || credit_word_before(&p, k.min(n));
        let (amount, role) = if credit { (-value, Role::Credit) } else { (value, Role::Pay) };
        items.push((k, RemittanceItem { reference: text.to_string(), amount: Some(amount), role }));
    }
    // Rule 4: deductions after a paired item.
    let mut deductions: Vec<(usize, RemittanceItem)> = Vec::new();
    for (k, piece) in p.iter().enumerate() {
        if !matches!(piece, Piece::Amount { .. }) || used_amounts.contains(&k) {
            continue;
        }
        // The words between the last paired reference/amount and this amount.
        let mut reason: Vec<&str> = Vec::new();
        let mut owner = None;
        for j in (0..k).rev() {
            match p.get(j) {
                Some(Piece::Word(w)) => reason.push(w.as_str()),
                Some(Piece::Amount { .. }) if used_amounts.contains(&j) => {
                    owner = items
                        .iter()
                        .find(|(r, _)| paired_refs.contains(r) && (*r + 1 == j || *r == j + 1 || near(&p, *r, j)));
                    break;
                }
                Some(Piece::Reference { .. }) if paired_refs.contains(&j) => {
                    owner = items.iter().find(|(r, _)| *r == j);
                    break;
                }
                _ => break,
            }
        }
        // Words after the amount may give the reason too (`5.00 damaged`).
        let after: Vec<&str> = p
            .get(k + 1..)
            .unwrap_or_default()
            .iter()
            .map_while(|x| match x {
                Piece::Word(w) => Some(w.as_str()),
                _ => None,
            })
            .collect();
        let deduction = reason.iter().chain(&after).any(|w| DEDUCTION_WORDS.contains(w));
        if let (true, Some((_, item)), Some((value, _))) = (deduction, owner, amount_at(k)) {
            reason.reverse();
            let words: Vec<&str> = reason
                .iter()
                .chain(&after)
                .copied()
                .filter(|w| !FILLER.contains(w) && !matches!(*w, "LESS" | "MINUS"))
                .collect();
            let reason = (!words.is_empty()).then(|| words.join(" ").to_ascii_lowercase());
            deductions.push((
                k,
                RemittanceItem {
                    reference: item.reference.clone(),
                    amount: Some(value),
                    role: Role::Deduction(reason),
                },
            ));
        }
    }
    // Rule 5: mentions.
    let any_amount = items.iter().any(|(_, i)| i.amount.is_some());
    let mut out: Vec<RemittanceItem> = Vec::new();
    for (_, mut item) in items {
        if any_amount && item.amount.is_none() {
            item.role = Role::Mention;
        }
        // Each reference once: a second mention of a paid document adds nothing.
        let seen = out
            .iter()
            .any(|o| same_reference(&o.reference, &item.reference) && o.role == item.role && item.amount.is_none());
        if !seen {
            out.push(item);
        }
    }
    out.extend(deductions.into_iter().map(|(_, d)| d));
    out
}

/// True when an amount at `j` belongs to the reference at `r`: the two stand
/// next to each other but for filler.
fn near(p: &[Piece], r: usize, j: usize) -> bool {
    let (a, b) = if r < j { (r, j) } else { (j, r) };
    p.get(a + 1..b).unwrap_or_default().iter().all(is_filler)
}

fn same_reference(a: &str, b: &str) -> bool {
    crate::reference::normalise_reference(a).key == crate::reference::normalise_reference(b).key
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Vec<(String, Option<String>, Role)> {
        let lines: Vec<&str> = text.split('\n').collect();
        read_text(&lines, 2).into_iter().map(|i| (i.reference, i.amount.map(|a| a.to_string()), i.role)).collect()
    }

    fn pay(r: &str, a: &str) -> (String, Option<String>, Role) {
        (r.to_string(), Some(a.to_string()), Role::Pay)
    }

    #[test]
    fn free_text_pairs_are_read_in_the_reference_first_shape() {
        assert_eq!(
            read("2026-05511 8210.40; 2026-06092 377.00; 20Z6-17781 2950.15"),
            [pay("2026-05511", "8210.40"), pay("2026-06092", "377.00"), pay("20Z6-17781", "2950.15")]
        );
        assert_eq!(read("INV 1001 250.00 INV 1002 99.50"), [pay("INV 1001", "250.00"), pay("INV 1002", "99.50")]);
        assert_eq!(
            read("INV-00612: $41,800.00 | INV-00588=12,340.00"),
            [pay("INV-00612", "41800.00"), pay("INV-00588", "12340.00")]
        );
    }

    #[test]
    fn free_text_pairs_are_read_in_the_amount_first_shape() {
        assert_eq!(read("EUR 1.234,56 RE 4711, EUR 99,50 RE 4712"), [pay("4711", "1234.56"), pay("4712", "99.50")]);
    }

    #[test]
    fn a_memo_mention_beside_itemised_pairs_is_never_paid() {
        let got = read("INV-00264 31250.00 Partial payment - INV-00871");
        assert_eq!(got, [pay("INV-00264", "31250.00"), ("INV-00871".into(), None, Role::Mention)]);
        let got = read("INV-00530 412.00 Less credit INV-00219");
        assert_eq!(got[1], ("INV-00219".into(), None, Role::Mention));
    }

    #[test]
    fn a_credit_memo_with_an_amount_is_a_credit() {
        let got = read("INV-1 500.00 less credit memo CM-2211 (45.00)");
        assert_eq!(got[1], ("CM-2211".into(), Some("-45.00".into()), Role::Credit));
        let got = read("INV-1 500.00\nINV-9 45.00-");
        assert_eq!(got[1], ("INV-9".into(), Some("-45.00".into()), Role::Credit));
    }

    #[test]
    fn a_deduction_after_a_paired_item_keeps_its_reason() {
        let got = read("INV-1001 250.00 short ship 5.00");
        assert_eq!(got[1], ("INV-1001".into(), Some("5.00".into()), Role::Deduction(Some("short ship".into()))));
    }

    #[test]
    fn labelled_numbers_and_references_without_amounts() {
        assert_eq!(read("PO 4500012345 CHECK 10234"), []);
        assert_eq!(
            read("PAYMENT FOR INVOICES 1001, 1002"),
            [("1001".into(), None, Role::Pay), ("1002".into(), None, Role::Pay)]
        );
    }
}
