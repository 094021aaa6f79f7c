//! The rest of a payment confirmed by what the remittance names loosely.
//!
//! After the references that name invoices are paid, cash may be left
//! (an overpayment, or the rest of a cut-off remittance). When the payer
//! also wrote a word that names none of its invoices exactly — one character off
//! (`8852` for `5852`), with its prefix dropped (`0002975`), or cut off by
//! the bank's field length (`INV-00185`) — and the rest is exactly the open
//! amount of one invoice those words may mean (or of exactly one set of
//! them), the amount confirms the reading: a coordinator would apply it.
//! Anything else is left to the rules after this one.

use super::*;
use crate::engine::evidence::LooseRef;

/// At most this many loosely named invoices are searched for a set that
/// makes the rest; more would make a coincidence likely.
const MAX_LOOSE_CANDIDATES: usize = 12;

impl<'l> Allocator<'l> {
    /// Applies `rest` to the open items of the receipt's customer that the
    /// remittance names loosely, when exactly one of them, or exactly one
    /// set of them, is open for exactly that amount. Returns the cash left.
    pub(super) fn rest_named_loosely(
        &mut self,
        receipt: &Receipt,
        proposal: &Proposal,
        out: &mut ReceiptOutcome,
        rest: Decimal,
    ) -> Decimal {
        let Some(owner) = out.customer else { return rest };
        if rest <= Decimal::ZERO || proposal.loose.is_empty() {
            return rest;
        }
        let candidates: Vec<u32> =
            self.loosely_named(owner, proposal).into_iter().filter(|i| self.open_item(*i, receipt.currency)).collect();
        if candidates.is_empty() || candidates.len() > MAX_LOOSE_CANDIDATES {
            return rest;
        }
        let set = match self.subsets(&candidates, rest) {
            SubsetOf::One(set) => set,
            _ => return rest,
        };
        let confidence = Decimal::new(950, 3);
        if confidence < self.config.auto_apply_confidence {
            return rest;
        }
        let mut cash = rest;
        for inv in set {
            let a = self.remaining(inv);
            cash -= a;
            self.reduce(inv, a);
            out.lines.push(line(PostingKind::Applied, Some(inv), a, Rule::RefFuzzy, confidence));
        }
        cash
    }

