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

use crate::reference::{MIN_FUZZY_LEN, normalise_reference, printed_form, without_padding};

use super::ledger::Ledger;

mod customer;
mod tokens;
mod truncation;
mod whole_payment;

pub use customer::AccountsSeenInRun;
use customer::{identify_customer, learned_shape_customer, payer_evidence};
pub(crate) use tokens::day_and_month;
pub use tokens::{creditor_reference_payload, looks_like_amount_or_date, text_tokens};
use tokens::{sources, squash};
use truncation::looks_truncated;

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

/// More fuzzy neighbours than this, with no customer to narrow them, are
/// no evidence at all: dense (sequential) invoice numbering puts dozens of
/// real invoices one edit away from any number.
const MAX_GLOBAL_FUZZY: usize = 3;

/// (as written, normalised key) of a source's candidates.
type Keys = Vec<(String, String)>;

/// Stage 1 for one receipt: exact references first, then the customer,
/// then one-edit references for tokens that matched nothing of the
/// customer's exactly — among the customer's family's invoices (closed ones
/// included, so a mistyped duplicate is still recognised) when the
/// customer is known, else globally when few neighbours exist.
pub fn propose(receipt: &Receipt, ledger: &Ledger) -> Proposal {
    propose_with(receipt, ledger, &AccountsSeenInRun::default(), &[])
}

