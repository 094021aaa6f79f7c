//! The sentences of `exceptions.csv` `detail` say what happened (issue 14,
//! item 14): an exact reference is never called "only close to" an invoice.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use cashapply_matching::engine::{ExceptionKind, Ledger, run};
use cashapply_matching::inputs::{Config, Customer};
use cashapply_model::Currency;
use common::*;

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
    // The payer is known only by a name close to the customer's, so its one
    // invoice one edit from the number written is not applied on its own.
    let ledger = Ledger::build(
        vec![invoice("INV-458812", "C1", "1000.00", "2026-01-31")],
        vec![customer("C1", "Atlas Manufacturing Corp")],
    );
    let mut r = receipt("R1", "700.00", "2026-02-10", &["PAYMENT INV-458813"]);
    r.payer_name = Some("Atlas Manufacturng Corp".into());
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
