//! The evidence behind each candidate of an exception, as the engine saw it
//! when it raised the exception: kept in the ledger so a coordinator can see
//! why an invoice (or, for `unidentified`, a customer) was suggested and
//! which rule decided the receipt's lines.
//!
//! The engine's outcome keeps only each candidate's score; the components
//! are read again from the engine's own stage 1 ([`stage_one_with`] on the receipt
//! as the engine decides it, [`itemised`]) and from the ledger the run used:
//! 1. **reference**: the remittance reference that named the invoice, how
//!    (exactly, one edit away, as its PO number, on a remittance line) and
//!    what it is worth alone; none: found by amount or customer only;
//! 2. **amount**: what was paid (and what the remittance line says) against
//!    the invoice's open amount in the run, and the difference;
//! 3. **customer**: the invoice's customer against the payer the engine
//!    identified (and by what: reference owner, bank account, payer name);
//! 4. **date**: invoice and due dates against the value date, and an early
//!    payment discount's last day;
//!
//! and for a customer candidate: **payer name** (similarity to the name and
//! aliases), **bank account** (on file for the customer or not),
//! **reference** (invoices of the customer the remittance names).

use std::collections::HashMap;

use cashapply_matching::engine::{
    AccountsSeenInRun, CustomerEvidence, Ledger, Proposal, ReceiptOutcome, stage_one_with,
};
use cashapply_matching::reference::normalise_reference;
use cashapply_matching::remittance::itemised;
use cashapply_model::{Receipt, format_amount};
use cashapply_output::{ExceptionRow, RunReport};
use cashapply_store::{CandidateEvidence, EvidenceLine, ExceptionEvidence};
use rayon::prelude::*;
use rust_decimal::Decimal;

fn line(component: &str, value: String, contribution: String) -> EvidenceLine {
    EvidenceLine { component: component.to_string(), value, contribution }
}

/// Stage 1 for the receipt as the engine decided it (free-text pairs read
/// as remittance lines; documents only mentioned never count), with the
/// amounts of those lines (a reference's `line` indexes them).
fn proposal(receipt: &Receipt, ledger: &Ledger, o: &ReceiptOutcome) -> (Proposal, Vec<Option<Decimal>>) {
    let e = itemised(receipt);
    // A payer the run identified by an account that paid by reference
    // elsewhere in the run is read again with what the run learned of it.
    let seen = match (o.customer_evidence, receipt.payer_account.as_deref(), o.customer) {
        (Some(CustomerEvidence::AccountInRun), Some(account), Some(c)) => AccountsSeenInRun::single(account, c),
        _ => AccountsSeenInRun::default(),
    };
    let p = stage_one_with(&e.receipt, &e, ledger, &seen);
    let amounts = e.receipt.remittance_lines.iter().map(|l| l.amount).collect();
    (p, amounts)
}

/// Payer names learned in the workbench: (rule id, payer name, customer).
pub type LearnedNames = [(i64, String, String)];

/// The rules learned in the workbench that the evidence names beside the
/// engine's own (reference shapes are in the ledger).
#[derive(Debug, Clone, Copy, Default)]
pub struct Learned<'a> {
    /// Payer names: (rule id, payer name, customer).
    pub names: &'a LearnedNames,
    /// Deduction reasons: (rule id, normalised reason, write-off code).
    pub deductions: &'a [(i64, String, String)],
}

/// The deduction reasons a receipt's remittance gives (structured lines'
/// reasons — X12 `ADX`, camt `AdjstmntAmtAndRsn`, lockbox — and free-text
/// deductions such as `less 50.00 freight`), normalised, each once, in the
/// order written; discounts are not deductions.
pub fn deduction_reasons(receipt: &Receipt) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let written = cashapply_matching::remittance::interpret(receipt).into_iter().filter_map(|i| match i.role {
        cashapply_matching::remittance::Role::Deduction(reason) => reason,
        _ => None,
    });
    let structured = receipt.remittance_lines.iter().filter_map(|l| l.reason.clone());
    for r in written.chain(structured).filter_map(|r| crate::workbench::learned::normalise_reason(&r)) {
        if !out.contains(&r) {
            out.push(r);
        }
    }
    out
}

