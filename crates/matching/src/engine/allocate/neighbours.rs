//! Which invoice a mistyped or unplaced number meant: the neighbours one
//! edit away that the amounts, the family or a closed twin single out, for
//! the references rules of [`super::references`].

use super::*;
use crate::reference::{near_or_tail, printed_form, within_one_edit};
use cashapply_model::RemittanceLine;

impl<'l> Allocator<'l> {
    /// An itemised line whose reference names no open invoice of the
    /// payer's family and whose amount is no open item's: a part payment of
    /// the one open item of the family, named by no other line and open for
    /// more than the line pays, that its number is one edit from (or ends
    /// like: `INV-00053` for `INV-00553`, `INV-00518` for `INV-00581`) —
    /// 0.950 — or, when it quotes the payer's purchase order that no invoice
    /// on file carries (`PO-72937`), the family's only such item at all
    /// (0.900). A line stating its discount, deduction or document total
    /// says what it settles and is not read as a part payment.
    /// Never when the number names another customer's invoice open for
    /// exactly the line's amount: that is a payment of that invoice.
    pub(super) fn part_paid_by_unplaced_line(
        &self,
        receipt: &Receipt,
        owner: u32,
        remittance_line: &RemittanceLine,
        amount: Decimal,
        taken: &HashSet<u32>,
    ) -> Option<(u32, Decimal)> {
        let raw = remittance_line.reference.as_str();
        let key = &normalise_reference(raw).key;
        let elsewhere = self.ledger.invoice_refs.exact(key);
        let purchase_order = self.unknown_purchase_order(raw, remittance_line.document_type);
        if elsewhere.iter().any(|i| self.remaining(*i) == amount) {
            return None;
        }
        let larger: Vec<u32> = self
            .untaken_family_items(owner, receipt.currency, taken)
            .filter(|inv| self.remaining(*inv) > amount)
            .collect();
        // One edit as keys (numbers of 3+ characters), or as printed
        // (`INV-00053` and `INV-00553`: padded numbers keep their width).
        let printed = printed_form(raw);
        let near: Vec<u32> = larger
            .iter()
            .copied()
            .filter(|inv| {
                let k = self.ledger.invoice_refs.key(*inv);
                (key.len() >= 3 && near_or_tail(key, k))
                    || within_one_edit(&printed, &printed_form(&self.ledger.invoice(*inv).id))
            })
            .collect();
        match (near.as_slice(), larger.as_slice()) {
            ([one], _) => Some((*one, Decimal::new(950, 3))),
            ([], [only]) if elsewhere.is_empty() && purchase_order => Some((*only, Decimal::new(900, 3))),
            _ => None,
        }
    }

    /// Of references that name one family's invoices, one that names
    /// exactly an unrelated customer's invoice was mistyped into it when
    /// exactly one invoice of that family one edit away makes the named
    /// invoices' open amounts add up to the payment (`INV-0169453;Inv
    /// 619443;INV-169420` for `INV-0169443`). Only when no reference states
    /// its own amount, the named invoices do not already add up, and the
    /// payer's own evidence (account, name) does not name the other
    /// customer. The neighbour replaces it (0.950).
    pub(super) fn odd_family_settled_by_neighbour(
        &self,
        receipt: &Receipt,
        proposal: &Proposal,
        chosen: &mut [RefMatch],
    ) {
        if chosen.len() < 2 || chosen.iter().any(|c| line_amount(receipt, c.line).is_some()) {
            return;
        }
        let open_sum =
            |items: &[u32]| items.iter().try_fold(Decimal::ZERO, |acc, i| acc.checked_add(self.remaining(*i)));
        let named: Vec<u32> = chosen.iter().map(|c| c.invoice).collect();
        if open_sum(&named) == Some(receipt.amount) {
            return;
        }
        let related = |a: u32, b: u32| self.ledger.may_pay(a, b) || self.ledger.may_pay(b, a);
        let payer_named =
            proposal.customer.filter(|(_, _, how)| *how != CustomerEvidence::ReferenceOwner).map(|(c, _, _)| c);
        let mut swap: Option<(usize, u32)> = None;
        for (k, odd) in chosen.iter().enumerate() {
            let odd_owner = self.ledger.owner(odd.invoice);
            let others: Vec<u32> = chosen.iter().enumerate().filter(|(j, _)| *j != k).map(|(_, c)| c.invoice).collect();
            let Some(family) = others.first().map(|i| self.ledger.owner(*i)) else { continue };
            if others.iter().any(|i| !related(family, self.ledger.owner(*i)))
                || related(family, odd_owner)
                || payer_named.is_some_and(|p| related(p, odd_owner))
            {
                continue;
            }
            let Some(rest) = open_sum(&others) else { continue };
            let key = normalise_reference(&odd.raw).key;
            let fits: Vec<u32> = self
                .ledger
                .family_neighbours(family, &key)
                .into_iter()
                .filter(|i| {
                    self.payable(*i, receipt.currency)
                        && !chosen.iter().any(|c| c.invoice == *i)
                        && rest.checked_add(self.remaining(*i)) == Some(receipt.amount)
                })
                .collect();
            if let [only] = fits.as_slice() {
                if swap.is_some() {
                    return;
                }
                swap = Some((k, *only));
            }
        }
        if let Some((k, invoice)) = swap
            && let Some(c) = chosen.get_mut(k)
        {
            c.invoice = invoice;
            c.distance = 1;
            c.strength = Decimal::new(950, 3);
        }
    }

