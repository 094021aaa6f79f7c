//! References without amounts (CONTRACT §4): invoices paid oldest due
//! first, and a cut-off remittance's rest applied only to exactly one
//! subset of the customer's other open items (rule 7).

use super::*;

impl<'l> Allocator<'l> {
    /// Rule 7, cut-off remittance: the cash left after the references still
    /// visible goes to exactly one subset of the customer's other open
    /// items (a single item equal to it does not settle it when a larger
    /// set also fits), else it is held `unapplied` with an exception.
    /// Returns the cash left (none).
    pub(super) fn rest_of_cut_remittance(
        &mut self,
        receipt: &Receipt,
        out: &mut ReceiptOutcome,
        rest: Decimal,
    ) -> Decimal {
        // The invoices this receipt just paid are applied in the run, so
        // `open_item` leaves them out.
        let owner = out.customer.unwrap_or(0);
        let others: Vec<u32> =
            self.ledger.open_invoices(owner).iter().copied().filter(|i| self.open_item(*i, receipt.currency)).collect();
        let subset_confidence = Decimal::new(930, 3);
        let set = match self.subsets(&others, rest) {
            SubsetOf::One(set) => Some(set),
            _ => None,
        }
        .filter(|_| subset_confidence >= self.config.auto_apply_confidence);
        match set {
            Some(set) => {
                let mut cash = rest;
                for inv in set {
                    let a = self.remaining(inv);
                    cash -= a;
                    self.reduce(inv, a);
                    out.lines.push(line(PostingKind::Applied, Some(inv), a, Rule::SubsetSum, subset_confidence));
                }
                cash
            }
            None => {
                out.lines.push(line(PostingKind::Unapplied, None, rest, Rule::Held, Decimal::ZERO));
                out.exceptions.push(exception(
                    ExceptionKind::Unapplied,
                    None,
                    rest,
                    format!("The remittance was cut off; {rest} could not be tied to the remaining open items."),
                ));
                Decimal::ZERO
            }
        }
    }

    /// The cash left after the references, when the payer also wrote words
    /// that look like document numbers and name nothing (a number mistyped
    /// beyond one edit, another document's number): it goes to the one
    /// open item of the customer's family open for exactly that amount —
    /// an amount with cents, or one no other open item of the ledger has.
    /// Returns the cash left.
    pub(super) fn rest_for_an_unread_word(
        &mut self,
        receipt: &Receipt,
        proposal: &Proposal,
        out: &mut ReceiptOutcome,
        rest: Decimal,
    ) -> Decimal {
        let Some(owner) = out.customer else { return rest };
        if proposal.unresolved_references == 0 || rest <= Decimal::ZERO {
            return rest;
        }
        let Some(inv) = self.only_open_item_of(owner, rest, receipt.currency) else { return rest };
        let confidence = Decimal::new(920, 3);
        if confidence < self.config.auto_apply_confidence {
            return rest;
        }
        self.reduce(inv, rest);
        out.lines.push(line(PostingKind::Applied, Some(inv), rest, Rule::AmountUnique, confidence));
        Decimal::ZERO
    }

    /// The one open item of `owner`'s family, payable in `currency` and not
    /// yet paid in the run, open for exactly `amount` — when the amount is
    /// specific: it has cents, or no other open item of the ledger has it.
    pub(super) fn only_open_item_of(&self, owner: u32, amount: Decimal, currency: Currency) -> Option<u32> {
        if amount.fract().is_zero() && self.ledger.open_items_of_amount(currency, amount) != 1 {
            return None;
        }
        let mut fits = self
            .ledger
            .family(owner)
            .into_iter()
            .flat_map(|c| self.ledger.open_invoices(c).iter().copied())
            .filter(|i| self.open_item(*i, currency) && self.remaining(*i) == amount);
        match (fits.next(), fits.next()) {
            (Some(one), None) => Some(one),
            _ => None,
        }
    }

