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
                if let Some(out) = self
                    .paid_less_stated_percent(receipt, payer, customer_confidence)
                    .or_else(|| self.paid_less_stated_amount(receipt, payer, customer_confidence))
                {
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

    /// A payer that says it took a percentage as a discount (`1.5% discount
    /// taken`, `Less 2% early pay discount`, `2% disc`) and pays exactly one
    /// of its open items less that percentage (to the cent), when no
    /// reference and no amount placed the cash: that item. The payment is
    /// applied; the discount is a `discount` line when the invoice's terms
    /// grant it on the value date, else an `unearned_discount` exception and
    /// the rest stays open. Two items fitting, or none, decide nothing.
    fn paid_less_stated_percent(
        &mut self,
        receipt: &Receipt,
        payer: u32,
        customer_confidence: Decimal,
    ) -> Option<ReceiptOutcome> {
        let percents = stated_discount_percents(receipt);
        if percents.is_empty() || receipt.amount <= Decimal::ZERO {
            return None;
        }
        let digits = receipt.currency.minor_digits();
        let hundred = Decimal::ONE_HUNDRED;
        let mut fits: Vec<u32> = Vec::new();
        for &i in self.ledger.open_invoices(payer) {
            if !self.open_item(i, receipt.currency) {
                continue;
            }
            let open = self.remaining(i);
            if open <= receipt.amount {
                continue;
            }
            let less = |p: Decimal| (open * (hundred - p) / hundred).round_dp(digits);
            if percents.iter().any(|p| less(*p) == receipt.amount) && !fits.contains(&i) {
                fits.push(i);
            }
        }
        let [inv] = fits.as_slice() else { return None };
        let confidence = customer_confidence.min(Decimal::new(920, 3));
        if confidence < self.config.auto_apply_confidence {
            return None;
        }
        let inv = *inv;
        let taken = self.remaining(inv) - receipt.amount;
        Some(self.apply_less_discount(receipt, inv, taken, confidence))
    }

    /// A payer that says what it deducted or took off (`Deduction: Freight
    /// overcharge (-$895.41)`, `Discount $41.00`, `less -667.65`) and pays
    /// exactly one of its open items less that amount, when no reference and
    /// no amount placed the cash: that item, the deduction a
    /// `short_payment` (a stated discount: as [`Self::paid_less_stated_percent`]).
    fn paid_less_stated_amount(
        &mut self,
        receipt: &Receipt,
        payer: u32,
        customer_confidence: Decimal,
    ) -> Option<ReceiptOutcome> {
        let stated = stated_taken_amounts(receipt);
        if stated.is_empty() || receipt.amount <= Decimal::ZERO {
            return None;
        }
        let mut fits: Vec<(u32, Decimal, bool)> = Vec::new();
        for &i in self.ledger.open_invoices(payer) {
            if !self.open_item(i, receipt.currency) {
                continue;
            }
            let open = self.remaining(i);
            for (x, discount) in &stated {
                if receipt.amount.checked_add(*x) == Some(open) && !fits.iter().any(|(f, _, _)| *f == i) {
                    fits.push((i, *x, *discount));
                }
            }
        }
        let [(inv, taken, discount)] = fits.as_slice() else { return None };
        let confidence = customer_confidence.min(Decimal::new(920, 3));
        if confidence < self.config.auto_apply_confidence {
            return None;
        }
        let (inv, taken) = (*inv, *taken);
        if *discount {
            return Some(self.apply_less_discount(receipt, inv, taken, confidence));
        }
        let mut out = ReceiptOutcome { customer: Some(self.ledger.owner(inv)), ..Default::default() };
        self.reduce(inv, receipt.amount);
        out.lines.push(line(PostingKind::Applied, Some(inv), receipt.amount, Rule::StatedDiscount, confidence));
        out.exceptions.push(exception(
            ExceptionKind::ShortPayment,
            Some(inv),
            taken,
            format!(
                "Invoice {} paid {taken} short: the payer states it deducted that amount; it stays open for the rest.",
                self.id(inv)
            ),
        ));
        Some(out)
    }

    /// Applies `receipt` to `inv` whose open amount is the payment plus the
    /// discount `taken`: a `discount` line when the terms grant it on the
    /// value date, else an `unearned_discount` exception (the rest open).
    fn apply_less_discount(
        &mut self,
        receipt: &Receipt,
        inv: u32,
        taken: Decimal,
        confidence: Decimal,
    ) -> ReceiptOutcome {
        let mut out = ReceiptOutcome { customer: Some(self.ledger.owner(inv)), ..Default::default() };
        self.reduce(inv, receipt.amount);
        out.lines.push(line(PostingKind::Applied, Some(inv), receipt.amount, Rule::StatedDiscount, confidence));
        match self.discount(inv, receipt.value_date) {
            Some((d, true)) if d == taken => {
                self.reduce(inv, d);
                out.lines.push(line(PostingKind::Discount, Some(inv), d, Rule::StatedDiscount, confidence));
            }
            _ => out.exceptions.push(exception(
                ExceptionKind::UnearnedDiscount,
                Some(inv),
                taken,
                format!(
                    "The payer took a discount of {taken} on invoice {} that its terms do not grant on this date; claim it back or allow it.",
                    self.id(inv)
                ),
            )),
        }
        out
    }
}

