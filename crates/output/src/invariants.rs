//! Invariants re-checked before anything is written (issue 6 §8):
//! cash kinds sum exactly to each receipt; no invoice is over-applied;
//! discounts only where the invoice has discount terms; every amount posted
//! to an invoice fits its currency's minor digits.

use std::collections::HashMap;

use cashapply_matching::engine::PostingKind;
use rust_decimal::Decimal;

use crate::report::RunReport;

/// A broken invariant: a bug in the engine, never written out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvariantError {
    /// Cash lines do not add up to the receipt.
    #[error("receipt {bank_ref}: cash lines sum to {cash}, the receipt is {amount}")]
    CashMismatch {
        /// The receipt.
        bank_ref: String,
        /// Sum of cash lines.
        cash: Decimal,
        /// Receipt amount.
        amount: Decimal,
    },
    /// More was applied to an invoice than was open.
    #[error("invoice {invoice}: {closed} closed but only {open} was open")]
    OverApplied {
        /// The invoice.
        invoice: String,
        /// Applied + discount + write-off.
        closed: Decimal,
        /// Open amount.
        open: Decimal,
    },
    /// A discount on an invoice without discount terms.
    #[error("invoice {0}: discount posted but the invoice has no discount terms")]
    DiscountWithoutTerms(String),
    /// An amount with more decimals than its currency has.
    #[error("receipt {bank_ref}: amount {amount} has more decimals than {currency}")]
    TooPrecise {
        /// The receipt.
        bank_ref: String,
        /// The amount.
        amount: Decimal,
        /// The currency.
        currency: String,
    },
}

/// Checks every invariant; returns all violations.
pub fn check_invariants(report: &RunReport<'_>) -> Result<(), Vec<InvariantError>> {
    let mut errors = Vec::new();
    let mut closed: HashMap<u32, Decimal> = HashMap::new();
    for (r, o) in report.receipts.iter().zip(&report.outcomes) {
        let cash: Decimal = o.lines.iter().filter(|l| l.kind.is_cash()).map(|l| l.amount).sum();
        if cash != r.amount {
            errors.push(InvariantError::CashMismatch { bank_ref: r.bank_ref.clone(), cash, amount: r.amount });
        }
        for l in &o.lines {
            // Lines posted to invoices must fit the minor digits; held cash may
            // carry a receipt's own amount that does not (it is held for that).
            if l.invoice.is_some() && l.amount.normalize().scale() > r.currency.minor_digits() {
                errors.push(InvariantError::TooPrecise {
                    bank_ref: r.bank_ref.clone(),
                    amount: l.amount,
                    currency: r.currency.to_string(),
                });
            }
            let Some(inv) = l.invoice else { continue };
            if matches!(l.kind, PostingKind::Applied | PostingKind::Discount | PostingKind::WriteOff) {
                *closed.entry(inv).or_default() += l.amount;
            }
            if l.kind == PostingKind::Discount && report.ledger.invoice(inv).discount_percent.is_none() {
                errors.push(InvariantError::DiscountWithoutTerms(report.ledger.invoice(inv).id.clone()));
            }
        }
    }
    let mut invoices: Vec<(u32, Decimal)> = closed.into_iter().collect();
    invoices.sort_unstable();
    for (inv, sum) in invoices {
        let open = report.ledger.invoice(inv).amount_open;
        let over =
            if open >= Decimal::ZERO { sum > open || sum < Decimal::ZERO } else { sum < open || sum > Decimal::ZERO };
        if over {
            errors.push(InvariantError::OverApplied {
                invoice: report.ledger.invoice(inv).id.clone(),
                closed: sum,
                open,
            });
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}
