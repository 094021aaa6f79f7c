//! What the engine decides for each receipt: posting lines and exceptions
//! (CONTRACT §4), each with the evidence that decided it.

use rust_decimal::Decimal;

/// `postings.csv` `kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PostingKind {
    /// Cash applied to an invoice (negative on a credit memo).
    Applied,
    /// Cash held on a known customer's account.
    OnAccount,
    /// Cash of a known customer, no invoice chosen.
    Unapplied,
    /// Cash of an unknown customer.
    Unidentified,
    /// Earned early-payment discount (not cash).
    Discount,
    /// Shortfall within tolerance written off (not cash).
    WriteOff,
}

impl PostingKind {
    /// The name in `postings.csv`.
    pub fn as_str(&self) -> &'static str {
        match self {
            PostingKind::Applied => "applied",
            PostingKind::OnAccount => "on_account",
            PostingKind::Unapplied => "unapplied",
            PostingKind::Unidentified => "unidentified",
            PostingKind::Discount => "discount",
            PostingKind::WriteOff => "write_off",
        }
    }

    /// True for the kinds that move cash; they sum to the receipt amount.
    pub fn is_cash(&self) -> bool {
        !matches!(self, PostingKind::Discount | PostingKind::WriteOff)
    }
}

/// `exceptions.csv` `kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ExceptionKind {
    /// Paid less than open (after an earned discount) beyond tolerance.
    ShortPayment,
    /// The shortfall equals the discount, which was no longer earned.
    UnearnedDiscount,
    /// Paid more than the matched invoices by more than the tolerance.
    Overpayment,
    /// An older open invoice of the customer that no receipt paid.
    SkippedInvoice,
    /// The remittance names an invoice already closed or paid in this run.
    DuplicatePayment,
    /// No customer could be determined.
    Unidentified,
    /// Customer known, no confident invoice match.
    Unapplied,
    /// Several candidates fit equally well.
    Ambiguous,
    /// The remittance lines do not add up to the payment.
    RemittanceMismatch,
}

impl ExceptionKind {
    /// Every kind, in the order of CONTRACT §4's table.
    pub const ALL: [ExceptionKind; 9] = [
        ExceptionKind::ShortPayment,
        ExceptionKind::UnearnedDiscount,
        ExceptionKind::Overpayment,
        ExceptionKind::SkippedInvoice,
        ExceptionKind::DuplicatePayment,
        ExceptionKind::Unidentified,
        ExceptionKind::Unapplied,
        ExceptionKind::Ambiguous,
        ExceptionKind::RemittanceMismatch,
    ];

    /// The name in `exceptions.csv`.
    pub fn as_str(&self) -> &'static str {
        match self {
            ExceptionKind::ShortPayment => "short_payment",
            ExceptionKind::UnearnedDiscount => "unearned_discount",
            ExceptionKind::Overpayment => "overpayment",
            ExceptionKind::SkippedInvoice => "skipped_invoice",
            ExceptionKind::DuplicatePayment => "duplicate_payment",
            ExceptionKind::Unidentified => "unidentified",
            ExceptionKind::Unapplied => "unapplied",
            ExceptionKind::Ambiguous => "ambiguous",
            ExceptionKind::RemittanceMismatch => "remittance_mismatch",
        }
    }
}

/// Which evidence decided a posting (`postings.csv` `rule`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    /// An invoice reference matched exactly (after normalisation).
    RefExact,
    /// An invoice reference matched within one edit.
    RefFuzzy,
    /// A purchase-order number matched.
    PoNumber,
    /// A structured remittance line (reference and amount) decided.
    RemittanceLine,
    /// The amount equals exactly one open item of the customer.
    AmountUnique,
    /// The amount equals exactly one subset of the customer's open items.
    SubsetSum,
    /// The amount falls short of exactly one open item of the customer by
    /// no more than the write-off tolerance.
    AmountTolerance,
    /// The amount equals the customer's whole open balance.
    StatementBalance,
    /// The amount is exactly one open item of the customer less the
    /// discount the payer states it took (a percentage or an amount).
    StatedDiscount,
    /// The amount is exactly one open item of the customer less the amount
    /// the payer states it deducted.
    StatedDeduction,
    /// The amount is exactly one open item of the customer less a usual
    /// early-payment discount (½–3%) the payer did not state, and no other
    /// item at any of those rates.
    UsualDiscount,
    /// Part of the customer's only open item open for more than a payment
    /// whose remittance quotes only purchase orders no invoice carries.
    OnlyLargerItem,
    /// Cash held: duplicate, overpayment excess, no match.
    Held,
    /// A short payment's shortfall written off by `run` because the
    /// remittance gave a deduction reason a rule learned in the workbench
    /// maps to a write-off code, within `learned_write_off_limit`.
    LearnedWriteOff,
}

