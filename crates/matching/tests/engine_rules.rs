//! Every posting rule and exception kind of CONTRACT §4, end to end through
//! the engine, on small hand-made ledgers.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use cashapply_matching::engine::{CustomerEvidence, ExceptionKind, PostingKind};
use cashapply_matching::inputs::{Invoice, InvoiceStatus};
use cashapply_model::{Currency, DocumentType, Receipt, RemittanceLine};
use common::*;

#[test]
fn an_exact_reference_and_amount_post_straight_through() {
    let (l, o) = decide(
        vec![invoice("INV-0004711", "C1", "1000.00", "2026-01-31")],
        vec![],
        &[receipt("R1", "1000.00", "2026-02-01", &["PAYMENT INV 4711"])],
    );
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-0004711", "1000.00")]);
    assert!(o[0].exceptions.is_empty());
    assert_eq!(o[0].lines[0].rule.as_str(), "ref_exact");
    assert_eq!(o[0].status(), "applied");
}

#[test]
fn an_earned_discount_posts_cash_plus_a_discount_line() {
    let mut inv = invoice("INV-1001", "C1", "1000.00", "2026-02-28");
    inv.discount_percent = Some(d("2"));
    inv.discount_until = Some(date("2026-02-10"));
    let (l, o) = decide(vec![inv], vec![], &[receipt("R1", "980.00", "2026-02-13", &["INV-1001"])]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-1001", "980.00"), s("discount", "INV-1001", "20.00")]);
    assert!(o[0].exceptions.is_empty(), "grace of 3 days: 02-13 is still earned");
}

#[test]
fn an_unearned_discount_raises_only_unearned_discount() {
    let mut inv = invoice("INV-1001", "C1", "1000.00", "2026-02-28");
    inv.discount_percent = Some(d("2"));
    inv.discount_until = Some(date("2026-02-10"));
    let (l, o) = decide(vec![inv], vec![], &[receipt("R1", "980.00", "2026-02-14", &["INV-1001"])]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-1001", "980.00")]);
    assert_eq!(exceptions(&l, &o[0]), [s("unearned_discount", "INV-1001", "20.00")]);
}

#[test]
fn a_shortfall_within_tolerance_is_written_off_and_beyond_it_is_a_short_payment() {
    let invs =
        vec![invoice("INV-2001", "C1", "1000.00", "2026-01-31"), invoice("INV-2002", "C1", "1000.00", "2026-01-31")];
    let rs = [
        receipt("R1", "995.00", "2026-02-01", &["INV-2001"]),
        receipt("R2", "975.00", "2026-02-01", &["INV-2002 WIRE FEE"]),
    ];
    let (l, o) = decide(invs, vec![], &rs);
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-2001", "995.00"), s("write_off", "INV-2001", "5.00")]);
    assert!(o[0].exceptions.is_empty());
    assert_eq!(lines(&l, &o[1]), [s("applied", "INV-2002", "975.00")]);
    assert_eq!(exceptions(&l, &o[1]), [s("short_payment", "INV-2002", "25.00")]);
}

#[test]
fn an_overpayment_applies_the_invoice_and_holds_the_excess_on_account() {
    let (l, o) = decide(
        vec![invoice("INV-3001", "C1", "1000.00", "2026-01-31")],
        vec![],
        &[receipt("R1", "1100.00", "2026-02-01", &["INV-3001"])],
    );
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-3001", "1000.00"), s("on_account", "", "100.00")]);
    assert_eq!(exceptions(&l, &o[0]), [s("overpayment", "", "100.00")]);
}

#[test]
fn paying_a_closed_invoice_is_a_duplicate_held_on_account() {
    let mut inv = invoice("INV-4001", "C1", "500.00", "2026-01-31");
    inv.status = InvoiceStatus::Closed;
    let (l, o) = decide(vec![inv], vec![], &[receipt("R1", "500.00", "2026-02-01", &["INV-4001"])]);
    assert_eq!(lines(&l, &o[0]), [s("on_account", "", "500.00")]);
    assert_eq!(exceptions(&l, &o[0]), [s("duplicate_payment", "INV-4001", "500.00")]);
}

#[test]
fn of_two_receipts_for_one_invoice_the_earlier_value_date_is_applied() {
    let rs = [
        receipt("B-LATER", "500.00", "2026-02-03", &["INV-4002"]),
        receipt("A-EARLY", "500.00", "2026-02-01", &["INV-4002"]),
    ];
    let (l, o) = decide(vec![invoice("INV-4002", "C1", "500.00", "2026-01-31")], vec![], &rs);
    assert_eq!(lines(&l, &o[1]), [s("applied", "INV-4002", "500.00")]);
    assert_eq!(exceptions(&l, &o[0]), [s("duplicate_payment", "INV-4002", "500.00")]);
}

#[test]
fn an_older_open_invoice_left_unpaid_is_reported_as_skipped_once() {
    let invs = vec![
        invoice("INV-5001", "C1", "100.00", "2026-01-10"),
        invoice("INV-5002", "C1", "200.00", "2026-01-20"),
        invoice("INV-5003", "C1", "300.00", "2026-03-20"),
    ];
    let rs =
        [receipt("R1", "200.00", "2026-02-01", &["INV-5002"]), receipt("R2", "200.00", "2026-02-02", &["INV-5002"])];
    let (l, o) = decide(invs, vec![], &rs);
    assert_eq!(
        exceptions(&l, &o[0]),
        [s("skipped_invoice", "INV-5001", "100.00")],
        "INV-5003 is due later: not skipped"
    );
    assert!(!exceptions(&l, &o[1]).iter().any(|e| e.0 == "skipped_invoice"), "reported once");
}

#[test]
fn cash_from_nobody_known_is_unidentified_with_customer_suggestions() {
    let (l, o) = decide(
        vec![invoice("INV-6001", "C1", "100.00", "2026-01-10")],
        vec![customer("C1", "Atlas Manufacturing")],
        &[payer(receipt("R1", "77.00", "2026-02-01", &["THANK YOU"]), "ATLAS")],
    );
    assert_eq!(lines(&l, &o[0]), [s("unidentified", "", "77.00")]);
    assert_eq!(exceptions(&l, &o[0]), [s("unidentified", "", "77.00")]);
    assert_eq!(o[0].exceptions[0].suggestions[0].0, "C1");
}

#[test]
fn a_known_customer_without_a_matching_amount_is_unapplied() {
    let (l, o) = decide(
        vec![invoice("INV-6002", "C1", "100.00", "2026-01-10")],
        vec![customer("C1", "Atlas Manufacturing")],
        &[payer(receipt("R1", "77.00", "2026-02-01", &[]), "Atlas Manufacturing Inc")],
    );
    assert_eq!(lines(&l, &o[0]), [s("unapplied", "", "77.00")]);
    assert_eq!(exceptions(&l, &o[0]), [s("unapplied", "", "77.00")]);
    assert_eq!(o[0].customer, Some(0));
}

#[test]
fn a_naked_payment_is_applied_to_a_unique_amount_or_unique_subset_else_ambiguous() {
    let invs = vec![
        invoice("INV-7001", "C1", "120.00", "2026-01-10"),
        invoice("INV-7002", "C1", "345.67", "2026-01-11"),
        invoice("INV-7003", "C1", "510.00", "2026-01-12"),
        invoice("INV-7004", "C1", "250.00", "2026-01-13"),
        invoice("INV-7005", "C1", "250.00", "2026-01-14"),
    ];
    let who = |r| payer(r, "Atlas Manufacturing");
    let rs = [
        who(receipt("R1", "345.67", "2026-02-01", &[])),
        who(receipt("R2", "630.00", "2026-02-02", &[])),
        who(receipt("R3", "250.00", "2026-02-03", &[])),
    ];
    let (l, o) = decide(invs, vec![customer("C1", "Atlas Manufacturing")], &rs);
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-7002", "345.67")]);
    assert_eq!(o[0].lines[0].rule.as_str(), "amount_unique");
    assert_eq!(lines(&l, &o[1]), [s("applied", "INV-7001", "120.00"), s("applied", "INV-7003", "510.00")]);
    assert_eq!(o[1].lines[0].rule.as_str(), "subset_sum");
    assert_eq!(exceptions(&l, &o[2]), [s("ambiguous", "", "250.00")], "two invoices of 250.00: ambiguous only");
    assert_eq!(lines(&l, &o[2]), [s("unapplied", "", "250.00")]);
}

#[test]
fn a_credit_memo_named_in_the_remittance_is_applied_negative() {
    let invs =
        vec![invoice("INV-8001", "C1", "1000.00", "2026-01-10"), invoice("CM-8002", "C1", "-200.00", "2026-01-05")];
    let (l, o) = decide(invs, vec![], &[receipt("R1", "800.00", "2026-02-01", &["INV-8001 LESS CM-8002"])]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "CM-8002", "-200.00"), s("applied", "INV-8001", "1000.00")]);
    assert!(o[0].exceptions.is_empty());
}

#[test]
fn a_parent_paying_for_its_subsidiary_posts_to_the_invoice_owner() {
    let mut sub = customer("C-SUB", "Fairchild Tires");
    sub.parent_id = Some("C-PAR".into());
    let (l, o) = decide(
        vec![invoice("INV-9001", "C-SUB", "400.00", "2026-01-10")],
        vec![customer("C-PAR", "Fairchild Automotive"), sub],
        &[payer(receipt("R1", "400.00", "2026-02-01", &["INV-9001"]), "FAIRCHILD AUTOMOTIVE")],
    );
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-9001", "400.00")]);
    assert_eq!(l.customer_id(o[0].customer.unwrap()), "C-SUB");
}

#[test]
fn itemised_lines_that_do_not_add_up_raise_a_remittance_mismatch() {
    let invs =
        vec![invoice("INV-1101", "C1", "600.00", "2026-01-10"), invoice("INV-1102", "C1", "300.00", "2026-01-10")];
    let mut r = receipt("R1", "850.00", "2026-02-01", &[]);
    for (reference, amount) in [("INV-1101", "500.00"), ("INV-1102", "300.00")] {
        let mut line = RemittanceLine::reference(reference, DocumentType::Invoice);
        line.amount = Some(d(amount));
        r.remittance_lines.push(line);
    }
    let (l, o) = decide(invs, vec![], &[r]);
    assert_eq!(
        lines(&l, &o[0]),
        [s("applied", "INV-1101", "500.00"), s("applied", "INV-1102", "300.00"), s("unapplied", "", "50.00")]
    );
    assert_eq!(
        exceptions(&l, &o[0]),
        [s("short_payment", "INV-1101", "100.00"), s("remittance_mismatch", "", "50.00")]
    );
}

#[test]
fn a_one_typo_reference_is_applied_only_when_the_amount_corroborates_it() {
    let invs = vec![
        invoice("INV-1234567", "C1", "700.00", "2026-01-10"),
        invoice("INV-7654321", "C1", "900.00", "2026-01-10"),
    ];
    let rs = [
        receipt("R1", "700.00", "2026-02-01", &["INV 1234576"]),
        receipt("R2", "850.00", "2026-02-01", &["INV 7654312"]),
    ];
    let (l, o) = decide(invs, vec![], &rs);
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-1234567", "700.00")]);
    assert_eq!(o[0].lines[0].rule.as_str(), "ref_fuzzy");
    assert_eq!(
        lines(&l, &o[1]),
        [s("unidentified", "", "850.00")],
        "a near reference alone does not identify the customer"
    );
    assert_eq!(exceptions(&l, &o[1]), [s("unidentified", "", "850.00")]);
    assert_eq!(o[1].exceptions[0].suggestions[0].0, "C1");
    assert!(o[1].exceptions[0].detail.contains("INV-7654321"));
}

#[test]
fn the_only_invoice_one_edit_away_of_a_payer_known_by_name_is_applied() {
    let (l, o) = decide(
        vec![invoice("INV-7654321", "C1", "900.00", "2026-01-10")],
        vec![customer("C1", "Atlas Manufacturing")],
        &[payer(receipt("R1", "850.00", "2026-02-01", &["INV 7654312"]), "ATLAS MANUFACTURING")],
    );
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-7654321", "850.00")]);
    assert_eq!(exceptions(&l, &o[0]), [s("short_payment", "INV-7654321", "50.00")]);
    assert_eq!(o[0].lines[0].rule.as_str(), "ref_fuzzy");
}

#[test]
fn a_near_reference_of_a_payer_known_only_by_a_similar_name_is_held_with_the_invoice_suggested() {
    let (l, o) = decide(
        vec![invoice("INV-7654321", "C1", "900.00", "2026-01-10"), invoice("INV-7654329", "C1", "10.00", "2026-01-10")],
        vec![customer("C1", "Atlas Manufacturing")],
        &[payer(receipt("R1", "850.00", "2026-02-01", &["INV 7654312"]), "ATLAS MANUFACTURIN")],
    );
    assert_eq!(lines(&l, &o[0]), [s("unapplied", "", "850.00")]);
    assert_eq!(exceptions(&l, &o[0]), [s("unapplied", "", "850.00")]);
    assert_eq!(o[0].exceptions[0].suggestions[0].0, "INV-7654321");
}

#[test]
fn a_cut_off_remittance_applies_the_rest_only_to_a_unique_subset() {
    let invs = vec![
        invoice("INV-1201", "C1", "100.00", "2026-01-10"),
        invoice("INV-1202", "C1", "200.00", "2026-01-11"),
        invoice("INV-1203", "C1", "333.00", "2026-01-12"),
        invoice("INV-1204", "C1", "444.00", "2026-01-13"),
    ];
    let text = format!("{:<76}INV-", "PAYMENT INV-1201 INV-1202");
    assert_eq!(text.len(), 80);
    let rs = [receipt("R1", "633.00", "2026-02-01", &[&text])];
    let (l, o) = decide(invs, vec![], &rs);
    assert_eq!(
        lines(&l, &o[0]),
        [s("applied", "INV-1201", "100.00"), s("applied", "INV-1202", "200.00"), s("applied", "INV-1203", "333.00")]
    );
    assert!(o[0].exceptions.is_empty(), "{:?}", o[0].exceptions);
}

#[test]
fn shuffling_the_receipts_changes_no_decision() {
    let invs =
        || vec![invoice("INV-1301", "C1", "500.00", "2026-01-10"), invoice("INV-1302", "C1", "250.00", "2026-01-12")];
    let rs = vec![
        receipt("R3", "500.00", "2026-02-02", &["INV-1301"]),
        receipt("R1", "500.00", "2026-02-01", &["INV-1301"]),
        receipt("R2", "250.00", "2026-02-01", &["INV-1302"]),
    ];
    let (_, a) = decide(invs(), vec![], &rs);
    let mut reversed = rs.clone();
    reversed.reverse();
    let (_, mut b) = decide(invs(), vec![], &reversed);
    b.reverse();
    assert_eq!(a, b);
    assert_eq!(a[0].exceptions[0].kind, ExceptionKind::DuplicatePayment);
    assert_eq!(a[1].lines[0].kind, PostingKind::Applied);
}

#[test]
fn a_transposition_into_another_real_invoice_yields_to_the_neighbour_whose_amount_fits() {
    let (l, o) = decide(
        vec![
            invoice("INV-0010007", "C8", "500.00", "2026-01-10"),
            invoice("INV-0010070", "C8", "477.48", "2026-02-10"),
        ],
        vec![customer("C8", "Silverline Logistics")],
        &[payer(receipt("R1", "500.00", "2026-03-01", &["INVOICES INV-0010070"]), "SILVERLINE LOGIS")],
    );
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-0010007", "500.00")]);
    assert!(o[0].exceptions.is_empty(), "{:?}", o[0].exceptions);
}

#[test]
fn lines_of_a_check_stating_more_than_the_check_are_a_remittance_mismatch_not_a_guessed_short_payment() {
    // A lockbox check of 92,951.44 whose stub lists three invoices at their
    // full open amounts (94,567.44): no bank takes a fee out of a check, and
    // which invoice the payer left short would be a guess.
    let invs = vec![
        invoice("INV-410015", "C1", "4173.85", "2026-02-01"),
        invoice("INV-409950", "C1", "72374.19", "2026-02-02"),
        invoice("INV-409978", "C1", "18019.40", "2026-02-03"),
    ];
    let stub = [("INV-410015", "4173.85"), ("INV-409950", "72374.19"), ("INV-409978", "18019.40")];
    let mut r = itemised(receipt("0047711-003-013", "92951.44", "2026-04-14", &[]), &stub);
    r.format = cashapply_model::SourceFormat::Lockbox;
    let (l, o) = decide(invs.clone(), vec![], std::slice::from_ref(&r));
    let kinds: Vec<&str> = o[0].exceptions.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["remittance_mismatch"], "{:?}", o[0].exceptions);
    assert_eq!(o[0].exceptions[0].amount, d("1616.00"));
    let got = lines(&l, &o[0]);
    assert!(
        !got.iter().any(|(k, _, a)| *k == "applied" && !stub.iter().any(|(_, x)| x == a)),
        "no part payment: {got:?}"
    );
    let held: Vec<_> = got.iter().filter(|(k, _, _)| *k == "unapplied").collect();
    assert_eq!(held.len(), 1, "{got:?}");
    // The coordinator is told which invoice was left and what is held.
    let e = &o[0].exceptions[0];
    let left: Vec<&str> = e.suggestions.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(left.len(), 1, "{e:?}");
    assert!(e.detail.contains(&format!("{} (", left[0])) && e.detail.contains(held[0].2.as_str()), "{}", e.detail);
    // The same advice with a wire (a bank fee may be taken on the way):
    // the invoice the cash runs out on is paid short, as before.
    let mut wire = r.clone();
    wire.format = cashapply_model::SourceFormat::Bai2;
    wire.transaction_code = Some("195".into());
    let (_, o) = decide(invs.clone(), vec![], &[wire]);
    assert!(o[0].exceptions.iter().any(|e| e.kind.as_str() == "short_payment"), "{:?}", o[0].exceptions);
    // A gap within the write-off tolerance is written off, not a mismatch.
    let mut near = r.clone();
    near.amount = d("94567.00");
    let (l, o) = decide(invs.clone(), vec![], &[near]);
    assert!(!o[0].exceptions.iter().any(|e| e.kind.as_str() == "remittance_mismatch"), "{:?}", o[0].exceptions);
    assert!(lines(&l, &o[0]).iter().any(|(k, _, a)| *k == "write_off" && a == "0.44"), "{:?}", lines(&l, &o[0]));
    // One line alone on a check: that invoice, paid short.
    let mut one = itemised(receipt("0047711-003-014", "4158.85", "2026-04-14", &[]), &[("INV-410015", "4173.85")]);
    one.format = cashapply_model::SourceFormat::Lockbox;
    let (l, o) = decide(invs, vec![], &[one]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-410015", "4158.85")]);
    assert_eq!(exceptions(&l, &o[0]), [s("short_payment", "INV-410015", "15.00")]);
}

