//! No usable reference (CONTRACT §4 rule 8): the payer's own open items
//! by amount, one item or exactly one subset, else held.

use super::*;

/// At most this many customers whose names fit the payer's are searched
/// for an amount with cents; more make a match by amount a coincidence
/// unless the amount is itself rare.
const MAX_NAME_CANDIDATES: usize = 4;

/// At most this many customers a name fits (a name the bank's field cut
/// before the words that tell a company's units apart: `WOODLAND
/// PROPERTIES GROUP D` for a dozen `… Division N`) are searched for an
/// amount that is owed by exactly one open item of the whole ledger.
const MAX_CUT_NAME_CANDIDATES: usize = 32;

impl<'l> Allocator<'l> {
    /// No usable reference: rule 8.
    pub fn amount_only(&mut self, receipt: &Receipt, proposal: &Proposal) -> ReceiptOutcome {
        let Some((payer, customer_confidence, how)) = proposal.customer else {
            if let Some(out) = self.one_named_customer_owes_it(receipt, proposal) {
                return out;
            }
            return self.hold(receipt, None, proposal, ExceptionKind::Unidentified, "no customer");
        };
        // Rule 8 searches the customer's own open items: a parent's or
        // subsidiary's invoices are paid by amount alone only when named.
        let candidates: Vec<u32> =
            self.ledger.open_invoices(payer).iter().copied().filter(|i| self.open_item(*i, receipt.currency)).collect();
        let singles: Vec<u32> = candidates.iter().copied().filter(|i| self.remaining(*i) == receipt.amount).collect();
        // The payer named documents that could not be read: words that look
        // like references and matched nothing, or remittance lines whose
        // reference named no usable invoice.
        let named_unread = proposal.unresolved_references > 0
            || receipt.remittance_lines.iter().any(|l| l.reference.bytes().any(|b| b.is_ascii_digit()));
        if let Some(out) = self.paid_as_loosely_named(receipt, proposal, payer, customer_confidence) {
            return out;
        }
        let (set, rule, confidence) = match singles.as_slice() {
            [one] => (Some(vec![*one]), Rule::AmountUnique, customer_confidence.min(Decimal::new(950, 3))),
            [_, _, ..] => {
                let mut out = self.hold(
                    receipt,
                    Some(payer),
                    proposal,
                    ExceptionKind::Ambiguous,
                    "several open invoices have exactly this amount",
                );
                if let Some(e) = out.exceptions.first_mut() {
                    e.suggestions = singles.iter().map(|i| (self.id(*i).to_string(), Decimal::new(500, 3))).collect();
                    e.detail = format!(
                        "Cash held unapplied{}: {} open invoices of this customer are for exactly {}; pick one.",
                        self.customer_note(proposal, payer),
                        singles.len(),
                        receipt.amount
                    );
                }
                return out;
            }
            [] => match self.subsets(&candidates, receipt.amount) {
                // A set of several items that happens to add up is weak
                // evidence when the payer named documents we could not
                // read: the set is suggested, not applied.
                SubsetOf::One(set) if set.len() > 1 && named_unread => {
                    (Some(set), Rule::SubsetSum, customer_confidence.min(Decimal::new(850, 3)))
                }
                SubsetOf::One(set) => (Some(set), Rule::SubsetSum, customer_confidence.min(Decimal::new(930, 3))),
                // The customer's whole open balance, paid as a statement.
                SubsetOf::Several(..) | SubsetOf::Unknown
                    if candidates.len() > 1 && self.balance_of(&candidates) == Some(receipt.amount) =>
                {
                    (Some(candidates.clone()), Rule::StatementBalance, customer_confidence.min(Decimal::new(930, 3)))
                }
                SubsetOf::Several(a, b) => {
                    let mut out = self.hold(
                        receipt,
                        Some(payer),
                        proposal,
                        ExceptionKind::Ambiguous,
                        "several sets of open invoices add up to this amount",
                    );
                    if let Some(e) = out.exceptions.first_mut() {
                        let mut ids: Vec<u32> = a.iter().chain(&b).copied().collect();
                        ids.sort_unstable();
                        ids.dedup();
                        e.suggestions = ids.iter().map(|i| (self.id(*i).to_string(), Decimal::new(500, 3))).collect();
                    }
                    return out;
                }
                // Short of exactly one open item by no more than the
                // write-off tolerance: that item, the shortfall written off.
                SubsetOf::None => match self
                    .within_tolerance_of_one(&candidates, receipt)
                    .filter(|_| proposal.unresolved_references == 0)
                {
                    Some(one) => {
                        (Some(vec![one]), Rule::AmountTolerance, customer_confidence.min(Decimal::new(920, 3)))
                    }
                    None => (None, Rule::Held, Decimal::ZERO),
                },
                SubsetOf::Unknown => {
                    let why =
                        "no single open invoice has this amount, and the search for a set of them ran out of steps";
                    return self.hold(receipt, Some(payer), proposal, ExceptionKind::Unapplied, why);
                }
            },
        };
        match set {
            Some(set) if confidence >= self.config.auto_apply_confidence => {
                let mut out =
                    ReceiptOutcome { customer: set.first().map(|i| self.ledger.owner(*i)), ..Default::default() };
                for inv in set {
                    let a = self.remaining(inv);
                    if rule == Rule::AmountTolerance {
                        let short = a - receipt.amount;
                        self.reduce(inv, a);
                        out.lines.push(line(PostingKind::Applied, Some(inv), receipt.amount, rule, confidence));
                        out.lines.push(line(PostingKind::WriteOff, Some(inv), short, rule, confidence));
                    } else {
                        self.reduce(inv, a);
                        out.lines.push(line(PostingKind::Applied, Some(inv), a, rule, confidence));
                    }
                }
                out
            }
            Some(set) => {
                let why = if set.len() > 1 && named_unread {
                    "a set of open invoices adds up to the amount, but the remittance names documents that match \
                     none of them"
                } else {
                    "the amount fits, but the customer is not certain enough to apply"
                };
                let mut out = self.hold(receipt, Some(payer), proposal, ExceptionKind::Unapplied, why);
                if let Some(e) = out.exceptions.first_mut() {
                    e.suggestions = set.iter().map(|i| (self.id(*i).to_string(), ratio(confidence))).collect();
                }
                out
            }
            None => {
                if let Some(out) = self.paid_less_what_it_took_off(receipt, payer, customer_confidence) {
                    return out;
                }
                // A payer known only by a name that fits other customers
                // too (`ATLAS MFG`: the company, and each of its divisions)
                // owes nothing of this amount: the one of those customers
                // that owes the only open item of the amount in the ledger.
                if how == CustomerEvidence::PayerNameFuzzy
                    && let Some(out) = self.one_named_customer_owes_it(receipt, proposal)
                {
                    return out;
                }
                let why = self.no_usable_reference(receipt, proposal);
                self.hold(receipt, Some(payer), proposal, ExceptionKind::Unapplied, &why)
            }
        }
    }