/// [`propose`], with the payer accounts other receipts of the run
/// identified (see [`AccountsSeenInRun`]).
/// `mentions`: keys of documents the payer only mentions beside items that
/// account for the payment (`Pmt on acct INV-00305`): never proposed for
/// payment, and their owners weigh in the customer's identification only
/// when the payer's name may be theirs.
pub fn propose_with(receipt: &Receipt, ledger: &Ledger, seen: &AccountsSeenInRun, mentions: &[String]) -> Proposal {
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
    // A payer known by its bank account needs no name search (the costliest
    // lookup of a receipt): its name would only rank alternatives.
    let known_account = receipt.payer_account.as_deref().is_some_and(|a| ledger.customers_with_account(a).len() == 1);
    let customer_candidates = match receipt.payer_name.as_deref() {
        Some(name) if !known_account => ledger.names.lookup(name),
        _ => Vec::new(),
    };
    // The customers the payer's name may be (0.90 or more).
    let name_may_be = |c: u32| customer_candidates.iter().any(|(x, s)| *x == c && *s >= Decimal::new(900, 3));
    // The payer's one document as written, when it names only one:
    // (token, whole reference, line).
    let only_written: Option<(usize, String, Option<usize>)> = match named.as_slice() {
        [t] => sources.get(*t).and_then(|s| s.candidates.first().map(|c| (*t, c.clone(), s.line))),
        _ => None,
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
                // Also, on a remittance line of its own, the same number
                // with its padding zeros left out (`INV-58=116982.00` for
                // `INV-00058`; in free text `INV-042 5360` is a piece of a
                // longer number), or read loosely while the
                // amount it comes with is exactly the invoice's open amount
                // (`Invoice #44 31800.00` for `INV-00044`, open 31800.00):
                // a two-digit number alone is a coincidence among many
                // invoices, the number and the exact amount together are not;
                // nor is one written as a document (`Invoice #91`) of a
                // customer the payer's name may be.
                let stated = match source.line {
                    Some(l) => receipt.remittance_lines.get(l).and_then(|l| l.amount),
                    None => Some(receipt.amount),
                };
                let printed = printed_form(raw);
                // `INV-024`: a zero-led short number is the start of a
                // padded one, not a number written short.
                let zero_led = raw.bytes().find(u8::is_ascii_digit) == Some(b'0');
                exact.retain(|doc| {
                    let invoice = ledger.invoice(*doc);
                    let id = printed_form(&invoice.id);
                    printed == id
                        || (source.line.is_some() && without_padding(&printed) == without_padding(&id))
                        || stated.is_some_and(|a| a > Decimal::ZERO && a == invoice.amount_open)
                        || (normalised.prefixed && !zero_led && name_may_be(ledger.owner(*doc)))
                });
                if exact.is_empty() {
                    continue;
                }
            }
            if source.cut_off {
                // Maybe the first characters of a longer number: an invoice
                // number printed exactly as it is stands for itself, or —
                // when no invoice's number continues it — the whole number
                // of an invoice after its prefix (`0218045` of
                // `INV-0218045`, a text that merely happens to be 35
                // characters long), zero padding before it or not, or the
                // number printed without its padding.
                let word = squash(raw);
                let continued = || {
                    ledger.invoice_refs.near(&key).iter().any(|h| {
                        let k = ledger.invoice_refs.key(h.doc);
                        k.len() > key.len() && k.starts_with(key.as_str())
                    })
                };
                // Zero padding before it counts as written (`001800230482`
                // for `1800230482`).
                let bare = word.trim_start_matches('0');
                let whole_tail = |doc: &u32| {
                    key.len() >= SHORT_KEY && !bare.is_empty() && squash(&ledger.invoice(*doc).id).ends_with(bare)
                };
                // The number as printed but for its padding zeros
                // (`INV-297960` for `INV-0297960`).
                let unpadded = |doc: &u32| {
                    key.len() >= SHORT_KEY
                        && without_padding(&printed_form(raw))
                            == without_padding(&printed_form(&ledger.invoice(*doc).id))
                };
                let tails = exact.iter().any(|d| whole_tail(d) || unpadded(d)) && !continued();
                exact.retain(|doc| {
                    word == squash(&ledger.invoice(*doc).id) || (tails && (whole_tail(doc) || unpadded(doc)))
                });
            }
            for doc in &exact {
                let exact_raw = squash(raw) == squash(&ledger.invoice(*doc).id);
                // A number from the bank's customer-reference field decides
                // the customer only when it is the invoice number exactly as
                // printed: a trace or check number there that merely
                // normalises to an invoice key is a coincidence at scale.
                // A short key (`552` of `00552`) that is not the number as
                // printed is a coincidence among many invoices even on a
                // remittance line, unless the line's amount is exactly the
                // invoice's open amount: it neither decides the customer nor
                // applies unless the payer's own evidence corroborates it.
                let line_settles = source
                    .line
                    .and_then(|l| receipt.remittance_lines.get(l))
                    .and_then(|l| l.amount)
                    .is_some_and(|a| a == ledger.invoice(*doc).amount_open);
                let short_loose = key.len() < SHORT_KEY && !exact_raw && !normalised.prefixed && !line_settles;
                let standing = !short_loose && (key.len() >= SHORT_KEY || source.line.is_some());
                let line_backed = source.line.is_some() && !short_loose;
                refs.push(RefMatch {
                    anchored: (standing || normalised.prefixed || exact_raw) && (exact_raw || !source.bank_field),
                    invoice: *doc,
                    raw: raw.clone(),
                    distance: 0,
                    via_po: false,
                    line: source.line,
                    strength: strength(0, key.len(), exact_raw, normalised.prefixed || line_backed),
                    token,
                });
            }
            // A cut-off word names a purchase order only when no longer
            // purchase-order number continues it (`PO-612166` ending a line
            // that merely happens to be 35 characters long).
            let po_continued = || {
                ledger.po_refs.near(&key).iter().any(|h| {
                    let k = ledger.po_refs.key(h.doc);
                    k.len() > key.len() && k.starts_with(key.as_str())
                })
            };
            let po = if exact.is_empty() && (!source.cut_off || (key.len() >= SHORT_KEY && !po_continued())) {
                ledger.po_order(&key)
            } else {
                Vec::new()
            };
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
            // A number written zero-padded to five digits or more
            // (`INV-09665`, `INV-00169`) may be a padded number mistyped,
            // however short its key.
            // One run of digits (`INV-0 112`, a number split by a wrap or
            // a gap, is not one number).
            let digits: Vec<usize> =
                raw.bytes().enumerate().filter(|(_, b)| b.is_ascii_digit()).map(|(i, _)| i).collect();
            let one_run = digits.first().zip(digits.last()).is_some_and(|(a, z)| z - a + 1 == digits.len());
            let zero_padded = one_run && digits.len() >= 5 && raw.bytes().find(u8::is_ascii_digit) == Some(b'0');
            let searchable = !source.cut_off
                && ((key.len() >= MIN_FUZZY_LEN && key.bytes().any(|b| b.is_ascii_digit()))
                    || (key.len() >= 3 && key.bytes().all(|b| b.is_ascii_digit()) && raw.starts_with('0'))
                    || (key.len() >= 3 && key.bytes().all(|b| b.is_ascii_digit()) && zero_padded));
            if !exact.is_empty() || !po.is_empty() {
                // The reading that named a document is the one its owner's
                // family is searched with when that document is another
                // customer's (`ABC: INV-0245240` names another customer's
                // `INV-0245240` as `0245240`, and the payer's `INV-0245420`
                // is one edit from that, not from the whole field).
                if searchable {
                    keys = vec![(raw.clone(), key)];
                }
                matched = true;
                break;
            }
            if searchable {
                keys.push((raw.clone(), key));
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
    // The pieces of a grouped number that names a document do not decide
    // the customer either.
    drop_run_pieces(&mut refs, &runs);
    // A mentioned document tells who the payer is only when the payer's
    // name may be its owner (`Partial payment - INV-0127445`, the payer's
    // own other invoice); another customer's document mentioned in passing
    // does not contend with the documents paid.
    if !mentions.is_empty() {
        let name = receipt.payer_name.as_deref().filter(|n| !n.trim().is_empty());
        refs.retain(|x| {
            x.line.is_some()
                || !mentions.contains(&normalise_reference(&x.raw).key)
                || name.is_some_and(|n| ledger.names.may_name(n, ledger.owner(x.invoice)))
        });
    }
    let fixed = mistyped_into_another_currency(receipt, ledger, &mut refs);
    let payer = payer_evidence(receipt, ledger, &customer_candidates, seen);
    let mut customer = identify_customer(receipt, ledger, &refs, payer, &customer_candidates);
    if customer.is_none()
        && let Some(first) = fixed.first()
        && fixed.iter().all(|o| *o == *first)
    {
        customer = Some((*first, Decimal::new(950, 3), CustomerEvidence::ReferenceOwner));
    }
    // Nothing identifies the payer and its one document names no invoice
    // as written: the one open item of exactly the payment its number
    // reads as (`whole_payment`).
    if customer.is_none()
        && payer.is_none()
        && !refs.iter().any(|r| r.anchored)
        && let Some((token, raw, line)) = &only_written
        && let Some(found) = whole_payment::variant_for_the_whole_payment(receipt, ledger, *token, raw, *line)
    {
        customer = Some((ledger.owner(found.invoice), found.strength, CustomerEvidence::ReferenceOwner));
        refs.retain(|r| r.token != *token);
        refs.push(found);
    }
    // References whose owner the payer's own evidence contradicts
    // (`identify_customer` gives that owner under 0.90) are doubted.
    if let Some((owner, confidence, CustomerEvidence::ReferenceOwner)) = customer
        && confidence < Decimal::new(900, 3)
    {
        for r in refs.iter_mut().filter(|r| ledger.owner(r.invoice) == owner) {
            r.strength = r.strength.min(confidence);
        }
    }
    let mut learned_shapes = Vec::new();
    if customer.is_none() && !shape_words.is_empty() {
        (customer, learned_shapes) = learned_shape_customer(ledger, &shape_words);
    }
    // A payer known only by a name several customers may bear, whose
    // references name nothing of that customer's, is the one other customer
    // the name may be with an invoice one edit from a reference, open for
    // the payment within 5%.
    if let Some((c, _, CustomerEvidence::PayerName | CustomerEvidence::PayerNameFuzzy)) = customer
        && !refs.iter().any(|r| ledger.may_pay(c, ledger.owner(r.invoice)))
    {
        let keys: Vec<String> = unmatched
            .iter()
            .flat_map(|(_, keys, _)| keys.iter().map(|(_, k)| k.clone()))
            .filter(|k| k.len() >= 5)
            .collect();
        if let Some(other) = customer::named_by_neighbour_of_keys(receipt, ledger, &keys, c, &customer_candidates) {
            customer = Some(other);
        }
    }
    let family: Vec<u32> = customer.map(|(c, _, _)| ledger.family(c)).unwrap_or_default();
    // The payer's own customer number (`Paiement client 300462`, `Kd-Nr.
    // 100700`) confirms who paid; it is no document the payer names.
    let own_numbers: Vec<String> =
        family.iter().map(|c| normalise_reference(ledger.customer_id(*c)).key).filter(|k| k.len() >= 3).collect();
    let reference_tokens: Vec<usize> = unmatched
        .iter()
        .filter(|(token, keys, _)| {
            !keys.is_empty() && named.contains(token) && !keys.iter().any(|(_, k)| own_numbers.contains(k))
        })
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
            let by_edit = !hits.is_empty();
            let hits = match customer {
                Some((c, _, _)) if hits.is_empty() && key.bytes().all(|b| b.is_ascii_digit()) => {
                    let tails = ledger.family_suffix_matches(c, &key);
                    if tails.len() == 1 { tails } else { Vec::new() }
                }
                _ => hits,
            };
            // A padding zero typed as another digit (`INV-90174` for the
            // customer's `INV-00174`): two edits from the key, one as printed.
            let hits = match customer {
                Some((c, _, _)) if hits.is_empty() => ledger.family_padding_typos(c, &raw),
                _ => hits,
            };
            let found = !hits.is_empty();
            // The only invoice one edit away among the invoices of a customer
            // known by account, exact name or exact references (a key of 5+
            // characters): stronger than a global neighbour, still below an
            // exact match, and enough to apply — when the payer wrote the
            // number: one edit from a number of the bank's customer-reference
            // field (a trace or batch number as often as a document) is a
            // coincidence as often as a typo.
            let from_bank_field = bank_field.get(token).copied().unwrap_or(false);
            // A number of five digits or more as written with a document
            // prefix (`INV-09665`), one edit from the invoice's key (a
            // number's tail, `03473` for `1800003473`, is weak alone).
            let long_enough = key.len() >= 5
                || (by_edit
                    && normalise_reference(&raw).prefixed
                    && raw.bytes().filter(u8::is_ascii_digit).count() >= 5);
            // A payer known by a name that spells the unit loosely but
            // writes its number (`CASCADE ENERGY DIVISION 115`) is known.
            let unit_named =
                |c: u32| receipt.payer_name.as_deref().is_some_and(|n| ledger.names.names_its_unit_number(n, c));
            let scoped_unique = hits.len() == 1
                && long_enough
                && !from_bank_field
                && customer.is_some_and(|(c, _, how)| how != CustomerEvidence::PayerNameFuzzy || unit_named(c));
            for doc in hits {
                refs.push(RefMatch {
                    anchored: !from_bank_field,
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
    // A short number on a remittance line that is not the invoice number as
    // printed (`5I4`) is corroborated by another line naming, exactly as
    // printed, an invoice of the same customer (`513`, `567`).
    let printed_owners: Vec<u32> = refs
        .iter()
        .filter(|r| r.distance == 0 && r.strength == Decimal::ONE && r.line.is_some())
        .map(|r| ledger.owner(r.invoice))
        .collect();
    for r in &mut refs {
        if r.distance == 0
            && r.line.is_some()
            && !r.anchored
            && !r.via_po
            && r.strength < Decimal::new(900, 3)
            && printed_owners.contains(&ledger.owner(r.invoice))
        {
            r.strength = Decimal::new(950, 3);
            r.anchored = true;
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
    // When the payer's own words name a document, a number of the bank's
    // customer-reference field that is no invoice number as printed (a
    // trace or the originator's own reference that merely normalises to
    // an invoice's key: `312463` beside `INVOICES 0312458`) is context,
    // not a second instruction.
    let from_bank = |r: &RefMatch| bank_field.get(r.token).copied().unwrap_or(false);
    if refs.iter().any(|r| !from_bank(r)) {
        refs.retain(|r| !from_bank(r) || r.anchored);
    }
    drop_run_pieces(&mut refs, &runs);
    // One candidate per (token, invoice): the nearest, then the strongest
    // (an invoice found both as a currency fix and as a neighbour once).
    refs.sort_by(|a, b| {
        (a.token, a.invoice, a.distance).cmp(&(b.token, b.invoice, b.distance)).then(b.strength.cmp(&a.strength))
    });
    refs.dedup_by_key(|r| (r.token, r.invoice));
    refs.sort_by_key(|r| (r.token, r.distance, r.invoice));
    let unresolved_references = reference_tokens.iter().filter(|t| !refs.iter().any(|r| r.token == **t)).count();
    // A document the payer only mentions is never paid (kept until here
    // only for what it says of the payer).
    if !mentions.is_empty() {
        refs.retain(|x| x.line.is_some() || !mentions.contains(&normalise_reference(&x.raw).key));
    }
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
