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

use crate::reference::{MIN_FUZZY_LEN, normalise_reference, printed_form};

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
    /// A bank account the customer master does not list, from which another
    /// receipt of the same run paid this customer's invoices by their exact
    /// numbers (see [`AccountsSeenInRun`]).
    AccountInRun,
    /// Nothing else identified the payer, and the remittance quotes a
    /// reference of a shape learned in the workbench for one customer
    /// ([`Proposal::learned_shapes`] names the rules).
    LearnedShape,
}

impl CustomerEvidence {
    /// A short name for explanations.
    pub fn as_str(&self) -> &'static str {
        match self {
            CustomerEvidence::ReferenceOwner => "reference owner",
            CustomerEvidence::BankAccount => "bank account",
            CustomerEvidence::PayerName => "payer name",
            CustomerEvidence::PayerNameFuzzy => "similar payer name",
            CustomerEvidence::AccountInRun => "bank account that paid it by reference in this run",
            CustomerEvidence::LearnedShape => "learned reference shape",
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
    /// The payer as its own evidence shows it (bank account, exact or
    /// clearly similar name), whatever the references say.
    pub payer: Option<(u32, CustomerEvidence)>,
    /// Reference-shaped tokens of the remittance (digits, long enough to
    /// be searched for near misses) that matched no invoice at all: the
    /// payer named documents that could not be read.
    pub unresolved_references: usize,
    /// Keys of the payer's document-naming words, free text or a
    /// remittance line's reference (`8852`, `0002975`; those
    /// that name an invoice of the payer exactly are left out where used),
    /// and of the cut-off last word (`cut`: the first characters of a
    /// longer number). Evidence only when the amounts confirm it (see
    /// `Allocator::rest_named_loosely`).
    pub loose: Vec<LooseRef>,
    /// Ids of the learned reference-shape rules the remittance fits, when
    /// nothing else identified the payer: with `customer` identified by
    /// [`CustomerEvidence::LearnedShape`] they name one customer; without
    /// a customer they name several, and none decides.
    pub learned_shapes: Vec<i64>,
}

/// A word of the remittance that may name a document only loosely.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LooseRef {
    /// Its normalised key.
    pub key: String,
    /// The cut-off last word of a truncated line: a prefix of a number.
    pub cut: bool,
}

/// True for a token shaped like an amount (`1,281.25`, `26.15`) or a date
/// (`2026-01-31`, `31/01/2026`, `31.01.26`): never a document reference.
pub fn looks_like_amount_or_date(token: &str) -> bool {
    let b = token.as_bytes();
    let digits = |s: &[u8]| !s.is_empty() && s.iter().all(u8::is_ascii_digit);
    let amount = match token.rsplit_once('.') {
        Some((int, frac)) => {
            frac.len() == 2 && digits(frac.as_bytes()) && {
                let int = int.replace(',', "");
                digits(int.as_bytes())
                    && (int.len() == token.split('.').next().unwrap_or("").len() || token.contains(','))
            }
        }
        None => false,
    };
    let date = match b.len() {
        10 => {
            (digits(b.get(..4).unwrap_or_default()) && b.get(4) == Some(&b'-') && b.get(7) == Some(&b'-'))
                || (matches!(b.get(2), Some(b'/') | Some(b'.'))
                    && b.get(5) == b.get(2)
                    && digits(b.get(6..).unwrap_or_default()))
        }
        8 => {
            matches!(b.get(2), Some(b'/') | Some(b'.'))
                && b.get(5) == b.get(2)
                && digits(b.get(6..).unwrap_or_default())
        }
        _ => false,
    };
    amount || date
}

