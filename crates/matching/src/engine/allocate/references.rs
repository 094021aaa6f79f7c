//! Receipts decided by their references: candidates per reference weighed
//! against the payer and the amount, then handed to the itemised or
//! unitemised rules.

use super::neighbours::{less_a_bank_charge, says_part_payment};
use super::*;
use crate::reference::{near_or_tail, printed_form};
use std::collections::BTreeMap;

impl<'l> Allocator<'l> {
    /// Decides one receipt by its references; `None` when it has no usable
    /// reference, so that it is decided by amount after every receipt with
    /// references (the open items of rules 7 and 8 exclude what other
    /// receipts of the run apply).
    pub fn decide_by_references(&mut self, receipt: &Receipt, proposal: &Proposal) -> Option<ReceiptOutcome> {
        let payer = proposal.customer.map(|(c, _, _)| c);
        if receipt.amount.abs() > Decimal::from(MAX_AMOUNT)
            || receipt.amount <= Decimal::ZERO
            || receipt.amount.normalize().scale() > receipt.currency.minor_digits()
        {
            let why = "the amount is not a positive amount in the currency's minor units";
            return Some(self.hold(receipt, payer, proposal, ExceptionKind::Unapplied, why));
        }
        // A remittance record of this receipt could not be read (kept in its
        // text): what it said is unknown, so nothing is applied by machine.
        if receipt.has_unreadable_remittance() {
            let why = "a remittance record could not be read (shown in the remittance text); apply it by hand";
            let kind = if payer.is_some() { ExceptionKind::Unapplied } else { ExceptionKind::Unidentified };
            return Some(self.hold(receipt, payer, proposal, kind, why));
        }
        // Candidate invoices in the receipt's currency, one per token.
        let mut chosen: Vec<RefMatch> = Vec::new();
        let mut ambiguous: Vec<RefMatch> = Vec::new();
        // (invoice, another line naming it).
        let mut merged_lines: Vec<(u32, usize)> = Vec::new();
        let mut tokens: Vec<usize> = proposal.refs.iter().map(|r| r.token).collect();
        tokens.dedup();
        let token_count = tokens.len();
        for t in tokens {
            let mut cands: Vec<&RefMatch> = proposal
                .refs
                .iter()
                .filter(|r| r.token == t && self.ledger.invoice(r.invoice).currency == receipt.currency)
                .collect();
            if let Some(p) = payer
                && cands.len() > 1
            {
                let fam: Vec<&RefMatch> =
                    cands.iter().copied().filter(|r| self.ledger.may_pay(p, self.ledger.owner(r.invoice))).collect();
                if !fam.is_empty() {
                    cands = fam;
                }
            }
            let best = cands.iter().map(|r| r.distance).min();
            cands.retain(|r| Some(r.distance) == best);
            match cands.as_slice() {
                [] => {}
                [one] => match chosen.iter().position(|c| c.invoice == one.invoice) {
                    None => chosen.push((*one).clone()),
                    // A second line naming the same invoice adds its amount,
                    // unless the first line already settles it and exactly
                    // one other invoice of the family one edit away is open
                    // for this line's amount: then the number was mistyped
                    // into its neighbour's (`INV-0010754` written twice, the
                    // second meaning `INV-0010751`).
                    Some(k) => {
                        if let Some(l) = one.line {
                            match self.mistyped_repeat(receipt, &chosen, k, one, l) {
                                Some(neighbour) => chosen.push(neighbour),
                                None => merged_lines.push((one.invoice, l)),
                            }
                        }
                    }
                },
                // Several neighbours equally near: the one the stated amount
                // settles (with the line's own discount and deduction), when
                // exactly one does, is the one meant.
                many => match self
                    .settled_by_stated_amount(receipt, many, token_count)
                    .or_else(|| self.part_paid_neighbour(receipt, proposal, many, token_count))
                    .or_else(|| self.charged_neighbour(receipt, many, token_count))
                    .or_else(|| self.closed_twin(receipt, many, token_count))
                {
                    Some(one) if !chosen.iter().any(|c| c.invoice == one.invoice) => chosen.push(one),
                    _ => ambiguous.extend(many.iter().map(|r| (*r).clone())),
                },
            }
        }
        self.odd_family_settled_by_neighbour(receipt, proposal, &mut chosen);
        // Only invoices the identified customer may pay (its own, its
        // children's) are applied; when the references themselves identified
        // it (a third party paying), that customer is their owner.
        if let Some((p, _, _)) = proposal.customer {
            chosen.retain(|r| self.ledger.may_pay(p, self.ledger.owner(r.invoice)));
        }
        if chosen.is_empty() {
            if !ambiguous.is_empty() {
                if payer.is_none() {
                    // Several customers' invoices fit and nothing says whose
                    // cash it is: unidentified, with those customers suggested.
                    let mut out = self.hold(receipt, None, proposal, ExceptionKind::Unidentified, "");
                    if let Some(e) = out.exceptions.first_mut() {
                        let mut owners: Vec<(String, Decimal)> = ambiguous
                            .iter()
                            .map(|r| {
                                (self.ledger.customer_id(self.ledger.owner(r.invoice)).to_string(), ratio(r.strength))
                            })
                            .collect();
                        owners.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                        owners.dedup_by(|a, b| a.0 == b.0);
                        e.suggestions = owners;
                        e.detail = "The remittance reference fits invoices of several customers and nothing else identifies the payer; identify it.".into();
                    }
                    return Some(out);
                }
                let mut out = self.hold(
                    receipt,
                    payer,
                    proposal,
                    ExceptionKind::Ambiguous,
                    "the remittance reference fits several invoices equally well",
                );
                if let Some(e) = out.exceptions.first_mut() {
                    let mut by_id: Vec<(String, Decimal)> =
                        ambiguous.iter().map(|r| (self.id(r.invoice).to_string(), ratio(r.strength))).collect();
                    by_id.sort();
                    e.suggestions = ranked(by_id);
                }
                return Some(out);
            }
            return None;
        }
        if proposal.customer.is_some() {
            return Some(self.by_reference(receipt, proposal, chosen, &merged_lines));
        }
        Some(self.one_payers_cash(receipt, proposal, chosen, &merged_lines))
    }

