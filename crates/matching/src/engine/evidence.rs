//! Stage 1, per receipt and independent of every other receipt: which
//! invoices the remittance names, and who the payer is. Pure function of
//! the receipt and the ledger, so it runs in parallel.
//!
//! References come, strongest first, from structured remittance lines
//! (camt `RfrdDocInf`, lockbox type 4, ACH `RMR`), then from free-text
//! tokens. Each is normalised ([`crate::reference::normalise_reference`])
//! and looked up exactly, then within one edit, in invoice numbers and PO
//! numbers.
//!
//! The customer is identified as its own stage with an explicit outcome
//! (research §7e 1): the owner of exactly-matched references; else the
//! customer of the payer's bank account; else the payer name or alias
//! (exact, or a clear fuzzy winner).

use cashapply_model::Receipt;
use rust_decimal::Decimal;

use crate::reference::{MIN_FUZZY_LEN, normalise_reference, within_one_edit};

use super::ledger::Ledger;

/// Keys shorter than this are too likely to be amounts or dates to count
/// without other evidence of the customer.
const SHORT_KEY: usize = 5;

/// One invoice a reference may name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefMatch {
    /// The invoice (ledger index).
    pub invoice: u32,
    /// The reference as written.
    pub raw: String,
    /// Edit distance between the normalised keys.
    pub distance: u8,
    /// Matched a PO number rather than an invoice number.
    pub via_po: bool,
    /// The structured remittance line it came from.
    pub line: Option<usize>,
    /// How much this reference alone is worth, 0–1.
    pub strength: Decimal,
    /// Which token (by order of appearance) produced it.
    pub token: usize,
    /// The reference stands on its own: a key of 5+ characters, a written
    /// document prefix, or the invoice number exactly as printed. Other
    /// (short) references count only for a customer found otherwise.
    pub anchored: bool,
}

/// How the customer was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomerEvidence {
    /// Owner of the invoices the remittance names exactly.
    ReferenceOwner,
    /// Known bank account or MICR.
    BankAccount,
    /// Payer name or alias, exactly.
    PayerName,
    /// Payer name, fuzzily, a clear winner.
    PayerNameFuzzy,
}

impl CustomerEvidence {
    /// A short name for explanations.
    pub fn as_str(&self) -> &'static str {
        match self {
            CustomerEvidence::ReferenceOwner => "reference owner",
            CustomerEvidence::BankAccount => "bank account",
            CustomerEvidence::PayerName => "payer name",
            CustomerEvidence::PayerNameFuzzy => "similar payer name",
        }
    }
}

/// What stage 1 found for a receipt.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Proposal {
    /// Candidate invoices, by token order then strength.
    pub refs: Vec<RefMatch>,
    /// The payer, its confidence and the evidence.
    pub customer: Option<(u32, Decimal, CustomerEvidence)>,
    /// Ranked customer candidates (for `unidentified` suggestions).
    pub customer_candidates: Vec<(u32, Decimal)>,
    /// The remittance looks cut off by a field-length limit.
    pub truncated: bool,
}

/// Candidate reference tokens of free text: runs of letters and digits,
/// keeping inner `-`, `/`, `.`; plus adjacent numeric runs joined
/// (`540 6423` → `5406423`).
pub fn text_tokens(text: &str) -> Vec<String> {
    let mut tokens: Vec<String> = Vec::new();
    for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '/' || c == '.' || c == '#')) {
        let word = word.trim_matches(|c: char| !c.is_ascii_alphanumeric());
        if !word.is_empty() {
            tokens.push(word.to_string());
        }
    }
    // A document word before a number anchors it: `INV 4711` → `INV4711`.
    let prefixed: Vec<String> = tokens
        .windows(2)
        .filter(|w| {
            let first = w[0].to_ascii_uppercase();
            ["INV", "INVOICE", "INV#", "NO", "NR", "BILL", "DOC"].contains(&first.as_str())
                && w[1].starts_with(|c: char| c.is_ascii_digit())
        })
        .map(|w| w.concat())
        .collect();
    let joined: Vec<String> = tokens
        .windows(2)
        .filter(|w| w.iter().all(|t| t.bytes().all(|b| b.is_ascii_digit())) && w.iter().all(|t| t.len() <= 4))
        .map(|w| w.concat())
        .collect();
    // Anchored joins first, so a bare number seen later does not shadow them.
    let mut out = prefixed;
    out.extend(tokens);
    out.extend(joined);
    out
}