/// Candidate reference tokens of free text: runs of letters and digits,
/// keeping inner `-`, `/`, `.`; plus adjacent numeric runs joined
/// (`540 6423` → `5406423`).
pub fn text_tokens(text: &str) -> Vec<String> {
    let mut tokens: Vec<String> = Vec::new();
    for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '/' || c == '.' || c == '#')) {
        let word = word.trim_matches(|c: char| !c.is_ascii_alphanumeric());
        if !word.is_empty() && !looks_like_amount_or_date(word) {
            tokens.push(word.to_string());
        }
    }
    // A document word before a number anchors it: `INV 4711` → `INV4711`.
    let prefixed: Vec<String> = tokens
        .windows(2)
        .filter(|w| {
            let first = w[0].to_ascii_uppercase();
            ["INV", "INVOICE", "NO", "NR", "BILL", "DOC"].contains(&first.as_str())
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

/// Field lengths that cut remittance: 35 (SWIFT lines), 80 (ACH addenda),
/// 140 (ISO 20022 `Ustrd`).
fn cut_length(n: usize) -> bool {
    matches!(n, 35 | 80 | 140)
}

/// A remittance text cut off by a channel limit: a line of exactly such a
/// length, two lines of the payer's words that a break cut inside a word
/// (BAI2 `88` continuations) of such a length joined, or payer's words that
/// end where no list ends ([`ends_mid_list`]). (A list cut inside
/// several lines is recognised from its items: see `remittance::itemised`.)
/// `payer_words` are the payer's words of each text line
/// ([`crate::remittance::remittance_only`]).
fn looks_truncated(receipt: &Receipt, payer_words: &[String]) -> bool {
    if receipt.remittance_text.iter().any(|l| cut_length(l.chars().count())) {
        return true;
    }
    let lines: Vec<&str> = payer_words.iter().map(String::as_str).filter(|w| !w.is_empty()).collect();
    crate::remittance::wrapped_lengths(&lines).into_iter().any(cut_length)
        || lines.last().is_some_and(|last| ends_mid_list(last))
}

/// The payer's last words stop where a list cannot end: after a list
/// separator (`…, INV-0120240,` — a field cut just after it, its padding
/// trimmed) or inside a number (`…;2026-`).
fn ends_mid_list(text: &str) -> bool {
    let t = text.trim_end();
    let last = t.rsplit(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '|')).next().unwrap_or_default();
    t.ends_with([',', ';', '|']) || (last.ends_with('-') && last.bytes().any(|b| b.is_ascii_digit()))
}

/// What one reference is worth alone: the invoice number exactly as printed
/// 1.000; normalised with a written document prefix 0.980; a bare number
/// 0.880 (below auto-apply: bank and trace numbers collide with invoice
/// numbers), raised when the payer's own evidence or the amounts agree.
fn strength(distance: u8, key_len: usize, exact_raw: bool, prefixed: bool) -> Decimal {
    match distance {
        0 if exact_raw => Decimal::ONE,
        0 if prefixed => Decimal::new(980, 3),
        0 => Decimal::new(880, 3),
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

/// (as written, normalised key) of a source's candidates.
type Keys = Vec<(String, String)>;

/// A place references come from: a structured line (its reference whole,
/// then each token of it) or one free-text token.
struct Source {
    candidates: Vec<String>,
    line: Option<usize>,
    /// A number written in space-separated groups, joined (see [`digit_runs`]).
    run: bool,
    /// Remittance the payer wrote to name documents (not a customer
    /// reference, not a joined run): counted when it matches nothing.
    named: bool,
    /// Ends with the cut-off last word of a truncated line (see
    /// [`cut_off_word`]): only an invoice number printed exactly counts.
    cut_off: bool,
    /// Read from the bank's customer-reference field (camt `EndToEndId`,
    /// BAI2 customer reference), not from the payer's remittance words.
    bank_field: bool,
}

/// Numbers written in space-separated groups (`20 26- 507 620`,
/// `INV-0 412 643`, `1 800 054 547`, research §7c A3 "separators"),
/// joined: a run of two or more words of digits and hyphens, each of at
/// most six digits, the first one possibly behind a document prefix
/// (`INV-0`), with at least [`SHORT_KEY`] digits together; a `,` or `;`
/// after a word ends the run. The groups alone are pieces of the number,
/// not references of their own (see [`propose`]).
fn digit_runs(text: &str) -> Vec<String> {
    let mut runs = Vec::new();
    let mut run: Vec<&str> = Vec::new();
    let digits_of = |w: &str| w.bytes().filter(u8::is_ascii_digit).count();
    let is_group = |w: &str| {
        w.starts_with(|c: char| c.is_ascii_digit())
            && digits_of(w) <= 6
            && w.bytes().all(|b| b.is_ascii_digit() || b == b'-')
    };
    let is_prefixed_group = |w: &str| {
        let letters = w.bytes().take_while(u8::is_ascii_alphabetic).count();
        let rest = w.get(letters..).unwrap_or_default();
        let rest = rest.strip_prefix(['-', '#']).unwrap_or(rest);
        letters >= 2 && is_group(rest)
    };
    let mut flush = |run: &mut Vec<&str>| {
        let lengths: Vec<usize> = run.iter().map(|w| digits_of(w)).collect();
        // `31 01 2026`, `2026 01 31`: a date, not a number.
        let date = matches!(lengths.as_slice(), [2, 2, 4] | [4, 2, 2] | [2, 2, 2]);
        if run.len() >= 2 && !date && lengths.iter().sum::<usize>() >= SHORT_KEY {
            runs.push(run.concat());
        }
        run.clear();
    };
    for word in text.split(' ') {
        let bare = word.trim_end_matches([',', ';']);
        if is_group(bare) || (run.is_empty() && is_prefixed_group(bare)) {
            run.push(bare);
        } else {
            flush(&mut run);
            if is_prefixed_group(bare) {
                run.push(bare);
            }
        }
        if bare.len() < word.len() {
            flush(&mut run);
        }
    }
    flush(&mut run);
    runs
}

/// The last word of a remittance line cut off by its channel's field
/// length (see [`looks_truncated`]): the line is exactly 35, 80 or 140
/// characters and ends inside a word, which may be the first characters of
/// a longer number (`INV-0231` of `INV-0231594`). Words are split as
/// [`text_tokens`] splits them.
fn cut_off_word(text: &str) -> Option<&str> {
    let cut = matches!(text.chars().count(), 35 | 80 | 140) && text.ends_with(|c: char| c.is_ascii_alphanumeric());
    if !cut {
        return None;
    }
    let start = text
        .char_indices()
        .rev()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '/' | '.' | '#')))
        .map_or(0, |(i, c)| i + c.len_utf8());
    text.get(start..).filter(|w| !w.is_empty())
}