    /// The family an invoice's owner belongs to: its parent, else itself.
    fn family_of(&self, invoice: u32) -> String {
        let owner = self.ledger.owner(invoice);
        self.ledger
            .customers
            .get(owner as usize)
            .and_then(|c| c.parent_id.clone())
            .unwrap_or_else(|| self.ledger.customer_id(owner).to_string())
    }

    /// One receipt is one payer's cash. A payer nothing identifies whose
    /// references, once read, pay invoices of unrelated customers (not one
    /// customer, nor units of one parent) cannot have meant them all: the
    /// receipt is decided again on the references of the customer most of
    /// the paid invoices belong to; when no customer has most, nothing is
    /// applied and the receipt is held unidentified with those customers
    /// suggested.
    fn one_payers_cash(
        &mut self,
        receipt: &Receipt,
        proposal: &Proposal,
        mut chosen: Vec<RefMatch>,
        merged_lines: &[(u32, usize)],
    ) -> ReceiptOutcome {
        // The families the last reading paid, suggested when none wins.
        let mut families: Vec<String> = Vec::new();
        for _ in 0..2 {
            self.journal = Some(Vec::new());
            let out = self.by_reference(receipt, proposal, chosen.clone(), merged_lines);
            let journal = self.journal.take().unwrap_or_default();
            let mut paid: BTreeMap<String, usize> = BTreeMap::new();
            for inv in out.lines.iter().filter(|l| l.kind == PostingKind::Applied).filter_map(|l| l.invoice) {
                *paid.entry(self.family_of(inv)).or_default() += 1;
            }
            if paid.len() < 2 {
                return out;
            }
            self.roll_back(journal);
            let most = paid.values().copied().max().unwrap_or(0);
            let leaders: Vec<&String> = paid.iter().filter(|(_, n)| **n == most).map(|(f, _)| f).collect();
            let [leader] = leaders.as_slice() else {
                families = paid.into_keys().collect();
                break;
            };
            let leader = (*leader).clone();
            families = paid.into_keys().collect();
            chosen.retain(|r| self.family_of(r.invoice) == leader);
            if chosen.is_empty() {
                break;
            }
        }
        let owners = families.into_iter().map(|f| (f, Decimal::new(500, 3))).collect();
        self.unidentified_between(receipt, proposal, owners)
    }

    /// Held unidentified: the references paid invoices of unrelated customers.
    fn unidentified_between(
        &mut self,
        receipt: &Receipt,
        proposal: &Proposal,
        owners: Vec<(String, Decimal)>,
    ) -> ReceiptOutcome {
        let mut out = self.hold(receipt, None, proposal, ExceptionKind::Unidentified, "");
        if let Some(e) = out.exceptions.first_mut() {
            e.suggestions = owners;
            e.detail = "The remittance names invoices of unrelated customers and nothing identifies the payer; one payment is one payer's cash: identify it.".into();
        }
        out
    }

