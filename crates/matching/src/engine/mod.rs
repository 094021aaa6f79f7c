//! The matching engine: receipts and the ledger in, one outcome per receipt
//! out (CONTRACT §4).
//!
//! 1. [`evidence`]: per receipt, in parallel — references found, customer
//!    identified (pure, order-free);
//! 2. [`allocate`]: in a fixed order (value date, bank reference, then
//!    content) against running balances — first every receipt with usable
//!    references, then the rest by amount over what is left open; amounts
//!    fitted, duplicates caught, nothing over-applied;
//! 3. skipped invoices across the whole run.
//!
//! The same inputs give the same outcomes whatever their order or the
//! number of threads.

mod allocate;
mod evidence;
mod ledger;
mod names;
mod outcome;
mod subset_sum;

use cashapply_model::Receipt;

use crate::reference::normalise_reference;
use rayon::prelude::*;

pub(crate) use evidence::day_and_month;
pub use evidence::{
    AccountsSeenInRun, CustomerEvidence, Proposal, RefMatch, creditor_reference_payload, looks_like_amount_or_date,
    propose, propose_with, text_tokens,
};
pub use ledger::{LearnedShape, Ledger};
pub use names::{NameIndex, normalise_account, normalise_name};
pub use outcome::{ExceptionKind, ExceptionRecord, PostingKind, PostingLine, ReceiptOutcome, Rule, ranked};
pub use subset_sum::{Subsets, subsets_summing_to};

use crate::inputs::Config;

/// The order receipts are decided in: value date, then bank reference
/// (CONTRACT §4 rule 6), then content, so input order never matters.
fn decision_order(receipts: &[&Receipt]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..receipts.len()).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (receipts[a], receipts[b]);
        (
            x.value_date,
            &x.bank_ref,
            x.format,
            &x.account,
            x.amount,
            &x.remittance_text,
            &x.position.file,
            x.position.line,
        )
            .cmp(&(
                y.value_date,
                &y.bank_ref,
                y.format,
                &y.account,
                y.amount,
                &y.remittance_text,
                &y.position.file,
                y.position.line,
            ))
    });
    order
}

/// Stage 1 for one receipt as the engine reads it (`effective`: its free-text
/// pairs read as remittance lines, see [`crate::remittance::itemised`]):
/// references and customer proposed, a document the payer only mentions
/// never paid nor deciding the customer, documents named but unread counted.
/// The workbench's evidence reads the engine's view through this function.
pub fn stage_one(receipt: &Receipt, effective: &crate::remittance::Itemised<'_>, ledger: &Ledger) -> Proposal {
    stage_one_with(receipt, effective, ledger, &AccountsSeenInRun::default())
}

/// [`stage_one`] with the payer accounts the run's other receipts
/// identified.
pub fn stage_one_with(
    receipt: &Receipt,
    effective: &crate::remittance::Itemised<'_>,
    ledger: &Ledger,
    seen: &AccountsSeenInRun,
) -> Proposal {
    // A document the payer only mentions is never paid: it is neither
    // applied nor lets its owner decide the customer.
    let mut p = propose_with(receipt, ledger, seen, &effective.mentions);
    p.truncated |= effective.cut_list;
    // A number the channel may have cut short names no invoice it is only
    // the beginning of (`444006` is not 4440068).
    if let Some(cut) = effective.cut_line {
        p.refs.retain(|r| {
            let (token, key) =
                (normalise_reference(&r.raw).key, normalise_reference(&ledger.invoice(r.invoice).id).key);
            r.line != Some(cut) || r.distance == 0 || !(key.len() > token.len() && key.starts_with(&token))
        });
    }
    // Documents the payer says it pays that name no invoice (however short
    // their numbers): the payment is not a payment without remittance, and
    // a set that happens to add up is only suggested.
    let payable_by_payer =
        |x: &&RefMatch| p.customer.is_none_or(|(c, _, _)| ledger.may_pay(c, ledger.owner(x.invoice)));
    let found: Vec<String> = p.refs.iter().filter(payable_by_payer).map(|x| normalise_reference(&x.raw).key).collect();
    let unread = effective.documents.iter().filter(|k| !found.contains(k)).count();
    p.unresolved_references = p.unresolved_references.max(unread);
    p
}

/// Decides every receipt; outcomes are in the receipts' order.
pub fn run(receipts: &[Receipt], ledger: &Ledger, config: &Config) -> Vec<ReceiptOutcome> {
    run_keeping_proposals(receipts, ledger, config).outcomes
}

/// What [`run_keeping_proposals`] returns.
#[derive(Debug, Clone, Default)]
pub struct Decisions {
    /// One outcome per receipt, in the receipts' order.
    pub outcomes: Vec<ReceiptOutcome>,
    /// Per receipt, what stage 1 found for it, kept only for receipts
    /// with exceptions (what a coordinator is shown the evidence of), and
    /// only where it is what [`stage_one_with`] gives for the receipt
    /// with the account (if any) the outcome says identified it — else
    /// `None`, and the caller reads it again.
    pub proposals: Vec<Option<Proposal>>,
}