fn sources<'r>(receipt: &'r Receipt, payer_words: &'r [String]) -> Vec<Source> {
    let mut out = Vec::new();
    for (i, l) in receipt.remittance_lines.iter().enumerate() {
        let whole = creditor_reference_payload(&l.reference);
        let mut candidates = vec![whole.clone()];
        // `ABC: 2026-50O011`: a junk prefix hides the number; try its tokens.
        candidates.extend(text_tokens(&whole).into_iter().filter(|t| *t != whole));
        out.push(Source { candidates, line: Some(i), run: false, named: true, cut_off: false, bank_field: false });
    }
    // The check number (lockbox: also the customer reference) and the
    // payer's own account and routing numbers name no document.
    let not_references: Vec<String> = receipt
        .check_number
        .iter()
        .map(String::as_str)
        .chain(receipt.payer_account.iter().flat_map(|a| a.split(':')))
        .filter(|s| !s.is_empty())
        .map(squash)
        .collect();
    let customer_reference =
        receipt.customer_reference.iter().filter(|c| receipt.check_number.as_deref() != Some(c.as_str()));
    // Remittance text names documents; the customer reference (camt
    // `EndToEndId`, BAI2 customer reference) is the payer's own number.
    // Bank and network fields around the payer's words (`IMAD:=`, `DACT:`,
    // `ORG:=`) name no document: their values are not read.
    let payer_words: Vec<(&str, Option<&str>)> = receipt
        .remittance_text
        .iter()
        .zip(payer_words)
        .map(|(t, words)| {
            // The cut-off word of the line as the bank cut it, when the
            // payer's words still end with it.
            let cut = cut_off_word(t).filter(|w| words.ends_with(w));
            (words.as_str(), cut)
        })
        .collect();
    // A word a line break cut in two (BAI2 `88` continuations join without
    // a blank): the joined word is read like a number written in groups,
    // so its halves name nothing of their own once it names a document.
    let lines: Vec<&str> = payer_words.iter().map(|(t, _)| *t).collect();
    for word in crate::remittance::wrapped_words(&lines) {
        out.push(Source {
            candidates: vec![word],
            line: None,
            run: true,
            named: false,
            cut_off: false,
            bank_field: false,
        });
    }
    let texts = payer_words.iter().map(|(t, cut)| (*t, true, *cut));
    let customer_reference = customer_reference.map(|c| (c.as_str(), false, cut_off_word(c)));
    for (text, named, cut) in texts.chain(customer_reference) {
        let ends_cut = |t: &str| cut.is_some_and(|w| squash(t).ends_with(&squash(w)));
        // A grouped number is read without the cut-off word after it.
        let before_cut = cut.and_then(|w| text.strip_suffix(w)).unwrap_or(text);
        for run in digit_runs(before_cut).into_iter().filter(|r| !not_references.contains(&squash(r))) {
            out.push(Source {
                candidates: vec![run],
                line: None,
                run: true,
                named: false,
                cut_off: false,
                bank_field: !named,
            });
        }
        for token in text_tokens(text).into_iter().filter(|t| !not_references.contains(&squash(t))) {
            let cut_off = ends_cut(&token);
            out.push(Source { candidates: vec![token], line: None, run: false, named, cut_off, bank_field: !named });
        }
    }
    out
}

/// Stage 1 for one receipt: exact references first, then the customer,
/// then one-edit references for tokens that matched nothing of the
/// customer's exactly — among the customer's family's invoices (closed ones
/// included, so a mistyped duplicate is still recognised) when the
/// customer is known, else globally when few neighbours exist.
pub fn propose(receipt: &Receipt, ledger: &Ledger) -> Proposal {
    propose_with(receipt, ledger, &AccountsSeenInRun::default())
}

