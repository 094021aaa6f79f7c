//! A payment the payer says is an open item less what it took off: a
//! percentage it calls a discount (`1.5% discount taken`), or an amount it
//! deducted or took off (`Deduction: Freight overcharge (-$895.41)`,
//! `Discount $41.00`). Reached only when no reference and no amount placed
//! the cash (rule 8, [`Allocator::amount_only`]).

use super::*;

/// What a payer's words say it took off an invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TakenOff {
    /// A percentage taken as a discount (0 < p ≤ 10).
    Percent(Decimal),
    /// An amount taken off; `discount` when the payer calls it a discount
    /// rather than a deduction.
    Amount { amount: Decimal, discount: bool },
}

/// Early-payment discounts payers commonly take without saying so
/// (`1/10 net 30`, `2/10 net 30`, `3%`), in percent.
const USUAL_DISCOUNT_PERCENTS: [Decimal; 6] = [
    Decimal::from_parts(5, 0, 0, false, 1),
    Decimal::ONE,
    Decimal::from_parts(15, 0, 0, false, 1),
    Decimal::TWO,
    Decimal::from_parts(25, 0, 0, false, 1),
    Decimal::from_parts(3, 0, 0, false, 0),
];

impl<'l> Allocator<'l> {
    /// The payer's open item that the payment is, less what the payer says
    /// it took off, when exactly one item fits: a stated percentage makes
    /// the payment to within one minor unit (payers round either way), a
    /// stated amount makes it exactly. The payment is applied; a discount
    /// is a `discount` line when the invoice's terms grant it on the value
    /// date, else an `unearned_discount` exception (`stated_discount`); a
    /// deduction is a `short_payment` (`stated_deduction`). The rest of the
    /// invoice stays open. Two items fitting, or none, decide nothing.
    pub(super) fn paid_less_what_it_took_off(
        &mut self,
        receipt: &Receipt,
        payer: u32,
        customer_confidence: Decimal,
    ) -> Option<ReceiptOutcome> {
        let stated = stated_taken_off(receipt);
        let [(inv, discount)] = self.items_less_taken_off(receipt, &[payer], &stated)[..] else { return None };
        let confidence = customer_confidence.min(Decimal::new(920, 3));
        if confidence < self.config.auto_apply_confidence {
            return None;
        }
        let rule = if discount { Rule::StatedDiscount } else { Rule::StatedDeduction };
        Some(self.post_less_taken_off(receipt, inv, discount, rule, confidence))
    }

    /// A payment from a known payer that says nothing of a discount (nor
    /// writes any percentage), no reference and no amount placed, and that is exactly one of its open
    /// items less a usual early-payment discount
    /// ([`USUAL_DISCOUNT_PERCENTS`], to within one minor unit) — and no
    /// other item at any of those rates: what a coordinator checks next
    /// (`328.83` for `339.00` less 3%) — where the ERP records discount
    /// terms at all, only at the item's own rate. Applied (`usual_discount`, 0.90);
    /// the discount is a `discount` line when the terms grant it on the
    /// value date, else an `unearned_discount` exception, so a discount
    /// taken without right is never written off quietly.
    pub(super) fn paid_less_a_usual_discount(
        &mut self,
        receipt: &Receipt,
        payer: u32,
        customer_confidence: Decimal,
    ) -> Option<ReceiptOutcome> {
        // A payer that wrote what it took off, or a percentage it calls
        // something else (`1.5% surcharge`), explained the amount itself.
        if !stated_taken_off(receipt).is_empty() || receipt.remittance_text.iter().any(|t| t.contains('%')) {
            return None;
        }
        let usual = USUAL_DISCOUNT_PERCENTS.map(TakenOff::Percent);
        let [(inv, _)] = self.items_less_taken_off(receipt, &[payer], &usual)[..] else { return None };
        // Where the ERP records terms, only the item's own discount (earned
        // or not) explains the amount; a rate its terms do not offer is a
        // coincidence of amounts, not a discount taken.
        if self.ledger.records_discount_terms() {
            let minor_unit = Decimal::new(1, receipt.currency.minor_digits());
            let own = self.discount(inv, receipt.value_date).map(|(d, _)| d);
            let short = self.remaining(inv) - receipt.amount;
            if own.is_none_or(|d| (d - short).abs() > minor_unit) {
                return None;
            }
        }
        let confidence = customer_confidence.min(Decimal::new(900, 3));
        if confidence < self.config.auto_apply_confidence {
            return None;
        }
        Some(self.post_less_taken_off(receipt, inv, true, Rule::UsualDiscount, confidence))
    }