    /// References without amounts. Returns the cash left over.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn unitemised(
        &mut self,
        receipt: &Receipt,
        proposal: &Proposal,
        fresh: &[RefMatch],
        rule: Rule,
        confidence: Decimal,
        has_duplicates: bool,
        out: &mut ReceiptOutcome,
    ) -> Decimal {
        let opens: Vec<Decimal> = fresh.iter().map(|r| self.remaining(r.invoice)).collect();
        let total: Decimal = opens.iter().sum();
        let shortfall = total - receipt.amount;
        // Discounts first (CONTRACT §4: a short payment is what is missing
        // after an earned discount). When the shortfall is exactly every
        // discount, earned ones become `discount` lines and unearned ones one
        // `unearned_discount`; when it is more than the earned discounts, they
        // are taken and the rest is judged by tolerance below.
        let mut opens = opens;
        let mut discount_lines: Vec<PostingLine> = Vec::new();
        if shortfall > Decimal::ZERO {
            let discounts: Vec<Option<(Decimal, bool)>> =
                fresh.iter().map(|r| self.discount(r.invoice, receipt.value_date)).collect();
            let earned: Decimal = discounts.iter().flatten().filter(|(_, e)| *e).map(|(d, _)| *d).sum();
            let unearned: Decimal = discounts.iter().flatten().filter(|(_, e)| !*e).map(|(d, _)| *d).sum();
            let all_taken = !(earned + unearned).is_zero() && shortfall == earned + unearned;
            if all_taken || (!earned.is_zero() && shortfall > earned) {
                for (k, r) in fresh.iter().enumerate() {
                    let Some((d, is_earned)) = discounts.get(k).copied().flatten() else { continue };
                    if is_earned {
                        self.reduce(r.invoice, d);
                        discount_lines.push(line(PostingKind::Discount, Some(r.invoice), d, rule, confidence));
                    }
                    if (is_earned || all_taken)
                        && let Some(o) = opens.get_mut(k)
                    {
                        *o -= d;
                    }
                }
                // One `unearned_discount` per invoice, each for its own
                // discount: what a coordinator claims back invoice by invoice.
                if all_taken && !unearned.is_zero() {
                    for (r, d) in fresh.iter().zip(&discounts) {
                        let Some((d, false)) = *d else { continue };
                        out.exceptions.push(self.unearned_discount(r.invoice, d));
                    }
                }
            }
        }
        // Pay oldest due first; the shortfall falls on the invoices paid last.
        // Every named invoice left short gets its own short payment (or
        // write-off within tolerance), even one the cash did not reach.
        let mut cash = receipt.amount;
        // Which named invoices another receipt of the run had already paid
        // part of (a reading that moves this receipt's line off one must
        // leave it as it found it).
        let paid_before: Vec<bool> = fresh.iter().map(|r| self.paid_in_run(r.invoice)).collect();
        for (k, r) in fresh.iter().enumerate() {
            let open = opens.get(k).copied().unwrap_or_default();
            let apply = if open < Decimal::ZERO { open } else { open.min(cash) };
            if !apply.is_zero() {
                cash -= apply;
                self.reduce(r.invoice, apply);
                out.lines.push(line(PostingKind::Applied, Some(r.invoice), apply, rule, confidence));
            }
            let short = open - apply;
            if short > Decimal::ZERO {
                let tolerance = self.config.write_off_tolerance(open, receipt.currency.minor_digits());
                if short <= tolerance {
                    self.reduce(r.invoice, short);
                    out.lines.push(line(PostingKind::WriteOff, Some(r.invoice), short, rule, confidence));
                } else {
                    out.exceptions.push(exception(
                        ExceptionKind::ShortPayment,
                        Some(r.invoice),
                        short,
                        format!("Invoice {} paid {short} short; it stays open for the rest.", self.id(r.invoice)),
                    ));
                }
            }
        }
        let no_discount = discount_lines.is_empty();
        out.lines.extend(discount_lines);
        if cash > Decimal::ZERO && !has_duplicates {
            cash = self.rest_named_loosely(receipt, proposal, out, cash);
        }
        if !has_duplicates && no_discount {
            let movable = movable_references(fresh, &opens, &paid_before, out, cash);
            if !movable.is_empty() {
                cash = self.rest_by_a_mistyped_reference(receipt, proposal, out, fresh, &movable, cash);
            }
        }
        if cash > Decimal::ZERO && !has_duplicates && !proposal.truncated {
            cash = self.rest_for_an_unread_word(receipt, proposal, out, cash);
        }
        if cash > Decimal::ZERO && !has_duplicates {
            if proposal.truncated {
                cash = self.rest_of_cut_remittance(receipt, out, cash);
            } else if cash > self.config.write_off_tolerance(total, receipt.currency.minor_digits()) {
                out.exceptions.push(exception(
                    ExceptionKind::Overpayment,
                    None,
                    cash,
                    format!("Paid {cash} more than the invoices named; the excess is held on account."),
                ));
            }
        }
        cash
    }
}

/// The references of a list that may have been mistyped, for
/// [`Allocator::rest_by_a_mistyped_reference`], with what this receipt paid
/// each one's invoice: with cash left over, every reference when each was
/// paid in full; with none left, the one reference left short. A reference
/// counts only when this receipt's single line on its invoice is a
/// positive application and no other receipt of the run had paid it
/// (`paid_before`); otherwise none.
fn movable_references(
    fresh: &[RefMatch],
    opens: &[Decimal],
    paid_before: &[bool],
    out: &ReceiptOutcome,
    cash: Decimal,
) -> Vec<(usize, Decimal)> {
    let got: Vec<Option<Decimal>> = fresh
        .iter()
        .enumerate()
        .map(|(k, r)| {
            let mut on = out.lines.iter().filter(|l| l.invoice == Some(r.invoice));
            match (on.next(), on.next(), paid_before.get(k)) {
                (Some(l), None, Some(false)) if l.kind == PostingKind::Applied && l.amount > Decimal::ZERO => {
                    Some(l.amount)
                }
                _ => None,
            }
        })
        .collect();
    let full: Vec<bool> = got.iter().zip(opens).map(|(g, o)| *g == Some(*o)).collect();
    if cash > Decimal::ZERO && full.iter().all(|f| *f) {
        got.iter().enumerate().filter_map(|(k, g)| g.map(|g| (k, g))).collect()
    } else if cash.is_zero() && full.iter().filter(|f| !**f).count() == 1 {
        full.iter()
            .position(|f| !*f)
            .and_then(|k| got.get(k).copied().flatten().map(|g| vec![(k, g)]))
            .unwrap_or_default()
    } else {
        Vec::new()
    }
}