/// The shape rules that decided (or, naming several customers, could not
/// decide) the customer, in words; with each rule's customer when asked.
fn shape_rules_named(ledger: &Ledger, p: &Proposal, with_customer: bool) -> String {
    p.learned_shapes
        .iter()
        .map(|id| match ledger.learned_shape(*id) {
            Some(s) if with_customer => {
                format!("#{id} (reference shape {}, customer {})", s.shape, ledger.customer_id(s.customer))
            }
            Some(s) => format!("#{id} (reference shape {})", s.shape),
            None => format!("#{id}"),
        })
        .collect::<Vec<_>>()
        .join(" and ")
}

/// The learned rule whose payer name is the receipt's and whose customer is
/// `c`, when one is.
fn learned_rule(receipt: &Receipt, ledger: &Ledger, c: u32, learned: &LearnedNames) -> Option<i64> {
    let payer = receipt.payer_name.as_deref()?.trim();
    learned
        .iter()
        .find(|(_, name, customer)| name.trim().eq_ignore_ascii_case(payer) && customer == ledger.customer_id(c))
        .map(|(id, _, _)| *id)
}

/// How the payer was identified, in words; a payer name learned in the
/// workbench is named as its rule.
fn identified(receipt: &Receipt, ledger: &Ledger, p: &Proposal, learned: &LearnedNames) -> String {
    match p.customer {
        Some((c, score, how)) => {
            let by = match learned_rule(receipt, ledger, c, learned) {
                Some(id) if matches!(how, CustomerEvidence::PayerName | CustomerEvidence::PayerNameFuzzy) => {
                    format!("learned rule #{id} (payer name)")
                }
                _ if how == CustomerEvidence::LearnedShape => {
                    format!("learned rule {}", shape_rules_named(ledger, p, false))
                }
                _ => how.as_str().to_string(),
            };
            format!("customer {} identified by {by}, confidence {:.3}", ledger.customer_id(c), score)
        }
        None if !p.learned_shapes.is_empty() => format!(
            "customer not identified: learned rules {} name different customers, so none decides",
            shape_rules_named(ledger, p, true)
        ),
        None => "customer not identified".to_string(),
    }
}

/// The rule(s) that decided the receipt's lines, and its customer.
fn decided_by(receipt: &Receipt, ledger: &Ledger, o: &ReceiptOutcome, p: &Proposal, learned: &LearnedNames) -> String {
    let mut parts: Vec<String> = o
        .lines
        .iter()
        .map(|l| {
            let on = l.invoice.map(|i| format!(" on {}", ledger.invoice(i).id)).unwrap_or_default();
            format!("rule {} → {} {}{on}", l.rule.as_str(), l.kind.as_str(), format_amount(l.amount, receipt.currency))
        })
        .collect();
    parts.push(identified(receipt, ledger, p, learned));
    parts.join("; ")
}

/// The invoice a suggestion names: the one of the identified customer's
/// family when several customers share the number, else the first.
fn invoice_of(ledger: &Ledger, id: &str, p: &Proposal) -> Option<u32> {
    let docs: Vec<u32> = ledger
        .invoice_refs
        .exact(&normalise_reference(id).key)
        .into_iter()
        .filter(|d| ledger.invoice(*d).id == id)
        .collect();
    let family = p.customer.map(|(c, _, _)| ledger.family(c)).unwrap_or_default();
    docs.iter().copied().find(|d| family.contains(&ledger.owner(*d))).or_else(|| docs.first().copied())
}