/// Amounts a payer's words say it took off, each with whether it calls
/// it a discount: a decimal amount written as money taken off (two
/// decimals, after `-` or `$`, in parentheses or not) in a text that
/// speaks of a deduction, a discount, a
/// claim or of taking something off (`DEDUCT…`, `DISC…`, `LESS`, `SHORT`,
/// `CLAIM`, `ALLOWANCE`), other than the payment itself.
fn stated_taken_amounts(receipt: &Receipt) -> Vec<(Decimal, bool)> {
    const WORDS: [&str; 7] = ["DEDUCT", "DISC", "LESS", "SHORT", "CLAIM", "ALLOWANCE", "CHARGEBACK"];
    let mut out: Vec<(Decimal, bool)> = Vec::new();
    for text in &receipt.remittance_text {
        let upper = text.to_ascii_uppercase();
        if !WORDS.iter().any(|w| upper.contains(w)) {
            continue;
        }
        let discount = upper.contains("DISC") && !upper.contains("DEDUCT");
        for word in upper.split(|c: char| c.is_whitespace() || c == '(' || c == ')') {
            // Only an amount written as money taken off (`-$895.41`,
            // `$41.00`, `-667.65`): a bare number may be another line's.
            if !word.starts_with(['-', '$']) {
                continue;
            }
            let number =
                word.trim_start_matches(['-', '$', '+']).trim_start_matches('$').trim_end_matches([',', ';', '.']);
            let Some((whole, cents)) = number.split_once('.') else { continue };
            if whole.is_empty()
                || cents.len() != 2
                || !whole.bytes().all(|b| b.is_ascii_digit() || b == b',')
                || !cents.bytes().all(|b| b.is_ascii_digit())
            {
                continue;
            }
            let Ok(x) = format!("{}.{cents}", whole.replace(',', "")).parse::<Decimal>() else { continue };
            if x > Decimal::ZERO && x != receipt.amount && !out.iter().any(|(y, _)| *y == x) {
                out.push((x, discount));
            }
        }
    }
    out
}

/// The percentages a payer's words say it took as a discount: a number
/// written with `%` (`1.5%`, `2 %`) in a text that speaks of a discount
/// (`DISC…`) or of taking something off (`LESS`), between 0 and 10 percent.
fn stated_discount_percents(receipt: &Receipt) -> Vec<Decimal> {
    let mut out = Vec::new();
    let texts = receipt.remittance_text.iter().map(String::as_str);
    for text in texts {
        let upper = text.to_ascii_uppercase();
        if !(upper.contains("DISC") || upper.contains("LESS")) {
            continue;
        }
        let bytes = upper.as_bytes();
        for (k, b) in bytes.iter().enumerate() {
            if *b != b'%' {
                continue;
            }
            let end = upper[..k].trim_end().len();
            let start = upper[..end].rfind(|c: char| !(c.is_ascii_digit() || c == '.')).map_or(0, |s| s + 1);
            let Some(number) = upper.get(start..end) else { continue };
            if let Ok(p) = number.trim_matches('.').parse::<Decimal>()
                && p > Decimal::ZERO
                && p <= Decimal::TEN
                && !out.contains(&p)
            {
                out.push(p);
            }
        }
    }
    out
}
