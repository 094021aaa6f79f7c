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
        let currency = customer.currency;
        let result = decide(&strict, rest, by_amount, currency);
        let alternative = decide(&loose, rest, by_amount, currency);
        if result == SubsetResult::Inconclusive || alternative == SubsetResult::Inconclusive {
            d.ambiguous = Some("subset search budget exhausted: cannot tell whether one subset fits".into());
        } else if result != alternative {
            d.ambiguous = Some(
                "the outcome depends on whether open items already paid by other receipts of the run, or \
                 disputed items, count as the customer's open items"
                    .into(),
            );
        }
        match result {
            SubsetResult::One(set) => {
                let total: i64 = set.iter().map(|j| plan.invoices.get(*j).map_or(0, |x| x.amount_open)).sum();
                for j in set {
                    let open = plan.invoices.get(j).map_or(0, |x| x.amount_open);
                    // Within tolerance of one item (the extension of rule 8):
                    // the payment applied, the shortfall written off.
                    let short = if total > rest { total - rest } else { 0 };
                    d.postings.push(Line { kind: "applied", invoice: Some(j), amount: open - short });
                    if short > 0 {
                        d.postings.push(Line { kind: "write_off", invoice: Some(j), amount: short });
                    }
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

/// Rule 8 reads "the amount equals exactly one open item, or exactly one
/// subset": one item equal to the amount settles it (even if some larger
/// subset also adds up); two equal items make it ambiguous; otherwise the
/// subsets decide. Rule 7 (the rest of a cut-off remittance) has only the
/// subset clause.
///
/// Two extensions of rule 8 that coordinators apply (issue 10, class 7;
/// README "Payments without remittance"): when nothing equals the amount
/// and no subset or several do, a payment equal to the customer's whole
/// open balance pays all of it; and when nothing adds up at all, a payment
/// short of exactly one open item by no more than the write-off tolerance
/// pays that item (the shortfall written off).
fn decide(items: &[(usize, i64)], target: i64, by_amount: bool, currency: cashapply_model::Currency) -> SubsetResult {
    if by_amount {
        let mut equal = items.iter().filter(|(_, a)| *a == target).map(|(j, _)| *j);
        match (equal.next(), equal.next()) {
            (Some(j), None) => return SubsetResult::One(vec![j]),
            (Some(_), Some(_)) => return SubsetResult::Many,
            _ => {}
        }
    }
    let subsets = unique_subset(items, target);
    if !by_amount {
        return subsets;
    }
    let balance: i64 = items.iter().map(|(_, a)| *a).sum();
    match subsets {
        SubsetResult::Many | SubsetResult::Inconclusive if balance == target && items.len() > 1 => {
            SubsetResult::One(items.iter().map(|(j, _)| *j).collect())
        }
        SubsetResult::None => {
            let mut near = items
                .iter()
                .filter(|(_, a)| *a > target && *a - target <= crate::rules::write_off_tolerance(*a, currency));
            match (near.next(), near.next()) {
                (Some((j, _)), None) => SubsetResult::One(vec![*j]),
                _ => SubsetResult::None,
            }
        }
        other => other,
    }
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
                return Decided {
                    postings: postings.clone(),
                    exceptions: exceptions.clone(),
                    ambiguous: r.doubt.clone(),
                };
            }
            let keep = |l: &&Line| l.invoice.is_some_and(|i| !hidden.contains(&i));
            Decided {
                postings: postings.iter().filter(keep).cloned().collect(),
                exceptions: exceptions.iter().filter(keep).cloned().collect(),
                ambiguous: r.doubt.clone(),
            }
        }
        Outcome::ByAmount => Decided { postings: Vec::new(), exceptions: Vec::new(), ambiguous: r.doubt.clone() },
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::{Profile, Scenario};
    use crate::remittance::{Channel, RemitLine};
    use crate::world::{Invoice, customer};
    use cashapply_model::Currency;
    use chrono::NaiveDate;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, d).unwrap()
    }

    fn inv(id: &str, amount: i64, due: NaiveDate) -> Invoice {
        Invoice {
            id: id.into(),
            po: format!("PO-{id}"),
            amount_original: amount,
            amount_open: amount,
            invoice_date: due,
            due_date: Some(due),
            discount: None,
            status: Status::Open,
            credit_memo: false,
            shared_amount: false,
        }
    }

    fn receipt(amount: i64, value: NaiveDate, lines: Vec<RemitLine>, outcome: Outcome) -> PlannedReceipt {
        let c = customer(1, 0, Profile::Easy);
        PlannedReceipt {
            scenario: Scenario::Exact,
            labels: vec![],
            noise: vec![],
            channel: Channel::Bai2Ctx,
            camt_v08: false,
            currency: Currency::USD,
            amount,
            value_date: value,
            payer_name: c.name.clone(),
            payer_account: c.account.clone(),
            check_number: 1,
            visible: vec![true; lines.len()],
            lines,
            memo: None,
            free_text: None,
            owner: Some(0),
            outcome,
            wild: None,
            prerendered: None,
            doubt: None,
        }
    }

    fn applied(i: usize, amount: i64) -> Outcome {
        Outcome::Fixed { postings: vec![Line { kind: "applied", invoice: Some(i), amount }], exceptions: vec![] }
    }

    fn resolve_plan(invoices: Vec<Invoice>, receipts: Vec<PlannedReceipt>) -> Vec<TruthReceipt> {
        let c = customer(1, 0, Profile::Easy);
        let placements: Vec<Placement> = (0..receipts.len())
            .map(|i| Placement { bank_ref: format!("B{i:03}"), source_file: "bank/x.bai2".into() })
            .collect();
        resolve(&c, &CustomerPlan { invoices, receipts }, &placements)
    }

    fn kinds(t: &TruthReceipt) -> Vec<(&str, Option<&str>)> {
        t.exceptions.iter().map(|e| (e.kind.as_str(), e.invoice_id.as_deref())).collect()
    }

    #[test]
    fn a_payment_equal_to_one_open_item_is_applied_even_if_a_larger_subset_also_fits() {
        let invoices = vec![inv("A", 500, day(1)), inv("B", 300, day(20)), inv("C", 200, day(20))];
        let t = resolve_plan(invoices, vec![receipt(500, day(2), vec![], Outcome::ByAmount)]);
        assert_eq!(t[0].postings.len(), 1);
        assert_eq!(t[0].postings[0].invoice_id.as_deref(), Some("A"));
        assert!(t[0].exceptions.is_empty());
        assert_eq!(t[0].contract_ambiguous, None);
    }

    #[test]
    fn a_payment_equal_to_two_open_items_is_ambiguous_and_raises_only_ambiguous() {
        let invoices = vec![inv("A", 500, day(20)), inv("B", 500, day(20))];
        let t = resolve_plan(invoices, vec![receipt(500, day(2), vec![], Outcome::ByAmount)]);
        assert_eq!(kinds(&t[0]), vec![("ambiguous", None)]);
        assert_eq!(t[0].postings[0].kind, "unapplied");
    }

    #[test]
    fn a_payment_that_fits_nothing_is_unapplied_with_an_unapplied_exception() {
        let t = resolve_plan(vec![inv("A", 500, day(20))], vec![receipt(123, day(2), vec![], Outcome::ByAmount)]);
        assert_eq!(kinds(&t[0]), vec![("unapplied", None)]);
        assert_eq!(t[0].postings[0].amount, "1.23");
    }

    #[test]
    fn an_item_paid_by_another_receipt_of_the_run_is_no_longer_a_candidate() {
        let invoices = vec![inv("A", 500, day(1)), inv("B", 500, day(1))];
        let r1 = receipt(500, day(2), vec![], applied(0, 500));
        let r2 = receipt(500, day(2), vec![], Outcome::ByAmount);
        let t = resolve_plan(invoices, vec![r1, r2]);
        // Strictly only B is left; counting A too would make it ambiguous.
        assert_eq!(t[1].postings[0].invoice_id.as_deref(), Some("B"));
        assert!(t[1].contract_ambiguous.is_some(), "the contract does not say whether A still counts");
    }

    #[test]
    fn an_older_open_invoice_nobody_pays_is_skipped_once_on_the_first_receipt() {
        let invoices = vec![
            inv("OLD", 700, day(1)),
            inv("NEW", 400, day(5)),
            inv("NEW2", 300, day(6)),
            inv("LATER", 900, day(30)),
        ];
        let r1 = receipt(400, day(10), vec![], applied(1, 400));
        let r2 = receipt(300, day(11), vec![], applied(2, 300));
        let t = resolve_plan(invoices, vec![r2, r1]);
        // r1 (value date 10) comes first in value-date order.
        assert_eq!(kinds(&t[1]), vec![("skipped_invoice", Some("OLD"))]);
        assert!(t[0].exceptions.is_empty(), "reported once");
        assert_eq!(t[1].exceptions[0].amount, "7.00");
    }

    #[test]
    fn an_open_invoice_due_after_the_value_date_is_not_skipped() {
        let invoices = vec![inv("FUTURE", 700, day(20)), inv("PAID", 400, day(25))];
        let t = resolve_plan(invoices, vec![receipt(400, day(10), vec![], applied(1, 400))]);
        assert!(t[0].exceptions.is_empty());
    }

    #[test]
    fn a_cut_off_remittance_applies_the_visible_references_and_the_rest_only_as_one_exact_subset() {
        let invoices = vec![inv("A", 100, day(1)), inv("B", 250, day(1)), inv("X", 999, day(30))];
        let line = |i: usize, r: &str, paid: i64| RemitLine {
            invoice: i,
            credit_memo: false,
            reference: r.into(),
            paid,
            gross: None,
            discount: None,
            deduction: None,
        };
        let outcome = Outcome::Fixed {
            postings: vec![
                Line { kind: "applied", invoice: Some(0), amount: 100 },
                Line { kind: "applied", invoice: Some(1), amount: 250 },
            ],
            exceptions: vec![],
        };
        let mut r = receipt(350, day(2), vec![line(0, "A", 100), line(1, "B", 250)], outcome);
        r.visible = vec![true, false];
        let t = resolve_plan(invoices.clone(), vec![r.clone()]);
        let got: Vec<(&str, Option<&str>)> =
            t[0].postings.iter().map(|l| (l.kind.as_str(), l.invoice_id.as_deref())).collect();
        assert_eq!(got, vec![("applied", Some("A")), ("applied", Some("B"))], "B is the one subset of 2.50");
        // With a second item of 2.50 the rest is unapplied, not ambiguous (rule 7).
        let mut more = invoices;
        more.push(inv("B2", 250, day(30)));
        let t = resolve_plan(more, vec![r]);
        let k = kinds(&t[0]);
        assert!(k.contains(&("unapplied", None)) && !k.iter().any(|(kind, _)| *kind == "ambiguous"), "{k:?}");
        // B, past due and now paid by no receipt, is also a skipped invoice.
        assert!(k.contains(&("skipped_invoice", Some("B"))), "{k:?}");
    }
}