    /// The open items of `customers` (in the receipt's currency, more than
    /// the payment) that the payment makes less one of `taken`, each with
    /// whether what was taken is a discount.
    pub(super) fn items_less_taken_off(
        &self,
        receipt: &Receipt,
        customers: &[u32],
        taken: &[TakenOff],
    ) -> Vec<(u32, bool)> {
        if taken.is_empty() || receipt.amount <= Decimal::ZERO {
            return Vec::new();
        }
        let minor_unit = Decimal::new(1, receipt.currency.minor_digits());
        let makes = |open: Decimal, t: &TakenOff| match t {
            TakenOff::Percent(p) => open
                .checked_mul(Decimal::ONE_HUNDRED - *p)
                .and_then(|x| x.checked_div(Decimal::ONE_HUNDRED))
                .and_then(|less| less.checked_sub(receipt.amount))
                .is_some_and(|d| d.abs() < minor_unit),
            TakenOff::Amount { amount, .. } => receipt.amount.checked_add(*amount) == Some(open),
        };
        let mut fits: Vec<(u32, bool)> = Vec::new();
        for &c in customers {
            for &i in self.ledger.open_invoices(c) {
                let open = self.remaining(i);
                if !self.open_item(i, receipt.currency) || open <= receipt.amount {
                    continue;
                }
                if let Some(t) = taken.iter().find(|t| makes(open, t)) {
                    fits.push((i, !matches!(t, TakenOff::Amount { discount: false, .. })));
                }
            }
        }
        fits
    }

    /// Posts the payment on `inv`, less what the payer took off: the
    /// payment applied; a discount as a `discount` line when the terms
    /// grant exactly it on the value date, else `unearned_discount`; a
    /// deduction as a `short_payment`. The rest of the invoice stays open.
    pub(super) fn post_less_taken_off(
        &mut self,
        receipt: &Receipt,
        inv: u32,
        discount: bool,
        rule: Rule,
        confidence: Decimal,
    ) -> ReceiptOutcome {
        // The invoice's open amount exceeds the payment (checked where it
        // was found): no underflow.
        let taken = self.remaining(inv) - receipt.amount;
        let mut out = ReceiptOutcome { customer: Some(self.ledger.owner(inv)), ..Default::default() };
        self.reduce(inv, receipt.amount);
        out.lines.push(line(PostingKind::Applied, Some(inv), receipt.amount, rule, confidence));
        let earned = self.discount(inv, receipt.value_date).filter(|(d, earned)| *earned && *d == taken);
        match (discount, earned) {
            (true, Some((d, _))) => {
                self.reduce(inv, d);
                out.lines.push(line(PostingKind::Discount, Some(inv), d, rule, confidence));
            }
            (true, None) => {
                // Whether the payer said so tells the coordinator what to ask.
                let said = if rule == Rule::UsualDiscount {
                    " without saying so (the payment is the invoice less a usual early-payment discount)"
                } else {
                    ""
                };
                out.exceptions.push(exception(
                    ExceptionKind::UnearnedDiscount,
                    Some(inv),
                    taken,
                    format!(
                        "The payer took a discount of {taken} on invoice {}{said} that its terms do not grant on this date; claim it back or allow it.",
                        self.id(inv)
                    ),
                ))
            }
            (false, _) => out.exceptions.push(exception(
                ExceptionKind::ShortPayment,
                Some(inv),
                taken,
                format!(
                    "Invoice {} paid {taken} short: the payer states it deducted that amount; it stays open for the rest.",
                    self.id(inv)
                ),
            )),
        }
        out
    }
}

