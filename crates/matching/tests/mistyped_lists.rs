//! Lists of invoice numbers without amounts where the payer mistyped a
//! number: the amounts decide what a coordinator would conclude, and when
//! they cannot, nothing is paid to an invoice the payer probably never meant.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use cashapply_matching::engine::{Ledger, ReceiptOutcome};
use cashapply_matching::inputs::{Invoice, InvoiceStatus};
use cashapply_model::{DocumentType, RemittanceLine};
use common::*;

fn item(reference: &str, amount: &str) -> RemittanceLine {
    let mut l = RemittanceLine::reference(reference, DocumentType::Invoice);
    l.amount = Some(d(amount));
    l
}

#[test]
fn a_shortfall_that_several_neighbours_of_one_number_would_close_is_held_not_taken_as_a_part_payment() {
    // 5182 is printed; 5187 and 5128 (one edit each) are both open for
    // exactly the 500.00 the list is short of 5182's own amount.
    let invs = vec![
        invoice("INV-5101", "C1", "1000.00", "2026-01-31"),
        invoice("INV-5102", "C1", "2000.00", "2026-01-31"),
        invoice("INV-5182", "C1", "3000.00", "2026-01-31"),
        invoice("INV-5187", "C1", "500.00", "2026-01-31"),
        invoice("INV-5128", "C1", "500.00", "2026-01-31"),
    ];
    let (l, o) = decide(invs, vec![], &[receipt("R1", "3500.00", "2026-02-02", &["PMT INV-5101 INV-5102 INV-5182"])]);
    let got = lines(&l, &o[0]);
    assert!(got.contains(&s("applied", "INV-5101", "1000.00")), "{got:?}");
    assert!(got.contains(&s("applied", "INV-5102", "2000.00")), "{got:?}");
    assert!(!got.iter().any(|(_, inv, _)| inv == "INV-5182"), "no part payment of the doubted number: {got:?}");
    assert!(got.contains(&s("unapplied", "", "500.00")), "{got:?}");
    let held = o[0].exceptions.iter().find(|e| e.kind.as_str() == "unapplied").expect("held for a person");
    let suggested: Vec<&str> = held.suggestions.iter().map(|(id, _)| id.as_str()).collect();
    assert!(suggested.contains(&"INV-5187") && suggested.contains(&"INV-5128"), "{suggested:?}");
    // The neighbours the held cash may pay are not reported as skipped.
    assert!(!o[0].exceptions.iter().any(|e| e.kind.as_str() == "skipped_invoice"), "{:?}", o[0].exceptions);
}

#[test]
fn a_shortfall_that_exactly_one_neighbour_closes_pays_that_neighbour() {
    let invs = vec![
        invoice("INV-5101", "C1", "1000.00", "2026-01-31"),
        invoice("INV-5182", "C1", "3000.00", "2026-01-31"),
        invoice("INV-5187", "C1", "500.00", "2026-01-31"),
    ];
    let (l, o) = decide(invs, vec![], &[receipt("R1", "1500.00", "2026-02-02", &["PMT INV-5101 INV-5182"])]);
    let got = lines(&l, &o[0]);
    assert!(got.contains(&s("applied", "INV-5187", "500.00")), "{got:?}");
    assert!(!got.iter().any(|(_, inv, _)| inv == "INV-5182"), "{got:?}");
}

#[test]
fn the_rest_of_a_payment_equal_to_the_invoice_a_mistyped_number_may_mean_is_applied() {
    // `INV-8852` names nothing; `INV-5852`, one edit away, is open for
    // exactly what is left after the numbers that do name invoices.
    let invs = vec![
        invoice("INV-5803", "C1", "294.31", "2026-01-31"),
        invoice("INV-5835", "C1", "4099.76", "2026-01-31"),
        invoice("INV-5852", "C1", "1200.00", "2026-01-31"),
        invoice("INV-5899", "C1", "700.00", "2026-01-31"),
    ];
    let (l, o) = decide(invs, vec![], &[receipt("R1", "5594.07", "2026-02-02", &["PMT INV-5803;INV-8852;INV-5835"])]);
    let got = lines(&l, &o[0]);
    assert!(got.contains(&s("applied", "INV-5852", "1200.00")), "{got:?}");
    let rule = o[0].lines.iter().find(|x| x.invoice.is_some_and(|i| l.invoice(i).id == "INV-5852")).unwrap().rule;
    assert_eq!(rule.as_str(), "ref_fuzzy", "the evidence says the number was read loosely");
    assert!(!o[0].exceptions.iter().any(|e| e.kind.as_str() == "overpayment"), "{:?}", o[0].exceptions);
}

#[test]
fn a_rest_that_no_loosely_named_invoice_makes_exactly_stays_an_overpayment() {
    let invs = vec![
        invoice("INV-5803", "C1", "294.31", "2026-01-31"),
        invoice("INV-5835", "C1", "4099.76", "2026-01-31"),
        invoice("INV-5852", "C1", "1200.00", "2026-01-31"),
    ];
    // One cent more than the three invoices: the amount does not confirm
    // the reading of `INV-8852`.
    let (l, o) = decide(invs, vec![], &[receipt("R1", "5594.08", "2026-02-02", &["PMT INV-5803;INV-8852;INV-5835"])]);
    let got = lines(&l, &o[0]);
    assert!(!got.iter().any(|(_, inv, _)| inv == "INV-5852"), "{got:?}");
    assert!(got.contains(&s("on_account", "", "1200.01")), "{got:?}");
}