fn invoice_lines(
    receipt: &Receipt,
    ledger: &Ledger,
    doc: u32,
    p: &Proposal,
    line_amounts: &[Option<Decimal>],
) -> Vec<EvidenceLine> {
    let inv = ledger.invoice(doc);
    let cur = receipt.currency;
    let mut out = Vec::new();
    // 1. Reference.
    let best = p.refs.iter().filter(|r| r.invoice == doc).max_by_key(|r| r.strength);
    out.push(match best {
        Some(r) => {
            let how = if r.via_po {
                format!("its PO number {}", inv.po_number.as_deref().unwrap_or(""))
            } else if r.distance == 0 {
                "exactly".to_string()
            } else if r.distance == 1 {
                "one edit away".to_string()
            } else {
                format!("{} edits away", r.distance)
            };
            let from = match r.line {
                Some(n) => format!("remittance line {}", n + 1),
                None => "remittance text".to_string(),
            };
            line(
                "reference",
                format!("“{}” in the {from} names it {how}", r.raw),
                format!("worth {} alone", r.strength),
            )
        }
        None => line("reference", "not named in the remittance".into(), "nothing: found by amount or customer".into()),
    });
    // 2. Amount.
    let open = inv.amount_open;
    let said = best.and_then(|r| r.line).and_then(|n| line_amounts.get(n).copied().flatten());
    let paid = said.unwrap_or(receipt.amount);
    let mut value = format!(
        "paid {}; open {} {}",
        format_amount(receipt.amount, cur),
        format_amount(open, inv.currency),
        inv.currency
    );
    if let Some(s) = said {
        value.push_str(&format!("; the remittance line says {}", format_amount(s, cur)));
    }
    let contribution = if inv.currency != cur {
        format!("none: the invoice is in {}, the receipt in {cur}", inv.currency)
    } else if paid == open {
        "equal to the open amount".to_string()
    } else if paid < open {
        format!("short by {}", format_amount(open - paid, cur))
    } else {
        format!("over by {}", format_amount(paid - open, cur))
    };
    out.push(line("amount", value, contribution));
    // 3. Customer.
    let owner = ledger.owner(doc);
    let name = ledger.customers.get(owner as usize).map(|c| c.name.as_str()).unwrap_or("");
    let contribution = match p.customer {
        Some((c, _, how)) if c == owner => format!("the payer, identified by {}", how.as_str()),
        Some((c, _, how)) if ledger.may_pay(c, owner) => {
            format!("of the payer's family ({} by {})", ledger.customer_id(c), how.as_str())
        }
        Some((c, _, how)) => format!("not the payer: {} by {}", ledger.customer_id(c), how.as_str()),
        None => "the payer was not identified".to_string(),
    };
    out.push(line("customer", format!("{} {name}", ledger.customer_id(owner)).trim_end().to_string(), contribution));
    // 4. Dates.
    let mut value = format!("invoice {}", inv.invoice_date);
    if let Some(d) = inv.due_date {
        value.push_str(&format!(", due {d}"));
    }
    value.push_str(&format!("; value date {}", receipt.value_date));
    let mut contribution = match inv.due_date {
        Some(d) if receipt.value_date > d => format!("paid {} day(s) after due", (receipt.value_date - d).num_days()),
        Some(d) => format!("paid {} day(s) before due", (d - receipt.value_date).num_days()),
        None => "no due date".to_string(),
    };
    if let (Some(pct), Some(until)) = (inv.discount_percent, inv.discount_until) {
        contribution.push_str(&format!(
            "; {pct}% discount until {until}{}",
            if receipt.value_date <= until { " (in time)" } else { " (passed)" }
        ));
    }
    out.push(line("date", value, contribution));
    out
}

fn customer_lines(receipt: &Receipt, ledger: &Ledger, c: u32, p: &Proposal) -> Vec<EvidenceLine> {
    let mut out = Vec::new();
    let customer = ledger.customers.get(c as usize);
    let names = customer
        .map(|k| std::iter::once(k.name.clone()).chain(k.aliases.iter().cloned()).collect::<Vec<_>>().join(" | "))
        .unwrap_or_default();
    let similarity = p.customer_candidates.iter().find(|(k, _)| *k == c).map(|(_, s)| *s);
    out.push(line(
        "payer name",
        format!("“{}” against {names}", receipt.payer_name.as_deref().unwrap_or("")),
        match similarity {
            Some(s) => format!("similarity {s}"),
            None => "not similar".to_string(),
        },
    ));
    let account = receipt.payer_account.as_deref().unwrap_or("");
    let on_file = !account.is_empty() && ledger.customers_with_account(account).contains(&c);
    out.push(line(
        "bank account",
        if account.is_empty() { "the bank gave none".to_string() } else { account.to_string() },
        if on_file { "on file for this customer".to_string() } else { "not on file for this customer".to_string() },
    ));
    let named: Vec<&str> =
        p.refs.iter().filter(|r| ledger.owner(r.invoice) == c).map(|r| ledger.invoice(r.invoice).id.as_str()).collect();
    out.push(line(
        "reference",
        if named.is_empty() { "names none of its invoices".to_string() } else { named.join(", ") },
        if named.is_empty() {
            "nothing".to_string()
        } else {
            format!("{} invoice(s) of this customer named", named.len())
        },
    ));
    out
}

