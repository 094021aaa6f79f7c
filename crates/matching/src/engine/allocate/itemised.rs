//! References with itemised amounts (CONTRACT §4): each line applied as
//! stated, its shortfall explained as discount, write-off or short payment.

use super::*;

/// The references of a list held because their numbers may be mistyped
/// (below the auto-apply confidence), and the neighbours doubted with them:
/// the lines they came from are suggested, not reported as naming nothing.
pub(super) struct Doubts<'a> {
    pub held: &'a [RefMatch],
    pub doubted: &'a [u32],
}

impl<'l> Allocator<'l> {
    /// References with itemised amounts. Returns the cash left over (for
    /// the duplicates, then on account). Several lines naming one invoice
    /// add up; a credit memo's line is negative whatever sign it was written
    /// with; cash never goes below zero.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn itemised(
        &mut self,
        receipt: &Receipt,
        truncated: bool,
        fresh: &[RefMatch],
        dups: &[RefMatch],
        merged_lines: &[(u32, usize)],
        doubts: &Doubts<'_>,
        confidence: Decimal,
        out: &mut ReceiptOutcome,
    ) -> Decimal {
        let mut cash = receipt.amount;
        // Duplicates' lines are stated too: their cash is held for them.
        let mut stated: Decimal = dups.iter().filter_map(|d| line_amount(receipt, d.line)).sum();
        let mut open_total = Decimal::ZERO;
        // The cash ran out before a line's statement: its invoice is short.
        let mut shortfall_raised = false;
        // Lines the cash did not reach where the lines disagree with it:
        // (invoice, what the line states).
        let mut unreached: Vec<(u32, Decimal)> = Vec::new();
        // Lines that state no amount (a document the payer named without
        // one, the last of a list whose amount its channel cut) take what
        // the lines stating theirs leave: they are paid after them.
        let states = |r: &&RefMatch| {
            line_amount(receipt, r.line).is_some()
                || self.remaining(r.invoice) < Decimal::ZERO
                || merged_lines.iter().any(|(i, _)| *i == r.invoice)
        };
        let (stating, unstated): (Vec<&RefMatch>, Vec<&RefMatch>) = fresh.iter().partition(states);
        // Several lines paying invoices on a check or an ACH credit, which
        // no bank takes a fee from: cash short of their statements says the
        // advice and the payment disagree, and which line is short would be
        // a guess (one line alone is that invoice paid short).
        // A gap the write-off tolerance or the lines' cash discounts explain
        // is no disagreement.
        let paying_lines = fresh.iter().filter(|r| self.remaining(r.invoice) > Decimal::ZERO).count();
        let lines_disagree_with_cash = paying_lines > 1 && !super::fees::fee_may_be_deducted(receipt) && {
            let stated_lines: Decimal = fresh.iter().filter_map(|r| line_amount(receipt, r.line)).sum();
            let gap = stated_lines - receipt.amount;
            let fresh_open: Decimal = fresh.iter().map(|r| self.remaining(r.invoice)).sum();
            let discounts: Vec<(Decimal, bool)> =
                fresh.iter().filter_map(|r| self.discount(r.invoice, receipt.value_date)).collect();
            let earned: Decimal = discounts.iter().filter(|(_, e)| *e).map(|(d, _)| *d).sum();
            let all: Decimal = discounts.iter().map(|(d, _)| *d).sum();
            gap > self.config.write_off_tolerance(fresh_open, receipt.currency.minor_digits())
                && gap != earned
                && gap != all
        };
        for r in stating.into_iter().chain(unstated) {
            let open = self.remaining(r.invoice);
            open_total += open;
            let credit = open < Decimal::ZERO;
            let own = line_amount(receipt, r.line);
            let extra: Decimal = merged_lines
                .iter()
                .filter(|(i, _)| *i == r.invoice)
                .filter_map(|(_, l)| line_amount(receipt, Some(*l)))
                .sum();
            // A line without an amount that states what it took off pays
            // the rest of the invoice (`Facture F2026/1496 déduction 25,63`).
            let taken_off = r
                .line
                .and_then(|l| receipt.remittance_lines.get(l))
                .map(|l| l.discount.unwrap_or_default().abs() + l.deduction.unwrap_or_default().abs())
                .unwrap_or_default();
            let paid = match own {
                Some(a) => a + extra,
                None if extra.is_zero() && !credit && taken_off > Decimal::ZERO && taken_off < open => open - taken_off,
                None if extra.is_zero() => open,
                None => extra,
            };
            let paid = if credit { -paid.abs() } else { paid };
            stated += paid;
            // Cash that runs out before a line's statement (a bank fee taken
            // from the payment) leaves that invoice short by what is missing;
            // where the lines disagree with the cash (above), the lines it
            // does not reach are left for a person (`remittance_mismatch`).
            let limited = !credit && paid > cash;
            if limited && lines_disagree_with_cash {
                unreached.push((r.invoice, paid));
                continue;
            }
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
                        out.exceptions.push(self.unearned_discount(r.invoice, d));
                    }
                    continue;
                }
                _ => {}
            }
            // The only line of a payer that wrote what it took off (`1.5%
            // discount taken`, `Deduction: Freight overcharge (-$895.41)`)
            // and it makes the shortfall: a discount the terms did not grant
            // is an unearned discount, not a short payment.
            if receipt.remittance_lines.len() == 1
                && l.is_some_and(|l| l.discount.is_none() && l.deduction.is_none())
                && let Some(discount) = super::taken_off::stated_shortfall(receipt, open, paid)
            {
                let rule = if discount { Rule::StatedDiscount } else { Rule::StatedDeduction };
                if let Some(applied) = out.lines.last_mut() {
                    applied.rule = rule;
                }
                if discount {
                    out.exceptions.push(exception(
                        ExceptionKind::UnearnedDiscount,
                        Some(r.invoice),
                        short,
                        format!(
                            "The payer took a discount of {short} on invoice {} that its terms do not grant on this date; claim it back or allow it.",
                            self.id(r.invoice)
                        ),
                    ));
                    continue;
                }
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
            // Lines held because their number may be mistyped name an
            // invoice: say so, and suggest it with the neighbours doubted.
            let held_lines: Vec<&RefMatch> =
                doubts.held.iter().filter(|r| r.line.is_some_and(|l| unplaced.iter().any(|(u, _)| *u == l))).collect();
            let detail = if held_lines.len() == unplaced.len() {
                let named: Vec<String> = held_lines
                    .iter()
                    .map(|r| format!("{} (open {})", self.id(r.invoice), self.remaining(r.invoice)))
                    .collect();
                format!(
                    "Remittance line {} names invoice {} but does not fit it, and its number may be mistyped; \
                     {cash} held unapplied until it is placed.",
                    which.join(", "),
                    named.join(", ")
                )
            } else {
                format!(
                    "Remittance line {} names no open invoice of this customer; {cash} held unapplied until it is placed.",
                    which.join(", ")
                )
            };
            let mut e = exception(ExceptionKind::Unapplied, None, cash, detail);
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
            for r in &held_lines {
                fitting.push((self.id(r.invoice).to_string(), r.strength));
            }
            fitting.extend(doubts.doubted.iter().map(|i| (self.id(*i).to_string(), Decimal::new(850, 3))));
            e.suggestions = ranked(fitting);
            out.exceptions.push(e);
            out.lines.push(line(PostingKind::Unapplied, None, cash, Rule::Held, Decimal::ZERO));
            return Decimal::ZERO;
        }
        // Rule 7: lines cut off by the channel leave cash the visible lines
        // do not state (after the visible lines that named nothing: their
        // cash is theirs, not the cut-off part's — a set of other invoices
        // that happens to add up to it is a coincidence).
        if truncated && cash > Decimal::ZERO && stated < receipt.amount {
            return self.rest_of_cut_remittance(receipt, out, cash);
        }
        if cash > tolerance && receipt.amount > open_total + tolerance {
            out.exceptions.push(exception(
                ExceptionKind::Overpayment,
                None,
                cash,
                format!("Paid {cash} more than the invoices named; the excess is held on account."),
            ));
        } else if !(difference.is_zero() || (difference < Decimal::ZERO && shortfall_raised)) {
            let mut e = exception(
                ExceptionKind::RemittanceMismatch,
                None,
                difference.abs(),
                format!(
                    "The remittance lines add up to {stated} but the payment is {}; check the advice.",
                    receipt.amount
                ),
            );
            if !unreached.is_empty() {
                // Say which lines were left and what is held: no bank fee
                // comes out of a check or an ACH credit, so which invoice the
                // payer left short is the coordinator's call.
                let left: Vec<String> =
                    unreached.iter().map(|(i, stated)| format!("{} ({stated})", self.id(*i))).collect();
                let verb = if left.len() == 1 { "is" } else { "are" };
                let held = if cash > Decimal::ZERO { format!(" and {cash} is held unapplied") } else { String::new() };
                e.detail = format!(
                    "The remittance lines add up to {stated} but the payment is {}, and no bank fee comes out of a check or an ACH credit: {} {verb} not paid{held} until a person decides which invoice the payer left short.",
                    receipt.amount,
                    left.join(", ")
                );
                e.suggestions =
                    unreached.iter().map(|(i, _)| (self.id(*i).to_string(), Decimal::new(850, 3))).collect();
            }
            out.exceptions.push(e);
            if cash > Decimal::ZERO {
                out.lines.push(line(PostingKind::Unapplied, None, cash, Rule::Held, Decimal::ZERO));
                cash = Decimal::ZERO;
            }
        }
        cash
    }
}
