//! Turns a customer's planned receipts into the truth CONTRACT §4 defines:
//! rule 7 for cut-off remittance, rule 8 for payments without usable
//! references, and the `skipped_invoice` rule across all receipts of the
//! run. Where the contract's words allow more than one outcome, the
//! receipt is marked `contract_ambiguous` with the reason.

use std::collections::HashSet;

use crate::remittance::money;
use crate::rules::{SubsetResult, unique_subset};
use crate::scenario::{CustomerPlan, Line, Outcome, PlannedReceipt};
use crate::truth::{TruthLine, TruthReceipt};
use crate::world::{Customer, Status};

/// Where a planned receipt was written.
#[derive(Debug, Clone)]
pub struct Placement {
    /// Its `bank_ref`.
    pub bank_ref: String,
    /// Its file, relative to the output directory.
    pub source_file: String,
}

struct Decided {
    postings: Vec<Line>,
    exceptions: Vec<Line>,
    ambiguous: Option<String>,
}

/// The truth for every receipt of `plan`, in plan order.
pub fn resolve(customer: &Customer, plan: &CustomerPlan, placements: &[Placement]) -> Vec<TruthReceipt> {
    let receipts = &plan.receipts;
    let mut decided: Vec<Decided> = receipts.iter().map(fixed_part).collect();

    // Invoices applied by receipts whose remittance decides.
    let mut taken: HashSet<usize> = HashSet::new();
    for d in &decided {
        taken.extend(d.postings.iter().filter(|l| l.kind == "applied").filter_map(|l| l.invoice));
    }

    // Rules 7 and 8, in value-date order (then bank_ref).
    let mut order: Vec<usize> = (0..receipts.len()).collect();
    let key = |i: &usize| {
        (receipts.get(*i).map(|r| r.value_date), placements.get(*i).map(|p| p.bank_ref.clone()).unwrap_or_default())
    };
    order.sort_by_key(key);
    for &i in &order {
        let (Some(r), Some(d)) = (receipts.get(i), decided.get_mut(i)) else { continue };
        let truncated = r.visible.iter().any(|v| !v);
        let by_amount = r.outcome == Outcome::ByAmount;
        if !truncated && !by_amount {
            continue;
        }
        let kept_cash: i64 = d.postings.iter().filter(|l| is_cash(l.kind)).map(|l| l.amount).sum();
        let rest = r.amount - kept_cash;
        if rest <= 0 {
            continue;
        }
        let own: HashSet<usize> = d.postings.iter().filter_map(|l| l.invoice).collect();
        let strict: Vec<(usize, i64)> = plan
            .invoices
            .iter()
            .enumerate()
            .filter(|(j, inv)| inv.status == Status::Open && !inv.credit_memo && !taken.contains(j))
            .map(|(j, inv)| (j, inv.amount_open))
            .collect();
        let loose: Vec<(usize, i64)> = plan
            .invoices
            .iter()
            .enumerate()
            .filter(|(j, inv)| inv.status != Status::Closed && !inv.credit_memo && !own.contains(j))
            .map(|(j, inv)| (j, inv.amount_open))
            .collect();
        let result = unique_subset(&strict, rest);
        let alternative = unique_subset(&loose, rest);
        let single = strict.iter().filter(|(_, a)| *a == rest).count();
        if result == SubsetResult::Inconclusive || alternative == SubsetResult::Inconclusive {
            d.ambiguous = Some("subset search budget exhausted: cannot tell whether one subset fits".into());
        } else if result != alternative {
            d.ambiguous = Some(
                "the outcome depends on whether open items already paid by other receipts of the run, or \
                 disputed items, count as the customer's open items"
                    .into(),
            );
        } else if single == 1 && result == SubsetResult::Many {
            d.ambiguous =
                Some("exactly one open item equals the amount, but other subsets of open items do too".into());
        }
        match result {
            SubsetResult::One(set) => {
                for j in set {
                    let amount = plan.invoices.get(j).map_or(0, |x| x.amount_open);
                    d.postings.push(Line { kind: "applied", invoice: Some(j), amount });
                    taken.insert(j);
                }
            }
            SubsetResult::None => {
                d.postings.push(Line { kind: "unapplied", invoice: None, amount: rest });
                d.exceptions.push(Line { kind: "unapplied", invoice: None, amount: rest });
            }
            SubsetResult::Many | SubsetResult::Inconclusive => {
                d.postings.push(Line { kind: "unapplied", invoice: None, amount: rest });
                // Rule 8: several fit → ambiguous; rule 7: not exactly one → unapplied.
                let kind = if truncated { "unapplied" } else { "ambiguous" };
                d.exceptions.push(Line { kind, invoice: None, amount: rest });
            }
        }
    }

    skipped_invoices(plan, placements, &order, &mut decided);

    receipts.iter().zip(decided).zip(placements).map(|((r, d), p)| to_truth(customer, plan, r, d, p)).collect()
}

