//! Invariants of the engine over random ledgers and receipts: cash kinds sum
//! to each receipt; no invoice is closed beyond its open amount; discounts
//! only on invoices with terms; decisions do not depend on receipt order.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::sync::Arc;

use cashapply_matching::engine::{Ledger, PostingKind, run};
use cashapply_matching::inputs::{Config, Customer, Invoice, InvoiceStatus};
use cashapply_model::{Currency, DocumentType, Receipt, RemittanceLine, SourceFormat, SourcePosition};
use chrono::NaiveDate;
use proptest::prelude::*;
use rust_decimal::Decimal;

fn base() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()
}

#[derive(Debug, Clone)]
struct World {
    invoices: Vec<Invoice>,
    receipts: Vec<Receipt>,
}

fn world() -> impl Strategy<Value = World> {
    let invoice = (0u8..4, 1i64..500_000, 0u8..10, 0i64..60, prop::option::of(1u8..4), 0u8..10);
    let receipt = (0usize..40, 0u8..8, 1i64..600_000, 0i64..90, 0u8..4);
    (prop::collection::vec(invoice, 1..30), prop::collection::vec(receipt, 1..25)).prop_map(|(invs, recs)| {
        let invoices: Vec<Invoice> = invs
            .iter()
            .enumerate()
            .map(|(i, (cust, cents, kind, due, disc, status))| {
                let credit = *kind == 0;
                let amount = Decimal::new(if credit { -cents / 10 } else { *cents }, 2);
                Invoice {
                    id: format!("INV-{:06}", 100_000 + i * 7919 % 900_000),
                    customer_id: format!("C{cust}"),
                    currency: Currency::USD,
                    amount_open: amount,
                    amount_original: amount,
                    invoice_date: base(),
                    due_date: Some(base() + chrono::Days::new(*due as u64)),
                    discount_percent: disc.map(Decimal::from),
                    discount_until: disc.map(|_| base() + chrono::Days::new(20)),
                    po_number: None,
                    status: if *status == 0 { InvoiceStatus::Closed } else { InvoiceStatus::Open },
                    customer_name: Some(format!("Customer {cust}")),
                    settled_in_flight: false,
                    line: 0,
                }
            })
            .collect();
        let receipts: Vec<Receipt> = recs
            .iter()
            .enumerate()
            .map(|(k, (target, how, cents, day, who))| {
                let inv = &invoices[target % invoices.len()];
                let text = match how {
                    0 => vec![inv.id.clone()],
                    1 => vec![format!("PAYMENT {} AND {}", inv.id, invoices[(target + 1) % invoices.len()].id)],
                    2 => vec![inv.id.replace('1', "7")],
                    3 => vec![],
                    _ => vec![format!("{:<76}INV-", inv.id)],
                };
                let amount = match how {
                    5 => inv.amount_open.abs(),
                    _ => Decimal::new(*cents, 2),
                };
                // Itemised advices: lines with amounts (positive even for a
                // credit memo, as lockbox files write them), a line naming
                // the same invoice twice, and a line of an absurd amount.
                let next = &invoices[(target + 1) % invoices.len()];
                let remittance_lines = match how {
                    6 => vec![line(&inv.id, inv.amount_open.abs()), line(&next.id, next.amount_open.abs())],
                    7 => vec![
                        line(&inv.id, Decimal::new(cents / 3, 2)),
                        line(&inv.id, Decimal::new(cents - cents / 3, 2)),
                        line(&next.id, Decimal::MAX),
                    ],
                    _ => vec![],
                };
                Receipt {
                    bank_ref: format!("R{k:03}"),
                    format: SourceFormat::Bai2,
                    position: SourcePosition { file: Arc::from("p.bai"), line: k as u64, byte: 0 },
                    account: "1".into(),
                    value_date: base() + chrono::Days::new(*day as u64),
                    currency: Currency::USD,
                    amount,
                    payer_name: (*who > 0).then(|| format!("Customer {}", who - 1)),
                    payer_account: None,
                    transaction_code: None,
                    customer_reference: None,
                    check_number: None,
                    charges: None,
                    instructed: None,
                    remittance_text: text,
                    remittance_lines,
                }
            })
            .collect();
        World { invoices, receipts }
    })
}

fn line(reference: &str, amount: Decimal) -> RemittanceLine {
    let mut l = RemittanceLine::reference(reference, DocumentType::Invoice);
    l.amount = Some(amount);
    l
}

fn customers() -> Vec<Customer> {
    (0..4)
        .map(|i| Customer {
            id: format!("C{i}"),
            name: format!("Customer {i}"),
            aliases: vec![],
            bank_accounts: vec![],
            parent_id: None,
            line: 0,
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, .. ProptestConfig::default() })]

    #[test]
    fn money_is_conserved_and_no_invoice_is_over_applied(w in world()) {
        let ledger = Ledger::build(w.invoices.clone(), customers());
        let outcomes = run(&w.receipts, &ledger, &Config::default());
        let mut closed: HashMap<u32, Decimal> = HashMap::new();
        for (r, o) in w.receipts.iter().zip(&outcomes) {
            let cash: Decimal = o.lines.iter().filter(|l| l.kind.is_cash()).map(|l| l.amount).sum();
            prop_assert_eq!(cash, r.amount, "{:?}", o);
            for l in &o.lines {
                prop_assert!(l.amount.scale() <= 2);
                if let Some(i) = l.invoice {
                    *closed.entry(i).or_default() += l.amount;
                    if l.kind == PostingKind::Discount {
                        prop_assert!(ledger.invoice(i).discount_percent.is_some());
                    }
                    prop_assert!(ledger.invoice(i).status != InvoiceStatus::Closed, "nothing applied to a closed invoice");
                }
            }
        }
        for (i, sum) in closed {
            let open = ledger.invoice(i).amount_open;
            if open >= Decimal::ZERO {
                prop_assert!(sum <= open && sum >= Decimal::ZERO, "{} closed {sum} of {open}", ledger.invoice(i).id);
            } else {
                prop_assert!(sum >= open && sum <= Decimal::ZERO);
            }
        }
    }

    #[test]
    fn decisions_do_not_depend_on_receipt_order(w in world(), seed in any::<u64>()) {
        let ledger = Ledger::build(w.invoices.clone(), customers());
        let a = run(&w.receipts, &ledger, &Config::default());
        let mut idx: Vec<usize> = (0..w.receipts.len()).collect();
        let mut s = seed | 1;
        for i in (1..idx.len()).rev() {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17;
            idx.swap(i, (s % (i as u64 + 1)) as usize);
        }
        let shuffled: Vec<Receipt> = idx.iter().map(|i| w.receipts[*i].clone()).collect();
        let b = run(&shuffled, &ledger, &Config::default());
        for (k, i) in idx.iter().enumerate() {
            prop_assert_eq!(&a[*i], &b[k]);
        }
    }
}
