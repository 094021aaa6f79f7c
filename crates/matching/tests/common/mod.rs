//! Hand-made ledgers and receipts for the engine's end-to-end tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use cashapply_matching::engine::{Ledger, ReceiptOutcome, run};
use cashapply_matching::inputs::{Config, Customer, Invoice, InvoiceStatus};
use cashapply_model::{Currency, Receipt, SourceFormat, SourcePosition};
use chrono::NaiveDate;
use rust_decimal::Decimal;

pub fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

pub fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

pub fn invoice(id: &str, customer: &str, open: &str, due: &str) -> Invoice {
    Invoice {
        id: id.into(),
        customer_id: customer.into(),
        currency: Currency::USD,
        amount_open: d(open),
        amount_original: d(open),
        invoice_date: date(due) - chrono::Days::new(30),
        due_date: Some(date(due)),
        discount_percent: None,
        discount_until: None,
        po_number: None,
        status: InvoiceStatus::Open,
        customer_name: None,
        settled_in_flight: false,
        line: 0,
    }
}

pub fn customer(id: &str, name: &str) -> Customer {
    Customer { id: id.into(), name: name.into(), aliases: vec![], bank_accounts: vec![], parent_id: None, line: 0 }
}

pub fn receipt(bank_ref: &str, amount: &str, value_date: &str, text: &[&str]) -> Receipt {
    Receipt {
        bank_ref: bank_ref.into(),
        format: SourceFormat::Bai2,
        position: SourcePosition { file: Arc::from("t.bai"), line: 1, byte: 0 },
        account: "1".into(),
        value_date: date(value_date),
        currency: Currency::USD,
        amount: d(amount),
        payer_name: None,
        payer_account: None,
        transaction_code: None,
        customer_reference: None,
        check_number: None,
        charges: None,
        instructed: None,
        remittance_text: text.iter().map(|t| t.to_string()).collect(),
        remittance_lines: vec![],
    }
}

pub fn payer(mut r: Receipt, name: &str) -> Receipt {
    r.payer_name = Some(name.into());
    r
}

/// (kind, invoice id or "", amount) of each posting line.
pub fn lines(ledger: &Ledger, o: &ReceiptOutcome) -> Vec<(&'static str, String, String)> {
    o.lines
        .iter()
        .map(|l| {
            (l.kind.as_str(), l.invoice.map(|i| ledger.invoice(i).id.clone()).unwrap_or_default(), l.amount.to_string())
        })
        .collect()
}

pub fn exceptions(ledger: &Ledger, o: &ReceiptOutcome) -> Vec<(&'static str, String, String)> {
    o.exceptions
        .iter()
        .map(|e| {
            (e.kind.as_str(), e.invoice.map(|i| ledger.invoice(i).id.clone()).unwrap_or_default(), e.amount.to_string())
        })
        .collect()
}

pub fn decide(invoices: Vec<Invoice>, customers: Vec<Customer>, receipts: &[Receipt]) -> (Ledger, Vec<ReceiptOutcome>) {
    let ledger = Ledger::build(invoices, customers);
    let outcomes = run(receipts, &ledger, &Config::default());
    for (r, o) in receipts.iter().zip(&outcomes) {
        let cash: Decimal = o.lines.iter().filter(|l| l.kind.is_cash()).map(|l| l.amount).sum();
        assert_eq!(cash, r.amount, "cash kinds must sum to the receipt {}: {:?}", r.bank_ref, o);
    }
    (ledger, outcomes)
}

pub fn s(kind: &'static str, inv: &str, amount: &str) -> (&'static str, String, String) {
    (kind, inv.to_string(), amount.to_string())
}