    /// True when `inv` was settled before this receipt for exactly `amount`:
    /// closed with that original amount, or paid in full by an earlier
    /// receipt of the run that was open for it.
    pub(super) fn settled_before_for(&self, inv: u32, amount: Decimal) -> bool {
        let i = self.ledger.invoice(inv);
        (i.status == InvoiceStatus::Closed && i.amount_original == amount)
            || (self.paid_in_run.get(inv as usize).copied().unwrap_or(false)
                && self.remaining(inv) <= Decimal::ZERO
                && i.amount_open == amount)
    }

    /// Of several invoices equally near a reference, none of which its
    /// stated amount settles, the only one settled before for exactly the
    /// stated amount (with cents; closed, or paid in full earlier in the
    /// run): the payer paid that invoice again — a duplicate payment, held
    /// on account.
    pub(super) fn closed_twin(&self, receipt: &Receipt, many: &[&RefMatch], tokens: usize) -> Option<RefMatch> {
        let first = many.first()?;
        let stated = match line_amount(receipt, first.line) {
            Some(a) => a,
            None if tokens == 1 => receipt.amount,
            None => return None,
        };
        if stated.fract().is_zero() || many.iter().any(|r| self.settles(stated, r.invoice, receipt)) {
            return None;
        }
        let closed: Vec<&&RefMatch> = many.iter().filter(|r| self.settled_before_for(r.invoice, stated)).collect();
        match closed.as_slice() {
            [one] => Some((**one).clone()),
            _ => None,
        }
    }

