//! Stages 2 and 3: decisions against running balances, in a fixed order
//! (value date, then bank reference — CONTRACT §4 rule 6), then skipped
//! invoices across the whole run.
//!
//! Rules, as CONTRACT §4 states them:
//! * references with itemised amounts: each line applied as stated; a line
//!   short by exactly its earned discount gets a `discount` line, by an
//!   unearned one an `unearned_discount`; a shortfall within tolerance a
//!   `write_off`, beyond it a `short_payment`; lines that do not add up to
//!   the cash and that no rule explains raise `remittance_mismatch`;
//! * references without amounts: invoices paid oldest due first; a total
//!   shortfall equal to the earned discounts is discount, an unearned one
//!   `unearned_discount`, within tolerance `write_off`, beyond `short_payment`
//!   on the last invoice; excess beyond tolerance is `overpayment`, held
//!   `on_account`; a cut-off remittance's excess is applied only to exactly
//!   one subset of the customer's other open items (a single item equal to
//!   it is one subset; any other that fits makes two), else `unapplied`
//!   (rule 7);
//! * an invoice `closed` or already paid by an earlier receipt of the run is
//!   a `duplicate_payment`, its cash `on_account`;
//! * no usable reference: exactly one of the customer's own open items of
//!   the amount (`amount_unique`), else exactly one subset of them
//!   (`subset_sum`), else `ambiguous` or `unapplied` (rule 8); no customer:
//!   `unidentified`;
//! * nothing is posted to an invoice below the auto-apply confidence.

use std::collections::HashSet;

use cashapply_model::{Currency, Receipt};
use rust_decimal::Decimal;

use crate::inputs::{Config, InvoiceStatus};

use super::evidence::{Proposal, RefMatch};
use super::ledger::Ledger;
use super::outcome::{ExceptionKind, ExceptionRecord, PostingKind, PostingLine, ReceiptOutcome, Rule, ranked};
use super::subset_sum::{self, Subsets, subsets_summing_to};
use crate::reference::normalise_reference;

/// Largest amount the engine does arithmetic on; larger receipts are held.
const MAX_AMOUNT: i64 = 1_000_000_000_000_000;

/// A remittance line's amount, if it is one the engine can use: within
/// 10^15 and with no more decimals than the receipt's currency (anything
/// else is not trusted as an amount; the reference still counts).
/// What a line says the payer took off its document: its discount plus its
/// deduction, when both are amounts the engine can use (see [`line_amount`]).
fn line_taken_off(receipt: &Receipt, line: Option<usize>) -> Option<Decimal> {
    let l = line.and_then(|l| receipt.remittance_lines.get(l))?;
    let usable = |a: Option<Decimal>| match a {
        None => Some(Decimal::ZERO),
        Some(a) if a.abs() < Decimal::from(MAX_AMOUNT) && a.normalize().scale() <= receipt.currency.minor_digits() => {
            Some(a.abs())
        }
        Some(_) => None,
    };
    usable(l.discount)?.checked_add(usable(l.deduction)?)
}

fn line_amount(receipt: &Receipt, line: Option<usize>) -> Option<Decimal> {
    let a = line.and_then(|l| receipt.remittance_lines.get(l)).and_then(|l| l.amount)?;
    (a.abs() < Decimal::from(MAX_AMOUNT) && a.normalize().scale() <= receipt.currency.minor_digits()).then_some(a)
}

/// Subsets of open invoices (ledger indices) that add up to an amount.
enum SubsetOf {
    None,
    One(Vec<u32>),
    Several(Vec<u32>, Vec<u32>),
    Unknown,
}

/// Running state across the receipts of a run.
pub struct Allocator<'l> {
    ledger: &'l Ledger,
    config: &'l Config,
    /// Open balance left on each invoice.
    remaining: Vec<Decimal>,
    /// Whether a receipt of this run paid (part of) each invoice.
    paid_in_run: Vec<bool>,
}

fn ratio(x: Decimal) -> Decimal {
    x.round_dp(3)
}

fn line(kind: PostingKind, invoice: Option<u32>, amount: Decimal, rule: Rule, confidence: Decimal) -> PostingLine {
    PostingLine { kind, invoice, amount, rule, confidence: ratio(confidence) }
}