/// [`propose`], with the payer accounts other receipts of the run
/// identified (see [`AccountsSeenInRun`]).
pub fn propose_with(receipt: &Receipt, ledger: &Ledger, seen: &AccountsSeenInRun) -> Proposal {
    let mut refs: Vec<RefMatch> = Vec::new();
    // (token, candidate keys, line) of sources with no exact match.
    let mut unmatched: Vec<(usize, Keys, Option<usize>)> = Vec::new();
    let mut seen_keys: std::collections::HashSet<String> = std::collections::HashSet::new();
    // The payer's words of each text line, read once for the sources and
    // the cut-off test.
    let payer_words: Vec<String> =
        receipt.remittance_text.iter().map(|t| crate::remittance::remittance_only(t)).collect();
    let sources = sources(receipt, &payer_words);
    // (token, digits) of the space-separated numbers.
    let runs: Vec<(usize, String)> = sources
        .iter()
        .enumerate()
        .filter(|(_, s)| s.run)
        .filter_map(|(t, s)| s.candidates.first().map(|c| (t, squash(c))))
        .collect();
    // Tokens that name documents, for `unresolved_references`.
    let named: Vec<usize> = sources.iter().enumerate().filter(|(_, s)| s.named && !s.cut_off).map(|(t, _)| t).collect();
    let mut loose: Vec<LooseRef> = Vec::new();
    let bank_field: Vec<bool> = sources.iter().map(|s| s.bank_field).collect();
    // The payer's words (lines, text, its own reference) for learned shapes.
    let shape_words: Vec<String> = if ledger.has_learned_shapes() {
        sources.iter().filter(|s| !s.run && !s.cut_off).filter_map(|s| s.candidates.first().cloned()).collect()
    } else {
        Vec::new()
    };
    for (token, source) in sources.into_iter().enumerate() {
        let mut keys: Keys = Vec::new();
        let mut matched = false;
        let loose_key = source
            .named
            .then(|| source.candidates.first().map(|c| normalise_reference(c).key))
            .flatten()
            .filter(|k| k.len() >= 3 && k.bytes().any(|b| b.is_ascii_digit()));
        for (k, raw) in source.candidates.iter().enumerate() {
            let normalised = normalise_reference(raw);
            let key = normalised.key;
            // Pieces of a structured reference count only when they stand on
            // their own (`202` of `202 4-50 2622` does not), or when the piece
            // is the field's only number (`2111` of `ABC: 2111`).
            let numbered_pieces =
                source.candidates.iter().skip(1).filter(|c| c.bytes().any(|b| b.is_ascii_digit())).count();
            let piece_too_short = k > 0 && key.len() < SHORT_KEY && !(numbered_pieces == 1 && key.len() >= 3);
            // A short key (`INV-00027` is `27`) is looked up only as printed:
            // the invoice number exactly as the payer wrote it always counts,
            // whatever its length; loose readings of it do not.
            let printed_only = key.len() < 3;
            if key.is_empty() || piece_too_short || (source.line.is_none() && seen_keys.contains(&key)) {
                continue;
            }
            seen_keys.insert(key.clone());
            let mut exact = ledger.invoice_refs.exact(&key);
            if printed_only {
                exact.retain(|doc| printed_form(raw) == printed_form(&ledger.invoice(*doc).id));
                if exact.is_empty() {
                    continue;
                }
            }
            if source.cut_off {
                // The first characters of a longer number: only an invoice
                // number printed exactly as it is stands for itself, or the
                // whole number of an invoice after its prefix (`0218045` of
                // `INV-0218045`, a text that merely happens to be 35
                // characters long) when no invoice's number continues it.
                let word = squash(raw);
                let continued = || {
                    ledger.invoice_refs.near(&key).iter().any(|h| {
                        let k = ledger.invoice_refs.key(h.doc);
                        k.len() > key.len() && k.starts_with(key.as_str())
                    })
                };
                let whole_tail =
                    |doc: &u32| key.len() >= SHORT_KEY && squash(&ledger.invoice(*doc).id).ends_with(&word);
                let tails = exact.iter().any(whole_tail) && !continued();
                exact.retain(|doc| word == squash(&ledger.invoice(*doc).id) || (tails && whole_tail(doc)));
            }
            for doc in &exact {
                let exact_raw = squash(raw) == squash(&ledger.invoice(*doc).id);
                // A number from the bank's customer-reference field decides
                // the customer only when it is the invoice number exactly as
                // printed: a trace or check number there that merely
                // normalises to an invoice key is a coincidence at scale.
                let standing = key.len() >= SHORT_KEY || normalised.prefixed || exact_raw || source.line.is_some();
                refs.push(RefMatch {
                    anchored: standing && (exact_raw || !source.bank_field),
                    invoice: *doc,
                    raw: raw.clone(),
                    distance: 0,
                    via_po: false,
                    line: source.line,
                    strength: strength(0, key.len(), exact_raw, normalised.prefixed || source.line.is_some()),
                    token,
                });
            }
            let po = if exact.is_empty() && !source.cut_off { ledger.po_refs.exact(&key) } else { Vec::new() };
            for doc in &po {
                refs.push(RefMatch {
                    anchored: (key.len() >= SHORT_KEY || source.line.is_some()) && !source.bank_field,
                    invoice: *doc,
                    raw: raw.clone(),
                    distance: 0,
                    via_po: true,
                    line: source.line,
                    strength: Decimal::new(950, 3),
                    token,
                });
            }
            if !source.cut_off
                && ((key.len() >= MIN_FUZZY_LEN && key.bytes().any(|b| b.is_ascii_digit()))
                    || (key.len() >= 3 && key.bytes().all(|b| b.is_ascii_digit()) && raw.starts_with('0')))
            {
                keys.push((raw.clone(), key));
            }
            if !exact.is_empty() || !po.is_empty() {
                matched = true;
                break;
            }
        }
        if let Some(key) = loose_key
            && !loose.iter().any(|l| l.key == key)
        {
            loose.push(LooseRef { key, cut: source.cut_off });
        }
        // Kept even when matched: the exact hit may be another customer's.
        unmatched.push((token, if matched { keys.into_iter().take(1).collect() } else { keys }, source.line));
    }
    // A payer known by its bank account needs no name search (the costliest
    // lookup of a receipt): its name would only rank alternatives.
    let known_account = receipt.payer_account.as_deref().is_some_and(|a| ledger.customers_with_account(a).len() == 1);
    let customer_candidates = match receipt.payer_name.as_deref() {
        Some(name) if !known_account => ledger.names.lookup(name),
        _ => Vec::new(),
    };
    // The pieces of a grouped number that names a document do not decide
    // the customer either.
    drop_run_pieces(&mut refs, &runs);
    let fixed = mistyped_into_another_currency(receipt, ledger, &mut refs);
    let payer = payer_evidence(receipt, ledger, &customer_candidates, seen);
    let mut customer = identify_customer(receipt, ledger, &refs, payer);
    if customer.is_none()
        && let Some(first) = fixed.first()
        && fixed.iter().all(|o| *o == *first)
    {
        customer = Some((*first, Decimal::new(950, 3), CustomerEvidence::ReferenceOwner));
    }
    let mut learned_shapes = Vec::new();
    if customer.is_none() && !shape_words.is_empty() {
        (customer, learned_shapes) = learned_shape_customer(ledger, &shape_words);
    }
    let family: Vec<u32> = customer.map(|(c, _, _)| ledger.family(c)).unwrap_or_default();
    let reference_tokens: Vec<usize> = unmatched
        .iter()
        .filter(|(token, keys, _)| !keys.is_empty() && named.contains(token))
        .map(|(token, _, _)| *token)
        .collect();
    for (token, keys, line) in unmatched {
        let exact_here: Vec<&RefMatch> = refs.iter().filter(|r| r.token == token && r.distance == 0).collect();
        let exact_in_family = exact_here.iter().any(|r| family.contains(&ledger.owner(r.invoice)));
        if !exact_here.is_empty() && (customer.is_none() || exact_in_family) {
            continue;
        }
        for (raw, key) in keys {
            let hits: Vec<u32> = match customer {
                Some((c, _, _)) => ledger.family_neighbours(c, &key),
                None => {
                    let near: Vec<u32> =
                        ledger.invoice_refs.near(&key).iter().filter(|h| h.distance == 1).map(|h| h.doc).collect();
                    if near.len() > MAX_GLOBAL_FUZZY { Vec::new() } else { near }
                }
            };
            // A constant prefix dropped (`00464` for `1800000464`, research
            // §7c A1): the only invoice of the customer whose number ends in
            // these digits. Weak alone; the amounts must corroborate it.
            let hits = match customer {
                Some((c, _, _)) if hits.is_empty() && key.bytes().all(|b| b.is_ascii_digit()) => {
                    let tails = ledger.family_suffix_matches(c, &key);
                    if tails.len() == 1 { tails } else { Vec::new() }
                }
                _ => hits,
            };
            let found = !hits.is_empty();
            // The only invoice one edit away among the invoices of a customer
            // known by account, exact name or exact references (a key of 5+
            // characters): stronger than a global neighbour, still below an
            // exact match, and enough to apply.
            let scoped_unique = hits.len() == 1
                && key.len() >= 5
                && customer.is_some_and(|(_, _, how)| how != CustomerEvidence::PayerNameFuzzy);
            for doc in hits {
                refs.push(RefMatch {
                    anchored: !bank_field.get(token).copied().unwrap_or(false),
                    invoice: doc,
                    raw: raw.clone(),
                    distance: 1,
                    via_po: false,
                    line,
                    strength: if scoped_unique { Decimal::new(910, 3) } else { strength(1, key.len(), false, false) },
                    token,
                });
            }
            if found {
                break;
            }
        }
    }
    // A bare number of an invoice the payer (known by its own evidence)
    // may pay is corroborated by that evidence.
    if let Some((p, _, _)) = payer {
        for r in &mut refs {
            if r.distance == 0 && r.strength < Decimal::new(950, 3) && ledger.may_pay(p, ledger.owner(r.invoice)) {
                r.strength = Decimal::new(960, 3);
            }
        }
    }
    // Bare numbers listed beside the customer's own invoice numbers written
    // with their prefix (`INV-01567;01586`) are items of that customer's
    // list: the prefixed numbers corroborate them (4+ characters).
    if let Some((c, _, CustomerEvidence::ReferenceOwner)) = customer {
        let prefixed_beside = refs.iter().any(|r| {
            r.distance == 0
                && r.anchored
                && r.strength >= Decimal::new(980, 3)
                && ledger.may_pay(c, ledger.owner(r.invoice))
        });
        if prefixed_beside {
            for r in &mut refs {
                if r.distance == 0
                    && r.strength < Decimal::new(950, 3)
                    && normalise_reference(&r.raw).key.len() >= 4
                    && ledger.may_pay(c, ledger.owner(r.invoice))
                {
                    r.strength = Decimal::new(950, 3);
                }
            }
        }
    }
    // Short keys never decide the customer (they were left out above); they
    // count for a customer found otherwise: by the payer's own evidence, or
    // by the anchored references beside them (`REF 4.331;4370;0004364`).
    refs.retain(|r| r.anchored || customer.is_some_and(|(c, _, _)| ledger.may_pay(c, ledger.owner(r.invoice))));
    drop_run_pieces(&mut refs, &runs);
    // One candidate per (token, invoice): the nearest, then the strongest
    // (an invoice found both as a currency fix and as a neighbour once).
    refs.sort_by(|a, b| {
        (a.token, a.invoice, a.distance).cmp(&(b.token, b.invoice, b.distance)).then(b.strength.cmp(&a.strength))
    });
    refs.dedup_by_key(|r| (r.token, r.invoice));
    refs.sort_by_key(|r| (r.token, r.distance, r.invoice));
    let unresolved_references = reference_tokens.iter().filter(|t| !refs.iter().any(|r| r.token == **t)).count();
    let payer = payer.map(|(p, _, how)| (p, how));
    Proposal {
        refs,
        customer,
        customer_candidates,
        truncated: looks_truncated(receipt, &payer_words),
        payer,
        unresolved_references,
        loose,
        learned_shapes,
    }
}

