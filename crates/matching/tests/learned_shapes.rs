//! Reference shapes learned in the workbench (issue 12 item 7): a payer
//! nothing else identifies is identified by a reference of a learned shape,
//! and then the engine's own rules decide; conflicting rules decide nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use cashapply_matching::engine::{CustomerEvidence, Ledger, propose, run};
use cashapply_matching::inputs::Config;
use cashapply_matching::reference::ReferenceShape;
use common::*;

fn ledger(rules: &[(i64, &str, &str)]) -> Ledger {
    let mut l = Ledger::build(
        vec![
            invoice("INV-0010001", "C1", "760.00", "2026-11-30"),
            invoice("INV-0010002", "C1", "1200.00", "2026-11-30"),
            invoice("INV-0020001", "C2", "760.00", "2026-11-30"),
        ],
        vec![customer("C1", "Globex Corporation"), customer("C2", "Initech LLC")],
    );
    let rules: Vec<(i64, ReferenceShape, String)> =
        rules.iter().map(|(id, t, c)| (*id, ReferenceShape::of(t).unwrap(), c.to_string())).collect();
    l.learn_shapes(&rules);
    l
}

#[test]
fn a_payer_nothing_identifies_is_identified_by_a_learned_shape_and_its_one_open_item_of_that_amount_is_paid() {
    let l = ledger(&[(3, "PO-88231", "C1")]);
    let r = payer(receipt("W1", "760.00", "2026-12-01", &["PO-88250 THANK YOU"]), "NEW PAYER INC");
    let p = propose(&r, &l);
    assert_eq!(
        p.customer.map(|(c, _, how)| (l.customer_id(c).to_string(), how)),
        Some(("C1".into(), CustomerEvidence::LearnedShape))
    );
    assert_eq!(p.learned_shapes, vec![3]);
    let o = run(std::slice::from_ref(&r), &l, &Config::default());
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-0010001", "760.00")], "{:?}", o[0]);
    assert!(o[0].lines.iter().all(|x| x.confidence >= d("0.90")));
}

#[test]
fn without_the_rule_the_same_payment_stays_unidentified() {
    let l = ledger(&[]);
    let r = payer(receipt("W1", "760.00", "2026-12-01", &["PO-88250 THANK YOU"]), "NEW PAYER INC");
    let o = run(std::slice::from_ref(&r), &l, &Config::default());
    assert_eq!(exceptions(&l, &o[0]).first().map(|e| e.0), Some("unidentified"));
}

#[test]
fn a_learned_shape_never_overrides_a_payer_identified_otherwise() {
    let l = ledger(&[(3, "PO-88231", "C1")]);
    let r = payer(receipt("W1", "760.00", "2026-12-01", &["PO-88250"]), "INITECH LLC");
    let p = propose(&r, &l);
    assert_eq!(
        p.customer.map(|(c, _, how)| (l.customer_id(c).to_string(), how)),
        Some(("C2".into(), CustomerEvidence::PayerName))
    );
    assert!(p.learned_shapes.is_empty());
}

#[test]
fn two_learned_shapes_naming_different_customers_decide_nothing_and_the_exception_keeps_its_kind() {
    let l = ledger(&[(3, "PO-88231", "C1"), (4, "ACME/4471-22", "C2")]);
    let r = payer(receipt("W1", "760.00", "2026-12-01", &["PO-88250 ACME/1234-56"]), "NEW PAYER INC");
    let p = propose(&r, &l);
    assert_eq!(p.customer, None);
    assert_eq!(p.learned_shapes, vec![3, 4]);
    let o = run(std::slice::from_ref(&r), &l, &Config::default());
    assert_eq!(exceptions(&l, &o[0]).first().map(|e| e.0), Some("unidentified"));
}

#[test]
fn a_reference_of_another_length_or_separator_is_not_of_the_learned_shape() {
    let l = ledger(&[(3, "PO-88231", "C1")]);
    for text in ["PO-882501", "PO/88250", "PO 88250"] {
        let r = payer(receipt("W1", "760.00", "2026-12-01", &[text]), "NEW PAYER INC");
        assert_eq!(propose(&r, &l).customer, None, "{text}");
    }
}

#[test]
fn a_learned_shape_that_fits_another_customers_po_numbers_in_the_run_is_set_aside() {
    let mut inv = invoice("INV-0020002", "C2", "500.00", "2026-11-30");
    inv.po_number = Some("PO-10007".into());
    let mut l = Ledger::build(
        vec![invoice("INV-0010001", "C1", "760.00", "2026-11-30"), inv],
        vec![customer("C1", "Globex Corporation"), customer("C2", "Initech LLC")],
    );
    let aside = l.learn_shapes(&[
        (3, ReferenceShape::of("PO-88231").unwrap(), "C1".into()),
        (4, ReferenceShape::of("WO-1234").unwrap(), "C9".into()),
    ]);
    assert_eq!(aside.len(), 2, "{aside:?}");
    assert!(aside[0].1.contains("PO numbers of customer(s) C2"), "{aside:?}");
    assert!(aside[1].1.contains("C9"), "{aside:?}");
    let r = payer(receipt("W1", "760.00", "2026-12-01", &["PO-88250"]), "NEW PAYER INC");
    assert_eq!(propose(&r, &l).customer, None);
}