fn is_cash(kind: &str) -> bool {
    matches!(kind, "applied" | "on_account" | "unapplied" | "unidentified")
}

/// The part of the truth the remittance fixes: all planned lines, or with
/// a cut-off remittance only the lines of references still visible.
fn fixed_part(r: &PlannedReceipt) -> Decided {
    match &r.outcome {
        Outcome::Fixed { postings, exceptions } => {
            let hidden: HashSet<usize> =
                r.lines.iter().zip(&r.visible).filter(|(_, v)| !**v).map(|(l, _)| l.invoice).collect();
            if hidden.is_empty() {
                return Decided { postings: postings.clone(), exceptions: exceptions.clone(), ambiguous: None };
            }
            let keep = |l: &&Line| l.invoice.is_some_and(|i| !hidden.contains(&i));
            Decided {
                postings: postings.iter().filter(keep).cloned().collect(),
                exceptions: exceptions.iter().filter(keep).cloned().collect(),
                ambiguous: None,
            }
        }
        Outcome::ByAmount => Decided { postings: Vec::new(), exceptions: Vec::new(), ambiguous: None },
        Outcome::Unidentified => Decided {
            postings: vec![Line { kind: "unidentified", invoice: None, amount: r.amount }],
            exceptions: vec![Line { kind: "unidentified", invoice: None, amount: r.amount }],
            ambiguous: None,
        },
    }
}

/// CONTRACT §4 `skipped_invoice`: an `open` invoice of the customer, due
/// (or without a due date, dated) before the receipt's value date and no
/// later than the latest-due invoice the receipt paid, that no receipt of
/// the run pays. Reported once, on the first such receipt in value-date
/// then bank_ref order. Credit memos are not invoices a payer skips.
fn skipped_invoices(plan: &CustomerPlan, placements: &[Placement], order: &[usize], decided: &mut [Decided]) {
    let paid: HashSet<usize> = decided
        .iter()
        .flat_map(|d| d.postings.iter())
        .filter(|l| l.kind == "applied")
        .filter_map(|l| l.invoice)
        .collect();
    let mut candidates: Vec<usize> = (0..plan.invoices.len())
        .filter(|j| {
            plan.invoices
                .get(*j)
                .is_some_and(|inv| inv.status == Status::Open && !inv.credit_memo && inv.amount_open > 0)
                && !paid.contains(j)
        })
        .collect();
    candidates.sort_by_key(|j| (plan.invoices.get(*j).map(|x| x.effective_due()), *j));
    let due = |j: usize| plan.invoices.get(j).map(|x| x.effective_due());
    let mut assigned = 0;
    for &i in order {
        let (Some(r), Some(d)) = (plan.receipts.get(i), decided.get_mut(i)) else { continue };
        let latest = d
            .postings
            .iter()
            .filter(|l| l.kind == "applied" && l.amount > 0)
            .filter_map(|l| l.invoice)
            .filter(|j| plan.invoices.get(*j).is_some_and(|x| !x.credit_memo))
            .filter_map(due)
            .max();
        let Some(latest) = latest else { continue };
        let covered = candidates.partition_point(|j| due(*j).is_some_and(|dd| dd < r.value_date && dd <= latest));
        while assigned < covered {
            if let Some(&j) = candidates.get(assigned) {
                let amount = plan.invoices.get(j).map_or(0, |x| x.amount_open);
                d.exceptions.push(Line { kind: "skipped_invoice", invoice: Some(j), amount });
            }
            assigned += 1;
        }
        let _ = placements;
    }
}

fn to_truth(customer: &Customer, plan: &CustomerPlan, r: &PlannedReceipt, d: Decided, p: &Placement) -> TruthReceipt {
    let id = |i: Option<usize>| i.and_then(|i| plan.invoices.get(i)).map(|x| x.id.clone());
    let line = |l: &Line| TruthLine {
        kind: l.kind.to_string(),
        invoice_id: id(l.invoice),
        amount: money(l.amount, r.currency),
    };
    let mut scenarios = vec![r.scenario.label().to_string()];
    scenarios.extend(r.labels.iter().map(|s| s.to_string()));
    TruthReceipt {
        bank_ref: p.bank_ref.clone(),
        source_file: p.source_file.clone(),
        format: r.channel.format().to_string(),
        channel: r.channel.label().to_string(),
        value_date: r.value_date.to_string(),
        currency: r.currency.to_string(),
        amount: money(r.amount, r.currency),
        payer_name: r.payer_name.clone(),
        scenarios,
        noise: r.noise.iter().map(|s| s.to_string()).collect(),
        customer_id: r.owner.map(|_| customer.id.clone()),
        postings: d.postings.iter().map(line).collect(),
        exceptions: d.exceptions.iter().map(line).collect(),
        contract_ambiguous: d.ambiguous,
    }
}
