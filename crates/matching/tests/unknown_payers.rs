//! Payers nothing identifies — no bank account on file, no name on the
//! check — whose one document is written in a form that names no invoice
//! exactly: the amount, to the cent, and the number's reading must agree on
//! exactly one open item of the whole ledger before anything is applied.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use cashapply_model::{DocumentType, RemittanceLine, SourceFormat};
use common::*;

/// A lockbox check of `amount` with one stub line `reference` (no amount)
/// and nothing of the payer but an account the customers file lacks.
fn check(amount: &str, reference: &str) -> cashapply_model::Receipt {
    let mut r = receipt("0041523-002-015", amount, "2026-03-03", &[]);
    r.format = SourceFormat::Lockbox;
    r.payer_account = Some("077061612:3029695507".into());
    r.remittance_lines = vec![RemittanceLine::reference(reference, DocumentType::Invoice)];
    r
}

fn world() -> (Vec<cashapply_matching::inputs::Invoice>, Vec<cashapply_matching::inputs::Customer>) {
    let invs = vec![
        invoice("INV-01285", "C1125", "1200.00", "2026-01-20"),
        invoice("INV-01286", "C1125", "1500.00", "2026-01-21"),
        invoice("2026-02067", "C2", "2187.06", "2026-01-22"),
        invoice("SI-101502", "C3", "2111.39", "2026-01-23"),
        invoice("SI-100877", "C4", "1385.78", "2026-01-24"),
        invoice("4471285", "C5", "990.00", "2026-01-25"),
    ];
    let cs = ["C1125", "C2", "C3", "C4", "C5"].iter().map(|c| customer(c, &format!("Customer {c}"))).collect();
    (invs, cs)
}

#[test]
fn a_stub_number_without_its_prefix_for_exactly_one_invoices_open_amount_names_that_invoice_and_its_customer() {
    for (amount, written, meant, owner) in [
        ("1200.00", "01285", "INV-01285", "C1125"),
        ("2187.06", "26-02067", "2026-02067", "C2"),
        ("1385.78", "#100877", "SI-100877", "C4"),
        ("2111.39", "SI-10150", "SI-101502", "C3"),
    ] {
        let (invs, cs) = world();
        let (l, o) = decide(invs, cs, &[check(amount, written)]);
        assert_eq!(lines(&l, &o[0]), [s("applied", meant, amount)], "{written}");
        assert_eq!(o[0].customer.map(|c| l.customer_id(c).to_string()).as_deref(), Some(owner), "{written}");
        assert!(o[0].lines[0].confidence >= d("0.90") && o[0].lines[0].confidence < d("1"), "{:?}", o[0].lines[0]);
    }
}

#[test]
fn a_variant_number_for_another_amount_than_the_invoice_it_reads_as_identifies_no_one() {
    let (invs, cs) = world();
    let (l, o) = decide(invs, cs, &[check("1199.00", "01285")]);
    assert!(!lines(&l, &o[0]).iter().any(|(k, _, _)| *k == "applied"), "{:?}", lines(&l, &o[0]));
    assert!(o[0].exceptions.iter().any(|e| e.kind.as_str() == "unidentified"), "{:?}", o[0].exceptions);
}

#[test]
fn two_open_items_of_exactly_the_payment_that_the_number_reads_as_leave_the_payer_unidentified() {
    for (amount, written, other) in [("1200.00", "01285", "INV-1285"), ("2187.06", "26-02067", "2126-02067")] {
        let (mut invs, mut cs) = world();
        invs.push(invoice(other, "C9", amount, "2026-01-26"));
        cs.push(customer("C9", "Customer C9"));
        let (l, o) = decide(invs, cs, &[check(amount, written)]);
        assert!(!lines(&l, &o[0]).iter().any(|(k, _, _)| *k == "applied"), "{written}: {:?}", lines(&l, &o[0]));
        assert!(o[0].lines.iter().all(|x| x.confidence.is_zero()), "{written}: nothing decided");
    }
}