/// The payload of an ISO 11649 creditor reference (`RF` + two check
/// digits + the creditor's own reference, blanks allowed): the part that
/// names the invoice. Other references are returned as they are.
pub fn creditor_reference_payload(reference: &str) -> String {
    let compact: String = reference.chars().filter(|c| !c.is_whitespace()).collect();
    let b = compact.as_bytes();
    let is_rf = b.len() > 4
        && b.get(..2).is_some_and(|p| p.eq_ignore_ascii_case(b"RF"))
        && b.get(2..4).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    if is_rf { compact.get(4..).unwrap_or_default().to_string() } else { reference.to_string() }
}

/// A remittance text cut off by a channel limit: a line of exactly 80
/// (ACH addenda) or 140 (ISO 20022 `Ustrd`) characters, or 35 (SWIFT).
fn looks_truncated(receipt: &Receipt) -> bool {
    receipt.remittance_text.iter().any(|l| matches!(l.chars().count(), 35 | 80 | 140))
}

fn strength(distance: u8, key_len: usize, exact_raw: bool) -> Decimal {
    match distance {
        0 if exact_raw => Decimal::ONE,
        0 => Decimal::new(980, 3),
        _ if key_len >= 7 => Decimal::new(880, 3),
        _ => Decimal::new(800, 3),
    }
}

fn squash(s: &str) -> String {
    s.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_uppercase()).collect()
}

/// More fuzzy neighbours than this, with no customer to narrow them, are
/// no evidence at all: dense (sequential) invoice numbering puts dozens of
/// real invoices one edit away from any number.
const MAX_GLOBAL_FUZZY: usize = 3;

/// Stage 1 for one receipt: exact references first, then the customer,
/// then one-edit references for tokens that matched nothing exactly —
/// among the customer's family's invoices when the customer is known.
pub fn propose(receipt: &Receipt, ledger: &Ledger) -> Proposal {
    let mut refs: Vec<RefMatch> = Vec::new();
    let mut unmatched: Vec<(usize, String, String, Option<usize>)> = Vec::new();
    let mut seen_keys: Vec<String> = Vec::new();
    let structured =
        receipt.remittance_lines.iter().enumerate().map(|(i, l)| (creditor_reference_payload(&l.reference), Some(i)));
    let text = receipt.remittance_text.iter().chain(receipt.customer_reference.iter()).flat_map(|t| text_tokens(t));
    for (token, (raw, line)) in structured.chain(text.map(|t| (t, None))).enumerate() {
        let normalised = normalise_reference(&raw);
        let key = normalised.key;
        if key.len() < 3 || (line.is_none() && seen_keys.contains(&key)) {
            continue;
        }
        seen_keys.push(key.clone());
        let exact = ledger.invoice_refs.exact(&key);
        for doc in &exact {
            let exact_raw = squash(&raw) == squash(&ledger.invoice(*doc).id);
            refs.push(RefMatch {
                anchored: key.len() >= SHORT_KEY || normalised.prefixed || exact_raw || line.is_some(),
                invoice: *doc,
                raw: raw.clone(),
                distance: 0,
                via_po: false,
                line,
                strength: strength(0, key.len(), exact_raw),
                token,
            });
        }
        if !exact.is_empty() {
            continue;
        }
        let po = ledger.po_refs.exact(&key);
        for doc in &po {
            refs.push(RefMatch {
                anchored: key.len() >= SHORT_KEY || line.is_some(),
                invoice: *doc,
                raw: raw.clone(),
                distance: 0,
                via_po: true,
                line,
                strength: Decimal::new(950, 3),
                token,
            });
        }
        if po.is_empty() && key.len() >= MIN_FUZZY_LEN && key.bytes().any(|b| b.is_ascii_digit()) {
            unmatched.push((token, raw, key, line));
        }
    }
    let customer_candidates = match receipt.payer_name.as_deref() {
        Some(name) => ledger.names.lookup(name),
        None => Vec::new(),
    };
    let customer = identify_customer(receipt, ledger, &refs, &customer_candidates);
    for (token, raw, key, line) in unmatched {
        let hits: Vec<u32> = match customer {
            // The customer's own invoices: a short list, compared directly.
            Some((c, _, _)) => ledger
                .family(c)
                .into_iter()
                .flat_map(|m| ledger.open_invoices(m).iter().copied())
                .filter(|i| within_one_edit(&key, ledger.invoice_refs.key(*i)))
                .collect(),
            None => {
                let near: Vec<u32> =
                    ledger.invoice_refs.near(&key).iter().filter(|h| h.distance == 1).map(|h| h.doc).collect();
                if near.len() > MAX_GLOBAL_FUZZY { Vec::new() } else { near }
            }
        };
        for doc in hits {
            refs.push(RefMatch {
                anchored: true,
                invoice: doc,
                raw: raw.clone(),
                distance: 1,
                via_po: false,
                line,
                strength: strength(1, key.len(), false),
                token,
            });
        }
    }
    // Short keys count only for a customer found by other evidence.
    refs.retain(|r| {
        r.anchored
            || customer.is_some_and(|(c, _, how)| {
                how != CustomerEvidence::ReferenceOwner && ledger.may_pay(c, ledger.owner(r.invoice))
            })
    });
    refs.sort_by_key(|r| (r.token, r.distance, r.invoice));
    Proposal { refs, customer, customer_candidates, truncated: looks_truncated(receipt) }
}