#[test]
fn a_payment_equal_to_several_invoices_goes_to_the_one_its_mistyped_number_is_one_edit_from() {
    // Three invoices of 1200.00; `REF 4812` names none, but is 4182 with
    // two digits swapped.
    let invs = vec![
        invoice("INV-4127", "C1", "1200.00", "2026-01-31"),
        invoice("INV-4168", "C1", "1200.00", "2026-01-31"),
        invoice("INV-4182", "C1", "1200.00", "2026-01-31"),
    ];
    let mut cs = vec![customer("C1", "Fairchild Distribution")];
    cs[0].bank_accounts = vec!["4207441695".into()];
    let mut r = receipt("R1", "1200.00", "2026-02-02", &["REF 4812"]);
    r.payer_account = Some("4207441695".into());
    let (l, o) = decide(invs, cs, &[r]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-4182", "1200.00")]);
    assert_eq!(o[0].lines[0].rule.as_str(), "ref_fuzzy");
}

#[test]
fn a_payment_equal_to_several_invoices_with_no_word_pointing_at_one_stays_ambiguous() {
    let invs = vec![
        invoice("INV-4127", "C1", "1200.00", "2026-01-31"),
        invoice("INV-4168", "C1", "1200.00", "2026-01-31"),
        invoice("INV-4182", "C1", "1200.00", "2026-01-31"),
    ];
    let mut cs = vec![customer("C1", "Fairchild Distribution")];
    cs[0].bank_accounts = vec!["4207441695".into()];
    let mut r = receipt("R1", "1200.00", "2026-02-02", &["REF 9999"]);
    r.payer_account = Some("4207441695".into());
    let (l, o) = decide(invs, cs, &[r]);
    assert_eq!(lines(&l, &o[0]), [s("unapplied", "", "1200.00")]);
    assert_eq!(o[0].exceptions[0].kind.as_str(), "ambiguous");
}

#[test]
fn an_itemised_line_naming_nothing_goes_to_the_one_invoice_of_its_amount_its_number_is_one_edit_from() {
    // `1818=1000.00` names nothing; of the invoices open for 1000.00 only
    // 8818 is one edit from it.
    let invs = vec![
        invoice("INV-8822", "C1", "1135.60", "2026-01-31"),
        invoice("INV-8818", "C1", "1000.00", "2026-01-31"),
        invoice("INV-8854", "C1", "1000.00", "2026-01-31"),
    ];
    let mut r = receipt("R1", "2135.60", "2026-02-02", &[]);
    r.remittance_lines = vec![item("INV-8822", "1135.60"), item("1818", "1000.00")];
    let (l, o) = decide(invs, vec![], &[r]);
    let got = lines(&l, &o[0]);
    assert!(got.contains(&s("applied", "INV-8818", "1000.00")), "{got:?}");
    assert!(!got.iter().any(|(_, inv, _)| inv == "INV-8854"), "{got:?}");
}

#[test]
fn a_lone_itemised_line_naming_nothing_goes_to_the_invoice_of_its_amount_its_number_is_one_edit_from() {
    // The only line, `5277=1000.00`, names no invoice; of the payer's two
    // invoices of 1000.00 only 2577 is `5277` with two digits swapped.
    let invs = vec![invoice("2517", "C1", "1000.00", "2026-01-31"), invoice("2577", "C1", "1000.00", "2026-01-31")];
    let mut cs = vec![customer("C1", "Northwind Glass Inc")];
    cs[0].bank_accounts = vec!["5336018164".into()];
    let mut r = receipt("R1", "1000.00", "2026-02-02", &[]);
    r.payer_account = Some("5336018164".into());
    r.remittance_lines = vec![item("5277", "1000.00")];
    let (l, o) = decide(invs, cs, &[r]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "2577", "1000.00")]);
}

#[test]
fn a_set_of_invoices_that_adds_up_to_a_line_naming_nothing_is_suggested_not_applied() {
    // The only line, `89213=1164.70`, names none of the payer's invoices (a
    // mistyped number with its prefix dropped); five other invoices happen
    // to add up to it.
    let invs = vec![
        invoice("1800086296", "C1", "141.21", "2026-01-31"),
        invoice("1800086282", "C1", "208.24", "2026-01-31"),
        invoice("1800086215", "C1", "377.68", "2026-01-31"),
        invoice("1800086200", "C1", "103.33", "2026-01-31"),
        invoice("1800086227", "C1", "334.24", "2026-01-31"),
        invoice("1800086213", "C1", "2500.00", "2026-01-31"),
        // Among a million invoices the mistyped number is someone else's.
        invoice("89213", "C2", "75.00", "2026-01-31"),
    ];
    let mut cs = vec![customer("C1", "Lakeside Builders Ltd"), customer("C2", "Orion Textiles LLC")];
    cs[0].bank_accounts = vec!["4584082074".into()];
    let mut r = receipt("R1", "1164.70", "2026-02-02", &[]);
    r.payer_account = Some("4584082074".into());
    r.remittance_lines = vec![item("89213", "1164.70")];
    let (l, o) = decide(invs, cs, &[r]);
    assert_eq!(lines(&l, &o[0]), [s("unapplied", "", "1164.70")]);
    assert!(o[0].exceptions[0].suggestions.len() >= 5, "{:?}", o[0].exceptions);
}