    /// A payment without a usable reference whose amount is exactly the open
    /// amount of the one invoice a loose word of the remittance may mean
    /// (`REF 4812` for `4182`, among three invoices of that amount), or its
    /// amount less the discount earned on the value date: the word and the
    /// amount say the same, so it is applied (`ref_fuzzy`).
    fn paid_as_loosely_named(
        &mut self,
        receipt: &Receipt,
        proposal: &Proposal,
        payer: u32,
        customer_confidence: Decimal,
    ) -> Option<ReceiptOutcome> {
        if proposal.loose.is_empty() {
            return None;
        }
        let fits: Vec<(u32, Decimal)> = self
            .loosely_named(payer, proposal)
            .into_iter()
            .filter(|i| self.open_item(*i, receipt.currency))
            .filter_map(|i| {
                let open = self.remaining(i);
                if open == receipt.amount {
                    return Some((i, Decimal::ZERO));
                }
                match self.discount(i, receipt.value_date) {
                    Some((d, true)) if open - d == receipt.amount => Some((i, d)),
                    _ => None,
                }
            })
            .collect();
        let [(inv, discount)] = fits.as_slice() else { return None };
        let confidence = customer_confidence.min(Decimal::new(950, 3));
        if confidence < self.config.auto_apply_confidence {
            return None;
        }
        let mut out = ReceiptOutcome { customer: Some(self.ledger.owner(*inv)), ..Default::default() };
        self.reduce(*inv, receipt.amount + *discount);
        out.lines.push(line(PostingKind::Applied, Some(*inv), receipt.amount, Rule::RefFuzzy, confidence));
        if !discount.is_zero() {
            out.lines.push(line(PostingKind::Discount, Some(*inv), *discount, Rule::RefFuzzy, confidence));
        }
        Some(out)
    }