/// What the payer says it took off an invoice open for `open` that it paid
/// `paid`. It is `Some(true)` for a discount (a percentage of the invoice,
/// or an amount, that makes exactly the shortfall), `Some(false)` for a
/// deduction, and `None` when nothing it wrote makes the shortfall.
pub(super) fn stated_shortfall(receipt: &Receipt, open: Decimal, paid: Decimal) -> Option<bool> {
    let minor_unit = Decimal::new(1, receipt.currency.minor_digits());
    stated_taken_off(receipt).into_iter().find_map(|t| match t {
        TakenOff::Percent(p) => open
            .checked_mul(Decimal::ONE_HUNDRED - p)
            .and_then(|x| x.checked_div(Decimal::ONE_HUNDRED))
            .and_then(|less| less.checked_sub(paid))
            .is_some_and(|d| d.abs() < minor_unit)
            .then_some(true),
        TakenOff::Amount { amount, discount } => (paid.checked_add(amount) == Some(open)).then_some(discount),
    })
}

/// What the payer's words say it took off, from texts that speak of a
/// discount, a deduction, a claim or of taking something off (`DISC…`,
/// `DEDUCT…`, `LESS`, `SHORT`, `CLAIM`, `ALLOWANCE`, `CHARGEBACK`):
/// * a number written with `%` (`1.5%`, `2 %`) between 0 and 10, in a text
///   that speaks of a discount or of taking off (`DISC…`, `LESS`);
/// * an amount written as money taken off (two decimals, after `-` or `$`,
///   in parentheses or not: `-$895.41`, `$41.00`), other than the payment
///   itself — a bare number may be another line's amount. It is a discount
///   when the text says discount and not deduction.
pub(super) fn stated_taken_off(receipt: &Receipt) -> Vec<TakenOff> {
    const WORDS: [&str; 7] = ["DEDUCT", "DISC", "LESS", "SHORT", "CLAIM", "ALLOWANCE", "CHARGEBACK"];
    let mut out: Vec<TakenOff> = Vec::new();
    let mut push = |t: TakenOff| {
        if !out.contains(&t) {
            out.push(t);
        }
    };
    for text in &receipt.remittance_text {
        let upper = text.to_ascii_uppercase();
        if !WORDS.iter().any(|w| upper.contains(w)) {
            continue;
        }
        let discount = upper.contains("DISC") && !upper.contains("DEDUCT");
        if upper.contains("DISC") || upper.contains("LESS") {
            for (k, _) in upper.match_indices('%') {
                let end = upper[..k].trim_end().len();
                let start = upper[..end].rfind(|c: char| !(c.is_ascii_digit() || c == '.')).map_or(0, |s| s + 1);
                let Some(number) = upper.get(start..end) else { continue };
                if let Ok(p) = number.trim_matches('.').parse::<Decimal>()
                    && p > Decimal::ZERO
                    && p <= Decimal::TEN
                {
                    push(TakenOff::Percent(p));
                }
            }
        }
        for word in upper.split(|c: char| c.is_whitespace() || c == '(' || c == ')') {
            if !word.starts_with(['-', '$']) {
                continue;
            }
            let number = word.trim_start_matches(['-', '$', '+']).trim_end_matches([',', ';', '.']);
            let Some((whole, cents)) = number.split_once('.') else { continue };
            if whole.is_empty()
                || cents.len() != 2
                || !whole.bytes().all(|b| b.is_ascii_digit() || b == b',')
                || !cents.bytes().all(|b| b.is_ascii_digit())
            {
                continue;
            }
            let Ok(amount) = format!("{}.{cents}", whole.replace(',', "")).parse::<Decimal>() else { continue };
            if amount > Decimal::ZERO && amount != receipt.amount {
                push(TakenOff::Amount { amount, discount });
            }
        }
    }
    out
}