#[test]
fn the_cash_of_a_visible_line_naming_nothing_is_not_taken_for_the_cut_off_part_of_a_remittance() {
    // An 80-character remittance line (cut by the channel) and three
    // structured lines; the third, `INV-0227210=770.00`, names none of the
    // payer's invoices. Three other invoices happen to add up to 770.00.
    let invs = vec![
        invoice("INV-0257235", "C1", "4557.48", "2026-01-31"),
        invoice("INV-0257227", "C1", "39551.00", "2026-01-31"),
        invoice("INV-0257204", "C1", "199.16", "2026-01-31"),
        invoice("INV-0257225", "C1", "406.59", "2026-01-31"),
        invoice("INV-0257240", "C1", "164.25", "2026-01-31"),
    ];
    let text = "RMR*IV*INV-0257235**4557.48*4557.48\\ RMR*IV*0257227**39551.00*39551.00\\ RMR*IV*I";
    assert_eq!(text.chars().count(), 80);
    let mut r = receipt("R1", "44878.48", "2026-02-02", &[text]);
    r.remittance_lines =
        vec![item("INV-0257235", "4557.48"), item("0257227", "39551.00"), item("INV-0227210", "770.00")];
    let (l, o) = decide(invs, vec![], &[r]);
    let got = lines(&l, &o[0]);
    assert!(got.contains(&s("applied", "INV-0257235", "4557.48")), "{got:?}");
    assert!(got.contains(&s("unapplied", "", "770.00")), "{got:?}");
    for other in ["INV-0257204", "INV-0257225", "INV-0257240"] {
        assert!(!got.iter().any(|(_, inv, _)| inv == other), "{got:?}");
    }
}

#[test]
fn a_short_number_one_edit_from_the_only_such_invoice_of_a_payer_known_by_account_is_that_invoice() {
    // `INV-0014444` names nothing; of the payer's invoices only INV-0014544
    // is one edit away. Known by its account, the payer overpays it.
    let invs = vec![
        invoice("INV-0014544", "C1", "45565.73", "2026-01-31"),
        invoice("INV-0014590", "C1", "800.00", "2026-02-28"),
    ];
    let mut cs = vec![customer("C1", "Sterling Plastics Co")];
    cs[0].bank_accounts = vec!["5622156212".into()];
    let mut r = receipt("R1", "48299.67", "2026-02-02", &["INV-0014444"]);
    r.payer_account = Some("5622156212".into());
    let (l, o) = decide(invs.clone(), cs.clone(), &[r]);
    let got = lines(&l, &o[0]);
    assert!(got.contains(&s("applied", "INV-0014544", "45565.73")), "{got:?}");
    assert!(o[0].exceptions.iter().any(|e| e.kind.as_str() == "overpayment"), "{:?}", o[0].exceptions);
    // Known only by a name like the customer's, the same payment is held.
    let r = payer(receipt("R2", "48299.67", "2026-02-02", &["INV-0014444"]), "Sterling Plastcs Co");
    let (l, o) = decide(invs, cs, &[r]);
    assert!(!lines(&l, &o[0]).iter().any(|(k, _, _)| *k == "applied"), "{:?}", lines(&l, &o[0]));
}

/// A payer known by account whose advice pays `INV-0166215` exactly and
/// part-pays a mistyped `INV-0166213`.
fn part_paid_list(neighbours: Vec<Invoice>) -> (Ledger, Vec<ReceiptOutcome>) {
    let mut invs = vec![invoice("INV-0166215", "C1", "300.64", "2026-01-31")];
    invs.extend(neighbours);
    let mut cs = vec![customer("C1", "Falcon Apparel Inc")];
    cs[0].bank_accounts = vec!["7730012844".into()];
    let mut r = receipt("R1", "2863.69", "2026-02-02", &[]);
    r.payer_account = Some("7730012844".into());
    r.remittance_lines = vec![item("INV-0166215", "300.64"), item("INV-0166213", "2563.05")];
    decide(invs, cs, &[r])
}

#[test]
fn a_line_part_paying_a_mistyped_number_goes_to_the_only_open_neighbour_and_leaves_it_short() {
    // `INV-0166213` names nothing; its neighbours are INV-0166215 (paid
    // by the first line) and INV-0166203, the only other one, open for
    // more than the line pays.
    let (l, o) = part_paid_list(vec![invoice("INV-0166203", "C1", "2663.05", "2026-01-31")]);
    let got = lines(&l, &o[0]);
    assert!(got.contains(&s("applied", "INV-0166203", "2563.05")), "{got:?}");
    assert!(got.contains(&s("applied", "INV-0166215", "300.64")), "{got:?}");
    let short = o[0].exceptions.iter().find(|e| e.kind.as_str() == "short_payment").expect("the rest is short");
    assert_eq!(short.amount, d("100.00"));
}