    /// A list of references without amounts that the payment does not
    /// settle, read as one of them having been mistyped into the number of
    /// another of the payer's invoices. `movable` are the references that
    /// may have been (index in `fresh`, what this receipt paid its invoice):
    /// with cash left over, every reference of a list each paid in full;
    /// with cash short, the one reference the shortfall fell on. Taking back
    /// what such a reference's invoice got (`8578`: 59.98), exactly one open
    /// item one edit from its number (`8572`) — alone, or with one or two
    /// open items the remittance names loosely (`8959` for `8599`) — is open
    /// for exactly that plus the cash left. When exactly one such reading
    /// exists across `movable`, the reference meant that neighbour: its line
    /// (and its short payment) goes, and the neighbour and the loosely named
    /// items are paid (0.910). With cash left over and no such reading, two
    /// references may have been: exactly one pair of them whose neighbours
    /// together are open for exactly what both got plus the cash left moves
    /// both (no loosely named item then). Only for lists of two or more references, numbers of
    /// 3+ characters, and not for a remittance cut off by its field's length
    /// (its rest is the cut-off part's, rule 7). Returns the cash left.
    ///
    /// This reading runs after the list is paid, not beside the one-swap
    /// search of `by_reference` before it: it needs what each line actually
    /// got (no duplicate, no discount or write-off line, no invoice another
    /// receipt of the run had paid). Folded into that search it was measured
    /// to make 18 lines newly wrong on hard and 28 on `wild`.
    pub(super) fn rest_by_a_mistyped_reference(
        &mut self,
        receipt: &Receipt,
        proposal: &Proposal,
        out: &mut ReceiptOutcome,
        fresh: &[RefMatch],
        movable: &[(usize, Decimal)],
        rest: Decimal,
    ) -> Decimal {
        let Some(owner) = out.customer else { return rest };
        if rest < Decimal::ZERO || fresh.len() < 2 || proposal.truncated {
            return rest;
        }
        let named: Vec<u32> = fresh.iter().map(|r| r.invoice).collect();
        let loose: Vec<u32> = self
            .loosely_named(owner, proposal)
            .into_iter()
            .filter(|i| self.open_item(*i, receipt.currency) && !named.contains(i))
            .collect();
        // The readings: (reference moved, what it got, its neighbour) and
        // the loosely named items paid with them.
        type Reading = (Vec<(usize, Decimal, u32)>, Vec<u32>);
        let mut readings: Vec<Reading> = Vec::new();
        let neighbours_of = |k: usize| -> Vec<u32> {
            let Some(r) = fresh.get(k) else { return Vec::new() };
            let key = normalise_reference(&r.raw).key;
            if key.len() < 3 {
                return Vec::new();
            }
            self.ledger
                .family_neighbours(owner, &key)
                .into_iter()
                .filter(|n| !named.contains(n) && self.open_item(*n, receipt.currency))
                .collect()
        };
        let near: Vec<Vec<u32>> = movable.iter().map(|(k, _)| neighbours_of(*k)).collect();
        for (&(k, got), near_k) in movable.iter().zip(&near) {
            let Some(target) = rest.checked_add(got) else { return rest };
            for &n in near_k {
                let Some(left) = target.checked_sub(self.remaining(n)) else { continue };
                if left.is_zero() {
                    readings.push((vec![(k, got, n)], Vec::new()));
                } else if left > Decimal::ZERO {
                    let others: Vec<u32> = loose.iter().copied().filter(|m| *m != n).collect();
                    for (a, m) in others.iter().enumerate() {
                        let own = self.remaining(*m);
                        if own == left {
                            readings.push((vec![(k, got, n)], vec![*m]));
                        } else if own < left {
                            readings.extend(
                                others
                                    .iter()
                                    .skip(a + 1)
                                    .filter(|o| own.checked_add(self.remaining(**o)) == Some(left))
                                    .map(|o| (vec![(k, got, n)], vec![*m, *o])),
                            );
                        }
                    }
                }
                if readings.len() > 1 {
                    return rest;
                }
            }
        }
        // No single mistyped reference explains cash left over: two of them
        // may, each replaced by a neighbour (no loosely named item).
        if readings.is_empty() && rest > Decimal::ZERO {
            for (a, (&(k1, got1), near1)) in movable.iter().zip(&near).enumerate() {
                for (&(k2, got2), near2) in movable.iter().zip(&near).skip(a + 1) {
                    let Some(target) = rest.checked_add(got1).and_then(|t| t.checked_add(got2)) else { return rest };
                    for &n1 in near1 {
                        let Some(left) = target.checked_sub(self.remaining(n1)) else { continue };
                        readings.extend(
                            near2
                                .iter()
                                .filter(|n2| **n2 != n1 && self.remaining(**n2) == left)
                                .map(|n2| (vec![(k1, got1, n1), (k2, got2, *n2)], Vec::new())),
                        );
                        if readings.len() > 1 {
                            return rest;
                        }
                    }
                }
            }
        }
        let [(moves, also)] = readings.as_slice() else { return rest };
        let confidence = Decimal::new(910, 3);
        if confidence < self.config.auto_apply_confidence {
            return rest;
        }
        // Every moved reference's line is there before anything changes.
        let has_line = |k: usize, got: Decimal| {
            fresh.get(k).is_some_and(|r| {
                out.lines
                    .iter()
                    .any(|l| l.kind == PostingKind::Applied && l.invoice == Some(r.invoice) && l.amount == got)
            })
        };
        if !moves.iter().all(|&(k, got, _)| has_line(k, got)) {
            return rest;
        }
        let mut cash = rest;
        let mut paid: Vec<u32> = Vec::new();
        for &(k, got, neighbour) in moves {
            let Some(moved) = fresh.get(k).map(|r| r.invoice) else { return rest };
            let Some(at) = out
                .lines
                .iter()
                .position(|l| l.kind == PostingKind::Applied && l.invoice == Some(moved) && l.amount == got)
            else {
                return rest;
            };
            out.lines.remove(at);
            out.exceptions.retain(|e| !(e.kind == ExceptionKind::ShortPayment && e.invoice == Some(moved)));
            self.give_back(moved, got);
            cash += got;
            paid.push(neighbour);
        }
        for inv in paid.into_iter().chain(also.iter().copied()) {
            let a = self.remaining(inv);
            cash -= a;
            self.reduce(inv, a);
            out.lines.push(line(PostingKind::Applied, Some(inv), a, Rule::RefFuzzy, confidence));
        }
        cash
    }

    /// The invoices of `owner`'s family that the remittance's loose words
    /// may mean (see [`LooseRef`]): one edit from a word, ending in a word's
    /// digits (a dropped prefix), or beginning with the cut-off last word.
    /// Words that name one of the family's invoices exactly are skipped.
    /// Any status; sorted, each once.
    pub(super) fn loosely_named(&self, owner: u32, proposal: &Proposal) -> Vec<u32> {
        let mut candidates: Vec<u32> = Vec::new();
        for LooseRef { key, cut } in &proposal.loose {
            // A word that names one of the payer's own invoices exactly is
            // a reference, decided as such already.
            if self.ledger.invoice_refs.exact(key).iter().any(|i| self.ledger.may_pay(owner, self.ledger.owner(*i))) {
                continue;
            }
            if *cut {
                candidates.extend(
                    self.ledger
                        .family(owner)
                        .into_iter()
                        .flat_map(|c| self.ledger.invoices_of(c).iter().copied())
                        .filter(|i| {
                            let k = self.ledger.invoice_refs.key(*i);
                            k.len() > key.len() && k.starts_with(key.as_str())
                        }),
                );
            } else {
                candidates.extend(self.ledger.family_neighbours(owner, key));
                if key.bytes().all(|b| b.is_ascii_digit()) {
                    candidates.extend(self.ledger.family_suffix_matches(owner, key.trim_start_matches('0')));
                }
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        candidates
    }
}