/// The evidence of every exception of `report`; `rows` are
/// `exception_rows(report)` (same order: receipts, then each receipt's
/// exceptions). What stage 1 found for a receipt is taken from `kept`
/// (by receipt id: what the engine kept, [`cashapply_matching::engine::run_keeping_proposals`])
/// or else read again, in parallel (stage 1 is the costly part); the
/// result keeps the rows' order and is the same either way.
///
/// A receipt with a `short_payment` whose remittance gives a deduction
/// reason of a learned rule has the rule's write-off code named in its
/// evidence (`write-off code FRT from learned rule #4 (deduction reason
/// 'FREIGHT')`).
pub fn exception_evidence(
    report: &RunReport<'_>,
    rows: &[ExceptionRow],
    learned: Learned<'_>,
    kept: &HashMap<&str, &Proposal>,
) -> Vec<ExceptionEvidence> {
    let ledger = report.ledger;
    // Each receipt with exceptions, its rows and what stage 1 found for it
    // if the engine kept that.
    let mut work: Vec<(&Receipt, &ReceiptOutcome, &[ExceptionRow], Option<&Proposal>)> = Vec::new();
    let mut at = 0usize;
    for ((r, o), id) in report.receipts.iter().zip(&report.outcomes).zip(&report.receipt_ids) {
        let n = o.exceptions.len();
        if n == 0 {
            continue;
        }
        let Some(mine) = rows.get(at..at + n) else { break };
        work.push((r, o, mine, kept.get(id.as_str()).copied()));
        at += n;
    }
    let any_unidentified = rows.iter().any(|r| r.kind == "unidentified" && !r.suggestions.is_empty());
    let customers: HashMap<&str, u32> = if any_unidentified {
        ledger.customers.iter().enumerate().map(|(i, c)| (c.id.as_str(), i as u32)).collect()
    } else {
        HashMap::new()
    };
    work.par_iter()
        .flat_map_iter(|(r, o, mine, kept)| {
            // Borrowed when kept: no copy of what the engine found.
            let (p, amounts): (std::borrow::Cow<'_, Proposal>, Vec<Option<Decimal>>) = match kept {
                Some(p) => (
                    std::borrow::Cow::Borrowed(*p),
                    itemised(r).receipt.remittance_lines.iter().map(|l| l.amount).collect(),
                ),
                None => {
                    let (p, amounts) = proposal(r, ledger, o);
                    (std::borrow::Cow::Owned(p), amounts)
                }
            };
            let mut decided = decided_by(r, ledger, o, &p, learned.names);
            let reasons = deduction_reasons(r);
            if mine.iter().any(|row| row.kind == "short_payment")
                && let Some((id, code, reason)) = crate::workbench::learned::code_for(&reasons, learned.deductions)
            {
                decided.push_str(&format!(
                    "; write-off code {code} from learned rule #{id} (deduction reason '{reason}')"
                ));
            }
            mine.iter()
                .map(|row| ExceptionEvidence {
                    exception_id: row.exception_id.clone(),
                    decided_by: decided.clone(),
                    candidates: candidates(r, ledger, row, &p, &amounts, &customers),
                    deduction_reasons: reasons.clone(),
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The ranked candidates of one exception with their evidence.
fn candidates(
    r: &Receipt,
    ledger: &Ledger,
    row: &ExceptionRow,
    p: &Proposal,
    line_amounts: &[Option<Decimal>],
    customers: &HashMap<&str, u32>,
) -> Vec<CandidateEvidence> {
    // The suggestions as the ledger keeps them (`ID=SCORE;…`, ranked).
    let ranked = row.suggestions.split(';').filter(|s| !s.is_empty()).map(|s| match s.split_once('=') {
        Some((id, score)) => (id.to_string(), score.to_string()),
        None => (s.to_string(), String::new()),
    });
    ranked
        .enumerate()
        .map(|(k, (id, score))| {
            let lines = if row.kind == "unidentified" {
                match customers.get(id.as_str()) {
                    Some(c) => customer_lines(r, ledger, *c, p),
                    None => vec![line("customer", id.clone(), "not in the customers the run knew".into())],
                }
            } else {
                match invoice_of(ledger, &id, p) {
                    Some(doc) => invoice_lines(r, ledger, doc, p, line_amounts),
                    None => vec![line("invoice", id.clone(), "not in the invoices the run knew".into())],
                }
            };
            CandidateEvidence { rank: k as u32 + 1, candidate: id, score, lines }
        })
        .collect()
}

/// The receipts the learned rules decided in a run: (rule id, receipt id).
/// A shape rule decided a receipt whose customer the engine identified by
/// it (stage 1 read again, only for receipts quoting a reference of a
/// learned shape); a deduction rule, a receipt with a `short_payment`
/// whose evidence names the rule's code (`evidence`, from
/// [`exception_evidence`] over `rows`).
pub fn learned_fires(
    report: &RunReport<'_>,
    rows: &[ExceptionRow],
    evidence: &[ExceptionEvidence],
    learned: Learned<'_>,
) -> Vec<(i64, String)> {
    let ledger = report.ledger;
    let mut out: Vec<(i64, String)> = Vec::new();
    if ledger.has_learned_shapes() {
        let quotes_shape = |r: &Receipt| {
            let words = r
                .remittance_text
                .iter()
                .chain(r.remittance_lines.iter().map(|l| &l.reference))
                .chain(r.customer_reference.iter());
            words.flat_map(|t| cashapply_matching::engine::text_tokens(t)).any(|w| !ledger.shape_rules(&w).is_empty())
        };
        let fires: Vec<(i64, String)> = report
            .receipts
            .par_iter()
            .zip(report.receipt_ids.par_iter())
            .zip(report.outcomes.par_iter())
            .filter(|((r, _), o)| o.customer_evidence == Some(CustomerEvidence::LearnedShape) && quotes_shape(r))
            .flat_map_iter(|((r, id), o)| {
                let (p, _) = proposal(r, ledger, o);
                let by_shape = p.customer.is_some_and(|(_, _, how)| how == CustomerEvidence::LearnedShape);
                let ids = if by_shape { p.learned_shapes } else { Vec::new() };
                ids.into_iter().map(|rule| (rule, id.clone())).collect::<Vec<_>>()
            })
            .collect();
        out.extend(fires);
    }
    if !learned.deductions.is_empty() {
        let reasons: HashMap<&str, &[String]> =
            evidence.iter().map(|e| (e.exception_id.as_str(), e.deduction_reasons.as_slice())).collect();
        for row in rows.iter().filter(|r| r.kind == "short_payment") {
            if let Some(given) = reasons.get(row.exception_id.as_str())
                && let Some((id, _, _)) = crate::workbench::learned::code_for(given, learned.deductions)
            {
                out.push((id, row.receipt_id.clone()));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use cashapply_matching::inputs::{Config, Customer, Invoice, InvoiceStatus};
    use cashapply_model::{Currency, SourceFormat, SourcePosition};
    use chrono::NaiveDate;

    fn invoice(id: &str, customer: &str, open: &str) -> Invoice {
        let day = NaiveDate::from_ymd_opt(2026, 2, 1).unwrap();
        Invoice {
            id: id.into(),
            customer_id: customer.into(),
            currency: Currency::USD,
            amount_open: open.parse().unwrap(),
            amount_original: open.parse().unwrap(),
            invoice_date: day,
            due_date: Some(day),
            discount_percent: None,
            discount_until: None,
            po_number: None,
            status: InvoiceStatus::Open,
            customer_name: None,
            settled_in_flight: false,
            line: 0,
        }
    }

    fn receipt(bank_ref: &str, amount: &str, text: &[&str]) -> Receipt {
        Receipt {
            bank_ref: bank_ref.into(),
            format: SourceFormat::Bai2,
            position: SourcePosition { file: std::sync::Arc::from("t.bai"), line: 1, byte: 0 },
            account: "1".into(),
            value_date: NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
            currency: Currency::USD,
            amount: amount.parse().unwrap(),
            payer_name: Some("PRAIRIE TEXTILES".into()),
            payer_account: Some("0481205577".into()),
            transaction_code: None,
            customer_reference: None,
            check_number: None,
            charges: None,
            instructed: None,
            remittance_text: text.iter().map(|t| t.to_string()).collect(),
            remittance_lines: vec![],
        }
    }

    fn customer(id: &str, name: &str) -> Customer {
        Customer { id: id.into(), name: name.into(), aliases: vec![], bank_accounts: vec![], parent_id: None, line: 0 }
    }

    #[test]
    fn the_evidence_of_a_payer_identified_by_an_account_that_paid_by_reference_in_the_run_names_that_account() {
        let ledger = Ledger::build(
            vec![
                invoice("INV-7001", "C1", "1250.00"),
                invoice("INV-7002", "C1", "900.00"),
                invoice("INV-8002", "C2", "900.00"),
            ],
            vec![customer("C1", "Prairie Textiles Holdings Corp"), customer("C2", "Prairie Textiles of Ohio LLC")],
        );
        // The second payment is 10.00 over its invoice: an exception whose
        // evidence a coordinator reads.
        let receipts = [receipt("A", "1250.00", &["INV-7001"]), receipt("B", "910.00", &[])];
        let outcomes = cashapply_matching::engine::run(&receipts, &ledger, &Config::default());
        let (r, o) = (&receipts[1], &outcomes[1]);
        assert!(!o.exceptions.is_empty(), "{o:?}");
        let (p, _) = proposal(r, &ledger, o);
        let said = identified(r, &ledger, &p, &[]);
        assert!(
            said.contains("customer C1 identified by bank account that paid it by reference in this run"),
            "{said}"
        );
    }

    #[test]
    fn what_the_engine_kept_of_a_receipt_gives_the_same_evidence_as_reading_the_receipt_again() {
        let ledger = Ledger::build(
            vec![
                invoice("INV-7001", "C1", "1250.00"),
                invoice("INV-7002", "C1", "900.00"),
                invoice("INV-8002", "C2", "900.00"),
                invoice("INV-8003", "C2", "455.10"),
            ],
            vec![customer("C1", "Prairie Textiles Holdings Corp"), customer("C2", "Prairie Textiles of Ohio LLC")],
        );
        // An account learned in the run, a payment over its invoice, a
        // near reference, cash from nobody known.
        let mut stranger = receipt("D", "77.00", &["THANK YOU"]);
        stranger.payer_account = None;
        stranger.payer_name = Some("NOBODY WE KNOW".into());
        let receipts = [
            receipt("A", "1250.00", &["INV-7001"]),
            receipt("B", "910.00", &[]),
            receipt("C", "455.10", &["INV-8030"]),
            stranger,
        ];
        let decisions = cashapply_matching::engine::run_keeping_proposals(&receipts, &ledger, &Config::default());
        let ids: Vec<String> = receipts.iter().map(|r| format!("R-{}", r.bank_ref)).collect();
        let report = RunReport::with_ids(&ledger, &receipts, &decisions.outcomes, ids.clone(), vec![], vec![], "");
        let rows = cashapply_output::exception_rows(&report);
        assert!(rows.len() >= 3, "{rows:?}");
        let kept: HashMap<&str, &Proposal> =
            ids.iter().zip(&decisions.proposals).filter_map(|(id, p)| p.as_ref().map(|p| (id.as_str(), p))).collect();
        assert!(!kept.is_empty());
        let learned = Learned::default();
        assert_eq!(
            exception_evidence(&report, &rows, learned, &kept),
            exception_evidence(&report, &rows, learned, &HashMap::new())
        );
    }
}
