//! Over random sequences of runs (payments, ERP-side changes, new
//! invoices, a lagging ERP file), confirmations and unapplies written
//! through the store's API: aging and the roll-forward pass their own
//! checks at every run date, and they agree with each other — each
//! period's roll-forward opens at the aging total of the run before and
//! closes at the aging total of its last run, per currency.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod fixture;

use std::collections::BTreeMap;

use cashapply_reports::{Cell, Ledger, Report, ReportConfig, aging, rollforward};
use cashapply_store::{Adjustment, Event, LedgerStore, ReportReader, ReportStore, SqliteStore};
use chrono::Duration;
use fixture::{d, invoice, line, receipt, run};
use proptest::prelude::*;
use rust_decimal::Decimal;

#[derive(Debug, Clone)]
enum Op {
    /// A run: payments (invoice index, percent of its balance), an ERP-side
    /// change (invoice index, delta in cents), a new invoice (cents), and
    /// whether the ERP's file shows the confirmed lines yet.
    Run {
        pays: Vec<(usize, u8)>,
        erp_change: Option<(usize, i64)>,
        new_invoice: Option<i64>,
        erp_caught_up: bool,
    },
    Confirm,
    Unapply(usize),
}

/// Operations; `strict`: no ERP-side change, the ERP's file always shows
/// the confirmed lines, payments never settle an invoice in full.
fn op(strict: bool) -> impl Strategy<Value = Op> {
    let max_pct = if strict { 99u8 } else { 100 };
    prop_oneof![
        3 => (prop::collection::vec((0usize..12, 1u8..=max_pct), 0..4), prop::option::of((0usize..12, -5000i64..5000)), prop::option::of(100i64..100_000), any::<bool>())
            .prop_map(move |(pays, erp_change, new_invoice, erp_caught_up)| Op::Run {
                pays,
                erp_change: erp_change.filter(|_| !strict),
                new_invoice,
                erp_caught_up: erp_caught_up || strict,
            }),
        2 => Just(Op::Confirm),
        1 => (0usize..50).prop_map(Op::Unapply),
    ]
}

struct Inv {
    customer: String,
    id: String,
    currency: &'static str,
    /// The ERP's own amount (its changes and the lines it has taken in).
    erp: Decimal,
    shown: Option<Decimal>,
}

struct L {
    id: String,
    receipt: String,
    inv: usize,
    amount: Decimal,
    batch: Option<String>,
    confirmed: bool,
    reflected: bool,
    reversed: bool,
}

fn cents(c: i64) -> Decimal {
    Decimal::new(c, 2)
}

