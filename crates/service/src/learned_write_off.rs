//! `run`'s automatic write-off by a learned deduction reason (issue 12 item
//! 7), off unless the settings give `learned_write_off_limit`.
//!
//! Rule: a receipt whose **only** exception is a `short_payment` on one
//! invoice, whose cash on that invoice was applied at or above the
//! auto-apply confidence, whose shortfall is above zero and **at most the
//! limit**, and whose remittance gives a deduction reason that the enabled
//! learned rules map to one write-off code ([`learned::code_for`]): the
//! shortfall becomes a `write_off` line on the invoice (rule
//! `learned_write_off`, the code and the rule in its reason) and the
//! exception is not raised. Anything else — another exception on the
//! receipt, a shortfall over the limit, reasons leading to different codes
//! — stays a `short_payment` for a person (with the code proposed).

use cashapply_matching::engine::{ExceptionKind, PostingKind, PostingLine, Rule};
use cashapply_output::{PostingRow, RunReport};
use rust_decimal::Decimal;

use crate::Decided;
use crate::evidence::deduction_reasons;
use crate::workbench::learned;

/// Writes off the shortfalls the rule allows in `decided`; returns how many.
pub fn write_off_by_learned_reasons(
    decided: &mut Decided,
    deductions: &[(i64, String, String)],
    limit: Decimal,
    min_confidence: Decimal,
) -> usize {
    if limit <= Decimal::ZERO || deductions.is_empty() {
        return 0;
    }
    let mut done = 0;
    for (receipt, outcome) in decided.receipts.iter().zip(decided.outcomes.iter_mut()) {
        let [e] = outcome.exceptions.as_slice() else { continue };
        let Some(invoice) = e.invoice else { continue };
        if e.kind != ExceptionKind::ShortPayment || e.amount <= Decimal::ZERO || e.amount > limit {
            continue;
        }
        let applied = outcome
            .lines
            .iter()
            .find(|l| l.kind == PostingKind::Applied && l.invoice == Some(invoice) && l.confidence >= min_confidence);
        let Some(confidence) = applied.map(|l| l.confidence) else { continue };
        if learned::code_for(&deduction_reasons(receipt), deductions).is_none() {
            continue;
        }
        let amount = e.amount;
        outcome.exceptions.clear();
        outcome.lines.push(PostingLine {
            kind: PostingKind::WriteOff,
            invoice: Some(invoice),
            amount,
            rule: Rule::LearnedWriteOff,
            confidence,
        });
        done += 1;
    }
    done
}

/// The reason of each posting line written off by a learned rule names the
/// code and the rule (`FRT (learned rule #4, deduction reason 'FREIGHT')`);
/// returns (rule id, receipt id) of each, for the rule's count.
pub fn name_the_codes(
    report: &RunReport<'_>,
    postings: &mut [PostingRow],
    deductions: &[(i64, String, String)],
) -> Vec<(i64, String)> {
    let mut fires = Vec::new();
    for ((r, o), id) in report.receipts.iter().zip(&report.outcomes).zip(&report.receipt_ids) {
        if !o.lines.iter().any(|l| l.rule == Rule::LearnedWriteOff) {
            continue;
        }
        let Some((rule, code, reason)) = learned::code_for(&deduction_reasons(r), deductions) else { continue };
        for p in postings.iter_mut().filter(|p| &p.receipt_id == id && p.rule == Rule::LearnedWriteOff.as_str()) {
            p.reason = format!("{code} (learned rule #{rule}, deduction reason '{reason}')");
        }
        fires.push((rule, id.clone()));
    }
    fires
}