#[test]
fn a_line_part_paying_a_mistyped_number_is_held_when_two_open_neighbours_could_be_meant() {
    let (l, o) = part_paid_list(vec![
        invoice("INV-0166203", "C1", "2663.05", "2026-01-31"),
        invoice("INV-0166223", "C1", "9100.00", "2026-01-31"),
    ]);
    let got = lines(&l, &o[0]);
    assert!(got.contains(&s("unapplied", "", "2563.05")), "{got:?}");
}

#[test]
fn a_line_whose_amount_is_a_closed_neighbours_is_not_taken_as_a_part_payment_of_an_open_one() {
    // INV-0166218 was paid before for exactly 2563.05: the line repeats
    // that payment; INV-0166203 being open for more proves nothing.
    let mut closed = invoice("INV-0166218", "C1", "0.00", "2026-01-31");
    closed.amount_original = d("2563.05");
    closed.status = InvoiceStatus::Closed;
    let (l, o) = part_paid_list(vec![invoice("INV-0166203", "C1", "2663.05", "2026-01-31"), closed]);
    let got = lines(&l, &o[0]);
    assert!(!got.iter().any(|(_, inv, _)| inv == "INV-0166203"), "{got:?}");
}

#[test]
fn a_line_paying_more_than_its_only_open_neighbour_is_not_placed_there() {
    // INV-0166203 is open for less than the line: an overpayment of it, or
    // another document; a person decides.
    let (l, o) = part_paid_list(vec![invoice("INV-0166203", "C1", "2000.00", "2026-01-31")]);
    let got = lines(&l, &o[0]);
    assert!(!got.iter().any(|(_, inv, _)| inv == "INV-0166203"), "{got:?}");
}

/// C1's INV-0011946 was paid (closed, 597.73); INV-0011916 is open for
/// more. The payer pays 597.73 again quoting `INV-11916`.
fn paid_again_under(reference: &str, line: bool) -> (Ledger, Vec<ReceiptOutcome>) {
    let mut closed = invoice("INV-0011946", "C1", "0.00", "2026-01-31");
    closed.amount_original = d("597.73");
    closed.status = InvoiceStatus::Closed;
    let invs = vec![invoice("INV-0011916", "C1", "2400.00", "2026-01-31"), closed];
    let mut cs = vec![customer("C1", "Lakeside Logistics Inc")];
    cs[0].bank_accounts = vec!["4226285226".into()];
    let text = [reference];
    let mut r = receipt("R1", "597.73", "2026-02-02", if line { &[] } else { &text });
    r.payer_account = Some("4226285226".into());
    if line {
        // An X12 RMR line states the document's total too: 597.73.
        let mut l = item(reference, "597.73");
        l.invoice_amount = Some(d("597.73"));
        r.remittance_lines = vec![l];
    }
    decide(invs, cs, &[r])
}

#[test]
fn a_closed_invoices_amount_paid_again_under_a_mistyped_number_is_a_duplicate_not_a_part_payment() {
    // `INV-0011906` is one edit from both invoices: the closed one's amount
    // says which.
    for (reference, line) in [("INV-11916", true), ("INV-11916", false), ("INV-0011906", false)] {
        let (l, o) = paid_again_under(reference, line);
        let got = lines(&l, &o[0]);
        assert!(!got.iter().any(|(k, _, _)| *k == "applied"), "{reference}: {got:?}");
        let dup = o[0].exceptions.iter().find(|e| e.kind.as_str() == "duplicate_payment").expect(reference);
        assert_eq!(dup.invoice.map(|i| l.invoice(i).id.clone()).as_deref(), Some("INV-0011946"));
    }
}