/// Writes the ledger; `strict` (see [`op`]) also keeps every payment within
/// what the ERP itself still shows open less the payments in flight, so an
/// unconfirmed unapply never lets confirmed payments take an invoice past
/// zero in the ERP (an ERP-overpaid invoice with an unapply in flight
/// counts as settled under the ledger's rule, a listed difference).
fn build(db: &std::path::Path, ops: &[Op], strict: bool) -> usize {
    let mut s = SqliteStore::open(db, true).unwrap();
    let mut invs: Vec<Inv> = (0..4)
        .map(|i: usize| Inv {
            customer: format!("C{}", i % 3),
            id: format!("I{i}"),
            currency: if i.is_multiple_of(2) { "USD" } else { "EUR" },
            erp: cents(10_000 + 1_234 * i as i64),
            shown: None,
        })
        .collect();
    let mut lines: Vec<L> = Vec::new();
    let mut pending: Vec<String> = Vec::new();
    let mut runs = 0usize;
    let mut last_batch: Option<String> = None;
    let day0 = d("2026-03-02");
    let mut n = 0;
    for (step, op) in ops.iter().enumerate() {
        let at = |minute: usize| {
            let t = chrono::NaiveDateTime::new(day0 + Duration::days(step as i64), chrono::NaiveTime::MIN)
                + Duration::minutes(minute as i64);
            t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
        };
        match op {
            Op::Run { pays, erp_change, new_invoice, erp_caught_up } => {
                let batch = format!("B{runs}");
                let date = (day0 + Duration::days(step as i64)).to_string();
                let mut r = run(&batch, &at(0), &date);
                if let Some(c) = new_invoice {
                    invs.push(Inv {
                        customer: format!("C{}", invs.len() % 3),
                        id: format!("I{}", invs.len()),
                        currency: if invs.len().is_multiple_of(2) { "USD" } else { "EUR" },
                        erp: cents(*c),
                        shown: None,
                    });
                }
                if let Some((i, delta)) = erp_change
                    && let Some(inv) = invs.get_mut(i % 4)
                {
                    inv.erp += cents(*delta);
                }
                if *erp_caught_up {
                    for l in lines.iter_mut().filter(|l| l.confirmed && !l.reflected) {
                        invs[l.inv].erp -= l.amount;
                        l.reflected = true;
                    }
                }
                for inv in invs.iter_mut() {
                    let amount = inv.erp.max(Decimal::ZERO);
                    if inv.shown != Some(amount) {
                        let event = if inv.shown.is_none() { "new" } else { "changed" };
                        let status = if amount.is_zero() { "closed" } else { "open" };
                        r.invoice_changes.push(invoice(
                            event,
                            &inv.customer,
                            &inv.id,
                            inv.currency,
                            &amount.to_string(),
                            status,
                        ));
                        inv.shown = Some(amount);
                    }
                }
                // Payments of at most the balance the ledger sees.
                for (i, pct) in pays {
                    let i = i % invs.len();
                    let flight: Decimal = lines
                        .iter()
                        .filter(|l| l.inv == i && !l.reflected && (!strict || l.amount > Decimal::ZERO))
                        .map(|l| l.amount)
                        .sum();
                    let balance = invs[i].shown.unwrap_or_default() - flight;
                    let amount = (balance * Decimal::from(*pct) / Decimal::ONE_HUNDRED)
                        .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::ToZero);
                    if amount <= Decimal::ZERO
                        || invs[i].shown.unwrap_or_default().is_zero()
                        || (*pct < 100 && amount >= balance)
                    {
                        continue;
                    }
                    n += 1;
                    let rid = format!("R{n}");
                    let cur = invs[i].currency;
                    r.receipts.push(receipt(&rid, &invs[i].customer, cur, &amount.to_string(), &date, "applied"));
                    let pid = format!("P{n}");
                    r.postings.push(line(
                        &pid,
                        &rid,
                        &invs[i].customer,
                        &invs[i].id,
                        "applied",
                        &amount.to_string(),
                        cur,
                    ));
                    lines.push(L {
                        id: pid,
                        receipt: rid,
                        inv: i,
                        amount,
                        batch: Some(batch.clone()),
                        confirmed: false,
                        reflected: false,
                        reversed: false,
                    });
                }
                r.carried = std::mem::take(&mut pending);
                for l in lines.iter_mut().filter(|l| l.batch.is_none()) {
                    l.batch = Some(batch.clone());
                }
                s.commit_run(&r).unwrap();
                last_batch = Some(batch);
                runs += 1;
            }
            Op::Confirm => {
                if let Some(b) = &last_batch {
                    s.confirm(b, None, &at(30), "erp").unwrap();
                    for l in lines.iter_mut().filter(|l| l.batch.as_deref() == Some(b.as_str())) {
                        l.confirmed = true;
                    }
                }
            }
            Op::Unapply(k) => {
                let candidates: Vec<usize> = (0..lines.len())
                    .filter(|&j| lines[j].amount > Decimal::ZERO && !lines[j].reversed && lines[j].batch.is_some())
                    .collect();
                if candidates.is_empty() {
                    continue;
                }
                let j = candidates[k % candidates.len()];
                lines[j].reversed = true;
                let (inv, amount, receipt_id, posting) =
                    (lines[j].inv, lines[j].amount, lines[j].receipt.clone(), lines[j].id.clone());
                n += 1;
                let cur = invs[inv].currency;
                let mut opposite = line(
                    &format!("P{n}"),
                    &receipt_id,
                    &invs[inv].customer,
                    &invs[inv].id,
                    "applied",
                    &(-amount).to_string(),
                    cur,
                );
                opposite.reverses = posting;
                let cash = line(
                    &format!("P{n}u"),
                    &receipt_id,
                    &invs[inv].customer,
                    "",
                    "unapplied",
                    &amount.to_string(),
                    cur,
                );
                s.adjust(&Adjustment {
                    postings: vec![opposite.clone(), cash.clone()],
                    receipt_status: None,
                    status_changes: Vec::new(),
                    object: ("receipt", receipt_id.clone()),
                    event: Event {
                        at: at(45),
                        actor: "bob".into(),
                        action: "unapplied".into(),
                        detail: String::new(),
                        batch_id: None,
                    },
                })
                .unwrap();
                pending.push(opposite.posting_id.clone());
                pending.push(cash.posting_id);
                lines.push(L {
                    id: opposite.posting_id,
                    receipt: receipt_id,
                    inv,
                    amount: -amount,
                    batch: None,
                    confirmed: false,
                    reflected: false,
                    reversed: true,
                });
            }
        }
    }
    runs
}