fn exception(kind: ExceptionKind, invoice: Option<u32>, amount: Decimal, detail: String) -> ExceptionRecord {
    ExceptionRecord { kind, invoice, amount, suggestions: Vec::new(), detail }
}

impl<'l> Allocator<'l> {
    /// A fresh run over the ledger.
    pub fn new(ledger: &'l Ledger, config: &'l Config) -> Self {
        Allocator {
            ledger,
            config,
            remaining: ledger.invoices.iter().map(|i| i.amount_open).collect(),
            paid_in_run: vec![false; ledger.invoices.len()],
        }
    }

    fn remaining(&self, inv: u32) -> Decimal {
        self.remaining.get(inv as usize).copied().unwrap_or_default()
    }

    fn reduce(&mut self, inv: u32, by: Decimal) {
        if let Some(r) = self.remaining.get_mut(inv as usize) {
            *r -= by;
        }
        if let Some(p) = self.paid_in_run.get_mut(inv as usize) {
            *p = true;
        }
    }

    fn id(&self, inv: u32) -> &str {
        &self.ledger.invoice(inv).id
    }

    /// The discount the invoice's terms allow on its open amount, and
    /// whether it is earned on `value_date` (≤ discount_until + grace).
    fn discount(&self, inv: u32, value_date: chrono::NaiveDate) -> Option<(Decimal, bool)> {
        let i = self.ledger.invoice(inv);
        let pct = i.discount_percent.filter(|p| !p.is_zero())?;
        let amount = (i.amount_open * pct / Decimal::ONE_HUNDRED)
            .round_dp_with_strategy(i.currency.minor_digits(), rust_decimal::RoundingStrategy::MidpointAwayFromZero);
        let until = i.discount_until.unwrap_or(i.invoice_date);
        let earned = until
            .checked_add_days(chrono::Days::new(u64::from(self.config.discount_grace_days)))
            .is_none_or(|last| value_date <= last);
        Some((amount, earned))
    }

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
                many => match self.settled_by_stated_amount(receipt, many, token_count) {
                    Some(one) if !chosen.iter().any(|c| c.invoice == one.invoice) => chosen.push(one),
                    _ => ambiguous.extend(many.iter().map(|r| (*r).clone())),
                },
            }
        }
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
        Some(self.by_reference(receipt, proposal, chosen, &merged_lines))
    }

    /// Of several candidates of one reference, the only one its stated
    /// amount settles: the line's amount plus the discount and deduction
    /// the line states, or the payment when this is the only reference.
    fn settled_by_stated_amount(&self, receipt: &Receipt, many: &[&RefMatch], tokens: usize) -> Option<RefMatch> {
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
        match fitting.as_slice() {
            [one] => {
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
    fn mistyped_repeat(
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
        let fits: Vec<u32> = self
            .ledger
            .family_neighbours(owner, &key)
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

    /// ` (customer C100 by bank account)`: how the customer was found, the
    /// evidence behind every held-cash sentence.
    fn customer_note(&self, proposal: &Proposal, c: u32) -> String {
        match proposal.customer {
            Some((p, _, how)) if p == c => format!(" (customer {} by {})", self.ledger.customer_id(c), how.as_str()),
            _ => format!(" (customer {})", self.ledger.customer_id(c)),
        }
    }

    /// Why a held reference was not applied, in words: an exact reference
    /// (distance 0) is held only because the amount paid is not the
    /// invoice's open amount and nothing else confirms it; a near one is
    /// only close to the invoice.
    fn held_reference(&self, receipt: &Receipt, r: &RefMatch) -> String {
        let open = self.remaining(r.invoice);
        if r.distance == 0 {
            format!(
                "names invoice {}, but the amount paid ({}) is not its open amount ({open}) and nothing else confirms it",
                self.id(r.invoice),
                receipt.amount
            )
        } else {
            format!("is only close to invoice {} (open {open})", self.id(r.invoice))
        }
    }

    /// Why a receipt decided by amount found nothing, naming what the
    /// remittance did name: an invoice in another currency, or one that is
    /// closed or disputed, rather than "no reference".
    fn no_usable_reference(&self, receipt: &Receipt, proposal: &Proposal) -> String {
        let named = proposal.refs.iter().filter(|r| r.distance == 0).map(|r| self.ledger.invoice(r.invoice));
        let mut other_currency = named.clone().filter(|i| i.currency != receipt.currency);
        if let Some(i) = other_currency.next() {
            return format!(
                "the remittance names invoice {}, which is in {}, not {}; no open {} invoice or set of invoices has this amount",
                i.id, i.currency, receipt.currency, receipt.currency
            );
        }
        if let Some(i) = named.clone().find(|i| i.status != InvoiceStatus::Open) {
            let state = if i.status == InvoiceStatus::Disputed { "disputed" } else { "closed" };
            return format!(
                "the remittance names invoice {}, which is {state}; no open invoice or set of invoices has this amount",
                i.id
            );
        }
        "no usable reference, and no open invoice or set of invoices has this amount".to_string()
    }

    /// All cash held: `unapplied` for a known customer, else `unidentified`.
    fn hold(
        &mut self,
        receipt: &Receipt,
        customer: Option<u32>,
        proposal: &Proposal,
        kind: ExceptionKind,
        why: &str,
    ) -> ReceiptOutcome {
        let mut out = ReceiptOutcome { customer, ..Default::default() };
        match customer {
            Some(c) => {
                out.lines.push(line(PostingKind::Unapplied, None, receipt.amount, Rule::Held, Decimal::ZERO));
                let found = self.customer_note(proposal, c);
                out.exceptions.push(exception(
                    kind,
                    None,
                    receipt.amount,
                    format!("Cash held unapplied{found}: {why}."),
                ));
            }
            None => {
                out.lines.push(line(PostingKind::Unidentified, None, receipt.amount, Rule::Held, Decimal::ZERO));
                let mut e = exception(
                    ExceptionKind::Unidentified,
                    None,
                    receipt.amount,
                    "No customer could be determined from the bank account, payer name or references; identify the payer.".into(),
                );
                e.suggestions = proposal
                    .customer_candidates
                    .iter()
                    .filter(|(_, s)| *s >= self.config.suggestion_confidence)
                    .take(5)
                    .map(|(c, s)| (self.ledger.customer_id(*c).to_string(), *s))
                    .collect();
                out.exceptions.push(e);
            }
        }
        out
    }

    fn by_reference(
        &mut self,
        receipt: &Receipt,
        proposal: &Proposal,
        mut chosen: Vec<RefMatch>,
        merged_lines: &[(u32, usize)],
    ) -> ReceiptOutcome {
        let owner = self.ledger.owner(chosen.first().map_or(0, |r| r.invoice));
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
        for r in &mut fresh {
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
            if consistent {
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
            let alternatives: Vec<u32> = self.ledger.family_neighbours(owner, &key).into_iter().filter(fits).collect();
            match alternatives.as_slice() {
                [alternative] => {
                    taken.remove(&r.invoice);
                    taken.insert(*alternative);
                    r.invoice = *alternative;
                    r.distance = 1;
                    r.strength = Decimal::new(950, 3);
                }
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
                    if let [other] = elsewhere.as_slice() {
                        r.strength = r.strength.min(Decimal::new(850, 3));
                        doubted.push(*other);
                    }
                }
                [] => {}
                several => {
                    r.strength = r.strength.min(Decimal::new(850, 3));
                    doubted.extend_from_slice(several);
                }
            }
        }
        // Several references that do not settle the payment together, while
        // replacing exactly one of them by an invoice one edit away makes
        // them settle it exactly: the amounts say which number was meant.
        if fresh.len() > 1 && fresh.iter().all(|r| r.line.is_none()) && !self.settles_together(receipt, &fresh) {
            let total: Decimal = fresh.iter().map(|r| self.remaining(r.invoice)).sum();
            let mut swaps: Vec<(usize, u32)> = Vec::new();
            for (k, r) in fresh.iter().enumerate() {
                let key = normalise_reference(&r.raw).key;
                let without = total - self.remaining(r.invoice);
                for i in self.ledger.family_neighbours(owner, &key) {
                    if without + self.remaining(i) == receipt.amount
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
                taken.remove(&r.invoice);
                taken.insert(*i);
                r.invoice = *i;
                r.distance = 1;
                r.strength = Decimal::new(950, 3);
            }
        }
        // A reference whose stated amount is far above what its invoice has
        // open (more than 125%) is more likely a mistyped number than an
        // overpayment: it does not auto-apply.
        for r in &mut fresh {
            if let Some(stated) = line_amount(receipt, r.line).or((fresh_len == 1).then_some(receipt.amount)) {
                let open = self.remaining(r.invoice);
                if open > Decimal::ZERO && stated > open * Decimal::new(125, 2) + Decimal::ONE {
                    r.strength = r.strength.min(Decimal::new(850, 3));
                }
            }
        }
        // An itemised line whose amount settles its invoice corroborates
        // its reference.
        for r in &mut fresh {
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
        // no reference names.
        let named: Vec<usize> =
            fresh.iter().chain(&dups).filter_map(|r| r.line).chain(merged_lines.iter().map(|(_, l)| *l)).collect();
        for (i, l) in receipt.remittance_lines.iter().enumerate() {
            let Some(amount) = line_amount(receipt, Some(i)).filter(|a| *a > Decimal::ZERO) else { continue };
            if named.contains(&i) || proposal.customer.is_none() {
                continue;
            }
            let fits: Vec<u32> = self
                .ledger
                .family(owner)
                .into_iter()
                .flat_map(|c| self.ledger.open_invoices(c).iter().copied())
                .filter(|inv| {
                    self.remaining(*inv) == amount && !taken.contains(inv) && self.open_item(*inv, receipt.currency)
                })
                .collect();
            if let [only] = fits.as_slice() {
                taken.insert(*only);
                fresh.push(RefMatch {
                    invoice: *only,
                    raw: l.reference.clone(),
                    distance: 1,
                    via_po: false,
                    line: Some(i),
                    strength: Decimal::new(920, 3),
                    token: usize::MAX,
                    anchored: true,
                });
            }
        }
        // References below the auto-apply confidence are held, the rest
        // applied: one doubtful reference does not hold a whole remittance.
        let (held, mut fresh): (Vec<RefMatch>, Vec<RefMatch>) = {
            if self.settles_together(receipt, &fresh) {
                // The amounts corroborate every reference together.
                for r in &mut fresh {
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
                        "Cash held unapplied{}: reference {reference} {}; confirm before applying.",
                        known.map(|c| self.customer_note(proposal, c)).unwrap_or_default(),
                        first.map_or_else(String::new, |r| self.held_reference(receipt, r))
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
            cash = self.itemised(receipt, proposal.truncated, &fresh, &dups, merged_lines, confidence, &mut out);
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
            let why = if self.ledger.invoice(d.invoice).status == InvoiceStatus::Closed {
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

    /// References with itemised amounts. Returns the cash left over (for
    /// the duplicates, then on account). Several lines naming one invoice
    /// add up; a credit memo's line is negative whatever sign it was written
    /// with; cash never goes below zero.
    #[allow(clippy::too_many_arguments)]
    fn itemised(
        &mut self,
        receipt: &Receipt,
        truncated: bool,
        fresh: &[RefMatch],
        dups: &[RefMatch],
        merged_lines: &[(u32, usize)],
        confidence: Decimal,
        out: &mut ReceiptOutcome,
    ) -> Decimal {
        let mut cash = receipt.amount;
        // Duplicates' lines are stated too: their cash is held for them.
        let mut stated: Decimal = dups.iter().filter_map(|d| line_amount(receipt, d.line)).sum();
        let mut open_total = Decimal::ZERO;
        // The cash ran out before a line's statement: its invoice is short.
        let mut shortfall_raised = false;
        for r in fresh {
            let open = self.remaining(r.invoice);
            open_total += open;
            let credit = open < Decimal::ZERO;
            let own = line_amount(receipt, r.line);
            let extra: Decimal = merged_lines
                .iter()
                .filter(|(i, _)| *i == r.invoice)
                .filter_map(|(_, l)| line_amount(receipt, Some(*l)))
                .sum();
            let paid = match own {
                Some(a) => a + extra,
                None if extra.is_zero() => open,
                None => extra,
            };
            let paid = if credit { -paid.abs() } else { paid };
            stated += paid;
            // Cash that runs out before a line's statement (a bank fee taken
            // from the payment) leaves that invoice short by what is missing.
            let limited = !credit && paid > cash;
            shortfall_raised |= limited;
            let paid = if limited { cash.max(Decimal::ZERO) } else { paid };
            let apply = if credit { paid.max(open) } else { paid.min(open).min(cash).max(Decimal::ZERO) };
            if apply.is_zero() {
                continue;
            }
            cash -= apply;
            self.reduce(r.invoice, apply);
            out.lines.push(line(PostingKind::Applied, Some(r.invoice), apply, Rule::RemittanceLine, confidence));
            if credit || paid >= open {
                continue;
            }
            let l = r.line.and_then(|l| receipt.remittance_lines.get(l));
            // Shortfall against the line's own statement, not the cash.
            let short = open - paid;
            let taken = l.and_then(|l| l.discount).unwrap_or(short);
            let mut short = short;
            match self.discount(r.invoice, receipt.value_date) {
                // An earned discount and more missing: the discount, then the
                // rest judged by tolerance.
                Some((d, true)) if short > d && l.and_then(|l| l.discount).is_none_or(|x| x == d) => {
                    self.reduce(r.invoice, d);
                    out.lines.push(line(PostingKind::Discount, Some(r.invoice), d, Rule::RemittanceLine, confidence));
                    short -= d;
                }
                Some((d, earned)) if d == short && taken == short => {
                    if earned {
                        self.reduce(r.invoice, d);
                        out.lines.push(line(
                            PostingKind::Discount,
                            Some(r.invoice),
                            d,
                            Rule::RemittanceLine,
                            confidence,
                        ));
                    } else {
                        out.exceptions.push(exception(
                            ExceptionKind::UnearnedDiscount,
                            Some(r.invoice),
                            d,
                            format!(
                                "Discount {d} taken on invoice {} after its discount date; claim it back or allow it.",
                                self.id(r.invoice)
                            ),
                        ));
                    }
                    continue;
                }
                _ => {}
            }
            let tolerance = self.config.write_off_tolerance(open, receipt.currency.minor_digits());
            if short <= tolerance {
                self.reduce(r.invoice, short);
                out.lines.push(line(PostingKind::WriteOff, Some(r.invoice), short, Rule::RemittanceLine, confidence));
            } else {
                let reason =
                    l.and_then(|l| l.reason.clone()).map(|r| format!(" (deduction reason {r})")).unwrap_or_default();
                out.exceptions.push(exception(
                    ExceptionKind::ShortPayment,
                    Some(r.invoice),
                    short,
                    format!("Invoice {} paid {short} short{reason}; it stays open for the rest.", self.id(r.invoice)),
                ));
            }
        }
        if !dups.is_empty() {
            // What is left is the duplicates' cash: no overpayment, no mismatch.
            return cash;
        }
        // Rule 7: lines cut off by the channel leave cash the visible lines
        // do not state.
        if truncated && cash > Decimal::ZERO && stated < receipt.amount {
            return self.rest_of_cut_remittance(receipt, out, cash);
        }
        let difference = receipt.amount - stated;
        let tolerance = self.config.write_off_tolerance(open_total, receipt.currency.minor_digits());
        // Lines of the advice whose reference named no invoice: the cash
        // they state is not an overpayment but a line a person must place.
        let named: Vec<usize> =
            fresh.iter().chain(dups).filter_map(|r| r.line).chain(merged_lines.iter().map(|(_, l)| *l)).collect();
        let unplaced: Vec<(usize, Decimal)> = (0..receipt.remittance_lines.len())
            .filter(|l| !named.contains(l))
            .filter_map(|l| line_amount(receipt, Some(l)).filter(|a| *a > Decimal::ZERO).map(|a| (l, a)))
            .collect();
        let unplaced_total = unplaced.iter().try_fold(Decimal::ZERO, |acc, (_, a)| acc.checked_add(*a));
        if cash > tolerance && !unplaced.is_empty() && unplaced_total == Some(cash) {
            let which: Vec<String> = unplaced
                .iter()
                .filter_map(|(l, a)| receipt.remittance_lines.get(*l).map(|x| format!("{} ({a})", x.reference)))
                .collect();
            let mut e = exception(
                ExceptionKind::Unapplied,
                None,
                cash,
                format!(
                    "Remittance line {} names no open invoice of this customer; {cash} held unapplied until it is placed.",
                    which.join(", ")
                ),
            );
            // Invoices of the customer open for exactly a line's amount.
            let owner = out.customer.unwrap_or(0);
            let mut fitting: Vec<(String, Decimal)> = Vec::new();
            for (_, a) in &unplaced {
                let open =
                    self.ledger.family(owner).into_iter().flat_map(|c| self.ledger.open_invoices(c).iter().copied());
                for i in open.filter(|i| self.remaining(*i) == *a).take(5) {
                    fitting.push((self.id(i).to_string(), Decimal::new(600, 3)));
                }
            }
            e.suggestions = ranked(fitting);
            out.exceptions.push(e);
            out.lines.push(line(PostingKind::Unapplied, None, cash, Rule::Held, Decimal::ZERO));
            return Decimal::ZERO;
        }
        if cash > tolerance && receipt.amount > open_total + tolerance {
            out.exceptions.push(exception(
                ExceptionKind::Overpayment,
                None,
                cash,
                format!("Paid {cash} more than the invoices named; the excess is held on account."),
            ));
        } else if !(difference.is_zero() || (difference < Decimal::ZERO && shortfall_raised)) {
            out.exceptions.push(exception(
                ExceptionKind::RemittanceMismatch,
                None,
                difference.abs(),
                format!(
                    "The remittance lines add up to {stated} but the payment is {}; check the advice.",
                    receipt.amount
                ),
            ));
            if cash > Decimal::ZERO {
                out.lines.push(line(PostingKind::Unapplied, None, cash, Rule::Held, Decimal::ZERO));
                cash = Decimal::ZERO;
            }
        }
        cash
    }

    /// Rule 7, cut-off remittance: the cash left after the references still
    /// visible goes to exactly one subset of the customer's other open
    /// items (a single item equal to it does not settle it when a larger
    /// set also fits), else it is held `unapplied` with an exception.
    /// Returns the cash left (none).
    fn rest_of_cut_remittance(&mut self, receipt: &Receipt, out: &mut ReceiptOutcome, rest: Decimal) -> Decimal {
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

    /// References without amounts. Returns the cash left over.
    #[allow(clippy::too_many_arguments)]
    fn unitemised(
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
                if all_taken && !unearned.is_zero() {
                    let last = fresh
                        .iter()
                        .zip(&discounts)
                        .rev()
                        .find(|(_, d)| d.is_some_and(|(_, e)| !e))
                        .map(|(r, _)| r.invoice);
                    out.exceptions.push(exception(
                        ExceptionKind::UnearnedDiscount,
                        last,
                        unearned,
                        format!("Discount {unearned} taken after the discount date; claim it back or allow it."),
                    ));
                }
            }
        }
        // Pay oldest due first; the shortfall falls on the invoices paid last.
        // Every named invoice left short gets its own short payment (or
        // write-off within tolerance), even one the cash did not reach.
        let mut cash = receipt.amount;
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
        out.lines.extend(discount_lines);
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

    /// An invoice that may take a payment in this currency: open (not
    /// closed, not disputed) and in the currency.
    fn payable(&self, inv: u32, currency: Currency) -> bool {
        let i = self.ledger.invoice(inv);
        i.status == InvoiceStatus::Open && i.currency == currency
    }

    /// An open item of rules 7 and 8: payable, with a positive balance, and
    /// applied by no receipt of the run (credit memos count only when named).
    fn open_item(&self, inv: u32, currency: Currency) -> bool {
        self.payable(inv, currency)
            && self.remaining(inv) > Decimal::ZERO
            && !self.paid_in_run.get(inv as usize).copied().unwrap_or(true)
    }

    /// True when paying `stated` settles the invoice as the rules read it:
    /// exactly, short by its (earned or unearned) discount, or short within
    /// tolerance.
    fn settles(&self, stated: Decimal, invoice: u32, receipt: &Receipt) -> bool {
        let open = self.remaining(invoice);
        let short = open - stated;
        short.is_zero()
            || self.discount(invoice, receipt.value_date).is_some_and(|(d, _)| d == short)
            || (short > Decimal::ZERO
                && short <= self.config.write_off_tolerance(open, receipt.currency.minor_digits()))
    }

    /// True when the payment settles the referenced invoices together: their
    /// open total, less their discounts, or short within tolerance.
    fn settles_together(&self, receipt: &Receipt, refs: &[RefMatch]) -> bool {
        let total: Decimal = refs.iter().map(|r| self.remaining(r.invoice)).sum();
        let discounts: Decimal =
            refs.iter().filter_map(|r| self.discount(r.invoice, receipt.value_date)).map(|(d, _)| d).sum();
        let short = total - receipt.amount;
        !refs.is_empty()
            && (short.is_zero()
                || (!discounts.is_zero() && short == discounts)
                || (short > Decimal::ZERO
                    && short <= self.config.write_off_tolerance(total, receipt.currency.minor_digits())))
    }

    /// Subsets of `candidates` whose remaining balances sum to `amount`,
    /// searched in minor units over every item not larger than the amount
    /// (more than [`subset_sum::MAX_ITEMS`] of them, or one that does not
    /// convert exactly, make the answer unknown); a found set is re-checked
    /// in decimals before it is trusted.
    fn subsets(&self, candidates: &[u32], amount: Decimal) -> SubsetOf {
        let digits = amount.scale().max(2);
        let minor = |d: Decimal| -> Option<i64> {
            let m = d.checked_mul(Decimal::from(10i64.pow(digits.min(6))))?;
            if m.fract().is_zero() { i64::try_from(m.trunc()).ok() } else { None }
        };
        let Some(target) = minor(amount) else { return SubsetOf::Unknown };
        // Every item that could be part of a subset takes part, or the
        // answer is "unknown": a uniqueness claimed over part of the items
        // would not be one.
        let mut usable: Vec<(u32, i64)> = Vec::new();
        for &i in candidates {
            let open = self.remaining(i);
            if open <= Decimal::ZERO || open > amount {
                continue;
            }
            match minor(open) {
                Some(m) => usable.push((i, m)),
                None => return SubsetOf::Unknown,
            }
        }
        if usable.len() > subset_sum::MAX_ITEMS {
            return SubsetOf::Unknown;
        }
        let amounts: Vec<i64> = usable.iter().map(|(_, m)| *m).collect();
        let ids =
            |set: Vec<usize>| -> Vec<u32> { set.iter().filter_map(|k| usable.get(*k).map(|(i, _)| *i)).collect() };
        match subsets_summing_to(&amounts, target) {
            Subsets::One(set) => {
                let set = ids(set);
                let sum: Decimal = set.iter().map(|i| self.remaining(*i)).sum();
                if sum == amount { SubsetOf::One(set) } else { SubsetOf::Unknown }
            }
            Subsets::Several(a, b) => SubsetOf::Several(ids(a), ids(b)),
            Subsets::None => SubsetOf::None,
            Subsets::Unknown => SubsetOf::Unknown,
        }
    }

    /// No usable reference: rule 8.
    pub fn amount_only(&mut self, receipt: &Receipt, proposal: &Proposal) -> ReceiptOutcome {
        let Some((payer, customer_confidence, _)) = proposal.customer else {
            return self.hold(receipt, None, proposal, ExceptionKind::Unidentified, "no customer");
        };
        // Rule 8 searches the customer's own open items: a parent's or
        // subsidiary's invoices are paid by amount alone only when named.
        let candidates: Vec<u32> =
            self.ledger.open_invoices(payer).iter().copied().filter(|i| self.open_item(*i, receipt.currency)).collect();
        let singles: Vec<u32> = candidates.iter().copied().filter(|i| self.remaining(*i) == receipt.amount).collect();
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
                SubsetOf::One(set) if set.len() > 1 && proposal.unresolved_references > 0 => {
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
                let why = if set.len() > 1 && proposal.unresolved_references > 0 {
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
                let why = self.no_usable_reference(receipt, proposal);
                self.hold(receipt, Some(payer), proposal, ExceptionKind::Unapplied, &why)
            }
        }
    }

    /// The open balance of `items`, when it can be summed.
    fn balance_of(&self, items: &[u32]) -> Option<Decimal> {
        items.iter().try_fold(Decimal::ZERO, |acc, i| acc.checked_add(self.remaining(*i)))
    }

    /// The one open item the payment falls short of by no more than the
    /// write-off tolerance, when exactly one does.
    fn within_tolerance_of_one(&self, items: &[u32], receipt: &Receipt) -> Option<u32> {
        let mut near = items.iter().copied().filter(|i| {
            let open = self.remaining(*i);
            open > receipt.amount
                && open - receipt.amount <= self.config.write_off_tolerance(open, receipt.currency.minor_digits())
        });
        match (near.next(), near.next()) {
            (Some(one), None) => Some(one),
            _ => None,
        }
    }

    /// Stage 3: `skipped_invoice` — another open invoice of a paying
    /// customer and currency, due (or dated) before the receipt's value date
    /// and no later than the latest-due invoice the receipt paid, that no
    /// receipt of the run paid. Once per skipped invoice. An invoice some
    /// receipt of the run names (`named`), even if it was held rather than
    /// applied, may yet be paid by it: it is not asserted as skipped.
    pub fn skipped_invoices(&self, receipts: &[&Receipt], outcomes: &mut [ReceiptOutcome], named: &[bool]) {
        let mut reported = named.to_vec();
        reported.resize(self.ledger.invoices.len(), false);
        for (k, receipt) in receipts.iter().enumerate() {
            let Some(out) = outcomes.get_mut(k) else { continue };
            let paid: Vec<u32> = out
                .lines
                .iter()
                .filter(|l| l.kind == PostingKind::Applied && l.amount > Decimal::ZERO)
                .filter_map(|l| l.invoice)
                .collect();
            let mut owners: Vec<u32> = paid.iter().map(|i| self.ledger.owner(*i)).collect();
            owners.sort_by(|a, b| self.ledger.customer_id(*a).cmp(self.ledger.customer_id(*b)));
            owners.dedup();
            for owner in owners {
                let latest = paid
                    .iter()
                    .filter(|i| self.ledger.owner(**i) == owner)
                    .map(|i| {
                        let inv = self.ledger.invoice(*i);
                        inv.due_date.unwrap_or(inv.invoice_date)
                    })
                    .max();
                let Some(latest) = latest else { continue };
                for &i in self.ledger.open_invoices(owner) {
                    let inv = self.ledger.invoice(i);
                    let due = inv.due_date.unwrap_or(inv.invoice_date);
                    let idx = i as usize;
                    if inv.status != InvoiceStatus::Open
                        || inv.currency != receipt.currency
                        || inv.amount_open <= Decimal::ZERO
                        || self.paid_in_run.get(idx).copied().unwrap_or(true)
                        || reported.get(idx).copied().unwrap_or(true)
                        || due >= receipt.value_date
                        || due > latest
                    {
                        continue;
                    }
                    if let Some(r) = reported.get_mut(idx) {
                        *r = true;
                    }
                    out.exceptions.push(exception(
                        ExceptionKind::SkippedInvoice,
                        Some(i),
                        inv.amount_open,
                        format!("Invoice {} (due {due}) is older than the invoices paid and was not paid; ask the customer.", inv.id),
                    ));
                }
            }
        }
    }
}

impl ReceiptOutcome {
    /// Cash posted so far (cash kinds).
    pub fn cash_applied(&self) -> Decimal {
        self.lines.iter().filter(|l| l.kind.is_cash()).map(|l| l.amount).sum()
    }
}
