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

mod amount_only;
mod fees;
mod hold;
mod itemised;
mod loose;
mod neighbours;
mod references;
mod skipped;
mod taken_off;
mod unitemised;
use itemised::Doubts;

use std::collections::HashSet;

use cashapply_model::{Currency, DocumentType, Receipt};
use rust_decimal::Decimal;

use crate::inputs::{Config, InvoiceStatus};

use super::evidence::{CustomerEvidence, Proposal, RefMatch};
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
    /// While a decision may be taken back: each reduction's invoice and
    /// its balance and paid flag before it.
    journal: Option<Vec<(u32, Decimal, bool)>>,
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
            journal: None,
        }
    }

    fn remaining(&self, inv: u32) -> Decimal {
        self.remaining.get(inv as usize).copied().unwrap_or_default()
    }

    fn reduce(&mut self, inv: u32, by: Decimal) {
        self.set_open(inv, self.remaining(inv) - by, true);
    }

    /// Sets what an invoice has open and whether the run paid it, first
    /// noting the state before in the journal when one is kept (for
    /// [`Allocator::roll_back`]).
    fn set_open(&mut self, inv: u32, open: Decimal, paid: bool) {
        if let Some(j) = self.journal.as_mut() {
            j.push((
                inv,
                self.remaining.get(inv as usize).copied().unwrap_or_default(),
                self.paid_in_run.get(inv as usize).copied().unwrap_or_default(),
            ));
        }
        if let Some(r) = self.remaining.get_mut(inv as usize) {
            *r = open;
        }
        if let Some(p) = self.paid_in_run.get_mut(inv as usize) {
            *p = paid;
        }
    }

    /// Undoes a payment of `by` on an invoice no other receipt of the run
    /// had paid: its open amount back, not paid in the run (journaled like
    /// [`Allocator::reduce`]).
    fn give_back(&mut self, inv: u32, by: Decimal) {
        self.set_open(inv, self.remaining(inv) + by, false);
    }

    fn paid_in_run(&self, inv: u32) -> bool {
        self.paid_in_run.get(inv as usize).copied().unwrap_or(true)
    }

    /// Undoes the reductions a journal recorded, newest first.
    fn roll_back(&mut self, journal: Vec<(u32, Decimal, bool)>) {
        for (inv, remaining, paid) in journal.into_iter().rev() {
            if let Some(r) = self.remaining.get_mut(inv as usize) {
                *r = remaining;
            }
            if let Some(p) = self.paid_in_run.get_mut(inv as usize) {
                *p = paid;
            }
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

    /// An invoice that may take a payment in this currency: open (not
    /// closed, not disputed) and in the currency.
    fn payable(&self, inv: u32, currency: Currency) -> bool {
        let i = self.ledger.invoice(inv);
        i.status == InvoiceStatus::Open && i.currency == currency
    }

    /// True when a remittance reference is the payer's purchase order — a
    /// line the format types as one (`RMR*PO`), or a number carrying the
    /// lexer's `po` label in itself (`PO-72937`, `P.O. 72937`, `PO#72937`,
    /// [`crate::remittance::lex::own_label`]) — and no invoice on file
    /// carries it: a document of the payer's, not a number of ours.
    fn unknown_purchase_order(&self, raw: &str, document_type: DocumentType) -> bool {
        let compact: String = raw.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
        let quoted =
            document_type == DocumentType::PurchaseOrder || crate::remittance::lex::own_label(&compact) == Some("po");
        quoted && self.ledger.po_order(&crate::reference::normalise_reference(raw).key).is_empty()
    }

    /// The open items (rules 7 and 8's sense) of `owner`'s family that no
    /// reference of the receipt has taken.
    fn untaken_family_items<'a>(
        &'a self,
        owner: u32,
        currency: Currency,
        taken: &'a HashSet<u32>,
    ) -> impl Iterator<Item = u32> + 'a {
        self.ledger
            .family(owner)
            .into_iter()
            .flat_map(|c| self.ledger.open_invoices(c).iter().copied())
            .filter(move |inv| !taken.contains(inv) && self.open_item(*inv, currency))
    }

    /// An open item of rules 7 and 8: payable, with a positive balance, and
    /// applied by no receipt of the run (credit memos count only when named).
    fn open_item(&self, inv: u32, currency: Currency) -> bool {
        self.payable(inv, currency)
            && self.remaining(inv) > Decimal::ZERO
            && !self.paid_in_run.get(inv as usize).copied().unwrap_or(true)
    }

    /// A discount of `d` taken on the invoice after its discount date: one
    /// `unearned_discount` for that invoice alone.
    fn unearned_discount(&self, inv: u32, d: Decimal) -> ExceptionRecord {
        exception(
            ExceptionKind::UnearnedDiscount,
            Some(inv),
            d,
            format!(
                "Discount {d} taken on invoice {} after its discount date; claim it back or allow it.",
                self.id(inv)
            ),
        )
    }

    /// Of `candidates` (an invoice's neighbours one edit away), those other
    /// than `named` that no reference of the receipt has taken, open in the
    /// currency for more than `stated`: what a line paying `stated` under a
    /// mistyped number may part-pay.
    fn open_for_more(
        &self,
        candidates: &[u32],
        named: u32,
        taken: &HashSet<u32>,
        currency: Currency,
        stated: Decimal,
    ) -> Vec<u32> {
        candidates
            .iter()
            .copied()
            .filter(|i| {
                *i != named && !taken.contains(i) && self.open_item(*i, currency) && self.remaining(*i) > stated
            })
            .collect()
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
}

impl ReceiptOutcome {
    /// Cash posted so far (cash kinds).
    pub fn cash_applied(&self) -> Decimal {
        self.lines.iter().filter(|l| l.kind.is_cash()).map(|l| l.amount).sum()
    }
}