fn itemised(mut r: Receipt, lines: &[(&str, &str)]) -> Receipt {
    for (reference, amount) in lines {
        let mut line = RemittanceLine::reference(*reference, DocumentType::Invoice);
        line.amount = amount.parse().ok();
        r.remittance_lines.push(line);
    }
    r
}

#[test]
fn a_credit_memo_line_written_positive_is_still_applied_negative() {
    let invs =
        vec![invoice("INV-2101", "C1", "1000.00", "2026-01-10"), invoice("CM-2102", "C1", "-200.00", "2026-01-05")];
    let r = itemised(receipt("R1", "800.00", "2026-02-01", &[]), &[("INV-2101", "1000.00"), ("CM-2102", "200.00")]);
    let (l, o) = decide(invs, vec![], &[r]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "CM-2102", "-200.00"), s("applied", "INV-2101", "1000.00")]);
    assert!(o[0].exceptions.is_empty(), "{:?}", o[0].exceptions);
}

#[test]
fn two_lines_naming_one_invoice_add_up_and_never_spill_onto_another_invoice() {
    let invs =
        vec![invoice("INV-100234", "C1", "100.00", "2026-01-10"), invoice("INV-100299", "C1", "40.00", "2026-01-11")];
    let r = itemised(
        payer(receipt("R1", "100.00", "2026-02-01", &[]), "ATLAS"),
        &[("INV-100234", "60.00"), ("INV-100234", "40.00")],
    );
    let (l, o) = decide(invs, vec![customer("C1", "Atlas")], &[r]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-100234", "100.00")]);
    assert!(o[0].exceptions.is_empty(), "{:?}", o[0].exceptions);
}

#[test]
fn a_receipt_amount_finer_than_its_currency_is_held_not_posted() {
    let mut r = receipt("R1", "1000.5", "2026-02-01", &["INV-3301"]);
    r.currency = Currency::parse("JPY").unwrap();
    let mut inv = invoice("INV-3301", "C1", "1000", "2026-01-10");
    inv.currency = r.currency;
    let (l, o) = decide(vec![inv], vec![], &[r]);
    assert_eq!(lines(&l, &o[0]), [s("unapplied", "", "1000.5")], "the reference names the customer; the cash is held");
    assert_eq!(exceptions(&l, &o[0]), [s("unapplied", "", "1000.5")]);
}

#[test]
fn absurd_line_amounts_are_ignored_instead_of_overflowing() {
    let r = itemised(
        receipt("R1", "100.00", "2026-02-01", &[]),
        &[("INV-4401", "-79228162514264337593543950335"), ("INV-4401", "79228162514264337593543950335")],
    );
    let (l, o) = decide(vec![invoice("INV-4401", "C1", "100.00", "2026-01-10")], vec![], &[r]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-4401", "100.00")]);
}

#[test]
fn an_itemised_remittance_with_a_duplicate_raises_only_the_duplicate() {
    let mut closed = invoice("INV-5502", "C1", "100.00", "2026-01-10");
    closed.status = InvoiceStatus::Closed;
    let r = itemised(receipt("R1", "200.00", "2026-02-01", &[]), &[("INV-5501", "100.00"), ("INV-5502", "100.00")]);
    let (l, o) = decide(vec![invoice("INV-5501", "C1", "100.00", "2026-01-10"), closed], vec![], &[r]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-5501", "100.00"), s("on_account", "", "100.00")]);
    assert_eq!(exceptions(&l, &o[0]), [s("duplicate_payment", "INV-5502", "100.00")]);
}

#[test]
fn a_reference_fitting_several_customers_with_no_payer_is_unidentified_with_customers_suggested() {
    let invs =
        vec![invoice("INV-6601", "C1", "100.00", "2026-01-10"), invoice("INV-6601", "C2", "100.00", "2026-01-10")];
    let (l, o) = decide(invs, vec![], &[receipt("R1", "100.00", "2026-02-01", &["INV-6601"])]);
    assert_eq!(exceptions(&l, &o[0]), [s("unidentified", "", "100.00")]);
    let suggested: Vec<&str> = o[0].exceptions[0].suggestions.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(suggested, ["C1", "C2"]);
}

#[test]
fn every_named_invoice_the_cash_does_not_reach_is_reported_short() {
    let invs = vec![
        invoice("INV-7701", "C1", "100.00", "2026-01-10"),
        invoice("INV-7702", "C1", "100.00", "2026-01-11"),
        invoice("INV-7703", "C1", "100.00", "2026-01-12"),
    ];
    let (l, o) = decide(invs, vec![], &[receipt("R1", "150.00", "2026-02-01", &["INV-7701 INV-7702 INV-7703"])]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-7701", "100.00"), s("applied", "INV-7702", "50.00")]);
    assert_eq!(
        exceptions(&l, &o[0]),
        [s("short_payment", "INV-7702", "50.00"), s("short_payment", "INV-7703", "100.00")]
    );
}

fn with_discount(mut inv: Invoice, percent: &str, until: &str) -> Invoice {
    inv.discount_percent = Some(d(percent));
    inv.discount_until = Some(date(until));
    inv
}

#[test]
fn an_earned_discount_is_taken_before_the_rest_of_a_shortfall_is_judged() {
    let inv = with_discount(invoice("INV-8801", "C1", "100.00", "2026-02-28"), "2", "2026-02-10");
    let (l, o) = decide(vec![inv], vec![], &[receipt("R1", "97.80", "2026-02-05", &["INV-8801"])]);
    assert_eq!(
        lines(&l, &o[0]),
        [s("applied", "INV-8801", "97.80"), s("write_off", "INV-8801", "0.20"), s("discount", "INV-8801", "2.00")]
    );
    assert!(o[0].exceptions.is_empty(), "0.20 after the 2.00 discount is within the 0.50 tolerance");
}

#[test]
fn of_two_discounts_taken_only_the_unearned_one_is_an_exception() {
    let early = with_discount(invoice("INV-8811", "C1", "1000.00", "2026-02-28"), "2", "2026-02-20");
    let late = with_discount(invoice("INV-8812", "C1", "500.00", "2026-02-28"), "2", "2026-01-20");
    let (l, o) = decide(vec![early, late], vec![], &[receipt("R1", "1470.00", "2026-02-05", &["INV-8811 INV-8812"])]);
    assert_eq!(
        lines(&l, &o[0]),
        [s("applied", "INV-8811", "980.00"), s("applied", "INV-8812", "490.00"), s("discount", "INV-8811", "20.00")]
    );
    assert_eq!(exceptions(&l, &o[0]), [s("unearned_discount", "INV-8812", "10.00")]);
}

#[test]
fn the_rest_of_a_cut_off_remittance_equal_to_one_item_is_unapplied_when_a_set_of_others_fits_too() {
    // Rule 7 has only the subset clause: INV-1303 alone and INV-1304 +
    // INV-1305 both make 333.00, so the rest is not exactly one subset.
    let invs = vec![
        invoice("INV-1301", "C1", "100.00", "2026-01-10"),
        invoice("INV-1302", "C1", "200.00", "2026-01-11"),
        invoice("INV-1303", "C1", "333.00", "2026-01-12"),
        invoice("INV-1304", "C1", "300.00", "2026-01-13"),
        invoice("INV-1305", "C1", "33.00", "2026-01-14"),
    ];
    let text = format!("{:<76}INV-", "PAYMENT INV-1301 INV-1302");
    let (l, o) = decide(invs, vec![], &[receipt("R1", "633.00", "2026-02-01", &[&text])]);
    assert_eq!(
        lines(&l, &o[0]),
        [s("applied", "INV-1301", "100.00"), s("applied", "INV-1302", "200.00"), s("unapplied", "", "333.00")]
    );
    assert_eq!(exceptions(&l, &o[0]), [s("unapplied", "", "333.00")]);
}

#[test]
fn a_naked_payment_of_a_parent_is_not_matched_by_amount_to_its_subsidiarys_invoices() {
    let mut sub = customer("C-SUB", "Fairchild Tires");
    sub.parent_id = Some("C-PAR".into());
    let (l, o) = decide(
        vec![invoice("INV-9101", "C-SUB", "400.00", "2026-01-10")],
        vec![customer("C-PAR", "Fairchild Automotive"), sub],
        &[payer(receipt("R1", "400.00", "2026-02-01", &[]), "FAIRCHILD AUTOMOTIVE")],
    );
    assert_eq!(lines(&l, &o[0]), [s("unapplied", "", "400.00")]);
    assert_eq!(exceptions(&l, &o[0]), [s("unapplied", "", "400.00")]);
}

#[test]
fn a_set_that_adds_up_is_only_suggested_when_the_remittance_names_a_document_that_cannot_be_read() {
    let invs = vec![
        invoice("INV-7101", "C1", "120.00", "2026-01-10"),
        invoice("INV-7102", "C1", "510.00", "2026-01-12"),
        invoice("INV-7103", "C1", "999.00", "2026-01-13"),
    ];
    let who = |r| payer(r, "Atlas Manufacturing");
    // `INV-7Q0Q9` matches nothing, even one edit away; without it the same
    // amount is applied to the one set that fits.
    let rs = [
        who(receipt("R1", "630.00", "2026-02-01", &["INSTALLMENT 1 OF 2 INV-7Q0Q9"])),
        who(receipt("R2", "630.00", "2026-02-02", &[])),
    ];
    let (l, o) = decide(invs, vec![customer("C1", "Atlas Manufacturing")], &rs);
    assert_eq!(lines(&l, &o[0]), [s("unapplied", "", "630.00")]);
    assert_eq!(exceptions(&l, &o[0]), [s("unapplied", "", "630.00")]);
    let suggested: Vec<&str> = o[0].exceptions[0].suggestions.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(suggested, ["INV-7101", "INV-7102"]);
    assert_eq!(lines(&l, &o[1]), [s("applied", "INV-7101", "120.00"), s("applied", "INV-7102", "510.00")]);
}

#[test]
fn a_number_written_in_spaced_groups_is_read_whole_and_its_groups_name_no_other_invoice() {
    let invs = vec![
        invoice("2026-507620", "C1", "2161.70", "2026-01-10"),
        invoice("507", "C2", "1366.97", "2026-01-10"),
        invoice("620", "C3", "250.00", "2026-01-10"),
        invoice("INV-0412643", "C1", "99.00", "2026-01-10"),
        invoice("643", "C2", "750.00", "2026-01-10"),
    ];
    let rs = [
        receipt("R1", "2161.70", "2026-02-01", &["INVOICES 20 26- 507 620"]),
        receipt("R2", "99.00", "2026-02-02", &["PMT INV-0 412 643, THANKS"]),
    ];
    let (l, o) = decide(invs, vec![], &rs);
    assert_eq!(lines(&l, &o[0]), [s("applied", "2026-507620", "2161.70")]);
    assert_eq!(lines(&l, &o[1]), [s("applied", "INV-0412643", "99.00")]);
}

#[test]
fn the_cut_off_last_word_of_a_truncated_line_names_no_invoice() {
    let invs = vec![
        invoice("INV-0231563", "C1", "100.00", "2026-01-10"),
        invoice("INV-0231556", "C1", "200.00", "2026-01-11"),
        invoice("INV-0231594", "C1", "333.00", "2026-01-12"),
        invoice("231", "C2", "333.00", "2026-01-12"),
    ];
    // An 80-character ACH addenda line ending inside `INV-0231594`: the
    // visible `INV-0231` is not invoice 231 of another customer; the rest
    // goes to the one set of the customer's open items that fits.
    let text = format!("{:<72}INV-0231", "REF INV-0231563, INV-0231556,");
    assert_eq!(text.len(), 80);
    let (l, o) = decide(invs, vec![], &[receipt("R1", "633.00", "2026-02-01", &[&text])]);
    assert_eq!(
        lines(&l, &o[0]),
        [
            s("applied", "INV-0231563", "100.00"),
            s("applied", "INV-0231556", "200.00"),
            s("applied", "INV-0231594", "333.00")
        ],
        "{:?}",
        o[0].exceptions
    );
}

#[test]
fn a_part_payment_on_a_reference_one_digit_from_another_customers_invoice_of_exactly_that_amount_is_held() {
    // 500.00 is a part of INV-0012886 (C1) or all of INV-0012866 (C2): with
    // a whole amount the mistyped digit cannot be told from a part payment;
    // both are suggested.
    let invs = |other: &str| {
        vec![invoice("INV-0012886", "C1", "1500.00", "2026-01-10"), invoice("INV-0012866", "C2", other, "2026-01-12")]
    };
    let (l, o) = decide(invs("500.00"), vec![], &[receipt("R1", "500.00", "2026-02-01", &["INV-0012886"])]);
    assert_eq!(lines(&l, &o[0]), [s("unapplied", "", "500.00")]);
    let suggested: Vec<&str> = o[0].exceptions[0].suggestions.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(suggested, ["INV-0012886", "INV-0012866"]);
    // An amount with cents (234.68) exactly C2's one edit away, from a payer
    // nothing else names: the digit was mistyped.
    let (l, o) = decide(invs("234.68"), vec![], &[receipt("R1", "234.68", "2026-02-01", &["INV-0012886"])]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-0012866", "234.68")]);
    // When the payer's own name confirms C1, the part payment stands.
    let (l, o) = decide(
        invs("234.68"),
        vec![customer("C1", "Atlas Manufacturing")],
        &[payer(receipt("R1", "234.68", "2026-02-01", &["INV-0012886"]), "Atlas Manufacturing")],
    );
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-0012886", "234.68")]);
    assert_eq!(exceptions(&l, &o[0]), [s("short_payment", "INV-0012886", "1265.32")]);
}

#[test]
fn a_part_payment_when_several_of_the_customers_invoices_one_digit_away_fit_exactly_is_held() {
    let (l, o) = decide(
        vec![
            invoice("INV-0020010", "C1", "900.00", "2026-01-10"),
            invoice("INV-0020011", "C1", "250.00", "2026-01-11"),
            invoice("INV-0020019", "C1", "250.00", "2026-01-12"),
        ],
        vec![customer("C1", "Atlas Manufacturing")],
        &[payer(receipt("R1", "250.00", "2026-02-01", &["INV-0020010"]), "Atlas Manufacturing")],
    );
    assert_eq!(lines(&l, &o[0]), [s("unapplied", "", "250.00")]);
    let suggested: Vec<&str> = o[0].exceptions[0].suggestions.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(suggested, ["INV-0020010", "INV-0020011", "INV-0020019"]);
}

#[test]
fn a_third_party_paying_an_invoice_less_a_wire_fee_is_applied_with_a_short_payment() {
    let mut payer_co = customer("C1", "Bill Pay Services");
    payer_co.bank_accounts = vec!["021000021:555".into()];
    let mut r = receipt("R1", "990.00", "2026-02-01", &["INV-0033301"]);
    r.payer_account = Some("021000021:555".into());
    let (l, o) = decide(
        vec![
            invoice("INV-0033301", "C2", "1000.00", "2026-01-10"),
            invoice("INV-0044410", "C1", "990.00", "2026-01-11"),
        ],
        vec![payer_co, customer("C2", "Cobalt Furniture")],
        &[r],
    );
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-0033301", "990.00")]);
    assert_eq!(exceptions(&l, &o[0]), [s("short_payment", "INV-0033301", "10.00")]);
}

#[test]
fn the_payers_own_reference_number_does_not_stop_a_set_that_adds_up_from_being_applied() {
    let invs =
        vec![invoice("INV-7201", "C1", "120.00", "2026-01-10"), invoice("INV-7202", "C1", "510.00", "2026-01-12")];
    let mut r = payer(receipt("R1", "630.00", "2026-02-01", &[]), "Atlas Manufacturing");
    r.customer_reference = Some("E2E-77881234".into());
    let (l, o) = decide(invs, vec![customer("C1", "Atlas Manufacturing")], &[r]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-7201", "120.00"), s("applied", "INV-7202", "510.00")]);
}

#[test]
fn a_complete_invoice_number_ending_a_line_of_exactly_80_characters_still_counts() {
    let invs = vec![
        invoice("INV-0231563", "C1", "100.00", "2026-01-10"),
        invoice("INV-0231594", "C1", "200.00", "2026-01-11"),
    ];
    let text = format!("{:<69}INV-0231594", "REF INV-0231563,");
    assert_eq!(text.len(), 80);
    let (l, o) = decide(invs, vec![], &[receipt("R1", "300.00", "2026-02-01", &[&text])]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-0231563", "100.00"), s("applied", "INV-0231594", "200.00")]);
}

#[test]
fn the_rest_of_a_cut_off_remittance_is_not_applied_when_a_second_fitting_item_lies_beyond_two_thousand_others() {
    // 2,000 larger open items must not crowd the second 777.77 item out of
    // the search: two items fit the rest, so it is not exactly one subset.
    let mut invs = vec![
        invoice("INV-0500001", "C1", "100.00", "2026-01-01"),
        invoice("INV-0500003", "C1", "200.00", "2026-01-01"),
        invoice("INV-0500002", "C1", "777.77", "2026-01-02"),
    ];
    for k in 0..2000 {
        invs.push(invoice(&format!("INV-06{k:05}"), "C1", "5000.00", "2026-01-03"));
    }
    invs.push(invoice("INV-0700001", "C1", "777.77", "2026-01-04"));
    let text = format!("{:<76}INV-", "PAYMENT INV-0500001 INV-0500003");
    let (l, o) = decide(invs, vec![], &[receipt("R1", "1077.77", "2026-02-01", &[&text])]);
    assert_eq!(
        lines(&l, &o[0]),
        [s("applied", "INV-0500001", "100.00"), s("applied", "INV-0500003", "200.00"), s("unapplied", "", "777.77")]
    );
}

#[test]
fn the_groups_of_a_number_that_names_an_invoice_do_not_make_its_customer_unknown() {
    // Paid far above the invoice, the reference is held; the customer is
    // still the owner of the grouped number, not "unidentified" because
    // its groups `507` and `620` are other customers' invoice numbers.
    let (l, o) = decide(
        vec![
            invoice("2026-507620", "C1", "1000.00", "2026-01-10"),
            invoice("507", "C2", "1366.97", "2026-01-10"),
            invoice("620", "C3", "250.00", "2026-01-10"),
        ],
        vec![],
        &[receipt("R1", "5000.00", "2026-02-01", &["INVOICES 20 26- 507 620"])],
    );
    assert_eq!(lines(&l, &o[0]), [s("unapplied", "", "5000.00")], "{:?}", o[0].exceptions);
    assert_eq!(l.customer_id(o[0].customer.unwrap()), "C1");
}

#[test]
fn a_customer_reference_that_happens_to_be_another_customers_invoice_does_not_outweigh_references_the_amount_confirms()
{
    // The bank's customer reference `379812` is, among a million invoices,
    // also some other customer's invoice number; the payer's name is cut to
    // 16 characters and is exactly a third customer's alias. The payer's
    // own words name C1's invoice, whose open amount is the payment.
    let invs = vec![
        invoice("2026-500865", "C1", "256.87", "2026-01-30"),
        invoice("379812", "C2", "1013.57", "2026-01-30"),
        invoice("2026-700001", "C3", "400.00", "2026-01-30"),
    ];
    let mut c3 = customer("C3", "Falcon Furniture LLC");
    c3.aliases = vec!["Falcon Furniture".into()];
    let cs = vec![customer("C1", "Falcon Furniture Inc"), customer("C2", "Orion Textiles LLC"), c3];
    let mut r = payer(receipt("R1", "256.87", "2026-03-05", &["2026-500865"]), "FALCON FURNITURE");
    r.customer_reference = Some("379812".into());
    let (l, o) = decide(invs, cs, &[r]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "2026-500865", "256.87")]);
    assert_eq!(l.customer_id(o[0].customer.unwrap()), "C1");
}

#[test]
fn a_trace_number_in_the_banks_customer_reference_field_does_not_name_the_payer() {
    // `411633` in the BAI2 customer-reference field normalises to the key
    // of INV-0411633, but it is not that number as printed: a coincidence
    // among a million invoices, not evidence of who paid.
    let invs = vec![invoice("INV-0411633", "C1", "1013.57", "2026-01-30")];
    let mut r = payer(receipt("R1", "729.10", "2026-03-05", &[]), "L ROSSI");
    r.customer_reference = Some("411633".into());
    let (l, o) = decide(invs.clone(), vec![customer("C1", "Redwood Glass of Ohio GmbH")], &[r]);
    assert_eq!(lines(&l, &o[0]), [s("unidentified", "", "729.10")]);
    assert_eq!(o[0].exceptions[0].kind.as_str(), "unidentified");
    // The invoice number exactly as printed there still names it.
    let mut r = payer(receipt("R2", "1013.57", "2026-03-05", &[]), "L ROSSI");
    r.customer_reference = Some("INV-0411633".into());
    let (l, o) = decide(invs, vec![customer("C1", "Redwood Glass of Ohio GmbH")], &[r]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-0411633", "1013.57")]);
}

#[test]
fn a_number_in_the_banks_customer_reference_field_one_edit_from_an_invoice_is_not_enough_to_part_pay_it() {
    // `499148` beside no remittance is one edit from the payer's
    // INV-0429148 (open for far more than the payment): a trace number as
    // likely as a mistyped document. Nothing is applied to that invoice.
    let invs = vec![
        invoice("INV-0429148", "C1", "41562.32", "2026-01-30"),
        invoice("INV-01019", "C1", "26538.32", "2026-01-30"),
        invoice("INV-01020", "C1", "26538.32", "2026-01-31"),
    ];
    let mut c1 = customer("C1", "Golden Plastics Corp");
    c1.bank_accounts = vec!["137684344:533816835".into()];
    let mut r = payer(receipt("R1", "26538.32", "2026-03-05", &[]), "KEYSTONE LINE TR");
    r.payer_account = Some("137684344:533816835".into());
    r.customer_reference = Some("499148".into());
    let (l, o) = decide(invs, vec![c1], &[r]);
    assert!(lines(&l, &o[0]).iter().all(|x| x.1 != "INV-0429148"), "{:?}", lines(&l, &o[0]));
}

#[test]
fn a_short_number_that_is_not_the_invoice_as_printed_does_not_part_pay_another_customers_invoice_from_a_line() {
    // `00552` on a remittance line normalises to the key of invoice `552`
    // of another customer; the line part-pays it (409.08 of 1,000.00).
    // Nothing corroborates it: nothing is applied to `552`.
    let invs = vec![invoice("552", "C2", "1000.00", "2026-01-30"), invoice("1800000552", "C1", "743.79", "2026-01-30")];
    let mut r = receipt("R1", "409.08", "2026-03-05", &[]);
    let mut line = RemittanceLine::reference("00552", DocumentType::Unknown);
    line.amount = Some(d("409.08"));
    r.remittance_lines = vec![line];
    let (l, o) = decide(invs.clone(), vec![], &[r]);
    assert!(lines(&l, &o[0]).iter().all(|x| x.1 != "552"), "{:?}", lines(&l, &o[0]));
    // A line that settles it exactly still names it.
    let mut r = receipt("R2", "1000.00", "2026-03-05", &[]);
    let mut line = RemittanceLine::reference("00552", DocumentType::Unknown);
    line.amount = Some(d("1000.00"));
    r.remittance_lines = vec![line];
    let (l, o) = decide(invs, vec![], &[r]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "552", "1000.00")]);
}

#[test]
fn a_short_number_misread_on_a_line_is_corroborated_by_lines_naming_the_same_customers_invoices_as_printed() {
    // `5I4` is `514` read by OCR; `513` and `567` are printed exactly.
    let invs = vec![
        invoice("514", "C1", "292.79", "2026-01-30"),
        invoice("513", "C1", "1741.44", "2026-01-30"),
        invoice("567", "C1", "15203.66", "2026-01-30"),
    ];
    let r = receipt("R1", "17157.12", "2026-03-05", &["5I4: EUR 212.02, 513: EUR 1741.44, 567: EUR 15203.66"]);
    let (l, o) = decide(invs, vec![], &[r]);
    assert!(lines(&l, &o[0]).contains(&s("applied", "514", "212.02")), "{:?}", lines(&l, &o[0]));
}

#[test]
fn a_cut_payer_name_that_is_another_customers_alias_does_not_overrule_references_to_a_customer_it_may_also_name() {
    // `SILVERLINE PLAST` (16 characters) is C2's alias, and also the start
    // of C1's name; the remittance names C1's invoices with amounts.
    let invs = vec![
        invoice("2026-588645", "C1", "4000.00", "2026-01-30"),
        invoice("2026-588680", "C1", "6000.00", "2026-01-30"),
        invoice("2026-700001", "C2", "4971.26", "2026-01-30"),
    ];
    let mut c2 = customer("C2", "Silverline Plastics of Ohio Inc");
    c2.aliases = vec!["SILVERLINE PLAST".into()];
    let cs = vec![customer("C1", "Silverline Plastics North America Ltd"), c2];
    let r = payer(
        receipt("R1", "4971.26", "2026-03-05", &["2026-588645/2,055.65 | 2026-588680/2,915.61"]),
        "SILVERLINE PLAST",
    );
    let (l, o) = decide(invs, cs, &[r]);
    assert_eq!(l.customer_id(o[0].customer.unwrap()), "C1");
    let got = lines(&l, &o[0]);
    assert!(got.contains(&s("applied", "2026-588645", "2055.65")), "{got:?}");
    assert!(got.contains(&s("applied", "2026-588680", "2915.61")), "{got:?}");
}

#[test]
fn a_reference_mistyped_into_another_customers_invoice_goes_to_the_customer_the_payers_name_may_be_and_its_neighbour() {
    // `INV-0170804` is C2's (Bluewater Pharma) invoice; the payer's cut name
    // `PACIFIC ELECTRIC` cannot be C2's and may be C1's or C3's, of which
    // only C1 has an invoice one edit away open for about the payment.
    let invs = vec![
        invoice("INV-0170894", "C1", "396.82", "2026-01-30"),
        invoice("INV-0170804", "C2", "1000.00", "2026-01-30"),
        invoice("INV-0990001", "C3", "384.92", "2026-01-30"),
    ];
    let cs = vec![
        customer("C1", "Pacific Electric Distribution Services Corp"),
        customer("C2", "Bluewater Pharma Corp"),
        customer("C3", "Pacific Electric Holdings LLC"),
    ];
    let r = payer(receipt("R1", "384.92", "2026-03-05", &["INV-0170804 384.92"]), "PACIFIC ELECTRIC");
    let (l, o) = decide(invs, cs, &[r]);
    assert_eq!(l.customer_id(o[0].customer.unwrap()), "C1");
    let got = lines(&l, &o[0]);
    assert!(got.iter().all(|x| x.1 != "INV-0170804"), "{got:?}");
}

#[test]
fn a_payer_named_by_an_alias_whose_reference_names_nothing_of_it_is_the_namesake_with_the_mistyped_invoice() {
    // `PRAIRIE TEXTILES` is C2's alias (and a cut of C1's name); the
    // mistyped `INV-0282719` names nothing of C2's, and is one edit from
    // C1's INV-0282791, open for the payment.
    let invs = vec![
        invoice("INV-0282791", "C1", "3862.99", "2026-01-30"),
        invoice("INV-0500001", "C2", "120.00", "2026-01-30"),
    ];
    let mut c2 = customer("C2", "Prairie Textiles LLC");
    c2.aliases = vec!["PRAIRIE TEXTILES".into()];
    let cs = vec![customer("C1", "Prairie Textiles GmbH"), c2];
    let r = payer(receipt("R1", "3862.99", "2026-03-05", &["PMT INV-0282719"]), "PRAIRIE TEXTILES");
    let (l, o) = decide(invs, cs, &[r]);
    assert_eq!(l.customer_id(o[0].customer.unwrap()), "C1");
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-0282791", "3862.99")]);
}

#[test]
fn an_amount_merely_near_another_customers_invoice_does_not_outweigh_the_payers_own_neighbour_open_for_exactly_it() {
    // The payer's exact name is C1's; `18-0023-3194` names C2's invoice,
    // open for 248.00 (short by less than the tolerance); C1's 1800203194, one edit
    // away, is open for exactly 247.68.
    let mut a = invoice("1800203194", "C1", "247.68", "2026-01-30");
    let mut b = invoice("1800233194", "C2", "248.00", "2026-01-30");
    a.currency = Currency::parse("EUR").unwrap();
    b.currency = Currency::parse("EUR").unwrap();
    let cs = vec![customer("C1", "Stonegate Electric of Ohio Co"), customer("C2", "Oakridge Motors of Ohio Inc")];
    let mut r = payer(receipt("R1", "247.68", "2026-03-05", &["18-0023-3194=247.68"]), "Stonegate Electric of Ohio Co");
    r.currency = Currency::parse("EUR").unwrap();
    let (l, o) = decide(vec![a, b], cs, &[r]);
    assert_eq!(l.customer_id(o[0].customer.unwrap()), "C1");
    assert_eq!(lines(&l, &o[0]), [s("applied", "1800203194", "247.68")]);
}

#[test]
fn a_mistyped_number_that_lands_on_a_foreign_currency_invoice_of_a_customer_the_name_cannot_be_does_not_name_the_payer()
{
    // `INV-0393517` is C2's EUR invoice; the USD payment's payer name is a
    // cut of C1's, whose INV-0393571 (one transposition away) it
    // part-pays.
    let mut b = invoice("INV-0393517", "C2", "900.00", "2026-01-30");
    b.currency = Currency::parse("EUR").unwrap();
    // Part-paid; C3's INV-0393518, also one edit away, is open in USD too.
    let invs = vec![
        invoice("INV-0393571", "C1", "500.00", "2026-01-30"),
        b,
        invoice("INV-0393518", "C3", "700.00", "2026-01-30"),
    ];
    let cs = vec![
        customer("C1", "Orion Technologies of Ohio LLC"),
        customer("C2", "Meridian Packaging of Ohio Inc"),
        customer("C3", "Falcon Tires Co"),
    ];
    let r = payer(receipt("R1", "233.04", "2026-03-05", &["INV-0393517=233.04"]), "ORION TECHNOLOGIES OF OHIO L");
    let (l, o) = decide(invs, cs, &[r]);
    assert_eq!(l.customer_id(o[0].customer.unwrap()), "C1");
    assert!(lines(&l, &o[0]).iter().all(|x| x.1 != "INV-0393517"), "{:?}", lines(&l, &o[0]));
}

#[test]
fn of_several_owners_of_the_references_the_one_a_payer_known_by_name_may_be_is_the_customer() {
    // `KEYSTONE CHEMICA` is C2's alias and a cut of C1's name; the advice
    // names two of C1's invoices (one in part) and C3's `INV-77`.
    let invs = vec![
        invoice("1800084031", "C1", "31390.78", "2026-01-30"),
        invoice("1800084052", "C1", "5000.00", "2026-01-30"),
        invoice("INV-77", "C3", "10.00", "2026-01-30"),
        invoice("INV-0500001", "C2", "120.00", "2026-01-30"),
    ];
    let mut c2 = customer("C2", "Keystone Chemicals LLC");
    c2.aliases = vec!["KEYSTONE CHEMICA".into()];
    let cs = vec![customer("C1", "Keystone Chemicals Inc"), c2, customer("C3", "Falcon Tires Co")];
    let r = payer(
        receipt("R1", "32400.78", "2026-03-05", &["1800084031=31390.78 | 1800084052=1000.00 | INV-77=10.00"]),
        "KEYSTONE CHEMICA",
    );
    let (l, o) = decide(invs, cs, &[r]);
    assert_eq!(l.customer_id(o[0].customer.unwrap()), "C1");
    let got = lines(&l, &o[0]);
    assert!(got.contains(&s("applied", "1800084031", "31390.78")), "{got:?}");
}

#[test]
fn a_payment_without_remittance_from_a_name_several_customers_share_goes_to_the_one_that_owes_exactly_it() {
    let cs = vec![customer("C1", "Silverline Tires Inc"), customer("C2", "Silverline Tires LLC")];
    let invs = vec![
        invoice("INV-1001", "C1", "1234.56", "2026-01-31"),
        invoice("INV-2001", "C2", "999.99", "2026-01-31"),
        invoice("INV-1002", "C1", "2500.00", "2026-01-31"),
    ];
    let r = payer(receipt("R1", "1234.56", "2026-02-02", &[]), "SILVERLINE TIRES");
    let (l, o) = decide(invs.clone(), cs.clone(), &[r]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-1001", "1234.56")]);
    assert_eq!(l.customer_id(o[0].customer.unwrap()), "C1");
    // A whole amount another customer of the ledger also has open tells
    // the customers apart no better than the name.
    let mut common = invs.clone();
    common.push(invoice("INV-9001", "C9", "2500.00", "2026-01-31"));
    let mut with_c9 = cs.clone();
    with_c9.push(customer("C9", "Harbor Freight Lines"));
    let r = payer(receipt("R2", "2500.00", "2026-02-02", &[]), "SILVERLINE TIRES");
    let (l, o) = decide(common, with_c9, std::slice::from_ref(&r));
    assert_eq!(lines(&l, &o[0]), [s("unidentified", "", "2500.00")]);
    // The only open item of the ledger of that whole amount: it.
    let (l, o) = decide(invs, cs, &[r]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-1002", "2500.00")]);
}

#[test]
fn a_name_cut_before_the_unit_number_goes_to_the_one_unit_that_owes_the_only_open_item_of_that_amount() {
    // `WOODLAND PROPERTIES GROUP D` (28 characters) fits the company and
    // each of its numbered divisions equally.
    let mut cs = vec![customer("C0", "Woodland Properties Group")];
    let mut invs = vec![invoice("INV-00001", "C0", "880.00", "2026-01-31")];
    for k in 1..=7 {
        cs.push(customer(&format!("C{k}"), &format!("Woodland Properties Group Division {k}0")));
        invs.push(invoice(&format!("INV-0010{k}"), &format!("C{k}"), &format!("{k}10.00"), "2026-01-31"));
    }
    invs.push(invoice("INV-00200", "C4", "24100.00", "2026-01-31"));
    let r = payer(receipt("R1", "24100.00", "2026-02-02", &[]), "WOODLAND PROPERTIES GROUP D");
    let (l, o) = decide(invs.clone(), cs.clone(), std::slice::from_ref(&r));
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-00200", "24100.00")]);
    assert_eq!(l.customer_id(o[0].customer.unwrap()), "C4");
    // Another open item of that amount anywhere in the ledger: held.
    invs.push(invoice("INV-00300", "C9", "24100.00", "2026-01-31"));
    cs.push(customer("C9", "Harbor Freight Lines"));
    let (l, o) = decide(invs, cs, &[r]);
    assert_eq!(lines(&l, &o[0]), [s("unidentified", "", "24100.00")]);
}

#[test]
fn a_payer_writing_its_division_number_is_that_division_and_its_open_item_of_the_amount_is_paid() {
    let mut cs = vec![customer("C0", "Redwood Financial Services")];
    let mut invs = vec![invoice("INV-00001", "C0", "2280.00", "2026-01-31")];
    for k in [83, 293, 29] {
        cs.push(customer(&format!("C{k}"), &format!("Redwood Financial Services Division {k}")));
        invs.push(invoice(&format!("INV-{k:05}"), &format!("C{k}"), "2280.00", "2026-01-31"));
    }
    let r = payer(receipt("R1", "2280.00", "2026-02-02", &[]), "REDWOOD FINANCIAL DIVISION 293");
    let (l, o) = decide(invs, cs, &[r]);
    assert_eq!(l.customer_id(o[0].customer.unwrap()), "C293");
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-00293", "2280.00")]);
}

/// A payer known by account paying part of one invoice, with a text of
/// exactly 35 characters (a common field length, so it looks cut off).
fn thirty_five_characters(text: &str, invoices: Vec<Invoice>) -> Vec<(&'static str, String, String)> {
    assert_eq!(text.chars().count(), 35);
    let mut cs = vec![customer("C1", "Redwood Optics Corp")];
    cs[0].bank_accounts = vec!["1242248639".into()];
    let mut r = receipt("R1", "2313.66", "2026-03-02", &[text]);
    r.payer_account = Some("1242248639".into());
    let (l, o) = decide(invoices, cs, &[r]);
    lines(&l, &o[0])
}

#[test]
fn a_text_that_happens_to_have_a_field_length_still_names_the_invoice_its_last_number_is_the_whole_of() {
    let got = thirty_five_characters(
        "INSTALLMENT 3 OF 4 INVOICES 0218045",
        vec![
            invoice("INV-0218045", "C1", "5932.47", "2026-02-21"),
            invoice("1800218045", "C2", "2634.63", "2026-03-30"),
        ],
    );
    assert_eq!(got, [s("applied", "INV-0218045", "2313.66")]);
}

#[test]
fn the_last_number_of_a_text_cut_at_a_field_length_does_not_name_an_invoice_a_longer_number_continues() {
    // `021804` may be the first six digits of INV-0218045: it names neither.
    let got = thirty_five_characters(
        "INSTALLMENT 3 OF 45 INVOICES 021804",
        vec![
            invoice("INV-021804", "C1", "5932.47", "2026-02-21"),
            invoice("INV-0218045", "C1", "9000.00", "2026-02-21"),
        ],
    );
    assert!(!got.iter().any(|(k, _, _)| *k == "applied"), "{got:?}");
}

/// Two customers a name cut at 16 characters cannot tell apart, each with
/// invoices; receipts from an account the customer master does not list.
fn cut_name_world() -> (Vec<Invoice>, Vec<cashapply_matching::inputs::Customer>) {
    let invs = vec![
        invoice("INV-7001", "C1", "1250.00", "2026-02-15"),
        invoice("INV-7002", "C1", "842.17", "2026-02-20"),
        invoice("INV-8001", "C2", "615.40", "2026-02-20"),
        invoice("INV-8002", "C2", "842.17", "2026-02-20"),
    ];
    let cs = vec![customer("C1", "Prairie Textiles Holdings Corp"), customer("C2", "Prairie Textiles of Ohio LLC")];
    (invs, cs)
}

fn from_account(r: Receipt, account: &str, name: &str) -> Receipt {
    let mut r = payer(r, name);
    r.payer_account = Some(account.into());
    r
}

#[test]
fn an_unlisted_account_that_paid_a_customer_by_reference_today_identifies_its_payment_without_remittance() {
    let (invs, cs) = cut_name_world();
    let by_reference =
        from_account(receipt("A", "1250.00", "2026-03-02", &["INV-7001"]), "0481205577", "PRAIRIE TEXTILES");
    let naked = from_account(receipt("B", "842.17", "2026-03-02", &[]), "481205577", "PRAIRIE TEXTILES");
    let (l, o) = decide(invs.clone(), cs.clone(), &[by_reference.clone(), naked.clone()]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-7001", "1250.00")]);
    assert_eq!(lines(&l, &o[1]), [s("applied", "INV-7002", "842.17")], "{:?}", o[1].exceptions);
    assert_eq!(o[1].customer.map(|c| l.customer_id(c).to_string()).as_deref(), Some("C1"));
    assert_eq!(o[1].customer_evidence, Some(CustomerEvidence::AccountInRun), "the outcome says what identified it");
    // Alone, the naked payment's cut name fits both customers: not applied.
    let (l, o) = decide(invs, cs, &[naked]);
    assert!(!lines(&l, &o[0]).iter().any(|(k, _, _)| *k == "applied"), "{:?}", lines(&l, &o[0]));
}

#[test]
fn a_payment_agents_account_that_paid_one_customer_by_reference_does_not_identify_its_other_payments() {
    let (invs, cs) = cut_name_world();
    let by_reference =
        from_account(receipt("A", "1250.00", "2026-03-02", &["INV-7001"]), "7700112233", "BILL.COM PAYABLES");
    let naked = from_account(receipt("B", "842.17", "2026-03-02", &[]), "7700112233", "BILL.COM PAYABLES");
    let (l, o) = decide(invs, cs, &[by_reference, naked]);
    assert!(!lines(&l, &o[1]).iter().any(|(k, _, _)| *k == "applied"), "{:?}", lines(&l, &o[1]));
    assert_eq!(o[1].customer, None);
}

#[test]
fn an_unlisted_account_that_paid_two_customers_by_reference_today_identifies_neither() {
    let (invs, cs) = cut_name_world();
    let a = from_account(receipt("A", "1250.00", "2026-03-02", &["INV-7001"]), "481205577", "PRAIRIE TEXTILES");
    let b = from_account(receipt("B", "615.40", "2026-03-02", &["INV-8001"]), "481205577", "PRAIRIE TEXTILES");
    let naked = from_account(receipt("C", "842.17", "2026-03-02", &[]), "481205577", "PRAIRIE TEXTILES");
    let (l, o) = decide(invs, cs, &[a, b, naked]);
    assert!(!lines(&l, &o[2]).iter().any(|(k, _, _)| *k == "applied"), "{:?}", lines(&l, &o[2]));
}

#[test]
fn a_list_cut_at_80_characters_then_wrapped_over_two_records_is_read_as_cut_off() {
    // 80 characters once the break inside `2026-500162` is joined: the
    // channel cut the list there, so the rest of the payment is cash for
    // invoices the advice no longer shows (rule 7), not an overpayment.
    let first = "PMT Invoice #2026-500188, 2026-500172, Inv 2026-500189, 2026-500161, 2026-5";
    assert_eq!(first.chars().count() + "00162".chars().count(), 80);
    let mut invs: Vec<Invoice> = ["2026-500161", "2026-500162", "2026-500172", "2026-500188", "2026-500189"]
        .iter()
        .map(|id| invoice(id, "C1", "1000.00", "2026-02-20"))
        .collect();
    invs.push(invoice("2026-500190", "C1", "700.00", "2026-02-20"));
    invs.push(invoice("2026-500191", "C1", "900.00", "2026-02-20"));
    let (l, o) = decide(invs, vec![], &[receipt("R1", "6234.56", "2026-03-02", &[first, "00162"])]);
    let got = lines(&l, &o[0]);
    assert!(got.contains(&s("applied", "2026-500162", "1000.00")), "{got:?}");
    let kinds: Vec<&str> = o[0].exceptions.iter().map(|e| e.kind.as_str()).collect();
    assert!(kinds.contains(&"unapplied") && !kinds.contains(&"overpayment"), "{kinds:?}");
}

#[test]
fn a_list_whose_last_words_stop_after_a_separator_or_inside_a_number_is_read_as_cut_off() {
    for text in ["INV-7001, INV-7002,", "PMT INV-7001;INV-7002;2026-"] {
        let invs = vec![
            invoice("INV-7001", "C1", "1000.00", "2026-02-20"),
            invoice("INV-7002", "C1", "1000.00", "2026-02-20"),
            invoice("INV-7003", "C1", "700.00", "2026-02-20"),
            invoice("INV-7004", "C1", "900.00", "2026-02-20"),
        ];
        let (l, o) = decide(invs, vec![], &[receipt("R1", "2345.67", "2026-03-02", &[text])]);
        let got = lines(&l, &o[0]);
        assert!(got.contains(&s("applied", "INV-7002", "1000.00")), "{text}: {got:?}");
        let kinds: Vec<&str> = o[0].exceptions.iter().map(|e| e.kind.as_str()).collect();
        assert!(kinds.contains(&"unapplied") && !kinds.contains(&"overpayment"), "{text}: {kinds:?}");
    }
}

#[test]
fn a_bare_number_listed_beside_the_customers_prefixed_invoice_numbers_is_paid_as_an_item_of_that_list() {
    let invs = vec![
        invoice("INV-01567", "C1", "104.00", "2026-02-20"),
        invoice("INV-01586", "C1", "106.00", "2026-02-20"),
        invoice("INV-01599", "C1", "900.00", "2026-02-20"),
    ];
    // 90.00 more than the two: the amount does not confirm the bare number,
    // the prefixed number of the same customer beside it does.
    let (l, o) = decide(invs, vec![], &[receipt("R1", "300.00", "2026-03-02", &["INV-01567;01586"])]);
    let got = lines(&l, &o[0]);
    assert!(got.contains(&s("applied", "INV-01586", "106.00")), "{got:?}");
    assert!(got.contains(&s("on_account", "", "90.00")), "{got:?}");
}

/// A USD payment quoting `INV-0100096`, which is another customer's EUR
/// invoice; the payer's own USD invoice `INV-0010096` is one edit away.
fn quoting_another_currency(own_open: &str) -> Vec<(&'static str, String, String)> {
    let mut eur = invoice("INV-0100096", "C2", "999.00", "2026-02-20");
    eur.currency = Currency::parse("EUR").unwrap();
    let invs = vec![invoice("INV-0010096", "C1", own_open, "2026-02-20"), eur];
    let (l, o) = decide(invs, vec![], &[receipt("R1", "1771.75", "2026-03-02", &["INVOICES INV-0100096"])]);
    lines(&l, &o[0])
}

#[test]
fn a_number_mistyped_into_another_customers_invoice_in_another_currency_goes_to_the_one_the_amount_confirms() {
    assert_eq!(quoting_another_currency("1771.75"), [s("applied", "INV-0010096", "1771.75")]);
}

#[test]
fn a_number_mistyped_into_an_invoice_in_another_currency_part_pays_the_only_neighbour_open_in_its_currency() {
    assert_eq!(quoting_another_currency("1800.00"), [s("applied", "INV-0010096", "1771.75")]);
}

#[test]
fn a_number_naming_an_invoice_in_another_currency_is_not_moved_to_a_neighbour_open_for_less_than_paid() {
    let got = quoting_another_currency("1700.00");
    assert!(!got.iter().any(|(k, _, _)| *k == "applied"), "{got:?}");
}

#[test]
fn an_exact_reference_to_another_customers_invoice_that_the_payers_exact_name_contradicts_and_the_amount_only_nears_is_held()
 {
    // `OBSIDIAN DATA CENTERS DIVISION 346` pays 4510.50 (a 3% discount)
    // naming INV-00404, which is Aurora's (4660.00); its own INV-00405 is
    // open for 4650.00. Nothing may be posted to Aurora's invoice.
    let cs = vec![
        customer("C42", "Aurora Pharmaceuticals Division 42"),
        customer("C346", "Obsidian Data Centers Division 346"),
    ];
    let invs = vec![
        invoice("INV-00404", "C42", "4660.00", "2026-01-31"),
        invoice("INV-00405", "C346", "4650.00", "2026-01-31"),
    ];
    let r = payer(receipt("R1", "4510.50", "2026-02-02", &["INV-00404=4510.50"]), "OBSIDIAN DATA CENTERS DIVISION 346");
    let (l, o) = decide(invs.clone(), cs.clone(), &[r]);
    let got = lines(&l, &o[0]);
    assert!(!got.iter().any(|x| x.0 == "applied"), "{got:?}");
    // Paying exactly what it names, the payer is a third party paying it.
    let r = payer(receipt("R2", "4660.00", "2026-02-02", &["INV-00404=4660.00"]), "OBSIDIAN DATA CENTERS DIVISION 346");
    let (l, o) = decide(invs, cs, &[r]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-00404", "4660.00")]);
}

#[test]
fn of_references_naming_two_unrelated_customers_with_no_payer_evidence_the_one_most_of_them_name_is_the_payer() {
    // Two lines name Prairie's invoices exactly, one names Horizon's (a
    // typo of Prairie's INV-00290): Horizon's invoice is not part-paid.
    let cs = vec![customer("C27", "Prairie Agricultural Co"), customer("C115", "Horizon Media Group Division 115")];
    let invs = vec![
        invoice("INV-00397", "C27", "160.00", "2026-01-31"),
        invoice("INV-00521", "C27", "3080.00", "2026-01-31"),
        invoice("INV-00290", "C27", "146200.00", "2026-01-31"),
        invoice("INV-00209", "C115", "69800.00", "2026-01-31"),
    ];
    let r = receipt("R1", "50024.00", "2026-02-02", &["INV-00397=160.00 | INV-00521=3080.00 | INV-00209=46784.00"]);
    let (l, o) = decide(invs, cs, &[r]);
    assert_eq!(l.customer_id(o[0].customer.unwrap()), "C27");
    let got = lines(&l, &o[0]);
    assert!(
        got.contains(&s("applied", "INV-00397", "160.00")) && got.contains(&s("applied", "INV-00521", "3080.00")),
        "{got:?}"
    );
    assert!(!got.iter().any(|x| x.1 == "INV-00209"), "{got:?}");
}

#[test]
fn a_payer_stating_the_percentage_it_took_as_a_discount_pays_the_one_open_item_that_less_that_percentage_makes() {
    // The reference names another customer's invoice (two edits from the
    // payer's own); the
    // payer, known by name, pays 45100.00 less 1.5%.
    let cs = vec![customer("C169", "Riverview Hospitality Inc Division 169"), customer("C9", "Harbor Freight Lines")];
    let invs = vec![
        invoice("INV-00342", "C169", "45100.00", "2026-01-31"),
        invoice("INV-00343", "C169", "12000.00", "2026-02-20"),
        invoice("INV-00524", "C9", "900.00", "2026-01-31"),
    ];
    let text = ["INV-00524 44423.50 1.5% discount taken"];
    let r = payer(receipt("R1", "44423.50", "2026-02-02", &text), "RIVERVIEW HOSPITALITY INC DIVISION 169");
    let (l, o) = decide(invs.clone(), cs.clone(), &[r]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-00342", "44423.50")]);
    assert_eq!(exceptions(&l, &o[0]), [s("unearned_discount", "INV-00342", "676.50")]);
    assert_eq!(o[0].lines[0].rule.as_str(), "stated_discount");
    // Without words of a discount, a percentage says nothing.
    let text = ["INV-00524 44423.50 1.5% surcharge"];
    let r = payer(receipt("R2", "44423.50", "2026-02-02", &text), "RIVERVIEW HOSPITALITY INC DIVISION 169");
    let (l, o) = decide(invs, cs, &[r]);
    assert!(!lines(&l, &o[0]).iter().any(|x| x.0 == "applied"), "{:?}", lines(&l, &o[0]));
}

#[test]
fn a_padding_zero_typed_as_another_digit_still_names_the_customers_invoice() {
    // `INV-90174` for `INV-00174`: keys drop leading zeros (`90174` and
    // `174` are two edits apart), the printed numbers one.
    let cs = vec![customer("C97", "Northern Star Logistics Division 97")];
    let invs =
        vec![invoice("INV-00174", "C97", "283.00", "2026-01-31"), invoice("INV-00175", "C97", "1200.00", "2026-02-20")];
    // Paid short (an amount alone would not find it).
    let r = payer(receipt("R1", "278.75", "2026-02-02", &["INV-90174"]), "NORTHERN STAR LOGISTICS DIVISION 97");
    let (l, o) = decide(invs, cs, &[r]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-00174", "278.75")]);
}

#[test]
fn a_payer_known_only_by_a_short_name_that_owes_nothing_of_the_amount_pays_the_unit_of_its_company_that_owes_the_only_such_item()
 {
    // `ATLAS MFG` reads best as the company itself, which owes nothing of
    // 131100.00; its Division 179 owes the only open item of that amount.
    let cs = vec![
        customer("C29", "Atlas Manufacturing Corp"),
        customer("C179", "Atlas Manufacturing Corp Division 179"),
        customer("C180", "Atlas Manufacturing Corp Division 180"),
    ];
    let mut invs = vec![
        invoice("INV-00001", "C29", "5000.00", "2026-01-31"),
        invoice("INV-00064", "C179", "131100.00", "2026-01-31"),
        invoice("INV-00065", "C180", "7000.00", "2026-01-31"),
    ];
    let r = payer(receipt("R1", "131100.00", "2026-02-02", &[]), "Atlas Mfg");
    let (l, o) = decide(invs.clone(), cs.clone(), std::slice::from_ref(&r));
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-00064", "131100.00")]);
    // The amount open twice in the ledger: held.
    invs.push(invoice("INV-00066", "C180", "131100.00", "2026-02-20"));
    let (l, o) = decide(invs, cs, &[r]);
    assert!(!lines(&l, &o[0]).iter().any(|x| x.0 == "applied"), "{:?}", lines(&l, &o[0]));
}

#[test]
fn a_payer_stating_the_amount_it_deducted_pays_the_one_open_item_that_amount_short_of() {
    let cs = vec![customer("C162", "Aurora Pharmaceuticals Division 162"), customer("C9", "Harbor Freight Lines")];
    let invs = vec![
        invoice("INV-00753", "C162", "23400.00", "2026-01-31"),
        invoice("INV-00754", "C162", "5000.00", "2026-02-20"),
        invoice("INV-00813", "C9", "100.00", "2026-01-31"),
    ];
    let text = ["INV-00813 22504.59 Deduction: Freight overcharge (-$895.41)"];
    let r = payer(receipt("R1", "22504.59", "2026-02-02", &text), "AURORA PHARMACEUTICALS DIVISION 162");
    let (l, o) = decide(invs.clone(), cs.clone(), &[r]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-00753", "22504.59")]);
    assert_eq!(exceptions(&l, &o[0]), [s("short_payment", "INV-00753", "895.41")]);
    assert_eq!(o[0].lines[0].rule.as_str(), "stated_deduction");
    // A bare number may be another line's amount: only money written as
    // taken off counts.
    let text = ["INV-00813 22504.59 Deduction: Freight overcharge 895.41"];
    let r = payer(receipt("R3", "22504.59", "2026-02-02", &text), "AURORA PHARMACEUTICALS DIVISION 162");
    let (l, o) = decide(invs.clone(), cs.clone(), &[r]);
    assert!(!lines(&l, &o[0]).iter().any(|x| x.0 == "applied"), "{:?}", lines(&l, &o[0]));
    // An amount that makes no open item says nothing.
    let text = ["INV-00813 22504.59 Deduction: Freight overcharge (-$95.41)"];
    let r = payer(receipt("R2", "22504.59", "2026-02-02", &text), "AURORA PHARMACEUTICALS DIVISION 162");
    let (l, o) = decide(invs, cs, &[r]);
    assert!(!lines(&l, &o[0]).iter().any(|x| x.0 == "applied"), "{:?}", lines(&l, &o[0]));
}

#[test]
fn a_stated_percentage_finds_its_invoice_however_the_payer_rounded_the_half_cent() {
    // 1234.25 less 2% is 1209.565: a payer rounding half up pays 1209.57,
    // one rounding to even 1209.56; either is that invoice, a cent more is not.
    let cs = vec![customer("C1", "Maple Leaf Consulting")];
    let invs = vec![invoice("INV-00001", "C1", "1234.25", "2026-01-31")];
    for (paid, applied) in [("1209.57", true), ("1209.56", true), ("1209.58", false)] {
        let r =
            payer(receipt("R1", paid, "2026-02-02", &["PO-36317 less 2% early pay discount"]), "Maple Leaf Consulting");
        let (l, o) = decide(invs.clone(), cs.clone(), &[r]);
        assert_eq!(lines(&l, &o[0]).iter().any(|x| x.0 == "applied"), applied, "{paid}: {:?}", lines(&l, &o[0]));
    }
}

/// Fifteen units of one company and `others` unrelated customers, each
/// owing two items; unit 8 owes 8850.00; `same_elsewhere` other customers
/// owe 8850.00 too.
fn units_world(others: usize, same_elsewhere: usize) -> (Vec<Invoice>, Vec<cashapply_matching::inputs::Customer>) {
    let mut cs = Vec::new();
    let mut invs = Vec::new();
    for k in 1..=15 {
        cs.push(customer(&format!("U{k}"), &format!("Redwood Financial Services Division {k}")));
        invs.push(invoice(&format!("INV-U{k}A"), &format!("U{k}"), &format!("{k}17.00"), "2026-01-31"));
        let amount = if k == 8 { "8850.00".to_string() } else { format!("{k}43.00") };
        invs.push(invoice(&format!("INV-U{k}B"), &format!("U{k}"), &amount, "2026-01-31"));
    }
    for k in 0..others {
        cs.push(customer(&format!("O{k}"), &format!("Other Trading {k}")));
        let amount = if k < same_elsewhere { "8850.00".to_string() } else { format!("{}.00", 20_000 + k) };
        invs.push(invoice(&format!("INV-O{k}A"), &format!("O{k}"), &amount, "2026-01-31"));
        invs.push(invoice(&format!("INV-O{k}B"), &format!("O{k}"), &format!("{}.00", 40_000 + k), "2026-01-31"));
    }
    (invs, cs)
}

#[test]
fn a_cut_name_pays_the_one_unit_that_owes_the_amount_when_chance_would_rarely_put_that_amount_among_the_units() {
    // `REDWOOD FINANCIAL SERVICES D` (a 28-character field) fits fifteen
    // units; unit 8 owes 8850.00. One other customer of 500 owes 8850.00
    // too: by chance, 30 of 1030 items would hold it 0.03 times.
    let r = payer(receipt("R1", "8850.00", "2026-02-02", &[]), "REDWOOD FINANCIAL SERVICES D");
    let (invs, cs) = units_world(500, 1);
    let (l, o) = decide(invs, cs, std::slice::from_ref(&r));
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-U8B", "8850.00")]);
    assert_eq!(l.customer_id(o[0].customer.unwrap()), "U8");
    // Ten others owe it: the units holding one is no longer telling.
    let (invs, cs) = units_world(500, 10);
    let (l, o) = decide(invs, cs, &[r]);
    assert!(!lines(&l, &o[0]).iter().any(|x| x.0 == "applied"), "{:?}", lines(&l, &o[0]));
}

#[test]
fn a_name_that_is_the_parents_exactly_pays_the_unit_that_owes_the_amount_when_the_parent_owes_nothing_of_it() {
    // `Crestline Food Distributors Division 181` cut at 28 characters is
    // the parent's name exactly.
    let cs = vec![
        customer("C1", "Crestline Food Distributors"),
        customer("C181", "Crestline Food Distributors Division 181"),
        customer("C91", "Crestline Food Distributors Division 91"),
    ];
    let invs = vec![
        invoice("INV-00001", "C1", "5000.00", "2026-01-31"),
        invoice("INV-00201", "C181", "141.25", "2026-01-31"),
        invoice("INV-00202", "C91", "980.00", "2026-01-31"),
    ];
    let r = payer(receipt("R1", "141.25", "2026-02-02", &[]), "Crestline Food Distributors");
    let (l, o) = decide(invs.clone(), cs.clone(), &[r]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-00201", "141.25")]);
    // The parent owing it itself keeps it…
    let r = payer(receipt("R2", "5000.00", "2026-02-02", &[]), "Crestline Food Distributors");
    let (l, o) = decide(invs.clone(), cs.clone(), std::slice::from_ref(&r));
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-00001", "5000.00")]);
    // …unless a unit owes exactly that amount too: the name may be the
    // unit's, cut.
    let mut invs = invs;
    invs.push(invoice("INV-00203", "C91", "5000.00", "2026-01-31"));
    let (l, o) = decide(invs, cs, &[r]);
    assert_eq!(exceptions(&l, &o[0]), [s("ambiguous", "", "5000.00")]);
    assert!(!lines(&l, &o[0]).iter().any(|x| x.0 == "applied"), "{:?}", lines(&l, &o[0]));
}

#[test]
fn initials_that_fit_one_customer_too_loosely_to_apply_alone_pay_its_item_of_an_amount_nobody_else_owes() {
    // `PCL` reads as Pinnacle Construction Ltd (its initials with the legal
    // form), not well enough to apply on its own; the company owes 7330.00,
    // and nobody else does.
    let mut cs = vec![customer("C26", "Pinnacle Construction Ltd")];
    let mut invs = vec![invoice("INV-00538", "C26", "7330.00", "2026-01-31")];
    for k in [56, 146, 176] {
        cs.push(customer(&format!("C{k}"), &format!("Pinnacle Construction Ltd Division {k}")));
        invs.push(invoice(&format!("INV-{k:05}"), &format!("C{k}"), &format!("{k}0.00"), "2026-01-31"));
    }
    let r = payer(receipt("R1", "7330.00", "2026-02-02", &[]), "PCL");
    let (l, o) = decide(invs.clone(), cs.clone(), std::slice::from_ref(&r));
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-00538", "7330.00")]);
    // Another customer owing the same amount: 7330.00 is not rare enough
    // for initials to be paid by.
    invs.push(invoice("INV-00999", "C56", "7330.00", "2026-02-20"));
    let (l, o) = decide(invs, cs, &[r]);
    assert!(!lines(&l, &o[0]).iter().any(|x| x.0 == "applied"), "{:?}", lines(&l, &o[0]));
}

#[test]
fn a_cut_name_stating_its_discount_pays_the_one_unit_item_that_less_the_discount_makes() {
    // `FALCON SECURITY SOLUTIONS DI` fits every unit; 202215.00 is unit
    // 165's 207400.00 less the 2.5% the payer states.
    let mut cs = Vec::new();
    let mut invs = Vec::new();
    for k in [105, 165, 195] {
        cs.push(customer(&format!("C{k}"), &format!("Falcon Security Solutions Division {k}")));
        invs.push(invoice(&format!("INV-{k:05}"), &format!("C{k}"), &format!("{k}00.00"), "2026-02-20"));
    }
    invs.push(invoice("INV-00426", "C165", "207400.00", "2026-01-31"));
    let text = ["PO-71972 202215.00 Less 2.5% early pay discount"];
    let r = payer(receipt("R1", "202215.00", "2026-02-02", &text), "FALCON SECURITY SOLUTIONS DI");
    let (l, o) = decide(invs, cs, &[r]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-00426", "202215.00")]);
    assert_eq!(exceptions(&l, &o[0]), [s("unearned_discount", "INV-00426", "5185.00")]);
    assert_eq!(o[0].lines[0].rule.as_str(), "stated_discount");
}

#[test]
fn a_known_payer_paying_one_item_less_a_usual_discount_without_a_word_pays_it_and_the_discount_is_claimed() {
    let cs = vec![customer("C339", "Beacon Software Systems Division 339")];
    let invs = vec![
        invoice("INV-00155", "C339", "339.00", "2026-01-31"),
        invoice("INV-00156", "C339", "1200.00", "2026-02-20"),
    ];
    // 339.00 less 3%, an ACH addenda quoting a reference nobody knows.
    let r = payer(receipt("R1", "328.83", "2026-02-02", &["PO-23989"]), "BEACON SOFTWARE SYSTEMS DIVISION 339");
    let (l, o) = decide(invs.clone(), cs.clone(), std::slice::from_ref(&r));
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-00155", "328.83")]);
    assert_eq!(exceptions(&l, &o[0]), [s("unearned_discount", "INV-00155", "10.17")]);
    assert_eq!(o[0].lines[0].rule.as_str(), "usual_discount");
    // Terms granting exactly that discount on the value date: a discount line.
    let granted = vec![with_discount(invs[0].clone(), "3", "2026-02-05"), invs[1].clone()];
    let (l, o) = decide(granted, cs.clone(), std::slice::from_ref(&r));
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-00155", "328.83"), s("discount", "INV-00155", "10.17")]);
    // Two items a usual discount away (332.15 less 1% is 328.83 too): held.
    let mut two = invs.clone();
    two.push(invoice("INV-00157", "C339", "332.15", "2026-02-20"));
    let (l, o) = decide(two, cs.clone(), std::slice::from_ref(&r));
    assert!(!lines(&l, &o[0]).iter().any(|x| x.0 == "applied"), "{:?}", lines(&l, &o[0]));
    // A percentage the payer calls something else explains the amount itself.
    let r2 = payer(receipt("R2", "328.83", "2026-02-02", &["3% service fee"]), "BEACON SOFTWARE SYSTEMS DIVISION 339");
    let (l, o) = decide(invs.clone(), cs.clone(), &[r2]);
    assert!(!lines(&l, &o[0]).iter().any(|x| x.0 == "applied"), "{:?}", lines(&l, &o[0]));
    // An ERP that records terms (another invoice offers 2%) but none on
    // INV-00155: 3% off it is a coincidence of amounts, held.
    let mut recorded = invs.clone();
    recorded[1] = with_discount(recorded[1].clone(), "2", "2026-02-05");
    let (l, o) = decide(recorded.clone(), cs.clone(), std::slice::from_ref(&r));
    assert!(!lines(&l, &o[0]).iter().any(|x| x.0 == "applied"), "{:?}", lines(&l, &o[0]));
    // …while its own terms (3%, lapsed) still explain it: unearned.
    recorded[0] = with_discount(recorded[0].clone(), "3", "2026-01-15");
    let (l, o) = decide(recorded, cs, &[r]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-00155", "328.83")]);
    assert_eq!(exceptions(&l, &o[0]), [s("unearned_discount", "INV-00155", "10.17")]);
}

#[test]
fn a_reference_to_another_customers_invoice_from_a_payer_whose_name_is_plainly_someone_else_is_held_not_paid_in_part() {
    // `FALCON SEC` quotes INV-00346, Cobalt Mining's, for 123.73 of its
    // 7650.00 (its own INV-00364 was meant).
    let cs = vec![
        customer("C302", "Cobalt Mining Industries Division 302"),
        customer("C12", "Falcon Security Solutions"),
        customer("C195", "Falcon Security Solutions Division 195"),
    ];
    let invs = vec![
        invoice("INV-00346", "C302", "7650.00", "2026-01-31"),
        invoice("INV-00364", "C12", "132.00", "2026-01-31"),
        invoice("INV-00111", "C195", "900.00", "2026-01-31"),
    ];
    let r = payer(receipt("R1", "123.73", "2026-02-02", &["INV-00346 123.73"]), "FALCON SEC");
    let (l, o) = decide(invs.clone(), cs.clone(), &[r]);
    assert!(!lines(&l, &o[0]).iter().any(|x| x.0 == "applied"), "{:?}", lines(&l, &o[0]));
    // Initials that are the owner's company's (`CMI`), and a payment of the
    // invoice's whole amount from anyone, are paid as referenced.
    let r = payer(receipt("R2", "123.73", "2026-02-02", &["INV-00346 123.73"]), "CMI");
    let (l, o) = decide(invs.clone(), cs.clone(), &[r]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-00346", "123.73")]);
    let r = payer(receipt("R3", "7650.00", "2026-02-02", &["INV-00346 7650.00"]), "FALCON SEC");
    let (l, o) = decide(invs, cs, &[r]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-00346", "7650.00")]);
}

#[test]
fn a_second_line_naming_an_invoice_another_line_already_settles_is_the_neighbour_its_amount_fits_not_an_overpayment() {
    // `PO-205444 328.04` names INV-21510 (its PO) and settles it; `21 510
    // 2500.00` names it too, but INV-21501, one transposition away, is open
    // for 2500.00.
    let cs = vec![customer("C1", "Maple Apparel Inc")];
    let mut invs = vec![
        invoice("INV-21566", "C1", "3150.15", "2026-02-05"),
        invoice("INV-21510", "C1", "328.04", "2026-02-05"),
        invoice("INV-21501", "C1", "2500.00", "2026-02-05"),
    ];
    invs[1].po_number = Some("PO-205444".into());
    let mut r = payer(receipt("R1", "5978.19", "2026-02-10", &[]), "MAPLE APPAREL IN");
    for (reference, amount) in [("INV-21566", "3150.15"), ("PO-205444", "328.04"), ("21 510", "2500.00")] {
        let mut line = RemittanceLine::reference(reference, DocumentType::Invoice);
        line.amount = Some(d(amount));
        r.remittance_lines.push(line);
    }
    let (l, o) = decide(invs.clone(), cs.clone(), std::slice::from_ref(&r));
    let mut got = lines(&l, &o[0]);
    got.sort();
    assert_eq!(
        got,
        [
            s("applied", "INV-21501", "2500.00"),
            s("applied", "INV-21510", "328.04"),
            s("applied", "INV-21566", "3150.15")
        ]
    );
    // INV-21560, one substitution away, open for 2500.00 too: the line's
    // cash is held with both suggested, never posted as an overpayment.
    invs.push(invoice("INV-21560", "C1", "2500.00", "2026-04-09"));
    let (l, o) = decide(invs, cs, &[r]);
    assert!(!lines(&l, &o[0]).iter().any(|x| x.0 == "applied" && x.2 == "2500.00"), "{:?}", lines(&l, &o[0]));
    assert_eq!(exceptions(&l, &o[0]), [s("unapplied", "", "2500.00")]);
    let suggested: Vec<&str> = o[0].exceptions[0].suggestions.iter().map(|(i, _)| i.as_str()).collect();
    assert_eq!(suggested, ["INV-21501", "INV-21560"]);
}

#[test]
fn a_loosely_read_number_in_a_list_that_does_not_settle_yields_to_the_neighbour_of_the_invoice_it_was_read_as() {
    // `2 02 6- 67 23 15` is read as `026-672315` (one edit from
    // 2026-672315); the payer meant 2026-672351, the one invoice that makes
    // the list settle the payment exactly.
    let cs = vec![customer("C8605", "Hioo Co")];
    let invs = vec![
        invoice("2026-672311", "C8605", "171.72", "2026-01-30"),
        invoice("2026-672315", "C8605", "1688.81", "2026-03-31"),
        invoice("2026-672336", "C8605", "16069.82", "2026-01-03"),
        invoice("2026-672351", "C8605", "74.32", "2026-02-02"),
        invoice("2026-672361", "C8605", "422.63", "2026-01-19"),
        invoice("2026-672395", "C8605", "41821.16", "2026-02-01"),
        invoice("2026-672396", "C8605", "1116.88", "2026-02-17"),
    ];
    let text = [
        "PMT 2026-672311, 2026-672396, Invoice #2026-672336, Invoice #2 02 6- 67 23 15, 2026-672361, Invoice #2026-672395",
    ];
    let r = payer(receipt("R1", "59676.53", "2026-03-02", &text), "HIOO Co");
    let (l, o) = decide(invs, cs, &[r]);
    let got = lines(&l, &o[0]);
    assert!(got.contains(&s("applied", "2026-672351", "74.32")), "{got:?}");
    assert!(!got.iter().any(|x| x.1 == "2026-672315"), "{got:?}");
    assert!(exceptions(&l, &o[0]).is_empty(), "{:?}", exceptions(&l, &o[0]));
}

#[test]
fn a_line_with_words_before_another_customers_invoice_number_goes_to_the_payers_neighbour_its_amount_fits() {
    // `ABC: INV-0245240` reads as `0245240`, another customer's (EUR)
    // invoice; the payer's own INV-0245420 (one transposition away) is
    // open for exactly the line's 2500.00. A third customer's USD invoice
    // one edit away is open for 2500.00 too, so only the payer's family
    // says which.
    let cs = vec![
        customer("C4464", "Pacific Industries LLC"),
        customer("C4460", "Northwind Services Corp"),
        customer("C4396", "Orion Textiles Ltd"),
    ];
    let mut foreign = invoice("INV-0245240", "C4460", "1000.00", "2026-02-20");
    foreign.currency = Currency::parse("EUR").unwrap();
    let invs = vec![
        invoice("INV-0245470", "C4464", "2000.00", "2026-02-20"),
        invoice("INV-0245420", "C4464", "2500.00", "2026-02-20"),
        invoice("INV-0245440", "C4464", "1000.00", "2026-02-20"),
        foreign,
        invoice("INV-0241240", "C4396", "2500.00", "2026-02-20"),
    ];
    let r = receipt("R1", "4500.00", "2026-03-02", &[]);
    let r =
        itemised(payer(r, "PACIFIC INDUSTRIES LLC"), &[("INV-0245470", "2000.00"), ("ABC: INV-0245240", "2500.00")]);
    let (l, o) = decide(invs, cs, &[r]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-0245420", "2500.00"), s("applied", "INV-0245470", "2000.00")]);
    assert!(o[0].exceptions.is_empty(), "{:?}", o[0].exceptions);
}

#[test]
fn initials_and_a_legal_form_from_a_units_company_do_not_point_elsewhere_and_its_part_payment_is_applied() {
    // `PAC Inc` are the initials of Prairie Agricultural Co, whose unit 98
    // owns INV-01888; its part payment is paid, not held as a reference
    // mistyped into someone else's invoice.
    let cs = vec![
        customer("C8", "Prairie Agricultural Co"),
        customer("C98", "Prairie Agricultural Co Division 98"),
        customer("C248", "Prairie Agricultural Co Division 248"),
        customer("C7", "Pacific Coast Supply Co"),
    ];
    let invs = vec![
        invoice("INV-01888", "C98", "58000.00", "2026-05-20"),
        invoice("INV-00307", "C248", "8160.00", "2026-05-20"),
        invoice("INV-00400", "C8", "900.00", "2026-05-20"),
    ];
    let r = itemised(payer(receipt("R1", "30740.00", "2026-06-27", &[]), "PAC Inc"), &[("INV-01888", "30740.00")]);
    let (l, o) = decide(invs, cs, &[r]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-01888", "30740.00")]);
    assert_eq!(exceptions(&l, &o[0]), [s("short_payment", "INV-01888", "27260.00")]);
}

#[test]
fn a_short_invoice_number_without_its_padding_on_a_line_or_with_its_exact_amount_is_read_but_a_piece_of_a_longer_one_is_not()
 {
    let cs = vec![
        customer("C658", "Vanguard Legal Associates Division 658"),
        customer("C508", "Vanguard Legal Associates Division 508"),
        customer("C24", "Silverline Glass Holdings"),
        customer("C3272", "Silverline Glass Holdings Division 3272"),
    ];
    let invs = vec![
        invoice("INV-00058", "C658", "120600.00", "2026-02-20"),
        invoice("INV-00044", "C508", "31800.00", "2026-02-20"),
        invoice("INV-00024", "C24", "1692.20", "2026-02-20"),
        invoice("INV-0246822", "C3272", "1500.00", "2026-02-20"),
        invoice("INV-0246805", "C3272", "206.07", "2026-02-20"),
    ];
    // A lockbox line `INV-58` for INV-00058, paid less 3%.
    let a = itemised(receipt("R1", "116982.00", "2026-03-02", &[]), &[("INV-58", "116982.00")]);
    // A wire's `Invoice #44 31800.00` for INV-00044, open for exactly that.
    let b = payer(receipt("R2", "31800.00", "2026-03-02", &["Invoice #44 31800.00"]), "VANGUARD LAW");
    // `INV-024 6822` in free text: the first piece of INV-0246822, not INV-00024.
    let c = payer(receipt("R3", "1706.07", "2026-03-02", &["REF INV-0246805;INV-024 6822"]), "SILVERLINE GLASS HOLDI");
    let (l, o) = decide(invs, cs, &[a, b, c]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-00058", "116982.00")]);
    assert_eq!(lines(&l, &o[1]), [s("applied", "INV-00044", "31800.00")]);
    assert!(!lines(&l, &o[2]).iter().any(|x| x.1 == "INV-00024"), "{:?}", lines(&l, &o[2]));
}

#[test]
fn a_line_whose_number_names_nothing_of_the_payers_is_a_part_payment_of_the_one_item_it_is_one_edit_from() {
    // `INV-00053 5880.00` beside `INV-00447`: the payer's INV-00553 (one
    // edit away) is open for 8400.00; INV-00053 is another customer's.
    let cs = vec![customer("C305", "Silverline Telecom Inc Division 305"), customer("C17", "Northwind Services Corp")];
    let invs = vec![
        invoice("INV-00447", "C305", "133100.00", "2026-02-20"),
        invoice("INV-00553", "C305", "8400.00", "2026-02-20"),
        invoice("INV-00912", "C305", "9100.00", "2026-03-20"),
        invoice("INV-00053", "C17", "700.00", "2026-02-20"),
    ];
    let r = payer(receipt("R1", "138980.00", "2026-03-02", &[]), "SILVERLINE TELECOM INC DIVISION 305");
    let r = itemised(r, &[("INV-00447", "133100.00"), ("INV-00053", "5880.00")]);
    let (l, o) = decide(invs.clone(), cs.clone(), std::slice::from_ref(&r));
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-00447", "133100.00"), s("applied", "INV-00553", "5880.00")]);
    assert_eq!(exceptions(&l, &o[0]), [s("short_payment", "INV-00553", "2520.00")]);
    // Two of the payer's items one edit away and open for more: held.
    let mut two = invs;
    two.push(invoice("INV-00153", "C305", "6000.00", "2026-02-20"));
    let (l, o) = decide(two, cs, &[r]);
    assert!(!lines(&l, &o[0]).iter().any(|x| x.0 == "applied" && x.1 != "INV-00447"), "{:?}", lines(&l, &o[0]));
}

#[test]
fn a_line_quoting_an_unknown_purchase_order_part_pays_the_payers_only_other_open_item_but_not_when_it_has_two() {
    let cs = vec![customer("C248", "Coastal Marine Services Division 248")];
    let invs = vec![
        invoice("INV-00043", "C248", "2740.00", "2026-02-20"),
        invoice("INV-00177", "C248", "7530.00", "2026-02-20"),
        invoice("INV-00052", "C248", "110900.00", "2026-01-20"),
    ];
    let lines_of = [("INV-00043", "2740.00"), ("INV-00177", "7530.00"), ("PO-29647", "35488.00")];
    let r = itemised(payer(receipt("R1", "45758.00", "2026-03-02", &[]), "Coastal Marine Division 248"), &lines_of);
    let (l, o) = decide(invs.clone(), cs.clone(), std::slice::from_ref(&r));
    let got = lines(&l, &o[0]);
    assert!(got.contains(&s("applied", "INV-00052", "35488.00")), "{got:?}");
    assert_eq!(exceptions(&l, &o[0]), [s("short_payment", "INV-00052", "75412.00")]);
    // Another item open for more than the line: nothing says which.
    let mut two = invs.clone();
    two.push(invoice("INV-00061", "C248", "40000.00", "2026-02-20"));
    let (l, o) = decide(two, cs.clone(), std::slice::from_ref(&r));
    assert!(!lines(&l, &o[0]).iter().any(|x| x.0 == "applied" && x.2 == "35488.00"), "{:?}", lines(&l, &o[0]));
    // A reference that is no purchase order (a word glued to a number) is
    // not read as one.
    let other = [("INV-00043", "2740.00"), ("INV-00177", "7530.00"), ("USD2026-647631", "35488.00")];
    let r = itemised(payer(receipt("R2", "45758.00", "2026-03-02", &[]), "Coastal Marine Division 248"), &other);
    let (l, o) = decide(invs, cs, &[r]);
    assert!(!lines(&l, &o[0]).iter().any(|x| x.0 == "applied" && x.2 == "35488.00"), "{:?}", lines(&l, &o[0]));
}

#[test]
fn a_payment_quoting_only_an_unknown_purchase_order_part_pays_the_customers_only_larger_item_and_nothing_when_two_are()
{
    let cs = vec![customer("C210", "Vanguard Legal Associates Division 210")];
    let invs = vec![
        invoice("INV-00597", "C210", "11500.00", "2026-02-20"),
        invoice("INV-00601", "C210", "900.00", "2026-03-20"),
    ];
    let r = itemised(
        payer(receipt("R1", "3335.00", "2026-03-02", &[]), "Vanguard Legal Associates Division 210"),
        &[("PO-51168", "3335.00")],
    );
    let (l, o) = decide(invs.clone(), cs.clone(), std::slice::from_ref(&r));
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-00597", "3335.00")]);
    assert_eq!(exceptions(&l, &o[0]), [s("short_payment", "INV-00597", "8165.00")]);
    assert_eq!(o[0].lines[0].rule.as_str(), "only_larger_item");
    // A line the format types as a purchase order (`RMR*PO*51168`) is one
    // without the letters.
    let mut typed = RemittanceLine::reference("51168", DocumentType::PurchaseOrder);
    typed.amount = Some(d("3335.00"));
    let mut r2 = payer(receipt("R4", "3335.00", "2026-03-02", &[]), "Vanguard Legal Associates Division 210");
    r2.remittance_lines.push(typed);
    let (l, o) = decide(invs.clone(), cs.clone(), &[r2]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-00597", "3335.00")]);
    // Two items open for more: nothing says which.
    let mut two = invs.clone();
    two.push(invoice("INV-00610", "C210", "5000.00", "2026-02-20"));
    let (l, o) = decide(two, cs.clone(), std::slice::from_ref(&r));
    assert!(!lines(&l, &o[0]).iter().any(|x| x.0 == "applied"), "{:?}", lines(&l, &o[0]));
    // A reference that is not a purchase order says nothing of the kind.
    let r = itemised(
        payer(receipt("R2", "3335.00", "2026-03-02", &[]), "Vanguard Legal Associates Division 210"),
        &[("REF 51168", "3335.00")],
    );
    let (l, o) = decide(invs, cs, &[r]);
    assert!(!lines(&l, &o[0]).iter().any(|x| x.0 == "applied"), "{:?}", lines(&l, &o[0]));
}

#[test]
fn a_name_read_as_a_company_also_names_its_units_and_the_one_unit_owing_a_rare_amount_is_paid() {
    // `OBSIDIAN DC` reads as Obsidian Data Centers (not exactly), whose
    // units owe; only unit 106 owes 410.00.
    let cs = vec![
        customer("C16", "Obsidian Data Centers"),
        customer("C106", "Obsidian Data Centers Division 106"),
        customer("C196", "Obsidian Data Centers Division 196"),
        customer("C7", "Summit Healthcare Partners"),
    ];
    let mut invs = vec![
        invoice("INV-00258", "C106", "410.00", "2026-02-20"),
        invoice("INV-00585", "C196", "247100.00", "2026-02-20"),
        invoice("INV-00016", "C16", "5000.00", "2026-02-20"),
    ];
    for k in 0..40 {
        invs.push(invoice(&format!("INV-{:05}", 700 + k), "C7", &format!("{}.17", 1000 + k), "2026-02-20"));
    }
    let r = itemised(payer(receipt("R1", "410.00", "2026-03-02", &[]), "OBSIDIAN DC"), &[("PO-99863", "410.00")]);
    let (l, o) = decide(invs.clone(), cs.clone(), std::slice::from_ref(&r));
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-00258", "410.00")]);
    // Another unit owing the same amount: nothing says which.
    invs.push(invoice("INV-00590", "C196", "410.00", "2026-02-20"));
    let (l, o) = decide(invs, cs, &[r]);
    assert!(!lines(&l, &o[0]).iter().any(|x| x.0 == "applied"), "{:?}", lines(&l, &o[0]));
}

#[test]
fn a_two_digit_invoice_number_written_as_a_document_counts_when_the_payers_name_may_be_its_owner() {
    let cs = vec![
        customer("C259", "Riverview Hospitality Inc Division 259"),
        customer("C228", "Riverview Hospitality Inc Division 228"),
        customer("C7", "Summit Healthcare Partners"),
    ];
    let invs = vec![
        invoice("INV-00091", "C259", "9480.00", "2026-02-20"),
        invoice("INV-00092", "C228", "700.00", "2026-03-20"),
        invoice("INV-00093", "C7", "800.00", "2026-03-20"),
    ];
    let text = ["Invoice #91 2654.40"];
    let r = payer(receipt("R1", "2654.40", "2026-03-02", &text), "Riverview Hospitality Divisi");
    let (l, o) = decide(invs.clone(), cs.clone(), std::slice::from_ref(&r));
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-00091", "2654.40")]);
    assert_eq!(exceptions(&l, &o[0]), [s("short_payment", "INV-00091", "6825.60")]);
    // A payer whose name cannot be the owner's: the number is a coincidence.
    let r = payer(receipt("R2", "2654.40", "2026-03-02", &text), "SUMMIT HEALTHCARE PARTNERS");
    let (l, o) = decide(invs, cs, &[r]);
    assert!(!lines(&l, &o[0]).iter().any(|x| x.0 == "applied"), "{:?}", lines(&l, &o[0]));
}

#[test]
fn initials_that_are_another_companys_than_the_quoted_invoices_owner_move_a_whole_amount_to_its_mistyped_neighbour() {
    // `FSS` quotes INV-00270 (Sapphire Electronics', open 6660.00) for
    // 4320.00; Falcon Security Solutions' INV-00207 (one transposition
    // away) is open for exactly that.
    let cs = vec![
        customer("C15", "Falcon Security Solutions"),
        customer("C105", "Falcon Security Solutions Division 105"),
        customer("C195", "Falcon Security Solutions Division 195"),
        customer("C212", "Sapphire Electronics Ltd Division 212"),
        customer("C7", "Summit Healthcare Partners"),
    ];
    let invs = vec![
        invoice("INV-00207", "C15", "4320.00", "2026-02-20"),
        invoice("INV-00105", "C105", "4320.00", "2026-02-20"),
        invoice("INV-00270", "C212", "6660.00", "2026-02-20"),
        invoice("INV-00300", "C7", "900.00", "2026-02-20"),
    ];
    let r = payer(receipt("R1", "4320.00", "2026-03-02", &["REMARK=INV-00270 4320.00"]), "FSS");
    let (l, o) = decide(invs.clone(), cs.clone(), &[r]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-00207", "4320.00")]);
    // A payer whose name says nothing of either company: a whole amount
    // does not tell a part payment from a mistyped digit — held.
    let r = payer(receipt("R2", "4320.00", "2026-03-02", &["REMARK=INV-00270 4320.00"]), "AP OUTSOURCE PARTNERS");
    let (l, o) = decide(invs, cs, &[r]);
    assert!(!lines(&l, &o[0]).iter().any(|x| x.0 == "applied"), "{:?}", lines(&l, &o[0]));
}

#[test]
fn another_customers_document_mentioned_in_passing_does_not_contend_with_the_document_paid_for_the_customer() {
    // `SEL` pays INV-00073 (Sapphire Electronics' unit 134) in part and
    // mentions Cascade's INV-00305.
    let cs = vec![
        customer("C14", "Sapphire Electronics Ltd"),
        customer("C134", "Sapphire Electronics Ltd Division 134"),
        customer("C44", "Cascade Energy Solutions Division 44"),
    ];
    let invs = vec![
        invoice("INV-00073", "C134", "152100.00", "2026-02-20"),
        invoice("INV-00305", "C44", "7000.00", "2026-02-20"),
        invoice("INV-00014", "C14", "900.00", "2026-03-20"),
    ];
    let text = ["REMARK=INV-00073 103428.00 Pmt on acct INV-00305"];
    let r = payer(receipt("R1", "103428.00", "2026-03-02", &text), "SEL");
    let (l, o) = decide(invs, cs, &[r]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-00073", "103428.00")]);
    assert_eq!(exceptions(&l, &o[0]), [s("short_payment", "INV-00073", "48672.00")]);
}

#[test]
fn an_unknown_purchase_order_from_a_name_that_may_be_a_company_or_any_of_its_units_part_pays_nothing() {
    let cs =
        vec![customer("C3", "Redwood Financial Services"), customer("C903", "Redwood Financial Services Division 903")];
    let invs = vec![
        invoice("INV-01283", "C3", "217600.00", "2026-02-20"),
        invoice("INV-01141", "C903", "160400.00", "2026-02-20"),
    ];
    let r =
        itemised(payer(receipt("R1", "109072.00", "2026-03-02", &[]), "REDWOOD FIN SVC"), &[("PO-30967", "109072.00")]);
    let (l, o) = decide(invs, cs, &[r]);
    assert!(!lines(&l, &o[0]).iter().any(|x| x.0 == "applied"), "{:?}", lines(&l, &o[0]));
}

#[test]
fn a_zero_padded_number_mistyped_in_its_padding_is_the_customers_invoice_it_is_one_edit_from_even_paid_in_part() {
    // `INV-09665` for INV-00665: its key `9665` is one edit from `665`.
    let cs = vec![
        customer("C158", "Prairie Agricultural Co Division 158"),
        customer("C578", "Prairie Agricultural Co Division 578"),
    ];
    let invs = vec![
        invoice("INV-00665", "C158", "9690.00", "2026-02-20"),
        invoice("INV-00701", "C158", "1200.00", "2026-03-20"),
    ];
    let text = ["REMARK=INV-09665 4845.00 Installment 3 of 5"];
    let r = payer(receipt("R1", "4845.00", "2026-03-02", &text), "PRAIRIE AGRICULTURAL CO DIVISION 158");
    let (l, o) = decide(invs, cs, &[r]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-00665", "4845.00")]);
    assert_eq!(exceptions(&l, &o[0]), [s("short_payment", "INV-00665", "4845.00")]);
}

#[test]
fn a_payer_spelling_its_unit_loosely_but_writing_its_number_is_known_enough_for_its_one_mistyped_invoice() {
    // `CASCADE ENERGY DIVISION 115` (a word left out) writes `INV-10797`
    // for its INV-01797, paid in part.
    let cs = vec![
        customer("C115", "Cascade Energy Solutions Division 115"),
        customer("C325", "Cascade Energy Solutions Division 325"),
        customer("C7", "Cascade Engineering Partners"),
    ];
    let invs = vec![
        invoice("INV-01797", "C115", "46800.00", "2026-02-20"),
        invoice("INV-01900", "C115", "1200.00", "2026-03-20"),
        invoice("INV-01230", "C325", "2300.00", "2026-02-20"),
    ];
    let r = itemised(
        payer(receipt("R1", "17316.00", "2026-03-02", &[]), "CASCADE ENERGY DIVISION 115"),
        &[("INV-10797", "17316.00")],
    );
    let (l, o) = decide(invs.clone(), cs.clone(), std::slice::from_ref(&r));
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-01797", "17316.00")]);
    // Without the unit's number the name may be any unit: held.
    let r = itemised(
        payer(receipt("R2", "17316.00", "2026-03-02", &[]), "CASCADE ENERGY SOL"),
        &[("INV-10797", "17316.00")],
    );
    let (l, o) = decide(invs, cs, &[r]);
    assert!(!lines(&l, &o[0]).iter().any(|x| x.0 == "applied"), "{:?}", lines(&l, &o[0]));
}

#[test]
fn a_mistyped_line_paying_the_payers_invoice_less_the_discount_it_states_raises_an_unearned_discount_not_a_short_payment()
 {
    // `INV-00324` (another customer's) is one transposition from the
    // payer's INV-00342; 44423.50 is 45100.00 less the 1.5% it states.
    let cs = vec![customer("C169", "Riverview Hospitality Inc Division 169"), customer("C9", "Harbor Freight Lines")];
    let invs = vec![
        invoice("INV-00342", "C169", "45100.00", "2026-01-31"),
        invoice("INV-00343", "C169", "12000.00", "2026-02-20"),
        invoice("INV-00324", "C9", "900.00", "2026-01-31"),
    ];
    let text = ["INV-00324 44423.50 1.5% discount taken"];
    let r = payer(receipt("R1", "44423.50", "2026-02-02", &text), "RIVERVIEW HOSPITALITY INC DIVISION 169");
    let (l, o) = decide(invs, cs, &[r]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-00342", "44423.50")]);
    assert_eq!(exceptions(&l, &o[0]), [s("unearned_discount", "INV-00342", "676.50")]);
    assert_eq!(o[0].lines[0].rule.as_str(), "stated_discount");
}

#[test]
fn a_part_payment_of_the_named_invoice_is_held_when_its_neighbour_is_open_for_the_payment_plus_a_bank_charge() {
    // `PMT INV-0099353` pays 3929.24: INV-0099353 is open for 37012.70,
    // its neighbour INV-0099350 for 3944.24 (the payment and a 15.00 wire
    // charge). The number may be mistyped: held, the neighbour suggested.
    let cs = vec![customer("C1795", "Sterling Medical Inc")];
    let invs = vec![
        invoice("INV-0099353", "C1795", "37012.70", "2026-02-20"),
        invoice("INV-0099350", "C1795", "3944.24", "2026-02-20"),
    ];
    let r = payer(receipt("R1", "3929.24", "2026-03-02", &["PMT INV-0099353"]), "STERLING MEDICAL INC");
    let (l, o) = decide(invs.clone(), cs.clone(), &[r]);
    assert!(!lines(&l, &o[0]).iter().any(|x| x.0 == "applied"), "{:?}", lines(&l, &o[0]));
    let held = o[0].exceptions.iter().find(|e| e.kind.as_str() == "unapplied").expect("held for a person");
    assert!(held.suggestions.iter().any(|(id, _)| id == "INV-0099350"), "{:?}", held.suggestions);
    assert!(held.detail.contains("INV-0099350 one edit away is open for the payment plus 15.00"), "{}", held.detail);
    // No neighbour a bank's charge away: a part payment of the invoice named.
    let r = payer(receipt("R2", "3900.00", "2026-03-02", &["PMT INV-0099353"]), "STERLING MEDICAL INC");
    let (l, o) = decide(invs.clone(), cs.clone(), &[r]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-0099353", "3900.00")]);
    // Whole amounts a round step apart are too common to doubt the number:
    // 1450.00 on INV-0099353 beside a neighbour open for 1500.00.
    let mut whole = invs;
    whole[1] = invoice("INV-0099350", "C1795", "1500.00", "2026-02-20");
    let r = payer(receipt("R3", "1450.00", "2026-03-02", &["PMT INV-0099353"]), "STERLING MEDICAL INC");
    let (l, o) = decide(whole, cs, &[r]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-0099353", "1450.00")]);
}

#[test]
fn a_reference_short_paying_its_invoice_goes_to_the_neighbour_the_payment_settles_exactly_less_its_discount() {
    // `INV-0406863` pays 3847.98: INV-0406863 is open for 4910.60, its
    // transposed neighbour INV-0406836 for 3966.99 with a 3% discount of
    // 119.01 — the payment to the cent. The number was mistyped.
    let mut neighbour = invoice("INV-0406836", "C1", "3966.99", "2026-03-20");
    neighbour.discount_percent = Some(d("3"));
    neighbour.discount_until = Some(date("2026-03-01"));
    let invs = vec![invoice("INV-0406863", "C1", "4910.60", "2026-03-20"), neighbour];
    let (l, o) = decide(invs.clone(), vec![], &[receipt("R1", "3847.98", "2026-03-02", &["PMT INV-0406863"])]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-0406836", "3847.98"), s("discount", "INV-0406836", "119.01")]);
    assert!(o[0].exceptions.is_empty(), "{:?}", exceptions(&l, &o[0]));
    // Merely near the neighbour (a shortfall within the write-off
    // tolerance): partial payments land there by chance, so the payment
    // part-pays the invoice it names.
    let (l, o) = decide(invs, vec![], &[receipt("R2", "3965.50", "2026-03-02", &["PMT INV-0406863"])]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-0406863", "3965.50")]);
}

#[test]
fn a_wire_whose_payer_text_fills_the_140_characters_after_its_obi_label_is_read_as_cut_off() {
    // `OBI:=` and 140 characters of the payer's, the last word cut: the
    // list was cut (rule 7). The 50.00 left is one item (INV-1002) and
    // also two others together (INV-1003 and INV-1004): held, not paid
    // to the one item that happens to equal it.
    let invs = vec![
        invoice("INV-1001", "C1", "100.00", "2026-02-01"),
        invoice("INV-1002", "C1", "50.00", "2026-02-02"),
        invoice("INV-1003", "C1", "30.00", "2026-02-03"),
        invoice("INV-1004", "C1", "20.00", "2026-02-04"),
        invoice("INV-1005", "C1", "60.00", "2026-01-31"),
    ];
    let mut text = "PMT INV-1001, INV-1005".to_string();
    while text.chars().count() + 5 < 140 {
        text.push_str(" MEMO");
    }
    text.push_str(" INV-1002");
    text.truncate(140);
    let obi = format!("OBI:={text}");
    let r = payer(receipt("R1", "210.00", "2026-03-02", &[&obi]), "FALCON FARMS LTD");
    let (l, o) = decide(invs, vec![customer("C1", "Falcon Farms Ltd")], &[r]);
    assert_eq!(
        lines(&l, &o[0]),
        [s("applied", "INV-1005", "60.00"), s("applied", "INV-1001", "100.00"), s("unapplied", "", "50.00")]
    );
    assert_eq!(exceptions(&l, &o[0]), [s("unapplied", "", "50.00")]);
}

#[test]
fn a_payer_nobody_identifies_is_never_applied_to_invoices_of_unrelated_customers_at_once() {
    // `PMT INV-000632511, INV-0023600, INV-0623503` from an unknown name:
    // INV-0623503 is Gamma's, INV-23600 Zeta's (INV-0623511 was meant by
    // the first, mistyped beyond reading). One payment is one payer's cash:
    // with one invoice each, nothing says whose — held, both suggested.
    let cs = vec![customer("C1", "Gamma Logistics Co"), customer("C2", "Zeta Works Inc")];
    let invs = vec![
        invoice("INV-0623503", "C1", "1340.98", "2026-02-01"),
        invoice("INV-0623511", "C1", "3568.40", "2026-02-01"),
        invoice("INV-23600", "C2", "2353.14", "2026-02-01"),
    ];
    let text = "PMT INV-000632511, INV-0023600, INV-0623503";
    let r = payer(receipt("R1", "6909.38", "2026-03-02", &[text]), "GMOOEAS CO");
    let (l, o) = decide(invs.clone(), cs.clone(), &[r]);
    assert!(!lines(&l, &o[0]).iter().any(|x| x.0 == "applied"), "{:?}", lines(&l, &o[0]));
    let e = &o[0].exceptions[0];
    assert_eq!(e.kind, ExceptionKind::Unidentified);
    let suggested: Vec<&str> = e.suggestions.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(suggested, ["C1", "C2"]);
    // Two of Gamma's named against one of Zeta's: Gamma's cash, Zeta's
    // invoice not applied.
    let text = "PMT INV-0623511, INV-0023600, INV-0623503";
    let r = payer(receipt("R2", "7262.52", "2026-03-02", &[text]), "GMOOEAS CO");
    let (l, o) = decide(invs, cs, &[r]);
    let applied: Vec<String> = lines(&l, &o[0]).into_iter().filter(|x| x.0 == "applied").map(|x| x.1).collect();
    assert_eq!(applied, ["INV-0623503", "INV-0623511"]);
}

#[test]
fn a_reference_field_holding_one_number_written_in_groups_never_names_a_document_by_one_group() {
    // `202 6-66 4564` is one number (2026-664564, or its neighbour
    // 2026-663564 mistyped); its group `202` is not Atlas's invoice 202.
    let cs = vec![
        customer("C1", "Otoo Co"),
        customer("C2", "Atlas Manufacturing Inc"),
        customer("C3", "Harbor Line Trading Corp"),
    ];
    let invs = vec![
        invoice("2026-663564", "C1", "250.00", "2026-02-01"),
        invoice("202", "C2", "955.36", "2026-02-01"),
        invoice("2026-664564", "C3", "900.00", "2026-02-01"),
    ];
    let mut r = receipt("R1", "246.25", "2026-03-04", &["RMR*IV*202 6-66 4564**246.25*250.00*3.75\\"]);
    let mut line = RemittanceLine::reference("202 6-66 4564", DocumentType::Invoice);
    line.amount = Some(d("246.25"));
    line.invoice_amount = Some(d("250.00"));
    line.discount = Some(d("3.75"));
    r.remittance_lines.push(line);
    let (l, o) = decide(invs, cs, &[payer(r, "PAYMENT AGENT SE")]);
    assert!(!lines(&l, &o[0]).iter().any(|x| x.1 == "202"), "{:?}", lines(&l, &o[0]));
}

#[test]
fn a_bank_name_field_of_exactly_35_characters_does_not_make_the_remittance_look_cut_off() {
    // `DBNM: Union Distribution of Ohio Co` is 35 characters: a name, not
    // the payer's remittance cut by a SWIFT line. The 144.91 over INV-5001
    // is an overpayment held on account — not paid to the two other items
    // that happen to add up to it (rule 7 applies only to cut remittance).
    let invs = vec![
        invoice("INV-5001", "C1", "1000.00", "2026-02-01"),
        invoice("INV-5002", "C1", "100.00", "2026-02-10"),
        invoice("INV-5003", "C1", "44.91", "2026-02-11"),
    ];
    let name = "DBNM: Union Distribution of Ohio Co";
    assert_eq!(name.chars().count(), 35);
    let r = payer(receipt("R1", "1144.91", "2026-03-02", &[name, "PMT INV-5001"]), "Union Distribution of Ohio Co");
    let (l, o) = decide(invs, vec![customer("C1", "Union Distribution of Ohio Co")], &[r]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-5001", "1000.00"), s("on_account", "", "144.91")]);
    assert_eq!(exceptions(&l, &o[0]), [s("overpayment", "", "144.91")]);
}

#[test]
fn of_equally_near_neighbours_the_one_open_for_the_payment_plus_a_bank_charge_is_part_paid() {
    // `PMT INV-0076237` names no invoice; INV-0076327 and INV-0076230 are
    // both one edit away. Only INV-0076327 is open for the 3390.78 paid
    // plus 40.00, what a bank charges for a wire: that one, 40.00 short.
    let cs = vec![customer("C1", "Fairchild Industries Corp")];
    let invs = vec![
        invoice("INV-0076327", "C1", "3430.78", "2026-02-01"),
        invoice("INV-0076230", "C1", "1200.00", "2026-02-01"),
    ];
    let r = payer(receipt("R1", "3390.78", "2026-03-02", &["PMT INV-0076237"]), "FAIRCHILD INDUSTRIES CORP");
    let (l, o) = decide(invs.clone(), cs.clone(), &[r]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-0076327", "3390.78")]);
    assert_eq!(exceptions(&l, &o[0]), [s("short_payment", "INV-0076327", "40.00")]);
    // A charge that is no round transfer fee (37.15): still ambiguous.
    let r = payer(receipt("R2", "3393.63", "2026-03-02", &["PMT INV-0076237"]), "FAIRCHILD INDUSTRIES CORP");
    let (l, o) = decide(invs, cs, &[r]);
    assert!(!lines(&l, &o[0]).iter().any(|x| x.0 == "applied"), "{:?}", lines(&l, &o[0]));
    assert_eq!(o[0].exceptions[0].kind, ExceptionKind::Ambiguous);
}

#[test]
fn a_payment_its_words_call_partial_part_pays_the_only_equally_near_neighbour_open_for_more() {
    // `PARTIAL PAYMENT PER AGREEMENT INV-0330125` pays 650.00: of the
    // neighbours one edit away, INV-0330215 is open for 2500.00 and
    // INV-0330120 for 480.00 — only the first can be part-paid.
    let cs = vec![customer("C1", "Bluewater Furniture Inc")];
    let invs = vec![
        invoice("INV-0330215", "C1", "2500.00", "2026-02-01"),
        invoice("INV-0330120", "C1", "480.00", "2026-02-01"),
    ];
    let mut c = cs.clone();
    c[0].bank_accounts = vec!["053439301:7196717590".into()];
    let mut r = receipt("R1", "650.00", "2026-03-02", &["PARTIAL PAYMENT PER AGREEMENT INV-0330125"]);
    r.payer_account = Some("053439301:7196717590".into());
    let (l, o) = decide(invs.clone(), c.clone(), &[r.clone()]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-0330215", "650.00")]);
    assert_eq!(exceptions(&l, &o[0]), [s("short_payment", "INV-0330215", "1850.00")]);
    // Without words of a part payment the number stays ambiguous.
    r.remittance_text = vec!["PMT INV-0330125".into()];
    let (l, o) = decide(invs, c, &[r]);
    assert!(!lines(&l, &o[0]).iter().any(|x| x.0 == "applied"), "{:?}", lines(&l, &o[0]));
}

#[test]
fn a_zero_padded_number_ending_a_line_of_exactly_35_characters_names_its_invoice_when_no_longer_number_continues_it() {
    // `INSTALLMENT 3 OF 4 REF 001800230482` is 35 characters, as a SWIFT
    // line cut there would be; but no invoice number continues
    // 1800230482, so its padded form is the whole number: a part payment.
    let text = "INSTALLMENT 3 OF 4 REF 001800230482";
    assert_eq!(text.chars().count(), 35);
    let cs = vec![customer("C1", "Cobalt Metals of Ohio LLC")];
    let invs = vec![invoice("1800230482", "C1", "44832.20", "2026-02-01")];
    let r = payer(receipt("R1", "30485.89", "2026-03-05", &[text]), "COBALT METALS OF");
    let (l, o) = decide(invs.clone(), cs.clone(), std::slice::from_ref(&r));
    assert_eq!(lines(&l, &o[0]), [s("applied", "1800230482", "30485.89")]);
    // An invoice whose number continues it: the word may be cut, nothing paid.
    let mut longer = invs;
    longer.push(invoice("18002304821", "C1", "900.00", "2026-02-01"));
    let (l, o) = decide(longer, cs, &[r]);
    assert!(!lines(&l, &o[0]).iter().any(|x| x.0 == "applied"), "{:?}", lines(&l, &o[0]));
}

#[test]
fn a_reference_paid_more_than_its_invoice_is_open_for_goes_to_the_neighbour_the_payment_part_pays_by_charge_or_by_its_words()
 {
    let cs = vec![customer("C1", "Oakridge Motors Inc")];
    // 387.90 for INV-0031331, open for 300.00: no part payment of it. Its
    // neighbour INV-0031313 is open for 427.90, the payment plus a 40.00
    // wire charge: that one, 40.00 short.
    let invs = vec![
        invoice("INV-0031331", "C1", "300.00", "2026-02-01"),
        invoice("INV-0031313", "C1", "427.90", "2026-02-01"),
    ];
    let r = payer(receipt("R1", "387.90", "2026-03-02", &["INVOICES INV-0031331"]), "OAKRIDGE MOTORS");
    let (l, o) = decide(invs, cs.clone(), &[r]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-0031313", "387.90")]);
    assert_eq!(exceptions(&l, &o[0]), [s("short_payment", "INV-0031313", "40.00")]);
    // `PARTIAL PAYMENT` of 3500.00 quoting INV-0033285, open for 1200.00:
    // of its neighbours only INV-0033258 is open for more than 3500.00.
    let invs = vec![
        invoice("INV-0033285", "C1", "1200.00", "2026-02-01"),
        invoice("INV-0033258", "C1", "9000.00", "2026-01-15"),
        invoice("INV-0033280", "C1", "800.00", "2026-02-01"),
    ];
    let text = "PARTIAL PAYMENT PER AGREEMENT PMT INV-000033285";
    let r = payer(receipt("R2", "3500.00", "2026-03-02", &[text]), "OAKRIDGE MOTORS");
    let (l, o) = decide(invs.clone(), cs.clone(), &[r]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-0033258", "3500.00")]);
    assert_eq!(exceptions(&l, &o[0]), [s("short_payment", "INV-0033258", "5500.00")]);
    // Without those words, nothing says it is a part payment: not moved.
    let r = payer(receipt("R3", "3500.00", "2026-03-02", &["PMT INV-000033285"]), "OAKRIDGE MOTORS");
    let (l, o) = decide(invs, cs, &[r]);
    assert!(!lines(&l, &o[0]).iter().any(|x| x.1 == "INV-0033258"), "{:?}", lines(&l, &o[0]));
}

#[test]
fn a_third_partys_advice_is_the_customer_whose_invoice_a_line_settles_and_its_mistyped_line_goes_to_that_customers_neighbour()
 {
    // A factor pays two lines: `INV-0098972 4602.25` — Crescent's invoice,
    // open for 343.98 — and `INV-0099850 27999.69`, Oakridge's, settled
    // exactly. The advice is Oakridge's: its INV-0099872, one edit from
    // the first number, is open for exactly 4602.25.
    let cs = vec![customer("C1", "Oakridge Pharma GmbH"), customer("C2", "Crescent Paper Corp")];
    let invs = vec![
        invoice("INV-0098972", "C2", "343.98", "2026-03-24"),
        invoice("INV-0099872", "C1", "4602.25", "2026-01-05"),
        invoice("INV-0099850", "C1", "27999.69", "2026-01-20"),
    ];
    let mut r = receipt("R1", "32601.94", "2026-03-02", &[]);
    for (reference, amount) in [("INV-0098972", "4602.25"), ("INV-0099850", "27999.69")] {
        let mut line = RemittanceLine::reference(reference, DocumentType::Invoice);
        line.amount = Some(d(amount));
        r.remittance_lines.push(line);
    }
    let (l, o) = decide(invs, cs, &[payer(r, "FIRST CAPITAL FACTORS LLC")]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-0099850", "27999.69"), s("applied", "INV-0099872", "4602.25")]);
    assert_eq!(l.customer_id(o[0].customer.unwrap()), "C1");
}

#[test]
fn a_number_in_groups_ending_a_line_of_exactly_35_characters_is_read_whole_as_a_cut_off_word() {
    let text = "INSTALLMENT 1 OF 4 REF INV-030 1278";
    assert_eq!(text.chars().count(), 35);
    let cs = vec![customer("C1", "Sunrise Electric LLC")];
    let invs = vec![invoice("INV-0301278", "C1", "900.00", "2026-02-01")];
    let r = payer(receipt("R1", "249.19", "2026-03-05", &[text]), "SUNRISE ELECTRIC LLC");
    let (l, o) = decide(invs, cs, &[r]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-0301278", "249.19")]);
}

#[test]
fn a_purchase_order_ending_a_line_of_exactly_35_characters_names_its_invoice_when_no_longer_order_number_continues_it()
{
    let text = "2026-604129, 2026-604100, PO-612166";
    assert_eq!(text.chars().count(), 35);
    let cs = vec![customer("C1", "Harbor Hardware Inc")];
    let mut by_po = invoice("2026-604166", "C1", "31301.17", "2026-02-01");
    by_po.po_number = Some("PO-612166".into());
    let invs = vec![
        invoice("2026-604129", "C1", "3131.31", "2026-02-01"),
        invoice("2026-604100", "C1", "172.53", "2026-02-01"),
        by_po,
        // Open for the same amount: only the order number tells them apart.
        invoice("2026-604188", "C1", "31301.17", "2026-02-01"),
    ];
    let r = payer(receipt("R1", "34605.01", "2026-03-05", &[text]), "HARBOR HARDWARE");
    let (l, o) = decide(invs, cs, &[r]);
    let applied: Vec<String> = lines(&l, &o[0]).into_iter().filter(|x| x.0 == "applied").map(|x| x.1).collect();
    assert_eq!(applied.len(), 3, "{:?}", lines(&l, &o[0]));
    assert!(applied.contains(&"2026-604166".to_string()));
}

#[test]
fn a_number_without_its_padding_ending_a_line_of_exactly_35_characters_names_its_invoice() {
    // `INV-297960` ends a 35-character line: maybe cut, but no invoice
    // number continues it and INV-0297960 is it without its padding zero.
    let text = "INV-297942, INV-0297953, INV-297960";
    assert_eq!(text.chars().count(), 35);
    let cs = vec![customer("C1", "Union Industries Inc")];
    let invs = vec![
        invoice("INV-0297942", "C1", "1000.00", "2026-02-01"),
        invoice("INV-0297953", "C1", "2000.00", "2026-02-01"),
        invoice("INV-0297960", "C1", "28326.21", "2026-02-01"),
        invoice("INV-0297971", "C1", "28326.21", "2026-02-01"),
    ];
    let r = payer(receipt("R1", "31326.21", "2026-03-05", &[text]), "UNION INDUSTRIES");
    let (l, o) = decide(invs, cs, &[r]);
    let applied: Vec<String> = lines(&l, &o[0]).into_iter().filter(|x| x.0 == "applied").map(|x| x.1).collect();
    assert!(applied.contains(&"INV-0297960".to_string()), "{:?}", lines(&l, &o[0]));
    assert_eq!(applied.len(), 3, "{:?}", lines(&l, &o[0]));
}

#[test]
fn a_bank_reference_number_that_merely_normalises_to_an_invoice_does_not_outweigh_the_invoice_the_payer_names() {
    // The BAI2 customer-reference field holds `312463` (the originator's
    // own number); the payer's words name INV-0312458, open for exactly
    // the 1863.31 paid. INV-0312463 of the same customer is not meant.
    let cs = vec![customer("C1", "Westfield Energy of Ohio Corp")];
    let invs = vec![
        invoice("INV-0312458", "C1", "1863.31", "2026-02-23"),
        invoice("INV-0312463", "C1", "2147.76", "2026-01-02"),
    ];
    let mut r = payer(receipt("R1", "1863.31", "2026-03-02", &["INVOICES 0312458"]), "WESTFIELD ENERGY");
    r.customer_reference = Some("312463".into());
    let (l, o) = decide(invs, cs, &[r]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-0312458", "1863.31")]);
}

#[test]
fn a_number_with_its_prefix_dropped_that_is_another_customers_invoice_yields_to_the_payers_own_invoice_open_for_exactly_the_payment()
 {
    // The payer's bank account is C1's. `1S934` reads `15934`: exactly C2's
    // INV-0015934 (open 4062.55, within 5% of the payment), and the end of
    // C1's 1800015934, open for exactly the 4151.28 paid.
    let mut c1 = customer("C1", "Sunrise Motors GmbH");
    c1.bank_accounts = vec!["201300321:0004035778".into()];
    let cs = vec![c1, customer("C2", "Summit Energy GmbH")];
    let invs = vec![
        invoice("1800015934", "C1", "4151.28", "2026-01-30"),
        invoice("1800015901", "C1", "900.00", "2026-01-30"),
        invoice("INV-0015934", "C2", "4062.55", "2026-01-30"),
    ];
    let mut r = payer(receipt("R1", "4151.28", "2026-03-05", &["1S934=4151.28"]), "SUNRISE MOTORS G");
    r.payer_account = Some("201300321:0004035778".into());
    let r = itemised(r, &[("1S934", "4151.28")]);
    let (l, o) = decide(invs, cs, &[r]);
    assert_eq!(l.customer_id(o[0].customer.unwrap()), "C1");
    assert_eq!(lines(&l, &o[0]), [s("applied", "1800015934", "4151.28")]);
}

#[test]
fn a_line_its_payer_calls_a_partial_payment_part_pays_the_invoice_it_names_not_a_neighbour_open_for_exactly_its_amount()
{
    // 1800034233, one edit from the named 1800034231, is open for exactly
    // 500.00; the payer says the 500.00 is a partial payment of 1800034231.
    let invs =
        vec![invoice("1800034231", "C1", "2000.00", "2026-01-30"), invoice("1800034233", "C1", "500.00", "2026-02-20")];
    let r = receipt("R1", "500.00", "2026-03-05", &["1800034231/$500.00 Partial payment"]);
    let r = itemised(r, &[("1800034231", "500.00")]);
    let (l, o) = decide(invs, vec![customer("C1", "Om Co")], &[r]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "1800034231", "500.00")]);
    assert_eq!(exceptions(&l, &o[0]), [s("short_payment", "1800034231", "1500.00")]);
}

#[test]
fn an_invoice_number_written_with_slashes_is_paid_as_written_not_another_invoice_of_the_same_amount() {
    // `SO/2026/6859 $300.00`: read as `2026` and `6859`, the number named
    // nothing and the 300.00 went to the payer's older invoice of 300.00.
    let invs = vec![
        invoice("SO/2026/6859", "C1", "300.00", "2026-05-02"),
        invoice("SO/2025/2636", "C1", "300.00", "2026-03-29"),
        invoice("6859", "C2", "300.00", "2026-03-29"),
    ];
    let cs = vec![customer("C1", "Golden Gate Packaging Inc"), customer("C2", "Harbor Line Trading Corp")];
    let r = payer(receipt("R1", "300.00", "2026-05-07", &["SO/2026/6859 $300.00"]), "GOLDEN GATE PACK");
    let (l, o) = decide(invs, cs, &[r]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "SO/2026/6859", "300.00")]);
}

#[test]
fn slashed_invoice_numbers_with_their_amounts_glued_on_pay_each_invoice_its_own_amount() {
    let invs = vec![
        invoice("INV/2026/00042", "C1", "1500.00", "2026-04-30"),
        invoice("INV/2026/00057", "C1", "700.00", "2026-04-30"),
        invoice("INV/2026/00061", "C1", "1200.00", "2026-06-30"),
    ];
    let r = receipt("R1", "1900.00", "2026-05-07", &["INV/2026/00042/1200.00 / INV/2026/00057/700.00"]);
    let (l, o) = decide(invs, vec![customer("C1", "Vega Pharma SA")], &[r]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV/2026/00042", "1200.00"), s("applied", "INV/2026/00057", "700.00")]);
    assert_eq!(exceptions(&l, &o[0]), [s("short_payment", "INV/2026/00042", "300.00")]);
}

#[test]
fn a_line_stating_its_invoices_total_and_deduction_is_not_held_for_a_payer_name_that_reads_like_another_customer() {
    // `RMR*IV*2025-16155*PI*9606.64*10365.29` and `ADX*-758.65*A05`: the
    // payer states the invoice's whole amount and what it took off. Its
    // name, `OP LTD`, is another customer's; the payment is not the open
    // amount, but the line says exactly how it relates to it.
    let invs =
        vec![invoice("2025-16155", "C1", "10365.29", "2026-02-25"), invoice("OP-100", "C2", "500.00", "2026-02-25")];
    let cs = vec![customer("C1", "O'Brien-Moreau Pharmacy Ltd"), customer("C2", "OP Ltd")];
    let mut r = payer(receipt("R1", "9606.64", "2026-05-06", &[]), "OP LTD");
    let mut line = RemittanceLine::reference("2025-16155", DocumentType::Invoice);
    line.amount = Some(d("9606.64"));
    line.deduction = Some(d("758.65"));
    line.reason = Some("A05".into());
    line.invoice_amount = Some(d("10365.29"));
    r.remittance_lines = vec![line];
    let (l, o) = decide(invs, cs, &[r]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "2025-16155", "9606.64")]);
    assert_eq!(exceptions(&l, &o[0]), [s("short_payment", "2025-16155", "758.65")]);
}

#[test]
fn the_payers_own_customer_number_in_the_text_does_not_keep_a_payment_without_invoice_numbers_from_its_one_subset() {
    // `Paiement client 300462`: 300462 is the payer's customer number, not
    // a document it names; the payment is the one subset of its items.
    let invs = vec![
        invoice("F2026/1336", "300462", "10000.00", "2026-03-01"),
        invoice("F2026/1349", "300462", "4366.05", "2026-03-01"),
        invoice("F2026/1350", "300462", "999.00", "2026-04-01"),
    ];
    for text in ["Paiement client 300462", "Zahlung Kunde 300462", "Kd-Nr. 300462", "klantnr 300462"] {
        let r = payer(receipt("R1", "14366.05", "2026-03-10", &[text]), "Lefebvre Freres SARL");
        let (l, o) = decide(invs.clone(), vec![customer("300462", "Lefebvre Freres SARL")], &[r]);
        assert_eq!(
            lines(&l, &o[0]),
            [s("applied", "F2026/1336", "10000.00"), s("applied", "F2026/1349", "4366.05")],
            "{text}"
        );
    }
}

#[test]
fn an_invoice_paid_exactly_twice_over_is_applied_with_the_excess_on_account_not_held() {
    // `Rechnung 9000011166` for 3000.00, the invoice open for 1500.00: the
    // payer paid it twice. Far above 125% of the open amount a payment is
    // held as a likely mistyped number — but an exact multiple is the named
    // invoice paid twice over (CONTRACT §4: an overpayment).
    let invs = vec![
        invoice("9000011166", "C1", "1500.00", "2026-03-01"),
        invoice("9000011170", "C1", "2750.00", "2026-04-01"),
    ];
    let r = payer(receipt("R1", "3000.00", "2026-03-10", &["Rechnung 9000011166"]), "Muller Bau GmbH");
    let (l, o) = decide(invs.clone(), vec![customer("C1", "Muller Bau GmbH")], &[r]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "9000011166", "1500.00"), s("on_account", "", "1500.00")]);
    assert_eq!(exceptions(&l, &o[0]), [s("overpayment", "", "1500.00")]);
    // Not an exact multiple (2.2 times): held as before.
    let r = payer(receipt("R1", "3300.00", "2026-03-10", &["Rechnung 9000011166"]), "Muller Bau GmbH");
    let (l, o) = decide(invs, vec![customer("C1", "Muller Bau GmbH")], &[r]);
    assert!(!lines(&l, &o[0]).iter().any(|(k, _, _)| *k == "applied"), "{:?}", lines(&l, &o[0]));
}

#[test]
fn discounts_taken_late_on_several_invoices_are_one_unearned_discount_each_for_its_own_amount() {
    // `Rechnungen 9000016043 9000016041 abzgl. 3% Skonto`, paid after both
    // discount dates: the payer owes 7.88 on one and 20.25 on the other —
    // not one exception for 28.13 on the last.
    let with_terms = |id: &str, open: &str| {
        let mut i = invoice(id, "C1", open, "2026-04-30");
        i.discount_percent = Some(d("3"));
        i.discount_until = Some(date("2026-03-15"));
        i
    };
    let invs = vec![with_terms("9000016043", "262.67"), with_terms("9000016041", "675.00")];
    let r = payer(
        receipt("R1", "909.54", "2026-04-02", &["Rechnungen 9000016043 9000016041 abzgl. 3% Skonto"]),
        "Kessler AG",
    );
    let (l, o) = decide(invs, vec![customer("C1", "Kessler AG")], &[r]);
    let mut got = exceptions(&l, &o[0]);
    got.sort();
    assert_eq!(got, [s("unearned_discount", "9000016041", "20.25"), s("unearned_discount", "9000016043", "7.88")]);
}