/// Confidence of a customer identified by a learned reference shape: below
/// an exact payer name (0.970), above the auto-apply threshold, so the
/// engine's rules for an identified customer decide what is applied.
const LEARNED_SHAPE_CONFIDENCE: Decimal = Decimal::from_parts(950, 0, 0, false, 3);

/// The customer the learned reference shapes name, with the rules that
/// fit: one customer identifies it; rules naming several customers
/// identify none (the rules are still returned, for the evidence).
fn learned_shape_customer(ledger: &Ledger, words: &[String]) -> (Option<(u32, Decimal, CustomerEvidence)>, Vec<i64>) {
    let mut rules: Vec<(i64, u32)> =
        words.iter().flat_map(|w| ledger.shape_rules(w)).map(|r| (r.rule_id, r.customer)).collect();
    rules.sort_unstable();
    rules.dedup();
    let mut customers: Vec<u32> = rules.iter().map(|(_, c)| *c).collect();
    customers.sort_unstable();
    customers.dedup();
    let ids = rules.into_iter().map(|(id, _)| id).collect();
    match customers.as_slice() {
        [one] => (Some((*one, LEARNED_SHAPE_CONFIDENCE, CustomerEvidence::LearnedShape)), ids),
        _ => (None, ids),
    }
}

/// A reference that names exactly only invoices in another currency than
/// the payment's (`INV-0100096`, another customer's EUR invoice, on a USD
/// payment), while exactly one invoice one edit away is open in the
/// payment's currency for exactly the amount the reference states (its
/// line's, or the payment's when it is the only reference): the number was
/// mistyped into the other invoice's. So was it when no invoice one edit
/// away is open for exactly that amount but exactly one is open in the
/// payment's currency at all, for more than it (a part payment of it).
/// That invoice is added as the
/// reference's candidate (0.950), and the other-currency invoices no longer
/// decide the customer. Returns the owners of the invoices so found.
fn mistyped_into_another_currency(receipt: &Receipt, ledger: &Ledger, refs: &mut Vec<RefMatch>) -> Vec<u32> {
    let mut tokens: Vec<usize> = refs.iter().map(|r| r.token).collect();
    tokens.sort_unstable();
    tokens.dedup();
    let single = tokens.len() == 1;
    let mut added: Vec<RefMatch> = Vec::new();
    for t in tokens {
        let here: Vec<&RefMatch> = refs.iter().filter(|r| r.token == t).collect();
        let Some(first) = here.first() else { continue };
        if here.iter().any(|r| r.distance != 0 || ledger.invoice(r.invoice).currency == receipt.currency) {
            continue;
        }
        let stated = match first.line {
            Some(l) => receipt.remittance_lines.get(l).and_then(|l| l.amount),
            None if single => Some(receipt.amount),
            None => None,
        };
        let Some(stated) = stated.filter(|a| *a > Decimal::ZERO) else { continue };
        let key = normalise_reference(&first.raw).key;
        if key.len() < MIN_FUZZY_LEN {
            continue;
        }
        // Invoices one edit away open in the payment's currency: the one
        // open for exactly the amount; none being, the only one open at all
        // when it is open for more (a part payment of it).
        let open: Vec<u32> = ledger
            .invoice_refs
            .near(&key)
            .into_iter()
            .filter(|h| h.distance == 1)
            .map(|h| h.doc)
            .filter(|i| {
                let inv = ledger.invoice(*i);
                inv.currency == receipt.currency
                    && inv.status == crate::inputs::InvoiceStatus::Open
                    && inv.amount_open > Decimal::ZERO
            })
            .collect();
        let exact: Vec<u32> = open.iter().copied().filter(|i| ledger.invoice(*i).amount_open == stated).collect();
        let fits = match (exact.as_slice(), open.as_slice()) {
            ([one], _) => vec![*one],
            ([], [one]) if ledger.invoice(*one).amount_open > stated => vec![*one],
            _ => Vec::new(),
        };
        if let [one] = fits.as_slice() {
            added.push(RefMatch {
                invoice: *one,
                distance: 1,
                strength: Decimal::new(950, 3),
                anchored: true,
                via_po: false,
                ..(*first).clone()
            });
        }
    }
    let owners: Vec<u32> = added.iter().map(|r| ledger.owner(r.invoice)).collect();
    for r in refs.iter_mut() {
        if added.iter().any(|a| a.token == r.token) {
            r.anchored = false;
        }
    }
    refs.extend(added);
    owners
}