#[test]
fn an_invoice_paid_earlier_in_the_run_paid_again_under_a_mistyped_number_is_a_duplicate_of_it() {
    // R1 pays INV-0011946 (597.73) in full; R2, later, pays 597.73 again
    // quoting `INV-11916`, which is open for more.
    let invs = vec![
        invoice("INV-0011916", "C1", "2400.00", "2026-01-31"),
        invoice("INV-0011946", "C1", "597.73", "2026-01-31"),
    ];
    let mut cs = vec![customer("C1", "Lakeside Logistics Inc")];
    cs[0].bank_accounts = vec!["4226285226".into()];
    let mut first = receipt("R1", "597.73", "2026-02-02", &["INV-0011946"]);
    first.payer_account = Some("4226285226".into());
    let mut again = receipt("R2", "597.73", "2026-02-03", &[]);
    again.payer_account = Some("4226285226".into());
    again.remittance_lines = vec![item("INV-11916", "597.73")];
    let (l, o) = decide(invs, cs, &[first, again]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-0011946", "597.73")]);
    assert!(!lines(&l, &o[1]).iter().any(|(k, _, _)| *k == "applied"), "{:?}", lines(&l, &o[1]));
    let dup = o[1].exceptions.iter().find(|e| e.kind.as_str() == "duplicate_payment").expect("a duplicate");
    assert_eq!(dup.invoice.map(|i| l.invoice(i).id.clone()).as_deref(), Some("INV-0011946"));
}

#[test]
fn of_two_equally_near_invoices_a_part_payment_line_stating_the_document_total_names_the_one_of_that_total() {
    // `INV-0308504` is one edit from both INV-0308004 and INV-0308054; the
    // line pays 2725.45 of a document it states as 6338.27.
    let invs = vec![
        invoice("INV-0308004", "C1", "4100.00", "2026-01-31"),
        invoice("INV-0308054", "C1", "6338.27", "2026-01-31"),
    ];
    let mut line = item("INV-0308504", "2725.45");
    line.invoice_amount = Some(d("6338.27"));
    let mut r = receipt("R1", "2725.45", "2026-02-02", &[]);
    r.remittance_lines = vec![line];
    let (l, o) = decide(invs, vec![], &[r]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-0308054", "2725.45")]);
}

#[test]
fn the_rest_left_by_a_word_that_names_nothing_goes_to_the_one_open_item_of_exactly_that_amount() {
    // `82085` is 1800080285 mangled beyond one edit; the cash the named
    // invoices leave is exactly its open amount (with cents).
    let invs = vec![
        invoice("1800080274", "C1", "105.38", "2026-01-31"),
        invoice("1800080273", "C1", "3377.82", "2026-01-31"),
        invoice("1800080285", "C1", "688.45", "2026-01-31"),
        invoice("1800080290", "C1", "700.00", "2026-02-20"),
    ];
    let r = receipt("R1", "4171.65", "2026-02-02", &["PMT 1800080274;1800080273;82085"]);
    let (l, o) = decide(invs.clone(), vec![], &[r]);
    let got = lines(&l, &o[0]);
    assert!(got.contains(&s("applied", "1800080285", "688.45")), "{got:?}");
    assert!(!o[0].exceptions.iter().any(|e| e.kind.as_str() == "overpayment"), "{:?}", o[0].exceptions);
    // Without a word that names nothing, the excess stays an overpayment.
    let r = receipt("R2", "4171.65", "2026-02-02", &["PMT 1800080274;1800080273"]);
    let (l, o) = decide(invs, vec![], &[r]);
    assert!(!lines(&l, &o[0]).iter().any(|x| x.1 == "1800080285"), "{:?}", lines(&l, &o[0]));
}

#[test]
fn a_number_repeated_by_its_tail_for_another_invoice_one_edit_from_it_is_that_invoice() {
    // `86790=359.38` names 1800086790 (paid by its own line) by its tail;
    // 1800086709, one edit from 1800086790, is open for 359.38.
    let invs = vec![
        invoice("1800086790", "C1", "4798.83", "2026-01-31"),
        invoice("1800086709", "C1", "359.38", "2026-01-31"),
        invoice("1800086750", "C1", "1385.20", "2026-01-31"),
    ];
    let mut r = receipt("R1", "6543.41", "2026-02-02", &[]);
    r.remittance_lines = vec![item("1800086790", "4798.83"), item("86790", "359.38"), item("1800086750", "1385.20")];
    let (l, o) = decide(invs, vec![], &[r]);
    let got = lines(&l, &o[0]);
    assert!(got.contains(&s("applied", "1800086709", "359.38")), "{got:?}");
}

#[test]
fn a_line_naming_an_invoice_another_line_mistyped_into_it_still_pays_that_invoice() {
    // `0522598=3108.36` means INV-0522589 (a transposition); the next line
    // names INV-0522598 itself for its own 231.68.
    let invs = vec![
        invoice("INV-0522547", "C1", "23922.45", "2026-01-31"),
        invoice("INV-0522589", "C1", "3108.36", "2026-01-31"),
        invoice("INV-0522598", "C1", "231.68", "2026-01-31"),
    ];
    let mut r = receipt("R1", "27262.49", "2026-02-02", &[]);
    r.remittance_lines =
        vec![item("INV-0522547", "23922.45"), item("0522598", "3108.36"), item("INV-0522598", "231.68")];
    let (l, o) = decide(invs, vec![], &[r]);
    let got = lines(&l, &o[0]);
    assert!(got.contains(&s("applied", "INV-0522589", "3108.36")), "{got:?}");
    assert!(got.contains(&s("applied", "INV-0522598", "231.68")), "{got:?}");
    assert!(o[0].exceptions.is_empty(), "{:?}", o[0].exceptions);
}

/// The invoices of a payer whose list names `8578` (open 59.98) where it
/// meant `8572`, and writes `8959` for `8599`: the payment is the sum of
/// what it meant.
fn list_with_a_reference_mistyped_into_another_invoice(extra: Option<Invoice>) -> (Ledger, Vec<ReceiptOutcome>) {
    let mut invoices = vec![
        invoice("8531", "C9", "202.02", "2026-01-05"),
        invoice("8549", "C9", "4871.39", "2026-01-08"),
        invoice("8572", "C9", "3457.76", "2026-01-12"),
        invoice("8578", "C9", "59.98", "2026-02-20"),
        invoice("8599", "C9", "456.01", "2026-01-15"),
    ];
    invoices.extend(extra);
    decide(
        invoices,
        vec![customer("C9", "Summit Industries")],
        &[payer(receipt("R1", "8987.18", "2026-03-01", &["REF No. 8531, Inv 8549, 8578, 8959"]), "SUMMIT INDUSTRIE")],
    )
}

#[test]
fn a_list_whose_rest_is_what_one_mistyped_reference_meant_pays_that_invoice_instead() {
    let (l, o) = list_with_a_reference_mistyped_into_another_invoice(None);
    let mut got = lines(&l, &o[0]);
    got.sort();
    assert_eq!(
        got,
        [
            s("applied", "8531", "202.02"),
            s("applied", "8549", "4871.39"),
            s("applied", "8572", "3457.76"),
            s("applied", "8599", "456.01")
        ]
    );
    assert!(o[0].exceptions.is_empty(), "{:?}", o[0].exceptions);
}

#[test]
fn a_list_whose_rest_two_neighbours_could_explain_moves_nothing() {
    // `8577` is one edit from `8578` too, and open for the same amount as
    // `8572`: two readings, so the reference stays as written.
    let (l, o) =
        list_with_a_reference_mistyped_into_another_invoice(Some(invoice("8577", "C9", "3457.76", "2026-01-13")));
    let got = lines(&l, &o[0]);
    assert!(got.contains(&s("applied", "8578", "59.98")), "{got:?}");
    assert!(!got.iter().any(|(_, inv, _)| inv == "8572" || inv == "8577"), "{got:?}");
}

#[test]
fn a_cut_off_list_keeps_its_references_as_written_and_leaves_the_rest_to_the_cut_off_part() {
    // Ending on a separator, the list was cut by the channel: its rest is
    // the hidden part's, so no written reference is read as a mistyped one.
    let (l, o) = decide(
        vec![
            invoice("8531", "C9", "202.02", "2026-01-05"),
            invoice("8549", "C9", "4871.39", "2026-01-08"),
            invoice("8572", "C9", "3457.76", "2026-01-12"),
            invoice("8578", "C9", "59.98", "2026-02-20"),
            invoice("8599", "C9", "456.01", "2026-01-15"),
        ],
        vec![customer("C9", "Summit Industries")],
        &[payer(receipt("R1", "8987.18", "2026-03-01", &["REF No. 8531, Inv 8549, 8578, 8959,"]), "SUMMIT INDUSTRIE")],
    );
    let got = lines(&l, &o[0]);
    assert!(got.contains(&s("applied", "8578", "59.98")), "{got:?}");
}

#[test]
fn a_list_short_by_what_one_mistyped_reference_got_pays_what_it_meant_instead_of_short_paying_it() {
    // `3311` meant `3318`, and the unreadable `3635` meant `3365`: the
    // payment is exactly what was meant, so `3311` (open 4595.19) is not
    // left short by 3631.08.
    let (l, o) = decide(
        vec![
            invoice("3311", "C7", "4595.19", "2026-02-25"),
            invoice("3317", "C7", "2585.75", "2026-01-05"),
            invoice("3318", "C7", "214.11", "2026-01-06"),
            invoice("3344", "C7", "4002.40", "2026-01-07"),
            invoice("3365", "C7", "750.00", "2026-01-08"),
            invoice("3396", "C7", "450.69", "2026-01-09"),
        ],
        vec![customer("C7", "Pinnacle Logistics")],
        &[payer(
            receipt("R1", "8002.95", "2026-03-01", &["Inv 3311, 3344, 3635, ABC: 3396, 3317"]),
            "PINNACLE LOGISTICS",
        )],
    );
    let mut got = lines(&l, &o[0]);
    got.sort();
    assert_eq!(
        got,
        [
            s("applied", "3317", "2585.75"),
            s("applied", "3318", "214.11"),
            s("applied", "3344", "4002.40"),
            s("applied", "3365", "750.00"),
            s("applied", "3396", "450.69")
        ]
    );
    assert!(o[0].exceptions.is_empty(), "{:?}", o[0].exceptions);
}

#[test]
fn a_list_short_by_a_mistyped_reference_and_two_unreadable_words_pays_all_three_it_meant() {
    // `INV-0364519` meant `INV-0364591`; `INV-0 3G4 597` and `INV-036 4S47`
    // (letters for digits) meant `INV-0364597` and `INV-0364547`.
    let (l, o) = decide(
        vec![
            invoice("INV-0364515", "C6", "7871.66", "2026-01-05"),
            invoice("INV-0364519", "C6", "4157.75", "2026-02-25"),
            invoice("INV-0364521", "C6", "4120.30", "2026-01-06"),
            invoice("INV-0364547", "C6", "1217.27", "2026-01-07"),
            invoice("INV-0364591", "C6", "182.20", "2026-01-08"),
            invoice("INV-0364597", "C6", "464.84", "2026-01-09"),
        ],
        vec![customer("C6", "Prairie Electric")],
        &[payer(
            receipt(
                "R1",
                "13856.27",
                "2026-03-01",
                &["INVOICES INV-0364521;INV-0 3G4 597;INV-0364515;Inv 364519;INV-036 4S47"],
            ),
            "PRAIRIE ELECTRIC",
        )],
    );
    let mut got = lines(&l, &o[0]);
    got.sort();
    assert_eq!(
        got,
        [
            s("applied", "INV-0364515", "7871.66"),
            s("applied", "INV-0364521", "4120.30"),
            s("applied", "INV-0364547", "1217.27"),
            s("applied", "INV-0364591", "182.20"),
            s("applied", "INV-0364597", "464.84")
        ]
    );
}

#[test]
fn a_list_whose_rest_two_mistyped_references_explain_together_pays_what_both_meant() {
    // `4411` meant `4414` and `4425` meant `4452`; neither alone explains
    // the 1873.57 left over, both together do exactly.
    let (l, o) = decide(
        vec![
            invoice("4411", "C5", "100.00", "2026-02-20"),
            invoice("4414", "C5", "1234.56", "2026-01-10"),
            invoice("4425", "C5", "50.00", "2026-02-21"),
            invoice("4430", "C5", "300.00", "2026-01-12"),
            invoice("4452", "C5", "789.01", "2026-01-11"),
        ],
        vec![customer("C5", "Keystone Apparel")],
        &[payer(receipt("R1", "2323.57", "2026-03-01", &["INV 4411, 4425, 4430"]), "KEYSTONE APPAREL")],
    );
    let mut got = lines(&l, &o[0]);
    got.sort();
    assert_eq!(got, [s("applied", "4414", "1234.56"), s("applied", "4430", "300.00"), s("applied", "4452", "789.01")]);
    assert!(o[0].exceptions.is_empty(), "{:?}", o[0].exceptions);
}

#[test]
fn a_line_overpaying_its_invoice_while_a_neighbour_is_open_for_more_is_held_not_posted_with_the_rest_on_account() {
    // `2026-560974: 300,00` where 2026-560974 is open for 290.67 and
    // 2026-560978, one edit away, for 500.00: an overpayment of the one
    // named, or a part payment of its neighbour under a mistyped number.
    let invs = vec![
        invoice("2026-560974", "C1", "290.67", "2026-04-07"),
        invoice("2026-560978", "C1", "500.00", "2026-02-23"),
        invoice("2026-560921", "C1", "3763.00", "2026-02-10"),
    ];
    let mut r = receipt("R1", "4063.00", "2026-03-05", &[]);
    r.remittance_lines = vec![item("2026-560974", "300.00"), item("2026-560921", "3763.00")];
    let (l, o) = decide(invs, vec![customer("C1", "Atlas Medical GmbH")], &[r]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "2026-560921", "3763.00"), s("unapplied", "", "300.00")]);
    let e = &o[0].exceptions;
    assert_eq!(exceptions(&l, &o[0]), [s("unapplied", "", "300.00")]);
    assert!(e[0].suggestions.iter().any(|(id, _)| id == "2026-560978"), "{:?}", e[0]);
    assert!(e[0].suggestions.iter().any(|(id, _)| id == "2026-560974"), "{:?}", e[0].suggestions);
}

