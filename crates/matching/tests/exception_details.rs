//! The sentences of `exceptions.csv` `detail` say what happened (issue 14,
//! item 14): an exact reference is never called "only close to" an invoice.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use cashapply_matching::engine::{ExceptionKind, Ledger, run};
use cashapply_matching::inputs::{Config, Customer, Invoice, InvoiceStatus};
use cashapply_model::{Currency, Receipt, SourceFormat, SourcePosition};
use chrono::NaiveDate;
use rust_decimal::Decimal;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn invoice(id: &str, customer: &str, open: &str, due: &str) -> Invoice {
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
        line: 0,
    }
}

fn customer(id: &str, name: &str) -> Customer {
    Customer { id: id.into(), name: name.into(), aliases: vec![], bank_accounts: vec![], parent_id: None, line: 0 }
}

fn receipt(bank_ref: &str, amount: &str, value_date: &str, text: &[&str]) -> Receipt {
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

#[test]
fn an_exact_reference_held_for_its_amount_is_not_called_only_close_to_the_invoice() {
    let ledger =
        Ledger::build(vec![invoice("INV-458812", "C1", "1000.00", "2026-01-31")], vec![customer("C1", "Atlas Corp")]);
    // The bare number of the invoice: it needs the payer's evidence or the
    // amount to corroborate it.
    let r = receipt("R1", "700.00", "2026-02-10", &["458812"]);
    let outcomes = run(&[r], &ledger, &Config::default());
    let e = &outcomes[0].exceptions[0];
    assert_eq!(e.kind, ExceptionKind::Unapplied, "{e:?}");
    assert!(!e.detail.contains("only close to"), "{}", e.detail);
    assert!(
        e.detail.contains(
            "reference 458812 names invoice INV-458812, but the amount paid (700.00) is not its open amount (1000.00)"
        ),
        "{}",
        e.detail
    );
}

#[test]
fn a_reference_one_edit_away_held_says_it_is_only_close_to_the_invoice() {
    let ledger =
        Ledger::build(vec![invoice("INV-458812", "C1", "1000.00", "2026-01-31")], vec![customer("C1", "Atlas Corp")]);
    let mut r = receipt("R1", "700.00", "2026-02-10", &["PAYMENT INV-458813"]);
    r.payer_name = Some("Atlas Corp".into());
    let outcomes = run(&[r], &ledger, &Config::default());
    let details: Vec<&str> = outcomes[0].exceptions.iter().map(|e| e.detail.as_str()).collect();
    assert!(details.iter().any(|d| d.contains("is only close to invoice INV-458812")), "{details:?}");
}

#[test]
fn a_receipt_naming_an_invoice_of_another_currency_says_so_instead_of_no_reference() {
    let mut eur = invoice("INV-500100", "C1", "1000.00", "2026-01-31");
    eur.currency = Currency::parse("EUR").unwrap();
    let ledger = Ledger::build(
        vec![eur, invoice("INV-500200", "C1", "250.00", "2026-01-31")],
        vec![Customer { aliases: vec!["ATLAS".into()], ..customer("C1", "Atlas Corp") }],
    );
    let mut r = receipt("R1", "999.00", "2026-02-10", &["INVOICE INV-500100"]);
    r.payer_name = Some("Atlas Corp".into());
    let outcomes = run(&[r], &ledger, &Config::default());
    let details: Vec<&str> = outcomes[0].exceptions.iter().map(|e| e.detail.as_str()).collect();
    assert!(
        details.iter().any(|d| d.contains("the remittance names invoice INV-500100, which is in EUR, not USD")),
        "{details:?}"
    );
    assert!(!details.iter().any(|d| d.contains("no reference")), "{details:?}");
}