/// A space-separated number that names a document: its groups, and joins
/// of some of them, are pieces of it, not references of their own.
fn drop_run_pieces(refs: &mut Vec<RefMatch>, runs: &[(usize, String)]) {
    let named_runs: Vec<&(usize, String)> = runs.iter().filter(|(t, _)| refs.iter().any(|r| r.token == *t)).collect();
    if named_runs.is_empty() {
        return;
    }
    refs.retain(|r| {
        let piece = squash(&r.raw);
        r.line.is_some()
            || !named_runs
                .iter()
                .any(|(t, digits)| r.token != *t && piece.len() < digits.len() && digits.contains(&piece))
    });
}

/// The payer as its own evidence shows it: bank account, else exact name or
/// alias, else a clear fuzzy winner.
/// Payer bank accounts the customer master does not list, each with the
/// one customer whose invoices receipts of the same run paid from it by
/// their exact, anchored numbers (a strength of 0.98 or more) while the
/// payer's name, if given, may be that customer's. An account seen paying
/// for several customers is a payment agent's and speaks for none. A
/// customer pays from the same account day after day: once its own
/// references name it, its other payments from that account are its too.
#[derive(Debug, Default, Clone)]
pub struct AccountsSeenInRun {
    accounts: std::collections::HashMap<String, Option<u32>>,
}