    pub(super) fn by_reference(
        &mut self,
        receipt: &Receipt,
        proposal: &Proposal,
        mut chosen: Vec<RefMatch>,
        merged_lines: &[(u32, usize)],
    ) -> ReceiptOutcome {
        // The customer: the one identified, else the owner of the first
        // reference whose line's amount settles its invoice (corroborated),
        // else of the first reference. (A third party's advice listing one
        // invoice its amount settles and one number mistyped into another
        // customer's is the first invoice's customer's.)
        let corroborated = || {
            chosen.iter().find(|r| line_amount(receipt, r.line).is_some_and(|a| self.settles(a, r.invoice, receipt)))
        };
        let first = match proposal.customer {
            Some(_) => chosen.first(),
            None => corroborated().or(chosen.first()),
        };
        let mut owner = self.ledger.owner(first.map_or(0, |r| r.invoice));
        let mut out = ReceiptOutcome { customer: Some(owner), ..Default::default() };
        // Split off duplicates: closed, or already fully paid in this run.
        let (dups, fresh): (Vec<RefMatch>, Vec<RefMatch>) = chosen.drain(..).partition(|r| {
            let inv = self.ledger.invoice(r.invoice);
            inv.status == InvoiceStatus::Closed
                || (self.paid_in_run[r.invoice as usize]
                    && self.remaining(r.invoice) <= Decimal::ZERO
                    && inv.amount_open > Decimal::ZERO)
        });
        let mut fresh = fresh;
        // A reference to a closed or already-paid invoice whose stated amount
        // is not that invoice's amount but fits exactly one open invoice of
        // the family one edit away, named by no other reference, was
        // mistyped into the closed one's number: it is that invoice, not a
        // duplicate payment (a duplicate repeats the invoice's own amount).
        let single_reference = fresh.len() + dups.len() == 1;
        let mut dups = dups;
        let mut k = 0;
        while k < dups.len() {
            let Some(d) = dups.get(k) else { break };
            let stated = line_amount(receipt, d.line).or(single_reference.then_some(receipt.amount));
            let key = normalise_reference(&d.raw).key;
            let repeats_its_amount = stated == Some(self.ledger.invoice(d.invoice).amount_original);
            let fits: Vec<u32> = match stated.filter(|_| !repeats_its_amount) {
                Some(stated) => self
                    .ledger
                    .family_neighbours(owner, &key)
                    .into_iter()
                    .filter(|i| {
                        *i != d.invoice
                            && self.remaining(*i) == stated
                            && self.payable(*i, receipt.currency)
                            && !fresh.iter().any(|f| f.invoice == *i)
                            && !self.paid_in_run.get(*i as usize).copied().unwrap_or(true)
                    })
                    .collect(),
                None => Vec::new(),
            };
            match fits.as_slice() {
                [only] => {
                    let mut r = dups.remove(k);
                    r.invoice = *only;
                    r.distance = 1;
                    r.strength = Decimal::new(950, 3);
                    fresh.push(r);
                }
                _ => k += 1,
            }
        }
        fresh.sort_by(|a, b| {
            let (x, y) = (self.ledger.invoice(a.invoice), self.ledger.invoice(b.invoice));
            (!x.is_credit_memo(), x.due_date.unwrap_or(x.invoice_date), x.invoice_date, &x.id).cmp(&(
                !y.is_credit_memo(),
                y.due_date.unwrap_or(y.invoice_date),
                y.invoice_date,
                &y.id,
            ))
        });
        let fresh_len = fresh.len();
        // A reference whose stated amount (its line's, or the payment's when
        // it is the only reference) does not fit its invoice, while exactly
        // one invoice of the payer's family one edit away fits it exactly:
        // the reference was mistyped into another real invoice number.
        // When several invoices of the family fit, or exactly one of another
        // customer does, the amount no longer says which number was meant:
        // the reference is doubted (held) and the invoices that fit are
        // suggested with it.
        let single = fresh.len() == 1;
        let mut taken: HashSet<u32> = fresh.iter().chain(&dups).map(|r| r.invoice).collect();
        let mut doubted: Vec<u32> = Vec::new();
        // Why a doubted invoice is suggested, when the held reference's
        // own words do not say it (a bank's charge).
        let mut doubt_notes: Vec<String> = Vec::new();
        // Another customer's invoice the only reference was mistyped from.
        let mut moved_to: Option<u32> = None;
        // References that repeat a closed invoice's payment under a
        // mistyped number: (index in `fresh`, the closed invoice).
        let mut repeats_closed: Vec<(usize, u32)> = Vec::new();
        for (k, r) in fresh.iter_mut().enumerate() {
            let Some(stated) = line_amount(receipt, r.line).or(single.then_some(receipt.amount)) else { continue };
            // A line that states its discount or deduction states the
            // invoice's amount too (paid + taken): that must be the open
            // amount of the invoice it names.
            let taken_off = line_taken_off(receipt, r.line).unwrap_or_default();
            let Some(claim) = stated.checked_add(taken_off) else { continue };
            // The document's amount as the payer states it (RMR total,
            // DuePyblAmt) must be the named invoice's own amount.
            let stated_total = r
                .line
                .and_then(|l| receipt.remittance_lines.get(l))
                .and_then(|l| l.invoice_amount)
                .filter(|t| *t > Decimal::ZERO);
            let own_amount = |i: u32| {
                let inv = self.ledger.invoice(i);
                [inv.amount_original, inv.amount_open, self.remaining(i)]
            };
            let consistent = match stated_total {
                // The stated total is the named invoice's: a part payment of it.
                Some(total) => own_amount(r.invoice).contains(&total),
                None if taken_off.is_zero() => self.settles(stated, r.invoice, receipt),
                None => self.remaining(r.invoice) == claim,
            };
            // Less than the named invoice is open for, in words that call
            // the payment a part payment (`1800034231/$500.00 Partial
            // payment`): what the payer says it did, not a neighbour open
            // for exactly the amount.
            if consistent || (stated < self.remaining(r.invoice) && says_part_payment(receipt)) {
                continue;
            }
            let key = normalise_reference(&r.raw).key;
            let fits = |i: &u32| {
                let by_amount = match stated_total {
                    Some(total) => own_amount(*i).contains(&total),
                    None => self.remaining(*i) == stated || (!taken_off.is_zero() && self.remaining(*i) == claim),
                };
                by_amount && !taken.contains(i) && self.payable(*i, receipt.currency)
            };
            let neighbours = self.ledger.family_neighbours(owner, &key);
            let mut alternatives: Vec<u32> = neighbours.iter().copied().filter(fits).collect();
            // None open for exactly the amount: one the payment settles
            // exactly less its cash discount (to the cent: the payer's own
            // arithmetic, too precise to be chance — unlike a shortfall
            // within tolerance, which partial payments hit by chance).
            if alternatives.is_empty() && stated_total.is_none() && taken_off.is_zero() && !stated.fract().is_zero() {
                alternatives = neighbours
                    .iter()
                    .copied()
                    .filter(|i| {
                        *i != r.invoice
                            && !taken.contains(i)
                            && self.payable(*i, receipt.currency)
                            && self
                                .discount(*i, receipt.value_date)
                                .is_some_and(|(d, _)| !d.is_zero() && self.remaining(*i).checked_sub(stated) == Some(d))
                    })
                    .collect();
            }
            // None open for the amount, while exactly one closed neighbour
            // was for exactly it (with cents; a document total the line
            // states is that amount too): the payer paid that invoice again
            // under a mistyped number — a duplicate payment.
            if alternatives.is_empty()
                && stated_total.is_none_or(|t| t == stated)
                && taken_off.is_zero()
                && !stated.fract().is_zero()
            {
                let closed: Vec<u32> = neighbours
                    .iter()
                    .copied()
                    .filter(|i| *i != r.invoice && self.settled_before_for(*i, stated))
                    .collect();
                if let [twin] = closed.as_slice() {
                    repeats_closed.push((k, *twin));
                    continue;
                }
            }
            // The payment's only reference (no stated total, nothing said
            // taken off), and the family invoices one edit away open for
            // exactly the payment plus a bank's charge (a round 5 to 50) —
            // only for an amount with cents: whole amounts a round step
            // apart are too common to tell.
            let only_reference = alternatives.is_empty()
                && single
                && r.line.is_none_or(|_| receipt.remittance_lines.len() == 1)
                && stated_total.is_none()
                && taken_off.is_zero();
            let charged: Vec<u32> = if only_reference && !stated.fract().is_zero() {
                neighbours
                    .iter()
                    .copied()
                    .filter(|i| {
                        *i != r.invoice
                            && !taken.contains(i)
                            && self.payable(*i, receipt.currency)
                            && less_a_bank_charge(self.remaining(*i), stated)
                    })
                    .collect()
            } else {
                Vec::new()
            };
            // Paying more than the invoice it names is open for, it cannot
            // part-pay it: when exactly one neighbour is open for the
            // payment plus a bank's charge, or — in words that call the
            // payment a part payment — exactly one is open for more than
            // it, the number was mistyped into that neighbour's, which the
            // payment part-pays.
            if only_reference && stated > self.remaining(r.invoice) {
                let part_paid: Vec<u32> = if says_part_payment(receipt) {
                    self.open_for_more(&neighbours, r.invoice, &taken, receipt.currency, stated)
                } else {
                    Vec::new()
                };
                if let ([one], _) | ([], [one]) = (charged.as_slice(), part_paid.as_slice()) {
                    retarget(r, &mut taken, *one, Decimal::new(910, 3));
                    continue;
                }
            }
            // Part-paying the invoice it names while exactly one neighbour
            // is open for the payment plus a bank's charge (`PMT
            // INV-0099353` paying 3929.24 where INV-0099350 is open for
            // 3944.24): the number may be mistyped — doubted and held with
            // that invoice suggested, never part-paid on the one it names.
            if only_reference
                && stated < self.remaining(r.invoice)
                && !less_a_bank_charge(self.remaining(r.invoice), stated)
                && let [one] = charged.as_slice()
            {
                r.strength = r.strength.min(Decimal::new(850, 3));
                doubted.push(*one);
                doubt_notes.push(format!(
                    "invoice {} one edit away is open for the payment plus {}, a bank's charge",
                    self.id(*one),
                    self.remaining(*one) - stated
                ));
                continue;
            }
            // A line of a list paying more than the invoice it names is
            // open for (beyond the tolerance), while invoices of the family
            // one edit away are open for more than the line: it may be one
            // of theirs, part-paid under a mistyped number (`2026-560974:
            // 300,00` with 2026-560974 open for 290.67 and 2026-560978 for
            // 500.00), as well as an overpayment of the one named. Nothing
            // says which: doubted, its cash held with them suggested, never
            // posted to the one named with the rest on account.
            if alternatives.is_empty()
                && !single
                && r.line.is_some()
                && stated_total.is_none()
                && taken_off.is_zero()
                && stated
                    > self.remaining(r.invoice)
                        + self.config.write_off_tolerance(self.remaining(r.invoice), receipt.currency.minor_digits())
            {
                let part_paid = self.open_for_more(&neighbours, r.invoice, &taken, receipt.currency, stated);
                if !part_paid.is_empty() {
                    r.strength = r.strength.min(Decimal::new(850, 3));
                    doubted.extend(part_paid);
                    continue;
                }
            }
            match alternatives.as_slice() {
                [alternative] => retarget(r, &mut taken, *alternative, Decimal::new(950, 3)),
                // Another customer's invoice is a candidate only when the
                // payer's own evidence does not already confirm the owner.
                [] if !proposal.payer.is_some_and(|(p, _)| self.ledger.may_pay(p, self.ledger.owner(r.invoice))) => {
                    let elsewhere: Vec<u32> = self
                        .ledger
                        .invoice_refs
                        .near_short(&key)
                        .into_iter()
                        .filter(|h| h.distance == 1 && h.doc != r.invoice)
                        .map(|h| h.doc)
                        .filter(fits)
                        .collect();
                    // The payment's only reference, and the payer names
                    // nobody or that other invoice's customer: an amount with
                    // cents says which number was meant (a whole amount is too
                    // common to tell a part payment from a mistyped digit).
                    let payer_agrees = |other: u32| {
                        proposal.payer.is_none_or(|(p, _)| self.ledger.may_pay(p, self.ledger.owner(other)))
                    };
                    // A whole amount too, when the payer's name may be that
                    // other invoice's owner and not the named one's (`FSS`
                    // quoting Sapphire's INV-00270 for 4320.00, Falcon
                    // Security Solutions' INV-00207 open for exactly that).
                    let name_says_other = |other: u32| {
                        receipt.payer_name.as_deref().filter(|n| !n.trim().is_empty()).is_some_and(|n| {
                            self.ledger.names.may_name(n, self.ledger.owner(other))
                                && !self.ledger.names.may_name(n, self.ledger.owner(r.invoice))
                        })
                    };
                    match elsewhere.as_slice() {
                        [other]
                            if single
                                && stated_total.is_none()
                                && taken_off.is_zero()
                                && (!stated.fract().is_zero() || name_says_other(*other))
                                && payer_agrees(*other) =>
                        {
                            retarget(r, &mut taken, *other, Decimal::new(950, 3));
                            moved_to = Some(self.ledger.owner(*other));
                        }
                        [other] => {
                            r.strength = r.strength.min(Decimal::new(850, 3));
                            doubted.push(*other);
                        }
                        _ => {}
                    }
                }
                [] => {}
                several => {
                    r.strength = r.strength.min(Decimal::new(850, 3));
                    doubted.extend_from_slice(several);
                }
            }
        }
        // The rest of the receipt is decided for the customer it moved to.
        if let Some(c) = moved_to {
            owner = c;
            out.customer = Some(c);
        }
        for (k, twin) in repeats_closed.into_iter().rev() {
            if k < fresh.len() {
                let mut r = fresh.remove(k);
                taken.remove(&r.invoice);
                r.invoice = twin;
                r.distance = 1;
                r.strength = Decimal::new(950, 3);
                dups.push(r);
            }
        }
        // A line merged into an invoice whose first reference was then
        // found mistyped for a neighbour (`0522598=3108.36` meaning
        // 0522589, beside `INV-0522598=231.68`): the merged line names that
        // invoice on its own now.
        let mut merged_lines: Vec<(u32, usize)> = merged_lines.to_vec();
        let orphaned: Vec<(u32, usize)> = merged_lines
            .iter()
            .copied()
            .filter(|(inv, _)| !fresh.iter().chain(&dups).any(|r| r.invoice == *inv))
            .filter(|(inv, _)| {
                self.ledger.invoice(*inv).status != InvoiceStatus::Closed
                    && self.payable(*inv, receipt.currency)
                    && !self.paid_in_run.get(*inv as usize).copied().unwrap_or(true)
            })
            .collect();
        for (inv, l) in orphaned {
            let Some(template) = fresh.first().cloned() else { break };
            let raw = receipt.remittance_lines.get(l).map(|x| x.reference.clone()).unwrap_or_default();
            merged_lines.retain(|m| *m != (inv, l));
            if taken.insert(inv) {
                fresh.push(RefMatch { invoice: inv, line: Some(l), distance: 0, raw, ..template });
            }
        }
        // A line merged into an invoice another line already settles, whose
        // own amount (or stated document total) is another invoice's, was
        // mistyped from a neighbour (`PO-205444 328.04` and `21 510 2500.00`
        // both naming INV-21510, open for 328.04; INV-21501 is open for
        // 2500.00): exactly one invoice of the family one edit from the
        // line's reference, open for its amount and named by no other
        // reference, is that line's; several are suggested and the line's
        // cash is held — never taken as an overpayment of the first.
        // Lines whose reference several invoices fit: nothing corroborates
        // one of them.
        let mut undecided_lines: Vec<usize> = Vec::new();
        let mut k = 0;
        while k < merged_lines.len() {
            let Some(&(inv, l)) = merged_lines.get(k) else { break };
            k += 1;
            let Some(primary) = fresh.iter().find(|r| r.invoice == inv).cloned() else { continue };
            if !line_amount(receipt, primary.line).is_some_and(|a| self.settles(a, inv, receipt)) {
                continue;
            }
            let (Some(stated), Some(rl)) =
                (line_amount(receipt, Some(l)).filter(|a| *a > Decimal::ZERO), receipt.remittance_lines.get(l))
            else {
                continue;
            };
            let stated_total = rl.invoice_amount.filter(|t| *t > Decimal::ZERO);
            let key = normalise_reference(&rl.reference).key;
            let fits: Vec<u32> = self
                .ledger
                .family_neighbours(owner, &key)
                .into_iter()
                .filter(|i| {
                    let invoice = self.ledger.invoice(*i);
                    let own = [invoice.amount_original, invoice.amount_open, self.remaining(*i)];
                    *i != inv
                        && !taken.contains(i)
                        && self.open_item(*i, receipt.currency)
                        && stated_total.map_or(self.remaining(*i) == stated, |t| own.contains(&t))
                })
                .collect();
            let Some(&first) = fits.first() else { continue };
            let strength = if fits.len() == 1 {
                Decimal::new(950, 3)
            } else {
                undecided_lines.push(l);
                Decimal::new(850, 3)
            };
            doubted.extend(fits.iter().skip(1).copied());
            taken.insert(first);
            merged_lines.retain(|m| *m != (inv, l));
            k -= 1;
            fresh.push(RefMatch {
                invoice: first,
                line: Some(l),
                distance: 1,
                raw: rl.reference.clone(),
                strength,
                via_po: false,
                ..primary
            });
        }
        let merged_lines = merged_lines.as_slice();
        // Several references that do not settle the payment together, while
        // replacing exactly one of them by an invoice one edit away makes
        // them settle it exactly: the amounts say which number was meant.
        // One edit from the number as written, or — for a number read only
        // loosely (`2 02 6- 67 23 15` read as `026-672315`) — from the
        // invoice it was read as.
        if fresh.len() > 1 && fresh.iter().all(|r| r.line.is_none()) && !self.settles_together(receipt, &fresh) {
            let total: Decimal = fresh.iter().map(|r| self.remaining(r.invoice)).sum();
            let mut swaps: Vec<(usize, u32)> = Vec::new();
            for (k, r) in fresh.iter().enumerate() {
                let key = normalise_reference(&r.raw).key;
                let without = total - self.remaining(r.invoice);
                let mut neighbours = self.ledger.family_neighbours(owner, &key);
                if r.distance > 0 {
                    neighbours.extend(self.ledger.family_neighbours(owner, self.ledger.invoice_refs.key(r.invoice)));
                    neighbours.sort_unstable();
                    neighbours.dedup();
                }
                for i in neighbours {
                    if i != r.invoice
                        && without + self.remaining(i) == receipt.amount
                        && !taken.contains(&i)
                        && self.payable(i, receipt.currency)
                    {
                        swaps.push((k, i));
                    }
                }
            }
            if let [(k, i)] = swaps.as_slice()
                && let Some(r) = fresh.get_mut(*k)
            {
                retarget(r, &mut taken, *i, Decimal::new(950, 3));
            } else if swaps.len() > 1 {
                // The amounts say a number was mistyped but not which
                // neighbour was meant: the references a swap would replace
                // are held with the fitting neighbours suggested, instead of
                // taking the shortfall as a part payment of an invoice the
                // payer probably never meant.
                for (k, i) in &swaps {
                    if let Some(r) = fresh.get_mut(*k) {
                        r.strength = r.strength.min(Decimal::new(850, 3));
                    }
                    doubted.push(*i);
                }
            }
        }
        // A reference whose stated amount is far above what its invoice has
        // open (more than 125%) is more likely a mistyped number than an
        // overpayment: it does not auto-apply — unless it is exactly twice
        // that amount and the payer does not call it a part payment (the
        // invoice paid twice over: `Rechnung 9000011166` for 3000.00, open
        // 1500.00), an overpayment of the invoice it names. (Nine times a
        // 250.00 invoice, `INSTALLMENT 2 OF 4 … 2250.00`, is a mistyped
        // number, not a repeated payment.)
        for r in &mut fresh {
            if let Some(stated) = line_amount(receipt, r.line).or((fresh_len == 1).then_some(receipt.amount)) {
                let open = self.remaining(r.invoice);
                let paid_over = open > Decimal::ZERO && stated == open * Decimal::TWO && !says_part_payment(receipt);
                if open > Decimal::ZERO && stated > open * Decimal::new(125, 2) + Decimal::ONE && !paid_over {
                    r.strength = r.strength.min(Decimal::new(850, 3));
                }
            }
        }
        // An itemised line whose amount settles its invoice corroborates
        // its reference (not an undecided line's: the others fit it too).
        for r in fresh.iter_mut().filter(|r| r.line.is_none_or(|l| !undecided_lines.contains(&l))) {
            if let Some(amount) = line_amount(receipt, r.line) {
                let open = self.remaining(r.invoice);
                let by_discount = self.discount(r.invoice, receipt.value_date).is_some_and(|(d, _)| open - d == amount);
                if amount == open || by_discount {
                    r.strength = r.strength.max(Decimal::new(950, 3));
                }
            }
        }
        // Itemised lines whose reference matched nothing: placed when the
        // line's amount equals exactly one open invoice of the customer that
        // no reference names, or when of several such exactly one is what
        // the line's number looks mistyped from.
        // An invoice the free text names (a CTX `REF*PO` segment beside the
        // line, a purchase order it quotes) does not join itemised lines,
        // so it does not keep a line from it: it corroborates the line.
        let named: Vec<usize> =
            fresh.iter().chain(&dups).filter_map(|r| r.line).chain(merged_lines.iter().map(|(_, l)| *l)).collect();
        let text_named: HashSet<u32> = fresh
            .iter()
            .filter(|r| r.line.is_none())
            .map(|r| r.invoice)
            .filter(|i| !fresh.iter().chain(&dups).any(|r| r.line.is_some() && r.invoice == *i))
            .collect();
        let mut line_taken: HashSet<u32> = taken.iter().copied().filter(|t| !text_named.contains(t)).collect();
        for (i, l) in receipt.remittance_lines.iter().enumerate() {
            let Some(amount) = line_amount(receipt, Some(i)).filter(|a| *a > Decimal::ZERO) else { continue };
            if named.contains(&i) || proposal.customer.is_none() {
                continue;
            }
            let fits: Vec<u32> = self
                .untaken_family_items(owner, receipt.currency, &line_taken)
                .filter(|inv| self.remaining(*inv) == amount)
                .collect();
            // Several of that amount: the one the line's number is one
            // edit from (or ends like, a dropped prefix), when only one is.
            // Keys drop a number's zeros (`00097` is `97`): its printed
            // form, 4+ characters, is compared too (`2025-00097`).
            let key = normalise_reference(&l.reference).key;
            let printed = printed_form(&l.reference);
            let near: Vec<u32> = if fits.len() > 1 && (key.len() >= 3 || printed.len() >= 4) {
                fits.iter()
                    .copied()
                    .filter(|inv| {
                        let k = self.ledger.invoice_refs.key(*inv);
                        let p = printed_form(&self.ledger.invoice(*inv).id);
                        text_named.contains(inv)
                            || (key.len() >= 3 && near_or_tail(&key, k))
                            || (printed.len() >= 4 && near_or_tail(&printed, &p))
                    })
                    .collect()
            } else {
                Vec::new()
            };
            let (only, strength) = match (fits.as_slice(), near.as_slice()) {
                ([only], _) => (*only, Decimal::new(920, 3)),
                (_, [only]) => (*only, Decimal::new(950, 3)),
                ([], _) if l.discount.is_none() && l.deduction.is_none() && l.invoice_amount.is_none() => {
                    match self.part_paid_by_unplaced_line(receipt, owner, l, amount, &line_taken) {
                        Some(found) => found,
                        None => continue,
                    }
                }
                _ => continue,
            };
            taken.insert(only);
            line_taken.insert(only);
            fresh.retain(|r| !(r.line.is_none() && r.invoice == only));
            fresh.push(RefMatch {
                invoice: only,
                raw: l.reference.clone(),
                distance: 1,
                via_po: false,
                line: Some(i),
                strength,
                token: usize::MAX,
                anchored: true,
            });
        }
        // A near reference whose line states the document's own total (RMR
        // total, `DuePyblAmt`, a stub's invoice amount) equal to that
        // invoice's amount, while no other candidate of the line has it,
        // is corroborated by the payer's own figure for the document.
        for r in fresh.iter_mut().filter(|r| r.distance > 0 && r.strength < self.config.auto_apply_confidence) {
            if self.total_names_it(receipt, proposal, r) {
                r.strength = r.strength.max(Decimal::new(920, 3));
            }
        }
        // References below the auto-apply confidence are held, the rest
        // applied: one doubtful reference does not hold a whole remittance.
        let (held, mut fresh): (Vec<RefMatch>, Vec<RefMatch>) = {
            if self.settles_together(receipt, &fresh) {
                // The amounts corroborate every reference together (but
                // not which of several invoices an undecided line means).
                for r in fresh.iter_mut().filter(|r| r.line.is_none_or(|l| !undecided_lines.contains(&l))) {
                    r.strength = r.strength.max(Decimal::new(950, 3));
                }
            }
            fresh.into_iter().partition(|r| r.strength < self.config.auto_apply_confidence)
        };
        if fresh.is_empty() && !held.is_empty() {
            fresh = held.clone();
        }
        let partially_held = !held.is_empty() && fresh.iter().all(|r| r.strength >= self.config.auto_apply_confidence);
        // Confidence: the weakest reference, corroborated by an exact amount.
        let total_open: Decimal = fresh.iter().map(|r| self.remaining(r.invoice)).sum();
        let mut confidence = fresh.iter().map(|r| r.strength).min().unwrap_or(Decimal::ONE);
        if confidence < Decimal::new(950, 3) && total_open == receipt.amount {
            confidence = Decimal::new(950, 3);
        }
        if !fresh.is_empty() && confidence < self.config.auto_apply_confidence {
            // Only a near reference: the customer is known only if other
            // evidence (account, name) found it; a guessed owner is not.
            let known = proposal.customer.map(|(c, _, _)| c);
            let mut o = self.hold(receipt, known, proposal, ExceptionKind::Unapplied, "");
            if let Some(e) = o.exceptions.first_mut() {
                let first = fresh.iter().min_by_key(|r| r.strength);
                let (reference, invoice) =
                    (first.map_or("", |r| r.raw.as_str()), first.map_or("", |r| self.id(r.invoice)));
                if known.is_some() {
                    e.suggestions = ranked(
                        fresh
                            .iter()
                            .filter(|r| r.strength >= self.config.suggestion_confidence)
                            .map(|r| (self.id(r.invoice).to_string(), ratio(r.strength)))
                            .chain(doubted.iter().map(|i| (self.id(*i).to_string(), ratio(Decimal::new(850, 3))))),
                    );
                    e.detail = format!(
                        "Cash held unapplied{}: reference {reference} {}{}; confirm before applying.",
                        known.map(|c| self.customer_note(proposal, c)).unwrap_or_default(),
                        first.map_or_else(String::new, |r| self.held_reference(receipt, r)),
                        doubt_notes.iter().map(|n| format!("; {n}")).collect::<String>()
                    );
                } else {
                    e.suggestions = vec![(self.ledger.customer_id(owner).to_string(), ratio(confidence))];
                    e.detail = format!(
                        "No customer identified; reference {reference} is close to invoice {invoice} of customer {}.",
                        self.ledger.customer_id(owner)
                    );
                }
            }
            return o;
        }
        let rule = match fresh.iter().map(|r| (r.distance, r.via_po)).max() {
            Some((0, false)) | None => Rule::RefExact,
            Some((0, true)) => Rule::PoNumber,
            _ => Rule::RefFuzzy,
        };
        let itemised = fresh.iter().any(|r| line_amount(receipt, r.line).is_some());
        if itemised {
            // Itemised lines are the advice: free-text matches do not join them.
            fresh.retain(|r| r.line.is_some());
        }
        let mut cash = receipt.amount;
        if itemised {
            let doubts = Doubts { held: &held, doubted: &doubted };
            cash =
                self.itemised(receipt, proposal.truncated, &fresh, &dups, merged_lines, &doubts, confidence, &mut out);
        } else if !fresh.is_empty() {
            cash = self.unitemised(receipt, proposal, &fresh, rule, confidence, !dups.is_empty(), &mut out);
        }
        // What the held references may account for stays unapplied, with
        // them suggested.
        if partially_held && cash > Decimal::ZERO {
            out.exceptions.retain(|e| e.kind != ExceptionKind::Overpayment);
            out.lines.retain(|l| !(l.kind == PostingKind::OnAccount && l.rule == Rule::Held));
            let unexplained = receipt.amount - out.cash_applied();
            let mut e = exception(
                ExceptionKind::Unapplied,
                None,
                unexplained,
                format!(
                    "{unexplained} held unapplied: reference {} {}; confirm before applying.",
                    held.first().map_or("", |r| r.raw.as_str()),
                    held.first().map_or_else(String::new, |r| self.held_reference(receipt, r))
                ),
            );
            e.suggestions = ranked(
                held.iter()
                    .map(|r| (self.id(r.invoice).to_string(), ratio(r.strength)))
                    .chain(doubted.iter().map(|i| (self.id(*i).to_string(), ratio(Decimal::new(850, 3))))),
            );
            out.exceptions.push(e);
            out.lines.push(line(PostingKind::Unapplied, None, unexplained, Rule::Held, Decimal::ZERO));
            cash = Decimal::ZERO;
        }
        // Duplicates take what cash is left, held on account.
        for (k, d) in dups.iter().enumerate() {
            let stated = line_amount(receipt, d.line).unwrap_or(self.ledger.invoice(d.invoice).amount_original);
            let amount = if k + 1 == dups.len() { cash } else { cash.min(stated).max(Decimal::ZERO) };
            if amount <= Decimal::ZERO {
                continue;
            }
            cash -= amount;
            out.lines.push(line(PostingKind::OnAccount, None, amount, Rule::Held, Decimal::ONE));
            let invoice = self.ledger.invoice(d.invoice);
            let why =
                if invoice.settled_in_flight && !self.paid_in_run.get(d.invoice as usize).copied().unwrap_or(false) {
                    "was already paid by a receipt of an earlier run (posted, not yet confirmed by the ERP)"
                } else if invoice.status == InvoiceStatus::Closed {
                    "is already closed"
                } else {
                    "was already paid by an earlier receipt of this run"
                };
            out.exceptions.push(exception(
                ExceptionKind::DuplicatePayment,
                Some(d.invoice),
                amount,
                format!("Invoice {} {why}; {} held on account for refund or reuse.", self.id(d.invoice), amount),
            ));
        }
        if cash > Decimal::ZERO {
            out.lines.push(line(PostingKind::OnAccount, None, cash, Rule::Held, Decimal::ONE));
        }
        out
    }
}