fn identify_customer(
    receipt: &Receipt,
    ledger: &Ledger,
    refs: &[RefMatch],
    by_name: &[(u32, Decimal)],
) -> Option<(u32, Decimal, CustomerEvidence)> {
    let mut owners: Vec<u32> =
        refs.iter().filter(|r| r.distance == 0 && r.anchored).map(|r| ledger.owner(r.invoice)).collect();
    owners.sort_unstable();
    owners.dedup();
    let by_account = receipt.payer_account.as_deref().map(|a| ledger.customers_with_account(a)).unwrap_or_default();
    let payer = match by_account {
        [one] => Some((*one, Decimal::ONE, CustomerEvidence::BankAccount)),
        _ => match by_name {
            [(c, s), rest @ ..] if *s == Decimal::ONE && rest.first().is_none_or(|(_, t)| *t < Decimal::ONE) => {
                Some((*c, Decimal::new(970, 3), CustomerEvidence::PayerName))
            }
            [(c, s), rest @ ..]
                if *s >= Decimal::new(920, 3) && rest.first().is_none_or(|(_, t)| *t + Decimal::new(50, 3) <= *s) =>
            {
                Some((*c, *s * Decimal::new(950, 3), CustomerEvidence::PayerNameFuzzy))
            }
            _ => None,
        },
    };
    match owners.as_slice() {
        [one] => Some((*one, Decimal::ONE, CustomerEvidence::ReferenceOwner)),
        // Several owners: keep those the payer may pay for, if that leaves one.
        [_, _, ..] => {
            let (p, _, _) = payer?;
            let fam: Vec<u32> = owners.iter().copied().filter(|o| ledger.may_pay(p, *o)).collect();
            if fam.len() == 1 {
                fam.first().map(|o| (*o, Decimal::ONE, CustomerEvidence::ReferenceOwner))
            } else {
                payer
            }
        }
        [] => payer,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_rf_creditor_reference_is_looked_up_by_its_payload() {
        assert_eq!(creditor_reference_payload("RF18 5390 0754 7034"), "539007547034");
        assert_eq!(creditor_reference_payload("rf71INV0004711"), "INV0004711");
        assert_eq!(creditor_reference_payload("INV-0004711"), "INV-0004711");
        assert_eq!(creditor_reference_payload("RFQ"), "RFQ");
    }

    #[test]
    fn text_tokens_keep_invoice_numbers_whole_and_join_split_digits() {
        let t = text_tokens("PAYMENT INV-0004711, INV 4712; REF 540 6423 THANKS.");
        assert!(t.contains(&"INV-0004711".to_string()));
        assert!(t.contains(&"4712".to_string()));
        assert!(t.contains(&"5406423".to_string()));
        assert!(t.contains(&"THANKS".to_string()));
    }
}