impl AccountsSeenInRun {
    /// Learns from the stage-one proposals of a run's receipts.
    pub fn learn(receipts: &[&Receipt], proposals: &[Proposal], ledger: &Ledger) -> Self {
        let mut accounts: std::collections::HashMap<String, Option<u32>> = std::collections::HashMap::new();
        for (r, p) in receipts.iter().zip(proposals) {
            let Some(account) = r.payer_account.as_deref().filter(|a| ledger.customers_with_account(a).is_empty())
            else {
                continue;
            };
            let Some((c, _, CustomerEvidence::ReferenceOwner)) = p.customer else { continue };
            let by_reference = p.refs.iter().any(|x| {
                x.distance == 0
                    && x.anchored
                    && x.strength >= Decimal::new(980, 3)
                    && ledger.may_pay(c, ledger.owner(x.invoice))
            });
            let named_so =
                r.payer_name.as_deref().filter(|n| !n.trim().is_empty()).is_none_or(|n| ledger.names.may_name(n, c));
            if !(by_reference && named_so) {
                continue;
            }
            let key = account_key(account);
            if key.is_empty() {
                continue;
            }
            accounts
                .entry(key)
                .and_modify(|seen| {
                    if *seen != Some(c) {
                        *seen = None;
                    }
                })
                .or_insert(Some(c));
        }
        AccountsSeenInRun { accounts }
    }

    /// What the run learned of one account: it paid for `customer` (to
    /// read one receipt again as the run decided it).
    pub fn single(account: &str, customer: u32) -> Self {
        let mut accounts = std::collections::HashMap::new();
        accounts.insert(account_key(account), Some(customer));
        AccountsSeenInRun { accounts }
    }

    /// The one customer `account` paid for by reference in this run.
    pub fn customer(&self, account: &str) -> Option<u32> {
        if self.accounts.is_empty() {
            return None;
        }
        self.accounts.get(&account_key(account)).copied().flatten()
    }

    /// True when no account was learned.
    pub fn is_empty(&self) -> bool {
        self.accounts.values().all(Option::is_none)
    }
}