#[test]
fn a_line_overpaying_its_invoice_with_no_neighbour_open_for_more_is_an_overpayment_of_that_invoice() {
    // The same list, 2026-560978 open for only 250.00: nothing the 300.00
    // could part-pay, so the excess over 2026-560974 goes on account.
    let invs = vec![
        invoice("2026-560974", "C1", "290.67", "2026-04-07"),
        invoice("2026-560978", "C1", "250.00", "2026-02-23"),
        invoice("2026-560921", "C1", "3763.00", "2026-02-10"),
    ];
    let mut r = receipt("R1", "4063.00", "2026-03-05", &[]);
    r.remittance_lines = vec![item("2026-560974", "300.00"), item("2026-560921", "3763.00")];
    let (l, o) = decide(invs, vec![customer("C1", "Atlas Medical GmbH")], &[r]);
    assert_eq!(
        lines(&l, &o[0]),
        [s("applied", "2026-560921", "3763.00"), s("applied", "2026-560974", "290.67"), s("on_account", "", "9.33")]
    );
}

#[test]
fn a_line_naming_nothing_goes_to_the_invoice_of_its_amount_whose_number_ends_in_its_zero_padded_digits() {
    // `00097=150.00` is 2025-00097 with its year dropped; three invoices of
    // the payer are open for 150.00. As a key `00097` is `97`, too short to
    // compare: its printed form is compared.
    let invs = vec![
        invoice("INV-017397", "C1", "200.00", "2026-03-01"),
        invoice("2025-00097", "C1", "150.00", "2026-03-01"),
        invoice("2026-17242", "C1", "150.00", "2026-03-01"),
        invoice("INV-158255", "C1", "150.00", "2026-03-01"),
    ];
    let mut r = payer(receipt("R1", "350.00", "2026-05-05", &[]), "Acme Farms");
    r.remittance_lines = vec![item("INV-017397", "200.00"), item("00097", "150.00")];
    let (l, o) = decide(invs, vec![customer("C1", "Acme Farms")], &[r]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-017397", "200.00"), s("applied", "2025-00097", "150.00")]);
}

#[test]
fn a_purchase_order_segment_beside_a_line_naming_nothing_places_it_on_that_orders_invoice() {
    // CTX: `RMR*IV*9895*PI*750.00` then `REF*PO*4592606436`; 9895 names
    // nothing (transposed), 8995 carries that purchase order and is open for
    // 750.00. The order's match kept the line from the invoice it confirms.
    let mut a = invoice("8995", "C1", "750.00", "2026-05-30");
    a.po_number = Some("4592606436".into());
    let invs = vec![a, invoice("9336", "C1", "1000.00", "2026-02-19"), invoice("8052", "C1", "750.00", "2026-03-24")];
    let mut r = payer(
        receipt(
            "R1",
            "1750.00",
            "2026-05-05",
            &["RMR*IV*9895*PI*750.00~", "REF*PO*4592606436~", "RMR*IV*9336*PI*1000.00~"],
        ),
        "Marchetti Hardware",
    );
    r.remittance_lines = vec![item("9895", "750.00"), item("9336", "1000.00")];
    let (l, o) = decide(invs, vec![customer("C1", "Marchetti Hardware")], &[r]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "9336", "1000.00"), s("applied", "8995", "750.00")]);
}

