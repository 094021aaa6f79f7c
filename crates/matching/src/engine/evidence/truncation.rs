//! Remittance cut off by a channel's field length (35, 80 or 140
//! characters), or by the payer's words stopping mid-list.

use cashapply_model::Receipt;

use crate::remittance::cut_length;

/// A remittance text cut off by a channel limit: a line of exactly such a
/// length that holds words of the payer's (as the bank wrote it, or its payer's words after a bank label
/// such as a wire's `OBI:=`), two lines of the payer's words that a break cut inside a word
/// (BAI2 `88` continuations) of such a length joined, or payer's words that
/// end where no list ends ([`ends_mid_list`]). (A list cut inside
/// several lines is recognised from its items: see `remittance::itemised`.)
/// `payer_words` are the payer's words of each text line
/// ([`crate::remittance::remittance_only`]).
pub(super) fn looks_truncated(receipt: &Receipt, payer_words: &[String]) -> bool {
    // A line holding only bank fields (a 35-character `DBNM:` name) cut
    // nothing of the payer's remittance.
    let has_payer_words = |k: usize| payer_words.get(k).is_none_or(|w| !w.trim().is_empty());
    if receipt.remittance_text.iter().enumerate().any(|(k, l)| cut_at(l) && has_payer_words(k)) {
        return true;
    }
    // The payer's words of a line, without the bank's label before them
    // (`OBI:=`, whose 140 characters are the payer's alone).
    let lines: Vec<&str> = payer_words.iter().map(|w| w.trim_start()).filter(|w| !w.trim_end().is_empty()).collect();
    lines.iter().any(|l| cut_at(l))
        || crate::remittance::wrapped_lengths(&lines).into_iter().any(cut_length)
        || lines.last().is_some_and(|last| ends_mid_list(last))
}

/// A line of a cut length, or one short of it ending in an amount with its
/// cents (a priced list's item complete): the blank the field ended with
/// (`…/4334.59 ` of 80) trimmed away. A list of numbers one short of the
/// length is not cut by that alone (`…;INV-0043022` may end where the
/// payer stopped).
fn cut_at(line: &str) -> bool {
    let n = line.chars().count();
    let b = line.as_bytes();
    let ends_in_cents = b.len() >= 3
        && b[b.len() - 1].is_ascii_digit()
        && b[b.len() - 2].is_ascii_digit()
        && matches!(b[b.len() - 3], b'.' | b',');
    cut_length(n) || (cut_length(n + 1) && ends_in_cents)
}

/// The payer's last words stop where a list cannot end: after a list
/// separator (`…, INV-0120240,` — a field cut just after it, its padding
/// trimmed), inside a number (`…;2026-`) or at a document word whose number
/// is missing (`… INV 7468 150.00 / INV`).
pub(super) fn ends_mid_list(text: &str) -> bool {
    let t = text.trim_end();
    let last = t.rsplit(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '|')).next().unwrap_or_default();
    // A document word with no number after it, after numbers (`… / INV`).
    let document_word = matches!(
        last.trim_end_matches(['#', '.', ':']).to_ascii_uppercase().as_str(),
        "INV" | "INVOICE" | "INVOICES" | "NO" | "NR" | "REF" | "DOC" | "BILL"
    ) && t.bytes().any(|b| b.is_ascii_digit());
    t.ends_with([',', ';', '|', '/'])
        || (last.ends_with('-') && last.bytes().any(|b| b.is_ascii_digit()))
        || document_word
}