    /// Of several invoices one edit from a remittance line's mistyped
    /// number (`INV-0166213` when the customer's `INV-0166203` and
    /// `INV-0166215` are open), the one the line part-pays: left after
    /// dropping those another reference of the advice names exactly and
    /// those not open in the currency (closed, disputed, already paid in the
    /// run), when exactly one is left and it is open for more than the line
    /// states, and no neighbour of any status is of exactly the line's
    /// amount (a closed one would make it a duplicate). Only for a line
    /// with its own amount (or the payment's only reference, in words that
    /// call it a part payment), a key of 5+ characters and a customer known by
    /// more than a similar name; the invoice then stays open for the rest,
    /// which the itemised rules report as a short payment.
    pub(super) fn part_paid_neighbour(
        &self,
        receipt: &Receipt,
        proposal: &Proposal,
        many: &[&RefMatch],
        tokens: usize,
    ) -> Option<RefMatch> {
        let first = many.first()?;
        // The line's own amount — or the payment, when it is the only
        // reference and the payer's words call it a part payment
        // (`PARTIAL PAYMENT PER AGREEMENT INV-0330125`).
        let line_stated = line_amount(receipt, first.line);
        // Said in words, a part payment is less than what it pays: a
        // neighbour open for no more is not a candidate.
        let said = line_stated.is_none() && tokens == 1 && first.line.is_none() && says_part_payment(receipt);
        let stated = line_stated.or(said.then_some(receipt.amount)).filter(|a| *a > Decimal::ZERO)?;
        let (customer, _, how) = proposal.customer?;
        if how == CustomerEvidence::PayerNameFuzzy || normalise_reference(&first.raw).key.len() < 5 {
            return None;
        }
        // A neighbour of exactly the stated amount, whatever its status (a
        // closed one: a duplicate payment), says the amount means it.
        if many.iter().any(|r| {
            let inv = self.ledger.invoice(r.invoice);
            inv.amount_original == stated || inv.amount_open == stated
        }) {
            return None;
        }
        let named_elsewhere =
            |i: u32| proposal.refs.iter().any(|r| r.token != first.token && r.distance == 0 && r.invoice == i);
        let left: Vec<&&RefMatch> = many
            .iter()
            .filter(|r| {
                r.distance == 1
                    && self.ledger.may_pay(customer, self.ledger.owner(r.invoice))
                    && self.open_item(r.invoice, receipt.currency)
                    && !named_elsewhere(r.invoice)
                    && (!said || self.remaining(r.invoice) > stated)
            })
            .collect();
        match left.as_slice() {
            // The only open neighbour, and open for more than the line pays
            // (one open for less would make the line an overpayment of it).
            [one] if self.remaining(one.invoice) > stated => {
                let mut one = (**one).clone();
                one.strength = Decimal::new(910, 3);
                Some(one)
            }
            _ => None,
        }
    }

    /// Of several invoices equally near the payment's only reference, none
    /// of which the payment settles, the one open for exactly the payment
    /// plus what a bank charges for a transfer ([`less_a_bank_charge`]):
    /// `PMT INV-0076237` paying 3390.78 where of the neighbours only
    /// INV-0076327 is open for 3430.78. Only for an amount with cents (whole
    /// amounts a round step apart are too common to tell); the invoice then
    /// stays open for the charge, a short payment.
    pub(super) fn charged_neighbour(&self, receipt: &Receipt, many: &[&RefMatch], tokens: usize) -> Option<RefMatch> {
        let first = many.first()?;
        let stated = match line_amount(receipt, first.line) {
            Some(a) if receipt.remittance_lines.len() == 1 => a,
            None if tokens == 1 => receipt.amount,
            _ => return None,
        };
        if stated.fract().is_zero() || many.iter().any(|r| self.settles(stated, r.invoice, receipt)) {
            return None;
        }
        let charged: Vec<&&RefMatch> = many
            .iter()
            .filter(|r| {
                self.open_item(r.invoice, receipt.currency) && less_a_bank_charge(self.remaining(r.invoice), stated)
            })
            .collect();
        match charged.as_slice() {
            [one] => {
                let mut one = (**one).clone();
                one.strength = one.strength.max(Decimal::new(910, 3));
                Some(one)
            }
            _ => None,
        }
    }

    /// Of several candidates of one reference, the only one its stated
    /// amount settles: the line's amount plus the discount and deduction
    /// the line states, or the payment when this is the only reference;
    /// when none does, the only one whose own amount is the document amount
    /// the line states (a part payment of it).
    pub(super) fn settled_by_stated_amount(
        &self,
        receipt: &Receipt,
        many: &[&RefMatch],
        tokens: usize,
    ) -> Option<RefMatch> {
        let first = many.first()?;
        let stated = match line_amount(receipt, first.line) {
            Some(a) => a.checked_add(line_taken_off(receipt, first.line)?)?,
            None if tokens == 1 => receipt.amount,
            None => return None,
        };
        let fitting: Vec<&&RefMatch> = many
            .iter()
            .filter(|r| self.payable(r.invoice, receipt.currency) && self.settles(stated, r.invoice, receipt))
            .collect();
        // A line that states the document's own amount (RMR total,
        // `DuePyblAmt`) names, of equally near candidates, the one invoice
        // of that amount, whatever part of it the line pays.
        let stated_total = first
            .line
            .and_then(|l| receipt.remittance_lines.get(l))
            .and_then(|l| l.invoice_amount)
            .filter(|t| *t > Decimal::ZERO);
        let of_total: Vec<&&RefMatch> = match stated_total {
            Some(total) if fitting.is_empty() => many
                .iter()
                .filter(|r| {
                    let inv = self.ledger.invoice(r.invoice);
                    self.payable(r.invoice, receipt.currency)
                        && (inv.amount_original == total || inv.amount_open == total)
                })
                .collect(),
            _ => Vec::new(),
        };
        match (fitting.as_slice(), of_total.as_slice()) {
            ([one], _) | ([], [one]) => {
                let mut one = (**one).clone();
                one.strength = one.strength.max(Decimal::new(920, 3));
                Some(one)
            }
            _ => None,
        }
    }