#[test]
fn a_part_payment_of_a_number_printed_without_its_prefix_is_applied_when_the_stated_document_total_is_that_invoices() {
    // `RMR*IV*00552**409.08*743.79`: the payer (known by its account) pays
    // 409.08 of a document it states as 743.79; 00552 is 1800000552 with
    // its prefix dropped, and 1800000552 is exactly 743.79.
    let invs =
        vec![invoice("1800000552", "C1", "743.79", "2026-01-04"), invoice("1800000601", "C1", "2000.00", "2026-01-20")];
    let mut cs = vec![customer("C1", "Keystone Apparel Co")];
    cs[0].bank_accounts = vec!["2013522597".into()];
    let paid = |total: Option<&str>| {
        let mut line = item("00552", "409.08");
        line.invoice_amount = total.map(d);
        let mut r = receipt("R1", "409.08", "2026-02-02", &[]);
        r.payer_account = Some("2013522597".into());
        r.remittance_lines = vec![line];
        r
    };
    let (l, o) = decide(invs.clone(), cs.clone(), &[paid(Some("743.79"))]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "1800000552", "409.08")]);
    assert!(o[0].lines[0].confidence >= d("0.90"), "{:?}", o[0].lines[0]);
    assert!(o[0].exceptions.iter().any(|e| e.kind.as_str() == "short_payment"), "{:?}", o[0].exceptions);
    // Without the stated total, a reference only close to the invoice is held.
    let (l, o) = decide(invs.clone(), cs.clone(), &[paid(None)]);
    assert!(!lines(&l, &o[0]).iter().any(|(k, _, _)| *k == "applied"), "{:?}", lines(&l, &o[0]));
    // A total that is not the invoice's own amount corroborates nothing.
    let (l, o) = decide(invs, cs, &[paid(Some("750.00"))]);
    assert!(!lines(&l, &o[0]).iter().any(|(k, _, _)| *k == "applied"), "{:?}", lines(&l, &o[0]));
}