    /// A payment without usable remittance from a payer whose name fits
    /// several customers about equally well (a name cut by the bank's field,
    /// `SILVERLINE TIRES` for three `Silverline Tires …`): when exactly one
    /// of those customers has exactly one open item of exactly the amount,
    /// and no other candidate has any, the name and the amount together
    /// identify it — what a coordinator checks first. An amount with cents
    /// among at most [`MAX_NAME_CANDIDATES`] customers is enough; a whole
    /// amount (`2500.00`, as often an instalment or a deposit as an
    /// invoice), or a name that fits more customers (up to
    /// [`MAX_CUT_NAME_CANDIDATES`]), only when no other open item of any
    /// customer in the ledger has that amount.
    fn one_named_customer_owes_it(&mut self, receipt: &Receipt, proposal: &Proposal) -> Option<ReceiptOutcome> {
        if receipt.amount <= Decimal::ZERO {
            return None;
        }
        // The names that fit 0.90 or more; else, when the best fit is an
        // initialism several customers share (0.85: `CMS` for a company and
        // its numbered divisions), those that share it.
        let best = proposal.customer_candidates.first().map(|(_, s)| *s).unwrap_or_default();
        let floor = if best >= Decimal::new(900, 3) { Decimal::new(900, 3) } else { best };
        let initials_only = floor < Decimal::new(900, 3);
        if floor < Decimal::new(850, 3) {
            return None;
        }
        let named: Vec<u32> = proposal
            .customer_candidates
            .iter()
            .filter(|(_, score)| *score >= floor)
            .map(|(c, _)| *c)
            .take(MAX_CUT_NAME_CANDIDATES + 1)
            .collect();
        if named.len() < 2 || named.len() > MAX_CUT_NAME_CANDIDATES {
            return None;
        }
        let rare_amount_needed = initials_only || receipt.amount.fract().is_zero() || named.len() > MAX_NAME_CANDIDATES;
        if rare_amount_needed && self.ledger.open_items_of_amount(receipt.currency, receipt.amount) != 1 {
            return None;
        }
        let mut owed: Vec<u32> = Vec::new();
        for c in &named {
            owed.extend(
                self.ledger
                    .open_invoices(*c)
                    .iter()
                    .copied()
                    .filter(|i| self.open_item(*i, receipt.currency) && self.remaining(*i) == receipt.amount),
            );
            if owed.len() > 1 {
                return None;
            }
        }
        let [inv] = owed.as_slice() else { return None };
        let confidence = Decimal::new(900, 3);
        if confidence < self.config.auto_apply_confidence {
            return None;
        }
        let mut out = ReceiptOutcome { customer: Some(self.ledger.owner(*inv)), ..Default::default() };
        self.reduce(*inv, receipt.amount);
        out.lines.push(line(PostingKind::Applied, Some(*inv), receipt.amount, Rule::AmountUnique, confidence));
        Some(out)
    }
}