impl Rule {
    /// The name in `postings.csv`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Rule::RefExact => "ref_exact",
            Rule::RefFuzzy => "ref_fuzzy",
            Rule::PoNumber => "po_number",
            Rule::RemittanceLine => "remittance_line",
            Rule::AmountUnique => "amount_unique",
            Rule::SubsetSum => "subset_sum",
            Rule::AmountTolerance => "amount_tolerance",
            Rule::StatementBalance => "statement_balance",
            Rule::StatedDiscount => "stated_discount",
            Rule::StatedDeduction => "stated_deduction",
            Rule::UsualDiscount => "usual_discount",
            Rule::OnlyLargerItem => "only_larger_item",
            Rule::Held => "held",
            Rule::LearnedWriteOff => "learned_write_off",
        }
    }
}

/// One posting line of a receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostingLine {
    /// Kind.
    pub kind: PostingKind,
    /// Invoice (index into the ledger), for applied/discount/write-off.
    pub invoice: Option<u32>,
    /// Amount in the receipt currency.
    pub amount: Decimal,
    /// Evidence that decided it.
    pub rule: Rule,
    /// Confidence 0–1, three decimals.
    pub confidence: Decimal,
}

/// One exception raised for the coordinators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExceptionRecord {
    /// Kind.
    pub kind: ExceptionKind,
    /// Invoice concerned, if one.
    pub invoice: Option<u32>,
    /// Amount (meaning per kind, CONTRACT §4).
    pub amount: Decimal,
    /// Ranked candidates: invoice ids (customer ids for `unidentified`) and scores.
    pub suggestions: Vec<(String, Decimal)>,
    /// One plain sentence a coordinator can act on.
    pub detail: String,
}

/// Suggestions ranked: best score first (equal scores keep their order),
/// each candidate once, with its best score. The one ranking rule of
/// `ExceptionRecord::suggestions` and of `exceptions.csv`.
pub fn ranked(suggestions: impl IntoIterator<Item = (String, Decimal)>) -> Vec<(String, Decimal)> {
    let mut v: Vec<(String, Decimal)> = suggestions.into_iter().collect();
    v.sort_by_key(|s| std::cmp::Reverse(s.1));
    let mut seen = std::collections::HashSet::new();
    v.retain(|(id, _)| seen.insert(id.clone()));
    v
}

/// Everything decided for one receipt.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReceiptOutcome {
    /// The customer the cash belongs to (ledger index), if known.
    pub customer: Option<u32>,
    /// Posting lines.
    pub lines: Vec<PostingLine>,
    /// Exceptions.
    pub exceptions: Vec<ExceptionRecord>,
    /// How stage 1 identified `customer` (reference owner, bank account,
    /// an account that paid by reference in the run, payer name), when the
    /// decision kept the customer stage 1 found.
    pub customer_evidence: Option<super::CustomerEvidence>,
}

impl ReceiptOutcome {
    /// `receipts.csv` `status`: `applied` (applied to invoices, no
    /// exception about its own cash), `partial` (some cash applied, with an
    /// exception about it), else `exception` (nothing applied; every such
    /// outcome carries one). A `skipped_invoice` is about another invoice of
    /// the customer that this receipt left unpaid, not about this receipt's
    /// cash: it does not make a fully applied receipt `partial`.
    pub fn status(&self) -> &'static str {
        let applied = self.lines.iter().any(|l| l.kind == PostingKind::Applied);
        let own = self.exceptions.iter().all(|e| e.kind == ExceptionKind::SkippedInvoice);
        match (applied, own) {
            (true, true) => "applied",
            (true, false) => "partial",
            (false, _) => "exception",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(exceptions: &[ExceptionKind]) -> ReceiptOutcome {
        ReceiptOutcome {
            customer: Some(0),
            lines: vec![PostingLine {
                kind: PostingKind::Applied,
                invoice: Some(1),
                amount: Decimal::ONE_HUNDRED,
                rule: Rule::RefExact,
                confidence: Decimal::ONE,
            }],
            exceptions: exceptions
                .iter()
                .map(|k| ExceptionRecord {
                    kind: *k,
                    invoice: Some(2),
                    amount: Decimal::TEN,
                    suggestions: Vec::new(),
                    detail: String::new(),
                })
                .collect(),
            customer_evidence: None,
        }
    }

    #[test]
    fn a_fully_applied_receipt_is_not_partial_because_of_a_skipped_invoice_about_another_invoice() {
        assert_eq!(outcome(&[ExceptionKind::SkippedInvoice]).status(), "applied");
        assert_eq!(outcome(&[ExceptionKind::SkippedInvoice, ExceptionKind::ShortPayment]).status(), "partial");
        assert_eq!(outcome(&[ExceptionKind::ShortPayment]).status(), "partial");
    }
}
