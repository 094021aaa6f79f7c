//! Who the payer is: the owner of exactly referenced invoices, the
//! customer of its bank account (listed, or learned in the run), its name,
//! or a learned reference shape.

use cashapply_model::Receipt;
use rust_decimal::Decimal;

use super::*;

/// Confidence of a customer identified by a learned reference shape: below
/// an exact payer name (0.970), above the auto-apply threshold, so the
/// engine's rules for an identified customer decide what is applied.
pub(super) const LEARNED_SHAPE_CONFIDENCE: Decimal = Decimal::from_parts(950, 0, 0, false, 3);

/// The customer the learned reference shapes name, with the rules that
/// fit: one customer identifies it; rules naming several customers
/// identify none (the rules are still returned, for the evidence).
pub(super) fn learned_shape_customer(
    ledger: &Ledger,
    words: &[String],
) -> (Option<(u32, Decimal, CustomerEvidence)>, Vec<i64>) {
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
pub(super) fn account_key(account: &str) -> String {
    let a = crate::engine::normalise_account(account);
    let bare = a.rsplit(':').next().unwrap_or(&a);
    let t = bare.trim_start_matches('0');
    if t.is_empty() { bare.to_string() } else { t.to_string() }
}

pub(super) fn payer_evidence(
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
pub(super) fn identify_customer(
    receipt: &Receipt,
    ledger: &Ledger,
    refs: &[RefMatch],
    payer: Option<(u32, Decimal, CustomerEvidence)>,
    by_name: &[(u32, Decimal)],
) -> Option<(u32, Decimal, CustomerEvidence)> {
    // An invoice in another currency than the payment names its owner only
    // when the payer's name, if any, may be that owner's: a mistyped number
    // that lands on a foreign-currency invoice of a customer the name cannot
    // be says nothing of who paid.
    let name = receipt.payer_name.as_deref().filter(|n| !n.trim().is_empty());
    let counts = |r: &&RefMatch| {
        let inv = ledger.invoice(r.invoice);
        inv.currency == receipt.currency || name.is_none_or(|n| ledger.names.may_name(n, ledger.owner(r.invoice)))
    };
    let mut owners: Vec<u32> =
        refs.iter().filter(|r| r.distance == 0 && r.anchored).filter(counts).map(|r| ledger.owner(r.invoice)).collect();
    owners.sort_unstable();
    owners.dedup();
    let strong_payer = payer.filter(|(_, _, how)| {
        matches!(how, CustomerEvidence::BankAccount | CustomerEvidence::AccountInRun | CustomerEvidence::PayerName)
    });
    // The open total of what the exact references name of this owner's
    // invoices (each invoice once).
    let named_open = |owner: u32| {
        let mut invoices: Vec<u32> = refs
            .iter()
            .filter(|r| r.distance == 0 && r.anchored && ledger.owner(r.invoice) == owner)
            .map(|r| r.invoice)
            .collect();
        invoices.sort_unstable();
        invoices.dedup();
        invoices.iter().map(|i| ledger.invoice(*i).amount_open).sum::<Decimal>()
    };
    // Each line naming one of the owner's invoices states that invoice's
    // own amount (the document total it gives, or what it paid plus what it
    // says it took off): `RMR*IV*2025-16155*PI*9606.64*10365.29` with
    // `ADX*-758.65*A05` for an invoice open for 10365.29.
    let lines_state_them = |owner: u32| {
        let mut named =
            refs.iter().filter(|r| r.distance == 0 && r.anchored && ledger.owner(r.invoice) == owner).peekable();
        named.peek().is_some()
            && named.all(|r| {
                let inv = ledger.invoice(r.invoice);
                r.line.and_then(|l| receipt.remittance_lines.get(l)).is_some_and(|l| {
                    let total = l.invoice_amount.filter(|t| *t > Decimal::ZERO);
                    let taken = l.discount.unwrap_or_default().abs() + l.deduction.unwrap_or_default().abs();
                    let paid_and_taken = l.amount.filter(|_| !taken.is_zero()).map(|a| a + taken);
                    total.is_some_and(|t| t == inv.amount_open || t == inv.amount_original)
                        && paid_and_taken.is_none_or(|c| c == inv.amount_open || c == inv.amount_original)
                })
            })
    };
    // The payment is within 5% of that total, or the lines state it.
    let amounts_fit = |owner: u32| {
        let open = named_open(owner);
        (open - receipt.amount).abs() <= open.abs() * Decimal::new(5, 2) || lines_state_them(owner)
    };
    // The payment is exactly that total, or the lines state it.
    let amounts_match = |owner: u32| named_open(owner) == receipt.amount || lines_state_them(owner);
    match owners.as_slice() {
        [one] => {
            // A payer name that may just as well be the references' owner's
            // (`SILVERLINE PLAST`, another customer's alias and the first 16
            // characters of the owner's name) does not contradict them.
            let name_fits_owner = |how: CustomerEvidence| {
                how == CustomerEvidence::PayerName
                    && receipt.payer_name.as_deref().is_some_and(|n| ledger.names.may_name(n, *one))
            };
            if let Some((p, _, how)) = strong_payer
                && !ledger.may_pay(p, *one)
                && !amounts_fit(*one)
                && !name_fits_owner(how)
            {
                return strong_payer;
            }
            // Nor does an amount merely near the owner's invoice when the
            // payer's own invoice one edit from the reference is open for
            // exactly the payment (`18-0023-3194` paying 247.68: another
            // customer's invoice open for 250.00, the payer's 1800203194 for
            // 247.68).
            if let Some((p, _, how)) = strong_payer
                && !ledger.may_pay(p, *one)
                && !name_fits_owner(how)
                && payer_neighbour_settles(receipt, ledger, refs, *one, p)
            {
                return strong_payer;
            }
            if let Some(named) = named_by_neighbour(receipt, ledger, refs, *one, by_name)
                && !amounts_fit(*one)
            {
                return Some(named);
            }
            // The payer's own strong evidence names another customer, who
            // may not pay for the owner and has an open invoice one edit
            // from a reference (the number may be a typo of its own), and
            // the payment only comes near what the references name (a
            // discount, a part): the owner is contradicted, not certain —
            // its references are doubted and held, never posted at 1.000.
            // (A payment agent paying another's invoice less a fee has no
            // invoice of its own one edit from it.)
            if let Some((p, _, how)) = strong_payer
                && !ledger.may_pay(p, *one)
                && !name_fits_owner(how)
                && !amounts_match(*one)
                && payer_has_neighbour(receipt, ledger, refs, *one, p)
            {
                return Some((*one, Decimal::new(850, 3), CustomerEvidence::ReferenceOwner));
            }
            // A payer's name that names other customers and cannot be the
            // owner's (`FALCON SEC` quoting Cobalt Mining's invoice), paying
            // other than what the references name: the number is more
            // likely mistyped into another customer's invoice than paid for
            // it — doubted and held, never posted at 1.000.
            if !amounts_match(*one) && name_points_elsewhere(receipt, ledger, *one, by_name) {
                return Some((*one, Decimal::new(850, 3), CustomerEvidence::ReferenceOwner));
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
            // A payer known only by its name is the one owner that name may
            // be (`KEYSTONE CHEMICA` for Keystone Chemicals Inc, while
            // another customer's PO number is also quoted).
            if let Some((_, _, CustomerEvidence::PayerName | CustomerEvidence::PayerNameFuzzy)) = payer
                && let Some(name) = receipt.payer_name.as_deref()
            {
                let named: Vec<u32> = owners.iter().copied().filter(|o| ledger.names.may_name(name, *o)).collect();
                if let [o] = named.as_slice() {
                    return Some((*o, Decimal::ONE, CustomerEvidence::ReferenceOwner));
                }
            }
            let fitting: Vec<u32> = owners.iter().copied().filter(|o| amounts_fit(*o)).collect();
            match fitting.as_slice() {
                [o] if strong_payer.is_none_or(|(p, _, _)| !owners.iter().any(|x| ledger.may_pay(p, *x))) => {
                    Some((*o, Decimal::ONE, CustomerEvidence::ReferenceOwner))
                }
                _ if payer.is_none() => most_named_owner(ledger, refs, &owners),
                _ => payer,
            }
        }
        [] => payer,
    }
}

/// True when the payer's name is recognisably other customers' (some
/// candidate scores 0.85 or more) and not the owner's: no such candidate is
/// the owner or may pay for it, the name may not be the owner's
/// ([`crate::engine::NameIndex::may_name`]) and shares nothing distinctive
/// with it ([`crate::engine::NameIndex::shares_something_with`]).
fn name_points_elsewhere(receipt: &Receipt, ledger: &Ledger, owner: u32, by_name: &[(u32, Decimal)]) -> bool {
    let Some(name) = receipt.payer_name.as_deref().filter(|n| !n.trim().is_empty()) else { return false };
    let named: Vec<u32> = by_name.iter().filter(|(_, s)| *s >= Decimal::new(850, 3)).map(|(c, _)| *c).collect();
    !named.is_empty()
        && !named.iter().any(|c| *c == owner || ledger.may_pay(*c, owner))
        && !ledger.names.may_name(name, owner)
        && !ledger.names.shares_something_with(name, owner)
}

/// Of several unrelated owners of exact references, nothing else telling
/// the payer: the one whose invoices at least two references name, more
/// than any other owner's — one number among a customer's own is a typo
/// into another customer's invoice more often than a payment for it. That
/// customer's family bounds what is applied; the other references are held.
/// Known by its references, below certainty (0.950).
fn most_named_owner(ledger: &Ledger, refs: &[RefMatch], owners: &[u32]) -> Option<(u32, Decimal, CustomerEvidence)> {
    let named = |o: u32| {
        let mut tokens: Vec<usize> = refs
            .iter()
            .filter(|r| r.distance == 0 && r.anchored && ledger.owner(r.invoice) == o)
            .map(|r| r.token)
            .collect();
        tokens.sort_unstable();
        tokens.dedup();
        tokens.len()
    };
    let mut counts: Vec<(usize, u32)> = owners.iter().map(|o| (named(*o), *o)).collect();
    counts.sort_by_key(|c| std::cmp::Reverse(c.0));
    match counts.as_slice() {
        [(n, o), (next, _), ..] if *n >= 2 && n > next => {
            Some((*o, Decimal::new(950, 3), CustomerEvidence::ReferenceOwner))
        }
        _ => None,
    }
}

/// The customer a payer's name points to when the references name another
/// customer's invoices exactly (`PACIFIC ELECTRIC` paying
/// `INV-0170804`, Bluewater Pharma's): the name cannot be the owner's, and
/// of the customers the name may be (a score of 0.90 or more), exactly one
/// has an invoice one edit from such a reference, open for the payment
/// within 5% — the number was mistyped into the other customer's. Known by
/// its name (0.950).
fn named_by_neighbour(
    receipt: &Receipt,
    ledger: &Ledger,
    refs: &[RefMatch],
    owner: u32,
    by_name: &[(u32, Decimal)],
) -> Option<(u32, Decimal, CustomerEvidence)> {
    let name = receipt.payer_name.as_deref().filter(|n| !n.trim().is_empty())?;
    if ledger.names.may_name(name, owner) {
        return None;
    }
    let keys: Vec<String> = refs
        .iter()
        .filter(|r| r.distance == 0 && r.anchored && ledger.owner(r.invoice) == owner)
        .map(|r| normalise_reference(&r.raw).key)
        .collect();
    named_by_neighbour_of_keys(receipt, ledger, &keys, owner, by_name)
}

/// Of the customers the payer's name may be (a score of 0.90 or more) and
/// not related to `owner` (the customer the references or the name named), the only one with an invoice one edit from one
/// of `keys` open for the payment within 5% (in its currency), known by
/// its name (0.950).
pub(super) fn named_by_neighbour_of_keys(
    receipt: &Receipt,
    ledger: &Ledger,
    keys: &[String],
    owner: u32,
    by_name: &[(u32, Decimal)],
) -> Option<(u32, Decimal, CustomerEvidence)> {
    let related = |a: u32, b: u32| ledger.may_pay(a, b) || ledger.may_pay(b, a);
    let near_amount = |i: u32| {
        let open = ledger.invoice(i).amount_open;
        open > Decimal::ZERO
            && ledger.invoice(i).currency == receipt.currency
            && (open - receipt.amount).abs() <= open * Decimal::new(5, 2)
    };
    let mut fits: Vec<u32> = by_name
        .iter()
        .filter(|(c, s)| *s >= Decimal::new(900, 3) && !related(*c, owner))
        .map(|(c, _)| *c)
        .filter(|c| keys.iter().any(|k| ledger.family_neighbours(*c, k).into_iter().any(near_amount)))
        .collect();
    fits.sort_unstable();
    fits.dedup();
    match fits.as_slice() {
        [one] => Some((*one, Decimal::new(950, 3), CustomerEvidence::PayerName)),
        _ => None,
    }
}

/// True when an invoice of `payer`'s family one edit from a reference that
/// names `owner`'s invoice exactly is open for exactly the payment, in its
/// currency, while the owner's named invoices are not.
/// True when the payer has an open invoice, in the payment's currency, one
/// edit from a reference that names exactly an invoice of `owner`.
/// The payer's invoices a reference's number may have meant: one edit
/// from its key, or — the number being all digits — ending in them with a
/// constant prefix dropped (`1S934`, read `15934`, for `1800015934`).
fn payer_readings(ledger: &Ledger, payer: u32, raw: &str) -> Vec<u32> {
    let key = normalise_reference(raw).key;
    let mut found = ledger.family_neighbours(payer, &key);
    if key.len() >= 4 && key.bytes().all(|b| b.is_ascii_digit()) {
        found.extend(ledger.family_suffix_matches(payer, key.trim_start_matches('0')));
    }
    found.sort_unstable();
    found.dedup();
    found
}

fn payer_has_neighbour(receipt: &Receipt, ledger: &Ledger, refs: &[RefMatch], owner: u32, payer: u32) -> bool {
    refs.iter().filter(|r| r.distance == 0 && r.anchored && ledger.owner(r.invoice) == owner).any(|r| {
        payer_readings(ledger, payer, &r.raw).into_iter().any(|i| {
            let inv = ledger.invoice(i);
            inv.status != crate::inputs::InvoiceStatus::Closed && inv.currency == receipt.currency
        })
    })
}

/// True when an invoice of the payer that a reference to `owner`'s invoice
/// may have meant ([`payer_readings`]) is open for exactly the payment —
/// or for exactly what the reference's own line says its document is
/// (its stated invoice amount, or what it paid plus the discount and
/// deduction it took) — while no referenced invoice of `owner` is.
fn payer_neighbour_settles(receipt: &Receipt, ledger: &Ledger, refs: &[RefMatch], owner: u32, payer: u32) -> bool {
    let named: Vec<&RefMatch> =
        refs.iter().filter(|r| r.distance == 0 && r.anchored && ledger.owner(r.invoice) == owner).collect();
    if named.iter().any(|r| ledger.invoice(r.invoice).amount_open == receipt.amount) {
        return false;
    }
    named.iter().any(|r| {
        let line = r.line.and_then(|l| receipt.remittance_lines.get(l));
        let stated = line.and_then(|l| {
            l.invoice_amount.or_else(|| {
                l.amount?.checked_add(l.discount.unwrap_or_default())?.checked_add(l.deduction.unwrap_or_default())
            })
        });
        payer_readings(ledger, payer, &r.raw).into_iter().any(|i| {
            let inv = ledger.invoice(i);
            inv.currency == receipt.currency && (inv.amount_open == receipt.amount || Some(inv.amount_open) == stated)
        })
    })
}