    /// The invoice a repeated reference was meant to name: the first line
    /// naming the invoice (`chosen[first]`) settles it on its own, and
    /// exactly one payable invoice of the owner's family one edit away,
    /// named by no other line, is open for exactly the repeated line's
    /// amount.
    pub(super) fn mistyped_repeat(
        &self,
        receipt: &Receipt,
        chosen: &[RefMatch],
        first: usize,
        repeat: &RefMatch,
        line: usize,
    ) -> Option<RefMatch> {
        let earlier = chosen.get(first)?;
        let stated = line_amount(receipt, Some(line)).filter(|a| *a > Decimal::ZERO)?;
        let first_amount = line_amount(receipt, earlier.line)?;
        if !self.settles(first_amount, earlier.invoice, receipt) {
            return None;
        }
        let owner = self.ledger.owner(repeat.invoice);
        let key = normalise_reference(&repeat.raw).key;
        // Neighbours of the number as written and, when it named the
        // invoice only by its tail (`86790` for `1800086790`), of that
        // invoice's own number.
        let mut near = self.ledger.family_neighbours(owner, &key);
        let full = self.ledger.invoice_refs.key(repeat.invoice);
        if full != key {
            near.extend(self.ledger.family_neighbours(owner, full));
            near.sort_unstable();
            near.dedup();
        }
        let fits: Vec<u32> = near
            .into_iter()
            .filter(|i| {
                *i != repeat.invoice
                    && self.remaining(*i) == stated
                    && self.payable(*i, receipt.currency)
                    && !chosen.iter().any(|c| c.invoice == *i)
            })
            .collect();
        match fits.as_slice() {
            [only] => Some(RefMatch {
                invoice: *only,
                distance: 1,
                strength: Decimal::new(950, 3),
                line: Some(line),
                ..repeat.clone()
            }),
            _ => None,
        }
    }
}

/// True when the payer's words call the payment a part payment
/// (`PARTIAL PAYMENT`, `PART PMT`, `INSTALLMENT 3 OF 4`).
pub(super) fn says_part_payment(receipt: &Receipt) -> bool {
    receipt.remittance_text.iter().any(|t| {
        let t = t.to_ascii_uppercase();
        ["PARTIAL", "PART PAYMENT", "PART PMT", "INSTALLMENT", "INSTALMENT"].iter().any(|w| t.contains(w))
    })
}

/// True when `paid` is `open` less what a bank commonly charges for a
/// transfer: a whole amount of 5 to 50 in steps of 5 (`15.00`, `40.00`).
pub(super) fn less_a_bank_charge(open: Decimal, paid: Decimal) -> bool {
    // An invoice file may hold any amount: no overflow on the way.
    let Some(charge) = open.checked_sub(paid) else { return false };
    charge > Decimal::ZERO
        && charge <= Decimal::from(50)
        && charge.fract().is_zero()
        && (charge % Decimal::from(5)).is_zero()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_absurd_open_amount_is_no_bank_charge_and_does_not_overflow() {
        assert!(!less_a_bank_charge(Decimal::MIN, Decimal::ONE));
        assert!(!less_a_bank_charge(Decimal::MAX, Decimal::NEGATIVE_ONE));
        assert!(less_a_bank_charge(Decimal::new(394424, 2), Decimal::new(392924, 2)));
        assert!(!less_a_bank_charge(Decimal::new(394524, 2), Decimal::new(392924, 2)));
    }
}