/// Points a reference at the invoice one edit away it was mistyped from,
/// keeping the set of invoices the receipt already names in step.
fn retarget(r: &mut RefMatch, taken: &mut HashSet<u32>, to: u32, strength: Decimal) {
    taken.remove(&r.invoice);
    taken.insert(to);
    r.invoice = to;
    r.distance = 1;
    r.strength = strength;
}

impl Allocator<'_> {
    /// A near reference `r` is named by its line's stated document total
    /// (RMR total, `DuePyblAmt`, a stub's invoice amount) when that total is
    /// the invoice's own amount (original or open) and no other candidate
    /// the proposal found for the same printed reference has it (nor any
    /// invoice of the family one edit from the printed number), for a
    /// payer its own evidence (account, name) identified and who may pay
    /// the invoice. (A mistyped number does not change the amount the
    /// payer's system prints beside it.)
    fn total_names_it(&self, receipt: &Receipt, proposal: &Proposal, r: &RefMatch) -> bool {
        let Some(total) = r
            .line
            .and_then(|l| receipt.remittance_lines.get(l))
            .and_then(|l| l.invoice_amount)
            .filter(|t| *t > Decimal::ZERO)
        else {
            return false;
        };
        let Some((payer, _)) = proposal.payer else { return false };
        if !self.ledger.may_pay(payer, self.ledger.owner(r.invoice)) || !self.payable(r.invoice, receipt.currency) {
            return false;
        }
        let has_total = |i: u32| {
            let inv = self.ledger.invoice(i);
            inv.amount_original == total || inv.amount_open == total
        };
        // Nor any other invoice of the payer's family one edit from the
        // printed number (a repeated number's neighbours).
        let key = normalise_reference(&r.raw).key;
        has_total(r.invoice)
            && !proposal
                .refs
                .iter()
                .filter(|o| o.invoice != r.invoice && (o.raw == r.raw || (o.line.is_some() && o.line == r.line)))
                .any(|o| has_total(o.invoice))
            && !self
                .ledger
                .family_neighbours(payer, &key)
                .into_iter()
                .any(|i| i != r.invoice && self.payable(i, receipt.currency) && has_total(i))
    }
}