/// An account as compared across receipts: normalised, the routing part
/// dropped, leading zeros ignored (MICR fields pad them).
fn account_key(account: &str) -> String {
    let a = crate::engine::normalise_account(account);
    let bare = a.rsplit(':').next().unwrap_or(&a);
    let t = bare.trim_start_matches('0');
    if t.is_empty() { bare.to_string() } else { t.to_string() }
}

fn payer_evidence(
    receipt: &Receipt,
    ledger: &Ledger,
    by_name: &[(u32, Decimal)],
    seen: &AccountsSeenInRun,
) -> Option<(u32, Decimal, CustomerEvidence)> {
    let by_account = receipt.payer_account.as_deref().map(|a| ledger.customers_with_account(a)).unwrap_or_default();
    // An account the master does not list that paid one customer by
    // reference today, when the payer's name (if any) may be that
    // customer's: a payment agent's name is not, so its account never
    // speaks for the customers it pays for.
    let seen_for =
        receipt.payer_account.as_deref().filter(|_| by_account.is_empty()).and_then(|a| seen.customer(a)).filter(|c| {
            receipt.payer_name.as_deref().filter(|n| !n.trim().is_empty()).is_none_or(|n| ledger.names.may_name(n, *c))
        });
    match by_account {
        [one] => Some((*one, Decimal::ONE, CustomerEvidence::BankAccount)),
        [] if seen_for.is_some() => seen_for.map(|c| (c, Decimal::new(950, 3), CustomerEvidence::AccountInRun)),
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
    }
}

/// The owner of the exactly referenced invoices wins (a third party may pay
/// them), unless strong payer evidence (bank account or exact name) points
/// to another customer and the referenced invoices' open amounts do not add
/// up to the payment: then the reference is more likely mistyped than the
/// payer wrong, and the payer wins.
fn identify_customer(
    receipt: &Receipt,
    ledger: &Ledger,
    refs: &[RefMatch],
    payer: Option<(u32, Decimal, CustomerEvidence)>,
) -> Option<(u32, Decimal, CustomerEvidence)> {
    let mut owners: Vec<u32> =
        refs.iter().filter(|r| r.distance == 0 && r.anchored).map(|r| ledger.owner(r.invoice)).collect();
    owners.sort_unstable();
    owners.dedup();
    let strong_payer = payer.filter(|(_, _, how)| {
        matches!(how, CustomerEvidence::BankAccount | CustomerEvidence::AccountInRun | CustomerEvidence::PayerName)
    });
    // The payment is within 5% of the open total of what the exact
    // references name of this owner's invoices.
    let amounts_fit = |owner: u32| {
        let mut invoices: Vec<u32> = refs
            .iter()
            .filter(|r| r.distance == 0 && r.anchored && ledger.owner(r.invoice) == owner)
            .map(|r| r.invoice)
            .collect();
        invoices.sort_unstable();
        invoices.dedup();
        let open: Decimal = invoices.iter().map(|i| ledger.invoice(*i).amount_open).sum();
        (open - receipt.amount).abs() <= open.abs() * Decimal::new(5, 2)
    };
    match owners.as_slice() {
        [one] => {
            if let Some((p, _, _)) = strong_payer
                && !ledger.may_pay(p, *one)
                && !amounts_fit(*one)
            {
                return strong_payer;
            }
            Some((*one, Decimal::ONE, CustomerEvidence::ReferenceOwner))
        }
        // Several owners: keep those the payer may pay for, if that leaves
        // one; else the one whose named invoices the payment fits (a
        // number that happens to be another customer's invoice — a check
        // or customer reference among a million invoices — does not
        // outweigh references the amount confirms).
        [_, _, ..] => {
            if let Some((p, _, _)) = payer {
                let fam: Vec<u32> = owners.iter().copied().filter(|o| ledger.may_pay(p, *o)).collect();
                if let [o] = fam.as_slice() {
                    return Some((*o, Decimal::ONE, CustomerEvidence::ReferenceOwner));
                }
            }
            let fitting: Vec<u32> = owners.iter().copied().filter(|o| amounts_fit(*o)).collect();
            match fitting.as_slice() {
                [o] if strong_payer.is_none_or(|(p, _, _)| !owners.iter().any(|x| ledger.may_pay(p, *x))) => {
                    Some((*o, Decimal::ONE, CustomerEvidence::ReferenceOwner))
                }
                _ => payer,
            }
        }
        [] => payer,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_and_dates_in_free_text_are_never_references() {
        for t in ["26.15", "1,281.25", "1281.25", "2026-01-31", "31/01/2026", "31.01.26"] {
            assert!(looks_like_amount_or_date(t), "{t}");
        }
        for t in ["2026-500011", "6.032946", "INV-0004711", "18000464", "60-67132", "2.02.6-.50.00.63"] {
            assert!(!looks_like_amount_or_date(t), "{t}");
        }
    }

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
