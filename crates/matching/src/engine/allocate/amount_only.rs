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

/// The most open items of a rare amount chance may put among the named
/// customers' items (numerator, denominator): 1 in 20.
const MAX_CHANCE_HITS: (u64, u64) = (1, 20);

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
        // A name that is this customer's exactly may be a unit's cut before
        // the words that tell the units apart: a unit owing the amount too
        // makes the payment ambiguous.
        let units_owing: Vec<u32> = match (how, singles.as_slice(), receipt.payer_name.as_deref()) {
            (CustomerEvidence::PayerName, [_], Some(name)) => self
                .ledger
                .names
                .extensions_of(name, MAX_CUT_NAME_CANDIDATES + 1)
                .into_iter()
                .filter(|c| *c != payer)
                .flat_map(|c| self.ledger.open_invoices(c).iter().copied())
                .filter(|i| self.open_item(*i, receipt.currency) && self.remaining(*i) == receipt.amount)
                .collect(),
            _ => Vec::new(),
        };
        let (set, rule, confidence) = match singles.as_slice() {
            [one] if !units_owing.is_empty() => {
                let mut out = self.hold(
                    receipt,
                    Some(payer),
                    proposal,
                    ExceptionKind::Ambiguous,
                    "the payer's name is also the start of other customers' names, and one of them owes this amount too",
                );
                if let Some(e) = out.exceptions.first_mut() {
                    e.suggestions = std::iter::once(*one)
                        .chain(units_owing.iter().copied())
                        .map(|i| (self.id(i).to_string(), Decimal::new(500, 3)))
                        .collect();
                    e.detail = format!(
                        "Cash held unapplied{}: the payer's name may be cut from a longer customer name, and {} open invoices of those customers are for exactly {}; pick one.",
                        self.customer_note(proposal, payer),
                        units_owing.len() + 1,
                        receipt.amount
                    );
                }
                return out;
            }
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
                // A name that fits other customers as well may be one of
                // theirs: the one of them that owes it (same rule as above).
                if matches!(how, CustomerEvidence::PayerName | CustomerEvidence::PayerNameFuzzy)
                    && let Some(out) = self.one_named_customer_owes_it(receipt, proposal)
                {
                    return out;
                }
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
                // that owes it ([`Allocator::one_named_customer_owes_it`]).
                // Likewise a name that is one customer's exactly and, cut,
                // also its units' (`CRESTLINE FOOD DISTRIBUTORS` of
                // `… Division 181`).
                if matches!(how, CustomerEvidence::PayerName | CustomerEvidence::PayerNameFuzzy)
                    && let Some(out) = self.one_named_customer_owes_it(receipt, proposal)
                {
                    return out;
                }
                if let Some(out) = self.paid_less_a_usual_discount(receipt, payer, customer_confidence) {
                    return out;
                }
                if let Some(out) =
                    self.part_paid_on_an_unknown_purchase_order(receipt, proposal, payer, customer_confidence)
                {
                    return out;
                }
                let why = self.no_usable_reference(receipt, proposal);
                self.hold(receipt, Some(payer), proposal, ExceptionKind::Unapplied, &why)
            }
        }
    }

    /// A payment whose remittance quotes only purchase orders no invoice
    /// carries (`PO-51168 3335.00`), from a known customer with exactly one
    /// open item open for more than the payment and none of exactly it: a
    /// part payment of that item (`only_larger_item`, 0.900), the rest left open as a short
    /// payment. Not when the payer stated what it took off (that says which
    /// item it settles) or a remittance line's amounts do not make the
    /// payment, nor for a payer known by a name that may also be another
    /// customer's (`REDWOOD FIN SVC`: the company, and each of its units).
    fn part_paid_on_an_unknown_purchase_order(
        &mut self,
        receipt: &Receipt,
        proposal: &Proposal,
        payer: u32,
        customer_confidence: Decimal,
    ) -> Option<ReceiptOutcome> {
        if let Some((_, _, CustomerEvidence::PayerName | CustomerEvidence::PayerNameFuzzy)) = proposal.customer {
            let others = proposal.customer_candidates.iter().any(|(c, s)| *c != payer && *s >= Decimal::new(850, 3));
            let units = receipt
                .payer_name
                .as_deref()
                .is_some_and(|n| self.ledger.names.extensions_of(n, 2).iter().any(|c| *c != payer));
            let company_units = self
                .ledger
                .customers
                .get(payer as usize)
                .is_some_and(|c| self.ledger.names.extensions_of(&c.name, 2).iter().any(|x| *x != payer));
            if others || units || company_units {
                return None;
            }
        }
        let lines = &receipt.remittance_lines;
        if lines.is_empty()
            || !lines.iter().all(|l| self.unknown_purchase_order(&l.reference, l.document_type))
            || lines.iter().any(|l| l.discount.is_some() || l.deduction.is_some() || l.invoice_amount.is_some())
            || !super::taken_off::stated_taken_off(receipt).is_empty()
        {
            return None;
        }
        let stated: Option<Decimal> =
            lines.iter().try_fold(Decimal::ZERO, |acc, l| l.amount.and_then(|a| acc.checked_add(a)));
        if stated.is_some_and(|s| s != receipt.amount) {
            return None;
        }
        let larger: Vec<u32> = self
            .ledger
            .open_invoices(payer)
            .iter()
            .copied()
            .filter(|i| self.open_item(*i, receipt.currency) && self.remaining(*i) > receipt.amount)
            .collect();
        let [inv] = larger[..] else { return None };
        let confidence = customer_confidence.min(Decimal::new(900, 3));
        if confidence < self.config.auto_apply_confidence {
            return None;
        }
        let short = self.remaining(inv) - receipt.amount;
        self.reduce(inv, receipt.amount);
        let mut out = ReceiptOutcome { customer: Some(self.ledger.owner(inv)), ..Default::default() };
        out.lines.push(line(PostingKind::Applied, Some(inv), receipt.amount, Rule::OnlyLargerItem, confidence));
        out.exceptions.push(exception(
            ExceptionKind::ShortPayment,
            Some(inv),
            short,
            format!(
                "Invoice {} paid {short} short against purchase order {} (the customer's only invoice open for more); it stays open for the rest.",
                self.id(inv),
                lines.first().map_or("", |l| l.reference.as_str())
            ),
        ));
        Some(out)
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
    /// `SILVERLINE TIRES` for three `Silverline Tires …`; a company's
    /// initials, `CMS`, for it and its numbered units; a name that is one
    /// customer's exactly and, cut, also each `… Division N` of it): when
    /// exactly one of those customers has exactly one open item that the
    /// payment pays — exactly, or less what the payer states it took off
    /// ([`Allocator::items_less_taken_off`]) — and no other candidate has
    /// any, the name and the amount together identify it, what a
    /// coordinator checks first. An amount with cents among 2 to
    /// [`MAX_NAME_CANDIDATES`] customers is enough; a name fitting one
    /// customer not well enough to apply on its own (`PCL`), a whole amount
    /// (`2500.00`, as often an instalment or a deposit as an invoice),
    /// initials, or a name that fits more customers (up to [`MAX_CUT_NAME_CANDIDATES`]) only
    /// when the item's amount is rare in the ledger: the other open items of
    /// that amount, spread over the ledger as the named customers' items
    /// are, would put fewer than [`MAX_CHANCE_HITS`] of them among the named
    /// customers' items.
    fn one_named_customer_owes_it(&mut self, receipt: &Receipt, proposal: &Proposal) -> Option<ReceiptOutcome> {
        if receipt.amount <= Decimal::ZERO {
            return None;
        }
        // The names that fit 0.90 or more; else, when the best fit is an
        // initialism several customers share (0.85: `CMS` for a company and
        // its numbered divisions), those that share it.
        let best = proposal.customer_candidates.first().map(|(_, s)| *s).unwrap_or_default();
        let floor = if best >= Decimal::new(900, 3) { Decimal::new(900, 3) } else { Decimal::new(850, 3) };
        let initials_only = best < Decimal::new(900, 3);
        if best < floor {
            return None;
        }
        let mut named: Vec<u32> = proposal
            .customer_candidates
            .iter()
            .filter(|(_, score)| *score >= floor)
            .map(|(c, _)| *c)
            .take(MAX_CUT_NAME_CANDIDATES + 1)
            .collect();
        // A name that is a customer's exactly may be cut before the words
        // that tell that customer's units apart; so may one that reads as a
        // single customer's name (`OBSIDIAN DC` for Obsidian Data Centers,
        // whose units are `Obsidian Data Centers Division 106`, …).
        let read_as: Option<String> = if best == Decimal::ONE {
            receipt.payer_name.clone()
        } else {
            match named.as_slice() {
                [one] if !initials_only => self.ledger.customers.get(*one as usize).map(|c| c.name.clone()),
                _ => None,
            }
        };
        if let Some(name) = read_as {
            for c in self.ledger.names.extensions_of(&name, MAX_CUT_NAME_CANDIDATES + 1) {
                if !named.contains(&c) {
                    named.push(c);
                }
            }
        }
        if named.is_empty() || named.len() > MAX_CUT_NAME_CANDIDATES {
            return None;
        }
        let stated = super::taken_off::stated_taken_off(receipt);
        // (invoice, what was taken off is a discount — `None` when paid exactly).
        let mut owed: Vec<(u32, Option<bool>)> = Vec::new();
        let mut named_items: u64 = 0;
        for c in &named {
            for &i in self.ledger.open_invoices(*c) {
                if !self.open_item(i, receipt.currency) {
                    continue;
                }
                named_items += 1;
                if self.remaining(i) == receipt.amount {
                    owed.push((i, None));
                }
            }
            owed.extend(self.items_less_taken_off(receipt, &[*c], &stated).into_iter().map(|(i, d)| (i, Some(d))));
            if owed.len() > 1 {
                return None;
            }
        }
        let [(inv, taken)] = owed[..] else { return None };
        let open = self.remaining(inv);
        let rare_amount_needed =
            initials_only || named.len() == 1 || open.fract().is_zero() || named.len() > MAX_NAME_CANDIDATES;
        if rare_amount_needed {
            let others = u64::from(self.ledger.open_items_of_amount(receipt.currency, open).saturating_sub(1));
            let all = u64::from(self.ledger.open_items_in(receipt.currency)).max(1);
            if others.saturating_mul(named_items).saturating_mul(MAX_CHANCE_HITS.1)
                > all.saturating_mul(MAX_CHANCE_HITS.0)
            {
                return None;
            }
        }
        let confidence = Decimal::new(900, 3);
        if confidence < self.config.auto_apply_confidence {
            return None;
        }
        if let Some(discount) = taken {
            let rule = if discount { Rule::StatedDiscount } else { Rule::StatedDeduction };
            return Some(self.post_less_taken_off(receipt, inv, discount, rule, confidence));
        }
        let mut out = ReceiptOutcome { customer: Some(self.ledger.owner(inv)), ..Default::default() };
        self.reduce(inv, receipt.amount);
        out.lines.push(line(PostingKind::Applied, Some(inv), receipt.amount, Rule::AmountUnique, confidence));
        Some(out)
    }
}