/// As [`run`], keeping stage 1's findings for the receipts with
/// exceptions, so that their evidence need not be read again.
pub fn run_keeping_proposals(receipts: &[Receipt], ledger: &Ledger, config: &Config) -> Decisions {
    // Stage 1 is independent per receipt: run it on every core; `collect`
    // keeps the receipts' order, so results never depend on scheduling.
    // Free-text (reference, amount) pairs become remittance lines first, so
    // they are honoured exactly as structured lines are.
    let effective: Vec<crate::remittance::Itemised<'_>> =
        receipts.par_iter().map(crate::remittance::itemised).collect();
    let receipts: Vec<&Receipt> = effective.iter().map(|e| e.receipt.as_ref()).collect();
    let receipts = receipts.as_slice();
    let mut proposals: Vec<Proposal> =
        receipts.par_iter().zip(effective.par_iter()).map(|(r, e)| stage_one(r, e, ledger)).collect();
    // A payer account the master lacks, that paid one customer by exact
    // references today, identifies that customer's other payments from it
    // (those not already decided by references or a listed account).
    let seen = AccountsSeenInRun::learn(receipts, &proposals, ledger);
    // Receipts read again with the accounts the run learned.
    let mut read_again = vec![false; receipts.len()];
    if !seen.is_empty() {
        let again: Vec<(usize, Proposal)> = receipts
            .par_iter()
            .zip(effective.par_iter())
            .zip(proposals.par_iter())
            .enumerate()
            .filter(|(_, ((r, _), p))| {
                r.payer_account.as_deref().is_some_and(|a| seen.customer(a).is_some())
                    && !matches!(
                        p.customer,
                        Some((_, _, CustomerEvidence::ReferenceOwner | CustomerEvidence::BankAccount))
                    )
            })
            .map(|(i, ((r, e), _))| (i, stage_one_with(r, e, ledger, &seen)))
            .collect();
        for (i, p) in again {
            if let Some(slot) = proposals.get_mut(i) {
                *slot = p;
            }
            if let Some(r) = read_again.get_mut(i) {
                *r = true;
            }
        }
    }
    let order = decision_order(receipts);
    let mut allocator = allocate::Allocator::new(ledger, config);
    let mut outcomes = vec![ReceiptOutcome::default(); receipts.len()];
    // Pass 1: receipts with references; pass 2: the rest, by amount, over
    // what pass 1 left open.
    let mut by_amount = Vec::new();
    for &i in &order {
        if let (Some(r), Some(p), Some(slot)) = (receipts.get(i), proposals.get(i), outcomes.get_mut(i)) {
            match allocator.decide_by_references(r, p) {
                Some(o) => *slot = o,
                None => by_amount.push(i),
            }
        }
    }
    for i in by_amount {
        if let (Some(r), Some(p), Some(slot)) = (receipts.get(i), proposals.get(i), outcomes.get_mut(i)) {
            *slot = allocator.amount_only(r, p);
        }
    }
    let ordered: Vec<&Receipt> = order.iter().filter_map(|i| receipts.get(*i).copied()).collect();
    let mut ordered_outcomes: Vec<ReceiptOutcome> = order.iter().map(|i| std::mem::take(&mut outcomes[*i])).collect();
    let mut named = vec![false; ledger.invoices.len()];
    for p in &proposals {
        for r in &p.refs {
            if let Some(n) = named.get_mut(r.invoice as usize) {
                *n = true;
            }
        }
    }
    // Invoices a held receipt suggests may yet be paid by it once a person
    // confirms the reference (subset candidates of `ambiguous` are not
    // such: any of several sets may be meant).
    let held_for: std::collections::HashSet<String> = ordered_outcomes
        .iter()
        .flat_map(|o| &o.exceptions)
        .filter(|e| e.kind == ExceptionKind::Unapplied)
        .flat_map(|e| e.suggestions.iter().map(|(id, _)| id.clone()))
        .collect();
    allocator.skipped_invoices(&ordered, &mut ordered_outcomes, &named, &held_for);
    for (k, i) in order.iter().enumerate() {
        if let (Some(slot), Some(o)) = (outcomes.get_mut(*i), ordered_outcomes.get_mut(k)) {
            *slot = std::mem::take(o);
        }
    }
    for (o, p) in outcomes.iter_mut().zip(&proposals) {
        o.customer_evidence = p.customer.filter(|(c, _, _)| o.customer == Some(*c)).map(|(_, _, how)| how);
    }
    // A proposal read again with every account the run learned is the
    // one read with the receipt's own account alone only when that
    // account identified the customer.
    let proposals = proposals
        .into_iter()
        .zip(&outcomes)
        .zip(read_again)
        .map(|((p, o), again)| {
            let same = !again || o.customer_evidence == Some(CustomerEvidence::AccountInRun);
            (!o.exceptions.is_empty() && same).then_some(p)
        })
        .collect();
    Decisions { outcomes, proposals }
}
