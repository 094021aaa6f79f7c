//! Remittance cut off by a channel's field length (35, 80 or 140
//! characters), or by the payer's words stopping mid-list.

use cashapply_model::Receipt;

/// Field lengths that cut remittance: 35 (SWIFT lines), 80 (ACH addenda),
/// 140 (ISO 20022 `Ustrd`).
pub(super) fn cut_length(n: usize) -> bool {
    matches!(n, 35 | 80 | 140)
}

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
    if receipt.remittance_text.iter().enumerate().any(|(k, l)| cut_length(l.chars().count()) && has_payer_words(k)) {
        return true;
    }
    // The payer's words of a line, without the bank's label before them
    // (`OBI:=`, whose 140 characters are the payer's alone).
    let lines: Vec<&str> = payer_words.iter().map(|w| w.trim_start()).filter(|w| !w.trim_end().is_empty()).collect();
    lines.iter().any(|l| cut_length(l.chars().count()))
        || crate::remittance::wrapped_lengths(&lines).into_iter().any(cut_length)
        || lines.last().is_some_and(|last| ends_mid_list(last))
}

/// The payer's last words stop where a list cannot end: after a list
/// separator (`…, INV-0120240,` — a field cut just after it, its padding
/// trimmed) or inside a number (`…;2026-`).
pub(super) fn ends_mid_list(text: &str) -> bool {
    let t = text.trim_end();
    let last = t.rsplit(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '|')).next().unwrap_or_default();
    t.ends_with([',', ';', '|']) || (last.ends_with('-') && last.bytes().any(|b| b.is_ascii_digit()))
}