#[test]
fn a_stated_document_total_that_two_neighbours_of_a_repeated_number_share_corroborates_neither() {
    // `INV-0307386` twice, for 3144.01 (its own amount) and for 500.00 with
    // a stated total of 500.00: INV-0307385 and INV-0307366, one edit each
    // from the number, are both 500.00. The second line stays held.
    let invs = vec![
        invoice("INV-0307386", "C1", "3144.01", "2026-02-12"),
        invoice("INV-0307385", "C1", "500.00", "2026-02-20"),
        invoice("INV-0307366", "C1", "500.00", "2026-02-22"),
        invoice("INV-0307397", "C1", "204.21", "2026-02-23"),
    ];
    let mut cs = vec![customer("C1", "Summit Robotics of Ohio GmbH")];
    cs[0].bank_accounts = vec!["2087129707".into()];
    let stated = |reference: &str, amount: &str| {
        let mut l = item(reference, amount);
        l.invoice_amount = Some(d(amount));
        l
    };
    let mut r = receipt("R1", "3848.22", "2026-03-02", &[]);
    r.payer_account = Some("2087129707".into());
    r.remittance_lines =
        vec![stated("INV-0307386", "3144.01"), stated("INV-0307386", "500.00"), stated("INV-0307397", "204.21")];
    let (l, o) = decide(invs, cs, &[r]);
    let got = lines(&l, &o[0]);
    assert!(!got.iter().any(|(_, inv, _)| inv == "INV-0307385" || inv == "INV-0307366"), "{got:?}");
    assert!(got.contains(&s("unapplied", "", "500.00")), "{got:?}");
}