fn totals(r: &Report) -> BTreeMap<String, Decimal> {
    let mut out = BTreeMap::new();
    for t in &r.tables {
        let Some(cur) = &t.currency else { continue };
        let line = if r.name == "aging" { t.row_of("TOTAL").and_then(|i| t.cell(i, "total")) } else { None };
        if let Some(Cell::Number(x)) = line {
            out.insert(cur.clone(), *x);
        }
    }
    out
}

fn rf(r: &Report, line: &str) -> BTreeMap<String, Decimal> {
    let mut out = BTreeMap::new();
    for t in r.tables.iter().filter(|t| t.name.starts_with("rollforward ")) {
        if let (Some(cur), Some(Cell::Number(x))) = (&t.currency, t.row_of(line).and_then(|i| t.cell(i, "amount")))
            && !x.is_zero()
        {
            out.insert(cur.clone(), *x);
        }
    }
    out
}

fn nonzero(m: BTreeMap<String, Decimal>) -> BTreeMap<String, Decimal> {
    m.into_iter().filter(|(_, v)| !v.is_zero()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn aging_equals_the_open_balance_and_the_roll_forward_closes_for_any_sequence(ops in prop::collection::vec(op(false), 1..14)) {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("l.db");
        let runs = build(&db, &ops, false);
        prop_assume!(runs > 0);
        let data = ReportReader::open(&db).unwrap().report_data().unwrap();
        let l = {
            let dates = fixture_dates(&data);
            Ledger::from_rows(data, dates).unwrap()
        };
        let config = ReportConfig::default();
        let dates: Vec<_> = l.runs.iter().map(|r| r.date).collect();
        let mut previous: Option<BTreeMap<String, Decimal>> = None;
        for (i, day) in dates.iter().enumerate() {
            let a = aging::aging(&l, &config, *day, false).unwrap();
            let total = nonzero(totals(&a));
            // The period from the day after the previous run to this run.
            if let Some(prev) = &previous {
                let r = rollforward::rollforward(&l, dates[i - 1] + Duration::days(1), *day).unwrap();
                prop_assert_eq!(&rf(&r, "opening_receivables"), prev);
                prop_assert_eq!(&rf(&r, "closing_receivables"), &total);
            }
            previous = Some(total);
        }
        // And over the whole history at once.
        let last = *dates.last().unwrap();
        let r = rollforward::rollforward(&l, dates[0], last).unwrap();
        prop_assert_eq!(rf(&r, "closing_receivables"), nonzero(totals(&aging::aging(&l, &config, last, false).unwrap())));
    }

    #[test]
    fn when_the_erp_shows_exactly_what_was_confirmed_the_roll_forward_has_no_unexplained_difference(ops in prop::collection::vec(op(true), 1..14)) {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("l.db");
        let runs = build(&db, &ops, true);
        prop_assume!(runs > 1);
        let data = ReportReader::open(&db).unwrap().report_data().unwrap();
        let l = {
            let dates = fixture_dates(&data);
            Ledger::from_rows(data, dates).unwrap()
        };
        let dates: Vec<_> = l.runs.iter().map(|r| r.date).collect();
        for w in dates.windows(2) {
            let r = rollforward::rollforward(&l, w[0] + Duration::days(1), w[1]).unwrap();
            prop_assert_eq!(rf(&r, "differences_not_explained"), BTreeMap::new(), "{:?}", r.tables);
        }
        let r = rollforward::rollforward(&l, dates[0], *dates.last().unwrap()).unwrap();
        prop_assert_eq!(rf(&r, "differences_not_explained"), BTreeMap::new());
    }
}

/// Every invoice due 30 days before the first run (so all are dated).
fn fixture_dates(
    data: &cashapply_store::ReportData,
) -> std::collections::HashMap<cashapply_reports::InvoiceKey, cashapply_reports::InvoiceDates> {
    data.invoice_events
        .iter()
        .map(|e| {
            (
                (e.customer_id.clone(), e.invoice_id.clone()),
                cashapply_reports::InvoiceDates {
                    invoice_date: d("2026-01-01"),
                    due_date: Some(d("2026-01-31")),
                    amount_original: None,
                },
            )
        })
        .collect()
}
